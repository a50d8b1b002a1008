"""Fan engagement backend: domain, persistence, use cases and HTTP adapters."""
