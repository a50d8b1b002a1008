"""Bearer JWT verification: Cognito's JWKS when deployed, a development key pair locally.

PyJWT (with `cryptography`) is imported on first use, so the API handler's cold start does not
pay for it; only the authorizer does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from chalicelib.domain import identifiers
from chalicelib.settings import get_settings

ALGORITHMS = ["RS256"]
ADMIN_GROUP = "admin"


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not signed by our issuer."""


@dataclass(frozen=True)
class Principal:
    subject: str
    is_admin: bool


@lru_cache(maxsize=1)
def _dev_public_key() -> str:
    path = get_settings().dev_public_key_path
    if path is None:
        raise InvalidToken("no verification key configured")
    return Path(path).read_text()


@lru_cache(maxsize=1)
def _jwks_client() -> Any:
    import jwt

    url = get_settings().jwks_url
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600) if url else None


def verify(authorization: str | None) -> Principal:
    """Verify `Bearer <jwt>`; returns who is calling and whether they are an operator."""
    import jwt

    if not authorization or not authorization.startswith("Bearer "):
        raise InvalidToken("expected 'Authorization: Bearer <token>'")
    token = authorization[len("Bearer ") :].strip()
    settings = get_settings()
    try:
        jwks = _jwks_client()
        key: Any = jwks.get_signing_key_from_jwt(token).key if jwks is not None else _dev_public_key()
        claims = jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            options={"require": ["exp", "sub"], "verify_aud": settings.jwt_audience is not None},
            leeway=30,
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(type(exc).__name__) from exc
    subject = claims.get("sub")
    if not isinstance(subject, str) or not identifiers.is_own_id(subject):
        raise InvalidToken("sub must be a fan id: " + identifiers.OWN_ID_RULE)
    return Principal(subject, ADMIN_GROUP in _groups(claims))


def _groups(claims: dict[str, Any]) -> set[str]:
    """Both `groups` and `cognito:groups` count; a claim that is not a list of strings grants nothing."""
    found: set[str] = set()
    for claim in ("groups", "cognito:groups"):
        value = claims.get(claim)
        if isinstance(value, list):
            found.update(v for v in value if isinstance(v, str))
    return found
