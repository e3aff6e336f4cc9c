"""Probable cause and fix for each failure class (findings.py), in both languages.

Each entry: component, cause, fix; `{name}` fields come from the finding's params.
"""

from __future__ import annotations

from seatgate.loadtest.report.findings import Finding
from seatgate.loadtest.report.request_causes import REQUEST_CAUSES, Entry
from seatgate.loadtest.report.text import LANGS, Lang

_CAUSES: dict[str, Entry] = {
    **REQUEST_CAUSES,
    # The run as a whole: thresholds, the waiting room, contention, the app's own state.
    "slow": (
        ("API 서버 / DB 풀", "API server / DB pool"),
        (
            "p95가 {p95_ms} ms로 1초를 넘었습니다. 가장 느린 단계: {slowest}. 실행 후 DB 풀 사용량 {pool}.",
            "p95 was {p95_ms} ms, over 1 s. Slowest step: {slowest}. DB pool in use after the run: "
            "{pool}.",
        ),
        (
            "풀이 가득했다면 `SEATGATE_DB_POOL_SIZE`를 늘리고, 아니면 CPU가 한계입니다: API 워커"
            "(`seatgate serve --workers N`)나 인스턴스를 늘리거나 도착률을 낮추십시오.",
            "If the pool was full raise `SEATGATE_DB_POOL_SIZE`; otherwise the CPU is the limit: add "
            "API workers (`seatgate serve --workers N`) or instances, or lower the arrival rate.",
        ),
    ),
    "queue_timeout": (
        ("대기열 입장 속도", "Waiting-room admission"),
        (
            "{count}명이 제한 시간 안에 ACTIVE가 되지 못했습니다: 입장 속도보다 도착이 빠릅니다.",
            "{count} users never became ACTIVE in time: arrivals outpaced admission.",
        ),
        (
            "`SEATGATE_ADMISSION_RATE_PER_SECOND`와 `SEATGATE_MAX_ACTIVE_USERS`를 부하에 맞추십시오.",
            "Fit `SEATGATE_ADMISSION_RATE_PER_SECOND` and `SEATGATE_MAX_ACTIVE_USERS` to the load.",
        ),
    ),
    "contention": (
        ("좌석 경합", "Seat contention"),
        (
            "예약 시도의 {ratio}가 409(이미 잡힌 좌석)였습니다: 사용자들이 같은 좌석을 노립니다.",
            "{ratio} of holds answered 409 (seat taken): users aim at the same seats.",
        ),
        (
            "정상 동작입니다 (좌석은 한 번만 팔림). 줄이려면 좌석을 늘리십시오 (`seatgate seed`).",
            "Correct behaviour (a seat sells once). To reduce it, seed more seats "
            "(`seatgate seed`).",
        ),
    ),
    "contention_expected": (
        ("좌석 경합 (의도됨)", "Seat contention (intended)"),
        (
            "경합 시나리오: 예약 시도의 {ratio}가 409(이미 잡힌 좌석)였습니다 — 같은 좌석을 두고 경쟁하면 예상되는 결과입니다.",
            "Contention scenario: {ratio} of holds answered 409 (seat already held) — what users racing for the same seats should get.",
        ),
        ("조치 불필요.", "Nothing to fix."),
    ),
    "sold_out": (
        ("테스트 데이터", "Test data"),
        (
            "{count}번 빈 좌석이 없었습니다: 실행 중 매진되었습니다.",
            "{count} times no seat was free: the schedules sold out during the run.",
        ),
        (
            "`seatgate seed --seats N`으로 좌석을 늘리십시오.",
            "Seed more seats: `seatgate seed --seats N`.",
        ),
    ),
    "outbox_backlog": (
        ("Kafka / 아웃박스 릴레이", "Kafka / outbox relay"),
        (
            "아웃박스의 가장 오래된 이벤트가 {age_s}초 동안 발행되지 않았습니다 (대기 {pending}건, "
            "실행 후 Kafka 다운: {kafka_down}). API는 영향 없이 이벤트를 아웃박스에 보관합니다.",
            "The oldest outbox event waited {age_s} s unpublished ({pending} pending; Kafka down "
            "after the run: {kafka_down}). The API is unaffected: the outbox holds the events.",
        ),
        (
            "브로커(`SEATGATE_KAFKA_BOOTSTRAP_SERVERS`)와 릴레이를 복구하십시오; 복구되면 릴레이가 "
            "밀린 이벤트를 순서대로 발행합니다.",
            "Restore the broker (`SEATGATE_KAFKA_BOOTSTRAP_SERVERS`) and the relay; the relay then "
            "publishes the backlog in order.",
        ),
    ),
    "down_after": (
        ("의존 서비스: {dependencies}", "Dependency: {dependencies}"),
        (
            "실행 후 `/readyz`가 {dependencies} 다운을 보고했습니다.",
            "After the run `/readyz` reported {dependencies} down.",
        ),
        ("{dependencies}를 복구하십시오.", "Restore {dependencies}."),
    ),
    "app_errors": (
        ("앱 로그", "App log"),
        (
            "앱이 오류 로그 {count}줄을 남겼습니다: {messages}",
            "The app logged {count} errors: {messages}",
        ),
        (
            "X-Request-ID로 실패한 요청과 대조하십시오.",
            "Match them to failed requests by X-Request-ID.",
        ),
    ),
}


def describe(finding: Finding, lang: Lang) -> tuple[str, str, str]:
    """(component, cause, fix) for a finding, in `lang`."""
    index = LANGS.index(lang)
    params = {
        "count": str(finding.count),
        "codes": ", ".join(finding.codes),
        "endpoints": ", ".join(finding.endpoints),
        **finding.params,
    }
    component, cause, fix = _CAUSES[finding.kind]
    return tuple(part[index].format(**params) for part in (component, cause, fix))  # type: ignore[return-value]


KINDS = frozenset(_CAUSES)
