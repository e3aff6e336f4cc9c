"""HS256 user tokens whose `sub` is the user id (an upstream IdP would mint them)."""

from __future__ import annotations

import re
import time

import jwt

from seatgate.errors import Unauthenticated
from seatgate.settings import Settings

ALGORITHM = "HS256"
ISSUER = "seatgate"
# A user id is a positive PostgreSQL bigint written in ASCII digits. `str.isdigit()` and
# `int()` also take Unicode digits ("٣" and "３" read as 3: another user's identity) and
# superscripts ("²": int() raises), so the shape is checked with an ASCII-only pattern.
_SUBJECT = re.compile(r"[1-9][0-9]{0,18}", re.ASCII)
_MAX_USER_ID = 2**63 - 1
# Tokens this process has verified: token -> (secret it verified under, user id, exp).
# A client sends the same token with every request, and HMAC + JSON decoding was ~9 % of
# a poll's CPU (ADR 0007); a hit re-checks the secret and the expiry, so the answer is
# the one decoding would give. Bounded: emptied when full (each entry is a few hundred
# bytes, so at most a few MB per worker).
_VERIFIED: dict[str, tuple[str, int, int]] = {}
_VERIFIED_MOST = 20_000


def issue_user_token(settings: Settings, user_id: int) -> str:
    now = int(time.time())
    claims = {"sub": str(user_id), "iss": ISSUER, "iat": now, "exp": now + settings.jwt_ttl_seconds}
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def user_id_from_token(settings: Settings, token: str) -> int:
    secret = settings.jwt_secret.get_secret_value()
    known = _VERIFIED.get(token)
    if known is not None and known[0] == secret and known[2] > time.time():
        return known[1]
    user_id, expires = _verified(secret, token)
    if len(_VERIFIED) >= _VERIFIED_MOST:
        _VERIFIED.clear()
    _VERIFIED[token] = (secret, user_id, expires)
    return user_id


def _verified(secret: str, token: str) -> tuple[int, int]:
    """The user id and expiry of a token whose signature and claims hold."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("User token has expired") from None
    except jwt.PyJWTError:
        raise Unauthenticated("User token is invalid") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not _SUBJECT.fullmatch(subject):
        raise Unauthenticated("User token has no valid subject")
    user_id = int(subject)
    if user_id > _MAX_USER_ID:
        raise Unauthenticated("User token has no valid subject")
    return user_id, int(claims["exp"])
