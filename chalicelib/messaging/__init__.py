"""Adapters to AWS messaging services other than DynamoDB (SNS)."""
