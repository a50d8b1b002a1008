"""Helpers shared by the test suites: a settable clock, a JSON client, tokens and table snapshots."""

from __future__ import annotations

import functools
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalice.test import Client

from tools import devtokens, testclient

KEYS_DIR = Path(os.environ["DEV_JWT_PUBLIC_KEY"]).parent


class Clock:
    """A settable now() for crossing local days deterministically."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def token(subject: str, admin: bool = False, ttl: int = 3600, **kwargs: Any) -> str:
    if ttl == 3600 and not kwargs:
        return _cached_token(subject, admin)
    return devtokens.mint(subject, admin, ttl, directory=KEYS_DIR, **kwargs)


@functools.lru_cache(maxsize=4096)
def _cached_token(subject: str, admin: bool) -> str:
    """Signing loads and checks the RSA key (tens of ms), so reuse tokens across calls."""
    return devtokens.mint(subject, admin, 3600, directory=KEYS_DIR)


def signed_claims(claims: dict[str, Any]) -> str:
    """A development token with exactly these claims (for claims `devtokens.mint` does not set)."""
    import jwt

    return jwt.encode(claims, (KEYS_DIR / "dev-jwt-private.pem").read_text(), "RS256")


class Api:
    """Thin JSON helper over chalice's test client."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        who: str | None = None,
        admin: bool = False,
        body: Any = None,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Any:
        bearer = token(who, admin) if who is not None else None
        return testclient.request(self.client, method, path, bearer, body, key, headers, raw)


def payload(response: Any) -> Any:
    return json.loads(response.body)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every item of every table, to prove that a refused request wrote nothing."""
    from chalicelib.persistence.models import ALL_MODELS

    return {
        model.Meta.table_name: sorted(json.dumps(i.to_simple_dict(), sort_keys=True, default=str) for i in model.scan())
        for model in ALL_MODELS
    }  # type: ignore[misc]


def without_rejection_counts(tables: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """A snapshot less the rejected-webhook counts (`webhooks#` items): the one write a 401 webhook makes."""
    return {
        name: [i for i in found if not (name.endswith("-counters") and '"slot": "webhooks#' in i)]
        for name, found in tables.items()
    }


def rejected_webhooks() -> int:
    """Every rejected delivery counted so far, over all platforms, slots and processes."""
    from chalicelib.persistence.models import CounterModel

    items = CounterModel._get_connection().scan().get("Items", [])  # raw: the counters are dynamic attributes
    return sum(
        int(value["N"])
        for item in items
        if item["slot"]["S"].startswith("webhooks#")
        for name, value in item.items()
        if name.startswith("rejected:")
    )


def state() -> dict[str, list[dict[str, Any]]]:
    """Every table but the idempotency records: what a refusal must leave as it was.

    A refused (I) request keeps its answer under its key, so that a retry is answered with it.
    """
    from chalicelib.persistence.models import IdempotencyModel

    tables = snapshot()
    tables.pop(IdempotencyModel.Meta.table_name)
    return tables


def reward_body(**overrides: Any) -> dict[str, Any]:
    return {"name": "Tour poster", "cost": 30, "stock_remaining": 10, **overrides}


def ledger_entries(api: Api, fan_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """Every entry of the fan's ledger, newest first, following next_cursor to the end."""
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        path = f"/v1/me/ledger?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = payload(api.call("GET", path, who=fan_id))
        entries += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return entries


def ledger_sum(api: Api, fan_id: str) -> int:
    return sum(e["delta"] for e in ledger_entries(api, fan_id))


def run_job(api: Api, job: str, key: str) -> dict[str, Any]:
    """Run a job now as an operator; the run as GET /v1/admin/jobs/{job}/runs/{run_id} shows it."""
    response = api.call("POST", f"/v1/admin/jobs/{job}", who="ops", admin=True, key=key)
    assert response.status_code == 202, response.body
    run_id = payload(response)["run_id"]
    return dict(payload(api.call("GET", f"/v1/admin/jobs/{job}/runs/{run_id}", who="ops", admin=True)))


