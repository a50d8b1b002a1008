"""Local webhook secrets, and `make webhook TYPE=<type>`: sign a sample from events/webhooks/ and send it.

The local stack reads the same secrets file, so a delivery signed here verifies there. Sample
timestamps (`occurred_at`, `published_at`) are moved to now unless --keep-times, so that the
event lands in today's caps.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import sys
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from standardwebhooks.webhooks import Webhook

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "events" / "webhooks"
DEFAULT_DIR = ROOT / ".local"
PLATFORMS = ("tiktok", "youtube")
TIME_FIELDS = ("occurred_at", "published_at")


def ensure_secrets(directory: Path = DEFAULT_DIR) -> dict[str, list[str]]:
    """One development secret per platform, created once and reused (like the dev JWT key pair)."""
    path = directory / "webhook-secrets.json"
    if path.exists():
        stored: dict[str, list[str]] = json.loads(path.read_text())
        return stored
    directory.mkdir(parents=True, exist_ok=True)
    created = {p: ["whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()] for p in PLATFORMS}
    path.write_text(json.dumps(created))
    path.chmod(0o600)
    return created


def signed_headers(secret: str, webhook_id: str, body: bytes, when: datetime) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, when, body.decode()),
    }


def sample(event_type: str, now: datetime | None = None) -> dict[str, object]:
    """The sample delivery for a type; with `now`, its event times moved to now."""
    path = SAMPLES / f"{event_type}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SAMPLES.glob("*.json")))
        raise SystemExit(f"No sample for {event_type!r}. Known types: {known}")
    body: dict[str, object] = json.loads(path.read_text())
    data = body.get("data")
    if now is not None and isinstance(data, dict):
        for field in TIME_FIELDS:
            if field in data:
                data[field] = now.isoformat()
    return body


def send(url: str, platform: str, body: dict[str, object], webhook_id: str, directory: Path) -> tuple[int, str]:
    raw = json.dumps(body).encode()
    secret = ensure_secrets(directory)[platform][0]
    headers = signed_headers(secret, webhook_id, raw, datetime.now(UTC))
    request = urllib.request.Request(f"{url}/v1/webhooks/{platform}", data=raw, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def main() -> None:
    parser = argparse.ArgumentParser(description="Sign a sample webhook and send it to the local stack.")
    parser.add_argument("type", help="event type, e.g. engagement.liked (a file in events/webhooks/)")
    parser.add_argument("--platform", default="tiktok", choices=PLATFORMS)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--id", help="webhook-id to send (repeat one to see a duplicate); random by default")
    parser.add_argument("--keep-times", action="store_true", help="send the sample's own event times")
    args = parser.parse_args()
    body = sample(args.type, None if args.keep_times else datetime.now(UTC))
    webhook_id = args.id or f"msg_{uuid.uuid4().hex}"
    try:
        status, text = send(f"http://{args.host}:{args.port}", args.platform, body, webhook_id, DEFAULT_DIR)
    except urllib.error.URLError as error:
        where = f"{args.host}:{args.port}"
        raise SystemExit(f"Could not reach the local stack on {where} ({error.reason}); run `make run`.") from None
    print(f"{args.type} ({webhook_id}) -> {status} {text}")
    sys.exit(0 if status < 400 else 1)


if __name__ == "__main__":
    main()
