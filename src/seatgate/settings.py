"""One settings object for every process, read from `SEATGATE_*` env vars and `.env`.

Every value an operator can get wrong is refused here, before anything listens,
with one line naming the variable, the bad value (secrets masked) and the fix.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "SEATGATE_"
DEV_JWT_SECRET = "seatgate-dev-secret-change-me-0123456789"  # noqa: S105 - the refused default
DEV_OPERATOR_TOKEN = "seatgate-dev-operator-token-change-me"  # noqa: S105 - the refused default
MIN_DB_POOL_SIZE = 10
# The dotenv file read under the environment; SEATGATE_ENV_FILE= (empty) reads none, which
# is how the test suite keeps a developer's `.env` out of its processes.
ENV_FILE = os.environ.get(f"{ENV_PREFIX}ENV_FILE", ".env") or None
Profile = Literal["local", "test", "prod"]

# host:port[,host:port...] where host is a DNS name, IPv4 or [IPv6].
_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])"  # noqa: E501
_BOOTSTRAP_ENTRY = re.compile(rf"^{_HOST}:(\d{{1,5}})$")


class SettingsError(Exception):
    """A configuration value that stops the process; `str()` is the one line to print,
    `field` the setting it names ("" when the line names none)."""

    def __init__(self, line: str, *, field: str = "") -> None:
        super().__init__(line)
        self.field = field


class Settings(BaseSettings):
    """seatgate configuration; field `x` is set with `SEATGATE_X`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    # --- deployment -----------------------------------------------------------------------
    profile: Profile = Field(
        default="local", description="local (default), test or prod; prod refuses dev defaults."
    )
    http_host: str = Field(default="127.0.0.1", description="Address the API binds to.")
    http_port: int = Field(default=8000, ge=1, le=65535, description="Port the API listens on.")
    http_workers: int = Field(
        # One process uses one core: a single worker left the other idle under load (ADR 0009).
        default_factory=lambda: min(os.cpu_count() or 1, 64),
        ge=1,
        le=64,
        description="uvicorn worker processes (default: one per core).",
    )
    max_body_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest request body accepted (413 above)."
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        le=1024 * 1024,
        description="Largest request line + headers accepted (431 above).",
    )
    max_header_count: int = Field(
        default=100, ge=8, le=1000, description="Most request headers accepted (431 above)."
    )
    max_in_flight_requests: int = Field(
        # Above the 100 VUs of the largest k6 scenario; at 1,000 connections p99 was 9.4 s
        # unbounded, 4.5 s at 512, 2.9 s at 256, 1.6 s at 128 (docs/reliability.md).
        default=128,
        ge=1,
        le=100_000,
        description="Requests one worker handles at once; past it, 503 with Retry-After at once.",
    )

    # --- dependencies (unset = embedded twin under `seatgate dev`) ---------------------------
    database_url: str | None = Field(
        default=None, description="PostgreSQL URL, e.g. postgresql://user:pass@host:5432/seatgate."
    )
    redis_url: str | None = Field(default=None, description="Redis URL, e.g. redis://host:6379/0.")
    redis_cluster: bool = Field(
        default=False,
        description="True: SEATGATE_REDIS_URL names one start-up node of a Redis Cluster.",
    )
    redis_key_prefix: str = Field(
        default="seatgate:",
        min_length=1,
        # A brace would start a hash tag of its own and put all of one deployment's keys
        # in one cluster slot (docs/decisions/0012).
        pattern=r"^[^{}]+$",
        description="Prefix of every Redis key seatgate owns (no { or }).",
    )
    kafka_bootstrap_servers: str | None = Field(
        default=None, description="Kafka brokers as host:port[,host:port...]."
    )
    kafka_topic_partitions: int = Field(default=4, ge=1, le=1024)
    kafka_topic_replication: int = Field(default=1, ge=1, le=7)
    kafka_topic_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9._-]*$",
        description="Prepended to every topic name (isolates environments sharing a cluster).",
    )
    kafka_session_timeout_ms: int = Field(
        default=10_000, ge=6000, le=300_000, description="Consumer group session timeout."
    )
    connect_timeout_seconds: float = Field(
        default=3.0, gt=0, le=10, description="Bound on each dependency check at start-up."
    )
    redis_timeout_seconds: float = Field(
        default=0.5,
        gt=0,
        le=10,
        description="Deadline of each Redis command and of waiting for a Redis connection.",
    )
    db_acquire_timeout_seconds: float = Field(
        default=0.5, gt=0, le=10, description="Deadline of waiting for a pooled DB connection."
    )
    db_command_timeout_seconds: float = Field(
        default=1.5,
        gt=0,
        le=60,
        description="Client-side deadline of a request's DB command (a stalled server → 503).",
    )
    dependency_retry_after_seconds: int = Field(
        default=1, ge=1, le=60, description="Retry-After of a 503 for a dependency that is down."
    )
    data_dir: str = Field(default=".seatgate", description="Where `seatgate dev` keeps its data.")
    prometheus_url: str | None = Field(
        default=None,
        description="Prometheus that `seatgate loadtest` streams k6's metrics to (remote write).",
    )
    grafana_url: str = Field(
        default="http://127.0.0.1:3000",
        description="Grafana the load-test report links to for the run's dashboard.",
    )

    # --- database -------------------------------------------------------------------------
    # 16, not 20: with one API worker per core, 2 cores' workers and the 3 side processes
    # fit a stock PostgreSQL's max_connections of 100 (16 x 5 = 80 of 97); doctor checks it.
    db_pool_size: int = Field(default=16, description="asyncpg connections per process.")
    db_statement_timeout_ms: int = Field(default=5000, ge=100)

    # --- identity -------------------------------------------------------------------------
    jwt_secret: SecretStr = Field(
        default=SecretStr(DEV_JWT_SECRET), description="HS256 key for user tokens."
    )
    jwt_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    operator_token: SecretStr = Field(
        default=SecretStr(DEV_OPERATOR_TOKEN),
        description="Bearer token of the operator console and /api/v1/ops/*.",
    )
    alertmanager_url: str | None = Field(
        default=None, description="Alertmanager whose firing alerts the operator console shows."
    )

    # --- waiting room ---------------------------------------------------------------------
    admission_rate_per_second: float = Field(default=50.0, gt=0, le=100_000)
    max_active_users: int = Field(default=1000, ge=1)
    active_token_ttl_seconds: int = Field(default=600, ge=5)
    waiting_token_idle_seconds: int = Field(
        default=60, ge=5, description="A WAITING token not polled for this long expires."
    )
    active_idle_seconds: int = Field(
        default=120,
        ge=5,
        description="An ACTIVE token not used for this long expires and frees its slot; each "
        "request with it renews it, up to active_token_ttl_seconds.",
    )
    prequeue_window_seconds: int = Field(
        default=1800,
        ge=0,
        le=7 * 24 * 3600,
        description="How long before a concert's sale_opens_at its pre-queue takes tokens "
        "(they wait with no position and are shuffled at the opening).",
    )

    # --- abuse limits (GCRA in Redis: a sustained rate and a burst) ------------------------
    rate_limit_user_per_second: float = Field(
        default=10.0,
        ge=0,
        le=100_000,
        description="Token issues and polls one user may make per second (0 = no limit).",
    )
    rate_limit_user_burst: int = Field(
        default=20, ge=1, le=1_000_000, description="Requests one user may make at once."
    )
    rate_limit_address_per_second: float = Field(
        # One address is many people behind a carrier NAT, and every simulated user of
        # `seatgate loadtest` comes from 127.0.0.1: sized above what one 2-core server
        # answers, so it stops a flood from one address, not a crowd behind one.
        default=5000.0,
        ge=0,
        le=1_000_000,
        description="Token issues and polls from one client address per second (0 = no limit).",
    )
    rate_limit_address_burst: int = Field(
        default=50_000, ge=1, le=10_000_000, description="Requests one address may make at once."
    )
    trusted_proxy_header: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9-]+$",
        description="Header the trusted proxy in front of the API writes the client address "
        "into (e.g. X-Real-IP; of X-Forwarded-For the last entry is read). Unset: the "
        "address is the connection's peer, and no client-sent header is believed.",
    )

    # --- tickets --------------------------------------------------------------------------
    max_tickets_per_user: int = Field(
        default=4,
        ge=1,
        le=1000,
        description="Live or confirmed reservations one user may have per concert.",
    )

    # --- reservations ---------------------------------------------------------------------
    hold_ttl_seconds: int = Field(default=300, ge=1, le=24 * 3600)
    max_charge_amount: int = Field(default=10_000_000, ge=1)

    # --- workers --------------------------------------------------------------------------
    run_workers_in_process: bool = Field(
        default=False, description="Run relay, scheduler and consumer inside `serve`."
    )
    scheduler_tick_seconds: float = Field(default=0.2, gt=0, le=60)
    outbox_retention_seconds: int = Field(
        default=24 * 3600, ge=60, description="Published outbox rows are deleted after this."
    )
    relay_republish_window_seconds: int = Field(
        default=300,
        ge=0,
        le=24 * 3600,
        description="After the broker comes back empty, events published this recently go again.",
    )
    consumer_max_attempts: int = Field(
        default=5, ge=1, le=100, description="Tries of a failing message before its DLQ."
    )

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _bootstrap_is_host_port_list(cls, value: str | None) -> str | None:
        if value is None:
            return None
        entries = value.split(",")
        for entry in entries:
            match = _BOOTSTRAP_ENTRY.match(entry.strip())
            if match is None or not 0 < int(match.group(1)) < 65536:
                raise ValueError(
                    "is not a broker list; fix: set host:port[,host:port...] "
                    "of a reachable Kafka broker, e.g. kafka:9092"
                )
        return ",".join(entry.strip() for entry in entries)

    @field_validator("database_url")
    @classmethod
    def _database_is_postgres(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^postgres(ql)?://", value):
            raise ValueError(
                "is not a PostgreSQL URL; fix: use postgresql://user:password@host:5432/dbname"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^(redis|rediss|unix)://", value):
            raise ValueError("is not a Redis URL; fix: use redis://host:6379/0")
        return value

    @field_validator("prometheus_url", "grafana_url", "alertmanager_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError("is not an http(s) URL; fix: use e.g. http://127.0.0.1:9090")
        return value.rstrip("/") if value is not None else None

    @field_validator("db_pool_size")
    @classmethod
    def _pool_is_big_enough(cls, value: int) -> int:
        if value < MIN_DB_POOL_SIZE:
            raise ValueError(
                f"is below {MIN_DB_POOL_SIZE}, which starves concurrent requests "
                f"(the report's pool of 3); fix: set it to {MIN_DB_POOL_SIZE} or more"
            )
        return value

    @model_validator(mode="after")
    def _no_dev_secret_in_prod(self) -> Settings:
        secret = self.jwt_secret.get_secret_value()
        if self.profile not in ("local", "test") and secret == DEV_JWT_SECRET:
            raise ValueError(
                "jwt_secret: is the development default, refused in profile "
                f"{self.profile!r}; fix: set a random secret of 32+ characters"
            )
        if self.profile not in ("local", "test") and len(secret) < 32:
            raise ValueError("jwt_secret: is shorter than 32 characters; fix: use a longer one")
        operator = self.operator_token.get_secret_value()
        if self.profile not in ("local", "test") and operator == DEV_OPERATOR_TOKEN:
            raise ValueError(
                "operator_token: is the development default, refused in profile "
                f"{self.profile!r}; fix: set a random token of 32+ characters"
            )
        if self.profile not in ("local", "test") and len(operator) < 32:
            raise ValueError("operator_token: is shorter than 32 characters; fix: use a longer one")
        return self

    @property
    def dev_endpoints_enabled(self) -> bool:
        return self.profile in ("local", "test")


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def _is_secret(field: str) -> bool:
    known = Settings.model_fields.get(field)
    return known is not None and known.annotation is SecretStr


def mask(field: str, value: object) -> str:
    """A value as a refusal line shows it: secrets by their first two characters, URLs
    without their password."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if _is_secret(field) and isinstance(value, str):
        return f"'{value[:2]}***'" if value else "''"
    if isinstance(value, str) and "://" in value and "@" in value:
        scheme, rest = value.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return repr(f"{scheme}://{user}:***@{host}" if ":" in creds else value)
    return repr(value)


def explain(error: ValidationError, given: dict[str, Any] | None = None) -> SettingsError:
    """The first problem of a ValidationError as one operator-facing line (`given`: the
    overrides as passed, any type, so the line shows what the caller gave)."""
    first = error.errors()[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    field = str(first["loc"][0]) if first["loc"] else ""
    if not field and ":" in message:
        field, message = (part.strip() for part in message.split(":", 1))
    value = first.get("input")
    if given and field in given:
        value = given[field]
    if not field:
        return SettingsError(message)
    if first["type"] == "literal_error":
        message = f"is not one of {first['ctx']['expected']}; fix: pick one of them"
    elif not message.startswith(("is ", "fix")) and "fix:" not in message:
        message = f"is invalid ({message}); fix: correct {env_name(field)}"
    shown = mask(field, value) if first["type"] != "missing" else "(unset)"
    if isinstance(value, dict):
        shown = mask(field, value[field]) if field in value else "(default)"
    return SettingsError(f"{env_name(field)}={shown} {message}", field=field)


def load_settings(**overrides: Any) -> Settings:  # any type: the caller's, validated here
    """Read and validate settings; raise SettingsError with one line on bad input."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise explain(error, overrides) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
