"""Passwords, signed access tokens and API keys.

Passwords are hashed with argon2id (argon2-cffi's defaults, the OWASP recommendation). Access
tokens are short-lived HS256 JWTs (PyJWT) naming the subject, role and narrowing (funder or
customer); nothing else is trusted from them. API keys are random 32-byte secrets shown once:
only their SHA-256 is stored — a fast hash is right here because the secret has 256 bits of
entropy (nothing to brute-force), and the key is checked on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from puhui.security.errors import NotAuthenticated
from puhui.security.roles import Principal, Role, principal_for

_HASHER = PasswordHasher()
TOKEN_LIFETIME = timedelta(minutes=30)
MIN_PASSWORD_LENGTH = 10
API_KEY_PREFIX = "phk"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise NotAuthenticated(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters; choose a longer one"
        )
    return _HASHER.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class TokenSigner:
    """Issues and checks access tokens with one secret (from configuration)."""

    secret: str
    lifetime: timedelta = TOKEN_LIFETIME

    def issue(self, principal: Principal, now: datetime | None = None) -> str:
        moment = now or datetime.now(UTC)
        claims: dict[str, object] = {
            "sub": principal.subject,
            "role": principal.role.value,
            "iat": int(moment.timestamp()),
            "exp": int((moment + self.lifetime).timestamp()),
        }
        if principal.funder is not None:
            claims["funder"] = principal.funder
        if principal.customer_id is not None:
            claims["customer"] = principal.customer_id
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def principal(self, token: str) -> Principal:
        return self.verify(token)[0]

    def verify(self, token: str) -> tuple[Principal, int]:
        """The token's principal and its expiry (epoch seconds); raises if invalid or expired."""
        try:
            claims = jwt.decode(
                token, self.secret, algorithms=["HS256"], options={"require": ["exp"]}
            )
            role = Role(claims["role"])
        except jwt.ExpiredSignatureError:
            raise NotAuthenticated("the access token has expired; sign in again") from None
        except (jwt.InvalidTokenError, KeyError, ValueError):
            raise NotAuthenticated("the access token is not valid; sign in again") from None
        if role is Role.CHANNEL:
            raise NotAuthenticated("channels authenticate with an API key, not a token")
        principal = principal_for(
            claims["sub"], role, funder=claims.get("funder"), customer_id=claims.get("customer")
        )
        return principal, int(claims["exp"])


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key_id: int
    secret: str  # shown once to the caller, never stored


def new_api_key_secret() -> str:
    return secrets.token_urlsafe(32)


def format_api_key(key_id: int, secret: str) -> str:
    return f"{API_KEY_PREFIX}_{key_id}_{secret}"


def parse_api_key(text: str) -> tuple[int, str]:
    """(key id, secret) of a presented key; a malformed key is refused without a lookup."""
    prefix, _, rest = text.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != API_KEY_PREFIX or not key_id.isdigit() or not secret:
        raise NotAuthenticated(f"an API key looks like {API_KEY_PREFIX}_<id>_<secret>; check it")
    return int(key_id), secret


def api_key_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_matches(stored_digest: str, secret: str) -> bool:
    return secrets.compare_digest(stored_digest, api_key_digest(secret))
