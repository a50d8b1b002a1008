"""The only package that talks to DynamoDB: PynamoDB models, reads, and transactional writes."""
