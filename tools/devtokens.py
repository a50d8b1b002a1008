"""A development RSA key pair and bearer tokens signed with it (`make token FAN=<id> [ADMIN=1]`)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_DIR = Path(".local")
ISSUER = "fan-engagement-local"


def ensure_keys(directory: Path = DEFAULT_DIR) -> tuple[Path, Path]:
    """Create the key pair once; later calls reuse it so that issued tokens stay valid."""
    private, public = directory / "dev-jwt-private.pem", directory / "dev-jwt-public.pem"
    if private.exists() and public.exists():
        return private, public
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    private.chmod(0o600)
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return private, public


def mint(
    subject: str,
    admin: bool = False,
    ttl_seconds: int = 12 * 3600,
    directory: Path = DEFAULT_DIR,
    issuer: str = ISSUER,
    now: float | None = None,
) -> str:
    private, _ = ensure_keys(directory)
    issued = int(time.time() if now is None else now)
    claims: dict[str, object] = {"sub": subject, "iss": issuer, "iat": issued, "exp": issued + ttl_seconds}
    if admin:
        claims["groups"] = ["admin"]
    return jwt.encode(claims, private.read_text(), algorithm="RS256")


def main() -> None:
    parser = argparse.ArgumentParser(description="Print a bearer token for the local stack.")
    parser.add_argument("fan", help="the fan id (JWT sub)")
    parser.add_argument("--admin", action="store_true", help="add the admin group")
    parser.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds")
    args = parser.parse_args()
    print(mint(args.fan, args.admin, args.ttl))


if __name__ == "__main__":
    main()
