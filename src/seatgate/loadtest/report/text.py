"""The report's words, Korean (the seed report's language) and English."""

from __future__ import annotations

from typing import Literal

Lang = Literal["ko", "en"]
LANGS: tuple[Lang, ...] = ("ko", "en")

_UI: dict[str, tuple[str, str]] = {
    "title_pass": ("✅ 부하 테스트 보고서", "✅ Load test report"),
    "title_fail": ("🚨 부하 테스트 장애 보고서", "🚨 Load test incident report"),
    "overview": ("1. 개요", "1. Overview"),
    "overview_intro": (
        "`seatgate loadtest`가 k6 실행 결과로부터 자동으로 작성한 보고서입니다.",
        "Written automatically by `seatgate loadtest` from the k6 run's recorded results.",
    ),
    "tool": ("테스트 도구", "Tool"),
    "target": ("테스트 대상 시스템", "Target"),
    "scenario": ("시나리오", "Scenario"),
    "method": ("테스트 방식", "Load"),
    "started": ("실행 시각", "Started"),
    "summary": ("2. 부하 테스트 결과 요약", "2. Results"),
    "metric": ("지표 항목", "Metric"),
    "measured": ("측정값", "Measured"),
    "limit": ("임계 기준", "Threshold"),
    "verdict": ("판정", "Verdict"),
    "total_requests": ("총 요청 수", "Total requests"),
    "avg": ("평균 응답 시간", "Average response time"),
    "p95": ("95% 응답 시간 (p95)", "95th percentile (p95)"),
    "failed": ("실패 요청 비율", "Failed requests"),
    "reservation": ("예약 API 성공률", "Reservation API success"),
    "token": ("Token 발급 성공률", "Token issuance success"),
    "ok": ("✅ 양호", "✅ pass"),
    "bad": ("❌ 실패", "❌ fail"),
    "not_run": ("이 시나리오에서 측정하지 않음", "not exercised by this scenario"),
    "no_requests": ("요청 없음", "no requests"),
    "overall_pass": ("모든 임계 기준을 통과했습니다.", "Every threshold passed."),
    "overall_fail": ("임계 기준을 통과하지 못했습니다.", "Thresholds failed."),
    "k6_crossed": ("k6가 넘었다고 판정한 임계치", "Thresholds k6 marked crossed"),
    "endpoints": ("3. 엔드포인트별 결과", "3. Per endpoint"),
    "endpoint": ("엔드포인트", "Endpoint"),
    "requests": ("요청 수", "Requests"),
    "success": ("성공률", "Success"),
    "expected_409": (
        "`409 SEAT_UNAVAILABLE`(다른 사용자가 먼저 잡은 좌석)은 정상 응답으로 선언되어 실패로 세지 않고 "
        "따로 집계합니다: {count}건.",
        "`409 SEAT_UNAVAILABLE` (a seat someone else took first) is declared an expected answer, "
        "not a failure, and counted apart: {count}.",
    ),
    "queue_wait": (
        "대기열 입장 대기 시간: 평균 {avg}, p95 {p95}.",
        "Waiting-room wait until ACTIVE: average {avg}, p95 {p95}.",
    ),
    "flows": ("결제까지 완료한 사용자: {count}명.", "Users who completed payment: {count}."),
    "errors": ("4. 오류 분석", "4. Errors"),
    "no_errors": ("실패한 요청이 없습니다.", "No request failed."),
    "status": ("상태", "Status"),
    "code": ("코드", "Code"),
    "count": ("건수", "Count"),
    "seen": ("발생 구간", "Seen"),
    "sampled_note": (
        "시계열 파일이 없어 표본 로그에서 집계했습니다 (전체가 아님).",
        "No time series recorded: counted from the sampled failure log (not every failure).",
    ),
    "samples_title": ("표본 실패 로그 (X-Request-ID)", "Sampled failures (X-Request-ID)"),
    "analysis": ("5. 원인 분석 및 해결 방안", "5. Causes and fixes"),
    "component": ("구성 요소", "Component"),
    "symptom": ("증상", "Symptom"),
    "cause": ("원인 추정", "Probable cause"),
    "fix": ("해결 방안", "Fix"),
    "nothing_found": (
        "관측된 장애 요인이 없습니다.",
        "Nothing in this run points to a fault.",
    ),
    "charts": ("6. 차트", "6. Charts"),
    "no_charts": (
        "시계열 데이터(`points.csv.gz`)가 없어 차트를 그리지 않았습니다.",
        "No time series (`points.csv.gz`) was recorded, so no charts.",
    ),
    "chart_latency": ("응답 시간 (ms, p50 / p95)", "Response time (ms, p50 / p95)"),
    "chart_throughput": ("처리량 (요청/초)", "Throughput (requests/s)"),
    "chart_errors": ("실패 비율 (%)", "Failed requests (%)"),
    "seconds": ("경과 시간 (초)", "elapsed (s)"),
    "dashboard": ("k6 웹 대시보드: [{file}]({file})", "k6 web dashboard: [{file}]({file})"),
    "app": ("7. 애플리케이션 지표 (실행 전 → 후)", "7. Application metrics (before → after)"),
    "no_app": (
        "대상의 `/metrics`를 수집하지 못했습니다.",
        "The target's `/metrics` was not collected.",
    ),
    "app_metric": ("지표", "Metric"),
    "app_value": ("값", "Value"),
    "conclusion": ("8. 결론", "8. Conclusion"),
    "conclusion_pass": (
        "{scenario} 시나리오는 보고서의 모든 임계 기준(p95 < 1s, 실패율 < 1%, 예약·토큰 성공률 > 99%)을 "
        "통과했습니다. p95 {p95}, 실패 요청 {failed}.",
        "The {scenario} scenario passed every threshold of the report (p95 < 1 s, failures < 1 %, "
        "reservation and token success > 99 %): p95 {p95}, failed requests {failed}.",
    ),
    "conclusion_fail": (
        "{scenario} 시나리오는 임계 기준을 통과하지 못했습니다. 위 5장의 원인과 해결 방안부터 확인하십시오.",
        "The {scenario} scenario failed its thresholds; start with the causes and fixes in section 5.",
    ),
    "footer": (
        "🛠️ 작성: `seatgate loadtest` (자동 생성) · 📅 {date}",
        "🛠️ Written by `seatgate loadtest` (generated) · 📅 {date}",
    ),
    "notes": ("실행 메모", "Run notes"),
    "grafana": (
        "Grafana 부하 테스트 대시보드 (이 실행의 시간 범위): [{testid}]({url})",
        "Grafana load-test dashboard (this run's time range): [{testid}]({url})",
    ),
    "alert_fired": (
        "k6 실패율 알림 `{alert}`: 🚨 이 실행 중 발생 (Slack·웹훅으로 전달)",
        "k6 failure alert `{alert}`: 🚨 fired during this run (routed to Slack and the webhook)",
    ),
    "alert_silent": (
        "k6 실패율 알림 `{alert}`: 발생하지 않음",
        "k6 failure alert `{alert}`: did not fire",
    ),
    "alert_unknown": (
        "k6 실패율 알림 `{alert}`: 확인 불가 (Prometheus {prometheus} 응답 없음)",
        "k6 failure alert `{alert}`: unknown (Prometheus {prometheus} did not answer)",
    ),
    "failures_n": ("{count}건", "{count} failures"),
    "from_s": ("+{s}초부터", "from +{s}s"),
    "mid_run": ("실행 도중 시작됨 (그 전에는 정상)", "began mid-run (fine before)"),
    "method_line": ("{vus} VUs, {duration} 동안 지속적인 부하", "{vus} VUs for {duration}"),
    "app_http": ("HTTP 응답 (앱 집계, 상태별)", "HTTP answers (app's count, by status)"),
    "app_p95": ("서버 측 p95 (히스토그램 구간 상한)", "Server-side p95 (histogram bucket bound)"),
    "app_reservations": ("예약 결과", "Reservation outcomes"),
    "app_payments": ("결제 결과", "Payment outcomes"),
    "app_tokens": ("발급된 대기열 토큰", "Queue tokens issued"),
    "app_published": ("Kafka에 발행된 이벤트", "Events published to Kafka"),
    "app_outbox": (
        "실행 후 아웃박스 (대기 / 최고 대기 시간)",
        "Outbox after (pending / oldest age)",
    ),
    "app_pool": ("실행 후 DB 풀 (사용 중 / 크기)", "DB pool after (in use / size)"),
}


def ui(key: str, lang: Lang, **params: object) -> str:
    text = _UI[key][LANGS.index(lang)]
    return text.format(**params) if params else text
