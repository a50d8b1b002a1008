"""Adapters for what leaves the service other than DynamoDB writes: events on the EventBridge bus, alerts on SNS."""
