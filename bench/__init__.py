"""Benchmarks: DynamoDB requests per operation, latency against the bare-call floor, cold start."""
