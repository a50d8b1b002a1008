"""A development RSA key pair and bearer tokens signed with it (`make token FAN=<id> [ADMIN=1]`)."""

from __future__ import annotations

import argparse
import time
from functools import lru_cache
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
    return jwt.encode(claims, _signing_key(private, private.stat().st_mtime_ns), algorithm="RS256")


@lru_cache(maxsize=4)
def _signing_key(private: Path, modified_ns: int) -> rsa.RSAPrivateKey:
    """The parsed key, once per key file version: parsing a PEM costs more than signing (the backtest mints
    a token for each of thousands of fans)."""
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{private} does not hold an RSA key")
    return key


def main() -> None:
    parser = argparse.ArgumentParser(description="Print a bearer token for the local stack.")
    parser.add_argument("fan", help="the fan id (JWT sub)")
    parser.add_argument("--admin", action="store_true", help="add the admin group")
    parser.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds")
    args = parser.parse_args()
    print(mint(args.fan, args.admin, args.ttl))


if __name__ == "__main__":
    main()
