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


def issue_user_token(settings: Settings, user_id: int) -> str:
    now = int(time.time())
    claims = {"sub": str(user_id), "iss": ISSUER, "iat": now, "exp": now + settings.jwt_ttl_seconds}
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def user_id_from_token(settings: Settings, token: str) -> int:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
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
    return user_id