TIKTOK_SECRETS = json.loads(os.environ["WEBHOOK_SECRETS"])["tiktok"]


def signed(body: bytes, webhook_id: str, when: datetime, secret: str | None = None) -> dict[str, str]:
    """Standard Webhooks headers for `body`, signed with the platform's current secret by default."""
    from standardwebhooks.webhooks import Webhook

    signature = Webhook(secret or TIKTOK_SECRETS[0]).sign(webhook_id, when, body.decode())
    return {"webhook-id": webhook_id, "webhook-timestamp": str(int(when.timestamp())), "webhook-signature": signature}


def deliver(
    api: Api,
    event_type: str,
    data: dict[str, Any],
    *,
    webhook_id: str | None = None,
    platform: str = "tiktok",
    when: datetime | None = None,
    secret: str | None = None,
) -> Any:
    body = json.dumps({"type": event_type, "data": data}).encode()
    headers = signed(body, webhook_id or f"msg_{uuid.uuid4().hex}", when or clock_now(api), secret)
    return api.client.http.request(
        "POST", f"/v1/webhooks/{platform}", headers={"Content-Type": "application/json", **headers}, body=body
    )


def clock_now(api: Api) -> datetime:
    from chalicelib import clock

    return clock.now()


class Platform:
    """A content platform sending signed deliveries; `cold` makes each one reach a new container."""

    def __init__(self, api: Api, cold: bool = False, platform: str = "tiktok") -> None:
        self.api, self.cold, self.platform = api, cold, platform

    def send(self, event_type: str, data: dict[str, Any], expect: int = 202) -> Any:
        from chalicelib.services import caches

        if self.cold:
            caches.clear_all()
        response = deliver(self.api, event_type, data, platform=self.platform)
        assert response.status_code == expect, response.body
        return response

    def link(self, fan_id: str, external_user_id: str) -> Any:
        return self.send("account.linked", {"external_user_id": external_user_id, "fan_id": fan_id})

    def engage(self, kind: str, external_user_id: str, content_id: str, occurred_at: datetime) -> Any:
        data = {"content_id": content_id, "external_user_id": external_user_id, "occurred_at": occurred_at.isoformat()}
        return self.send(f"engagement.{kind}", data)

    def publish(self, external_user_id: str, content_id: str, published_at: datetime) -> Any:
        published = published_at.isoformat()
        data = {"content_id": content_id, "external_user_id": external_user_id, "published_at": published}
        return self.send("content.published", data)


def balance(api: Api, fan_id: str) -> int:
    return int(payload(api.call("GET", "/v1/me", who=fan_id))["balance"])


def scheduled_event(api: Api, event_id: str = "tick-1") -> dict[str, Any]:
    """An EventBridge scheduled event as the hourly rule delivers it (its `id` is the correlation id)."""
    event: dict[str, Any] = api.client.events.generate_cw_event(
        source="aws.events",
        detail_type="Scheduled Event",
        detail={},
        resources=["arn:aws:events:us-east-1:123456789012:rule/fan-engagement-dev-run_due_jobs-event"],
    )
    return {**event, "id": event_id}


def tick(api: Api, event_id: str = "tick-1") -> list[dict[str, Any]]:
    """Invoke the scheduled Lambda (`run_due_jobs`) as EventBridge would; its answer is the tick's summary."""
    ticked: list[dict[str, Any]] = api.client.lambda_.invoke("run_due_jobs", scheduled_event(api, event_id)).payload
    return ticked


