"""The only package that talks to SQS: the job-segment queue's sender, and its workers' batch of messages."""
