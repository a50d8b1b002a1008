"""Developer tooling for the local stack: keys, tokens, seeding and the runner. Not deployed."""