class JobQueue:
    """The job-segment queue on moto, and Lambda's SQS event source for it: receive, invoke the worker, delete.

    Attributes come from infra/resources.json (visibility timeout, redrive to the DLQ after
    maxReceiveCount), so a message failing every receive ends in the DLQ as deployed. A message the
    worker reports failed is made visible again at once, as if its visibility timeout had passed.
    """

    WORKER = "work_job_segments"

    def __init__(self, sqs: Any, url: str, dead_letter_url: str, arn: str) -> None:
        self.sqs, self.url, self.dead_letter_url, self.arn = sqs, url, dead_letter_url, arn

    def depth(self, url: str | None = None) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        found = self.sqs.get_queue_attributes(QueueUrl=url or self.url, AttributeNames=names)["Attributes"]
        return sum(int(found[name]) for name in names)

    def dead(self) -> int:
        return self.depth(self.dead_letter_url)

    def receive(self, count: int = 1) -> list[dict[str, Any]]:
        received: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=count, VisibilityTimeout=0, AttributeNames=["All"]
        ).get("Messages", [])
        return received

    def send(self, *bodies: str) -> None:
        for body in bodies:
            self.sqs.send_message(QueueUrl=self.url, MessageBody=body)

    def hide(self, message: dict[str, Any], seconds: int) -> None:
        """Keep a received message in flight, as SQS does until its visibility timeout passes."""
        handle = message["ReceiptHandle"]
        self.sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=handle, VisibilityTimeout=seconds)

    def invoke(self, api: Api, *bodies: str) -> set[str]:
        """The worker given these bodies as first receives of messages the queue does not hold; the failed ids."""
        first = {"ApproximateReceiveCount": "1", "SentTimestamp": "0"}
        messages = [
            {"MessageId": f"copy-{n}", "ReceiptHandle": f"copy-{n}", "Body": body, "MD5OfBody": "", "Attributes": first}
            for n, body in enumerate(bodies)
        ]
        answer = api.client.lambda_.invoke(self.WORKER, self.event(messages)).payload
        return {item["itemIdentifier"] for item in answer["batchItemFailures"]}

    def event(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The event Lambda's SQS event source gives the worker for these messages."""
        return {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m["Attributes"],
                    "messageAttributes": {},
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.arn,
                    "awsRegion": "us-east-1",
                }
                for m in messages
            ]
        }

    def deliver(self, api: Api, messages: list[dict[str, Any]]) -> set[str]:
        """One worker invocation with these messages; deletes the ones it did not report failed, returns those."""
        answer = api.client.lambda_.invoke(self.WORKER, self.event(messages)).payload
        failed = {item["itemIdentifier"] for item in answer["batchItemFailures"]}
        for m in messages:
            if m["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
        return failed

    def drain(self, api: Api, batch: int = 1, limit: int = 1000) -> list[str]:
        """Deliver until the queue is empty (failures retried until the DLQ takes them); the bodies delivered."""
        delivered: list[str] = []
        for _ in range(limit):
            messages = self.receive(batch)
            if not messages:
                return delivered
            delivered += [m["Body"] for m in messages]
            self.deliver(api, messages)
        raise AssertionError(f"the job queue was not empty after {limit} deliveries")


class Streams:
    """Lambda's stream event source mappings, run when a test asks (moto runs none): `drain` feeds every new
    stream record to the app's stream handlers (tools/stream_pump.py) and returns the events the bus
    delivered since the last call, as EventBridge's envelopes read from a queue its rule fills."""

    def __init__(self, api: Api, max_attempts: int = 3) -> None:
        import app as application
        from tools import local_bus
        from tools.stream_pump import StreamPump, sources

        [self.queue] = local_bus.create("local")
        self.invoke = lambda name, event: api.client.lambda_.invoke(name, event).payload
        self.pump = StreamPump(self.invoke, sources(application.app), max_attempts=max_attempts)

    def drain(self) -> list[dict[str, Any]]:
        self.pump.drain()
        return self.received()

    def received(self) -> list[dict[str, Any]]:
        """The events the bus delivered since the last read, without feeding the streams."""
        from tools import local_bus

        return local_bus.receive(self.queue)

    def details(self, detail_type: str | None = None) -> list[dict[str, Any]]:
        """The details of the events drained now, of one type if given."""
        return [e["detail"] for e in self.drain() if detail_type in (None, e["detail-type"])]
