"""Verified user tokens are remembered per process; a remembered one still answers exactly
what verifying it again would."""

from __future__ import annotations

import jwt
import pytest

from seatgate.errors import Unauthenticated
from seatgate.identity import tokens
from seatgate.settings import load_settings

SECRET_A = "a" * 40
SECRET_B = "b" * 40


def test_a_token_is_verified_once_then_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(profile="test", jwt_secret=SECRET_A)
    token = tokens.issue_user_token(settings, 42)
    decoded = []
    real_decode = jwt.decode

    def counting_decode(*args: object, **kwargs: object) -> object:
        decoded.append(args[0])
        return real_decode(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tokens.jwt, "decode", counting_decode)

    assert [tokens.user_id_from_token(settings, token) for _ in range(3)] == [42, 42, 42]
    assert decoded == [token]


def test_a_remembered_token_is_refused_under_another_secret() -> None:
    token = tokens.issue_user_token(load_settings(profile="test", jwt_secret=SECRET_A), 7)
    assert tokens.user_id_from_token(load_settings(profile="test", jwt_secret=SECRET_A), token) == 7

    with pytest.raises(Unauthenticated, match="invalid"):
        tokens.user_id_from_token(load_settings(profile="test", jwt_secret=SECRET_B), token)


def test_a_remembered_token_expires_when_its_exp_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(profile="test", jwt_secret=SECRET_A, jwt_ttl_seconds=60)
    token = tokens.issue_user_token(settings, 9)
    assert tokens.user_id_from_token(settings, token) == 9
    later = tokens.time.time() + 120
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    monkeypatch.setattr(jwt.api_jwt, "datetime", _FrozenDatetime(later))

    with pytest.raises(Unauthenticated, match="expired"):
        tokens.user_id_from_token(settings, token)


class _FrozenDatetime:
    """PyJWT reads the time as datetime.now(tz=utc): the same clock as tokens.time."""

    def __init__(self, at: float) -> None:
        self._at = at

    def now(self, tz: object = None) -> object:
        from datetime import UTC, datetime

        return datetime.fromtimestamp(self._at, tz=UTC)
