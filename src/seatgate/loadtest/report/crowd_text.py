"""The flash-crowd section's words, Korean and English (text.py holds the rest)."""

from __future__ import annotations

from seatgate.loadtest.report.text import LANGS, Lang

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("7a. 예매 오픈 러시 (flash crowd)", "7a. Flash crowd at the opening"),
    "intro": (
        "사용자 {users}명이 예매 오픈({opens_at}) 전후 {window}초 동안 도착합니다 "
        "(3분의 1은 오픈 전 사전 대기열, 대부분은 오픈 직후 몇 초 안에). "
        "k6 VU {carriers}개가 각각 여러 사용자를 맡아, 안내받은 폴링 간격에 "
        "0–30% 지터를 더해 폴링하고, 입장한 사용자는 좌석을 보고 선점하고 결제합니다. "
        "좌석 {seats}석 (매진되도록 적게).",
        "{users} users arrive in the {window} s around the opening ({opens_at}): a third "
        "in the pre-queue, most in the first seconds after. {carriers} k6 VUs each carry "
        "many users, polling at the advertised interval plus 0–30 % jitter; admitted users "
        "browse, hold and pay. {seats} seats (few, to sell out).",
    ),
    "machine": (
        "부하 생성기 비용: k6 CPU {cpu} s / {wall} s (한 코어의 {share}), 최대 RSS {rss} MB. "
        "그동안 머신 전체 코어 {cores}개의 {busy}가 사용 중이었습니다 (앱, k6, 그리고 이 "
        "머신의 다른 작업). 요청이 계획보다 늦게 나간 정도 (k6가 따라갔는지): "
        "p50 {late50}, p95 {late95}.",
        "What the load generator cost: k6 CPU {cpu} s over {wall} s ({share} of one core), "
        "max RSS {rss} MB. Meanwhile {busy} of the machine's {cores} cores were busy (the "
        "app, k6 and whatever else ran here). How late requests went out against their plan "
        "(did k6 keep up): p50 {late50}, p95 {late95}.",
    ),
    "metric": ("지표", "Metric"),
    "value": ("값", "Value"),
    "arrivals": (
        "도착 (오픈 전 사전 대기열 / 오픈 후 5초 / 이후)",
        "Arrivals (pre-queue / first 5 s / later)",
    ),
    "arrivals_value": (
        "{pre} / {spike} / {later} (미도착 {missing})",
        "{pre} / {spike} / {later} ({missing} never arrived)",
    ),
    "tokens": (
        "토큰 발급 처리량 (2xx/초: 최고 / 평균, 합계)",
        "Tokens absorbed (2xx/s: peak / mean, total)",
    ),
    "polls": ("폴링 응답 (200/초: 최고 / 평균, 합계)", "Poll answers (200/s: peak / mean, total)"),
    "refused": ("토큰·폴링 거절 응답 (상태별)", "Token and poll answers refused (by status)"),
    "limited": ("429 RATE_LIMITED (앱 집계, 범위별)", "429 RATE_LIMITED (app's count, by scope)"),
    "outcomes": ("사용자별 결과", "How each user ended"),
    "eta_client": (
        "ETA 정확도: 실제 ÷ 예상 대기 (사용자 측, p50 / p90, 표본)",
        "ETA accuracy: actual ÷ predicted wait (users' side, p50 / p90, samples)",
    ),
    "eta_server": (
        "ETA 정확도 (앱 히스토그램 `seatgate_queue_eta_accuracy`: p50 ≤ / p90 ≤ / 평균, 표본)",
        "ETA accuracy (app histogram `seatgate_queue_eta_accuracy`: p50 ≤ / p90 ≤ / mean, samples)",
    ),
    "abandoned": (
        "이탈: 폴링을 멈춘 사용자 / 앱이 만료시킨 대기 토큰 (대기 시간 평균, p50 ≤)",
        "Abandonment: users who stopped polling / waiting tokens the app expired "
        "(waited: mean, p50 ≤)",
    ),
    "sold_out": (
        "매진까지 (오픈 후: 사용자가 처음 본 시각 / 앱 게이지)",
        "Sold out after the opening (first seen by a user / app gauge)",
    ),
    "curve": ("입장 곡선 (명)", "Admission curve (users)"),
    "curve_note": (
        "도착 누적, 입장(ACTIVE를 본) 누적, 그리고 줄에 남은 사람(WAITING 또는 SOLD_OUT: "
        "매진 뒤에도 취소표를 기다리며 폴링) — 사용자들이 본 대로.",
        "Arrived, admitted (saw ACTIVE) and still in line (WAITING or SOLD_OUT: after the sell-out "
        "users keep polling for a lapsed hold), as the users saw it.",
    ),
    "curve_x": (
        "첫 도착 이후 경과 초 (오픈: +{opening}초)",
        "seconds since the first arrival (opening at +{opening} s)",
    ),
    "arrived": ("도착 누적", "arrived"),
    "admitted": ("입장 누적", "admitted"),
    "waiting": ("줄에 남음", "in line"),
    "fairness": (
        "공정성 검증 (공개된 시드로 셔플 재계산)",
        "Fairness check (the shuffle recomputed from the revealed seed)",
    ),
    "fair_ok": (
        "✅ 공개된 시드로 재계산한 순서가 사용자들이 본 것과 일치합니다.",
        "✅ The order recomputed from the revealed seed matches what the users saw.",
    ),
    "fair_bad": (
        "❌ 사용자들이 본 것이 공개된 시드로 재계산한 순서와 맞지 않습니다.",
        "❌ What the users saw does not match the order recomputed from the revealed seed.",
    ),
    "fair_none": (
        "검증 불가: 시드가 공개되지 않았거나 사전 대기열이 비어 있습니다.",
        "Not checkable: no seed was revealed, or the pre-queue was empty.",
    ),
    "check": ("검사", "Check"),
    "result": ("결과", "Result"),
    "algorithm": ("알고리즘 (`/queue/fairness`)", "Algorithm (`/queue/fairness`)"),
    "commitment": (
        "오픈 전 공개된 커밋먼트 = SHA-256(공개된 시드)",
        "Commitment published before the opening = SHA-256(revealed seed)",
    ),
    "positions": (
        "사전 대기열 사용자가 받은 순번 = 재계산 순위 − 앞에서 빠진 사람 수",
        "Positions told to pre-queue users = recomputed place − those ahead who had left",
    ),
    "skipped": (
        "앞에 아직 기다리는 사람이 있는데 먼저 입장한 사용자",
        "Users admitted while someone ahead of them was still in line",
    ),
    "prequeue_size": (
        "사전 대기열 크기 (오픈 전 발급된 토큰)",
        "Pre-queue size (tokens issued before the opening)",
    ),
    "recompute": (
        "재계산: `seatgate.queue.fairness.shuffled(seed, tokens)` "
        "(`seatgate verify-shuffle`과 같은 함수).",
        "Recomputed with `seatgate.queue.fairness.shuffled(seed, tokens)`, the function behind "
        "`seatgate verify-shuffle`.",
    ),
}


def words(key: str, lang: Lang, **params: object) -> str:
    text = _WORDS[key][LANGS.index(lang)]
    return text.format(**params) if params else text
