"""Adapters for what leaves the service other than DynamoDB writes: events on the EventBridge bus, alerts on SNS,
job-run segments on their SQS queue (sent, and received in a worker's batch)."""
