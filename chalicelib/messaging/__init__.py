"""Adapters for what leaves the service other than DynamoDB writes: domain events on the EventBridge bus."""
