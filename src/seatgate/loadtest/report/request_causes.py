"""Probable cause and fix of each failure class of the requests and of k6 itself
(findings.py), in both languages: the network, the server, the API's refusals, an aborted
k6. The classes of the run as a whole are in causes.py, which renders both.

Each entry: component, cause, fix; `{name}` fields come from the finding's params.
"""

from __future__ import annotations

Entry = tuple[tuple[str, str], tuple[str, str], tuple[str, str]]

REQUEST_CAUSES: dict[str, Entry] = {
    "refused": (
        ("네트워크 / 대상 프로세스", "Network / target process"),
        (
            "대상 주소에서 아무도 연결을 받지 않습니다 (connection refused): 프로세스가 내려갔거나, "
            "포트가 틀렸거나, 컨테이너 안에서 `localhost`를 가리켰습니다 (시드 보고서의 원인).",
            "Nothing accepts connections at the target (connection refused): the process is down, "
            "the port is wrong, or `localhost` was used from inside a container (the seed "
            "report's cause).",
        ),
        (
            "`--target`을 확인하고, 컨테이너에서는 서비스 이름(`http://app:8000`)이나 "
            "`host.docker.internal`을 쓰십시오. 실행 중 끊겼다면 앱 로그에서 종료 원인을 찾으십시오.",
            "Check `--target`; from a container use the service name (`http://app:8000`) or "
            "`host.docker.internal`. If it stopped mid-run, find why the process exited in its log.",
        ),
    ),
    "dial_timeout": (
        ("네트워크", "Network"),
        (
            "연결 시도가 시간 초과되었습니다 (`dial: i/o timeout`): 부하 발생기에서 대상에 닿지 "
            "않습니다 — 시드 보고서의 `localhost`-in-container 문제, 방화벽, 또는 잘못된 호스트.",
            "Connecting timed out (`dial: i/o timeout`): the load generator cannot reach the "
            "target — the seed report's localhost-in-container problem, a firewall, or a wrong host.",
        ),
        (
            "k6와 앱을 같은 네트워크에 두고 서비스 이름으로 접근하십시오 (`compose.yaml`의 k6 서비스).",
            "Put k6 on the app's network and use the service name (the k6 service in "
            "`compose.yaml`).",
        ),
    ),
    "request_timeout": (
        ("API 서버", "API server"),
        (
            "요청이 k6 제한 시간 안에 응답받지 못했습니다: 대상이 과부하이거나 멈췄습니다.",
            "Requests got no answer within k6's timeout: the target is overloaded or stuck.",
        ),
        (
            "응답 시간 차트에서 지연이 급증한 시점을 보고, DB 풀 사용량과 CPU를 확인하십시오.",
            "Find when latency climbed in the chart; check DB pool use and CPU at that time.",
        ),
    ),
    "dns": (
        ("네트워크 / DNS", "Network / DNS"),
        ("대상 호스트 이름을 찾지 못했습니다.", "The target host name did not resolve."),
        ("`--target`의 호스트 이름을 고치십시오.", "Fix the host name in `--target`."),
    ),
    "connection_lost": (
        ("API 서버", "API server"),
        (
            "연결이 도중에 끊겼습니다 (reset/EOF): 대상 프로세스가 재시작되었거나 죽었습니다.",
            "Connections were cut (reset/EOF): the target process restarted or died.",
        ),
        (
            "앱 로그와 프로세스 관리자(재시작 횟수, OOM)를 확인하십시오.",
            "Check the app log and its supervisor (restarts, OOM kills).",
        ),
    ),
    "dependency": (
        ("의존 서비스: {dependencies}", "Dependency: {dependencies}"),
        (
            "API가 `503 DEPENDENCY_UNAVAILABLE`로 답했습니다: {dependencies}에 닿지 못했습니다.",
            "The API answered `503 DEPENDENCY_UNAVAILABLE`: {dependencies} could not be reached.",
        ),
        (
            "{dependencies}를 복구하고 `/readyz`가 200을 돌려주는지 확인하십시오; 설정값 "
            "(`SEATGATE_DATABASE_URL`, `SEATGATE_REDIS_URL`)과 `seatgate doctor`로 점검하십시오.",
            "Restore {dependencies} and check that `/readyz` answers 200; verify its setting "
            "(`SEATGATE_DATABASE_URL`, `SEATGATE_REDIS_URL`) with `seatgate doctor`.",
        ),
    ),
    "internal": (
        ("API 서버 (코드 결함)", "API server (a defect)"),
        (
            "처리되지 않은 예외로 500이 났습니다 — 시드 보고서의 트랜잭션 매니저 충돌 같은 결함입니다.",
            "Unhandled exceptions answered 500 — a defect like the seed report's two transaction "
            "managers.",
        ),
        (
            "증상 칸의 X-Request-ID로 앱 로그의 스택 트레이스를 찾아 고치고, 재현 테스트를 추가하십시오.",
            "Look up the symptom's X-Request-IDs in the app log for the stack trace; fix it and add "
            "a test that reproduces it.",
        ),
    ),
    "dependency_500": (
        (
            "의존 서비스: {dependencies} (500으로 응답)",
            "Dependency: {dependencies} (answered as 500)",
        ),
        (
            "{dependencies}에 연결하지 못했고(앱 로그의 연결 오류, 실행 후 `/readyz`), API는 이를 "
            "`503 DEPENDENCY_UNAVAILABLE`가 아닌 `500 {codes}`로 답했습니다.",
            "{dependencies} could not be reached (connection errors in the app log, `/readyz` after "
            "the run), and the API answered `500 {codes}` instead of `503 DEPENDENCY_UNAVAILABLE`.",
        ),
        (
            "{dependencies}를 복구하십시오. 드라이버의 연결 오류를 `DEPENDENCY_UNAVAILABLE`(503)로 "
            "변환해 클라이언트가 재시도할 수 있게 하십시오 (`seatgate.http.problems`).",
            "Restore {dependencies}. Map the driver's connection errors to `DEPENDENCY_UNAVAILABLE` "
            "(503) so clients know to retry (`seatgate.http.problems`).",
        ),
    ),
    "server_error": (
        ("API 서버", "API server"),
        ("서버 오류 코드 {codes}가 반환되었습니다.", "The server answered error codes {codes}."),
        (
            "코드별 원인을 앱 로그(X-Request-ID)에서 확인하십시오.",
            "Find each code's cause in the app log by X-Request-ID.",
        ),
    ),
    "gateway": (
        ("프록시 / 로드 밸런서", "Proxy / load balancer"),
        (
            "프록시가 502/504를 돌려주었습니다: 뒤의 앱 인스턴스가 응답하지 않습니다.",
            "A proxy answered 502/504: the app instances behind it did not answer.",
        ),
        (
            "앱 인스턴스의 상태와 프록시의 upstream 제한 시간을 확인하십시오.",
            "Check the app instances' health and the proxy's upstream timeout.",
        ),
    ),
    "auth": (
        ("인증", "Authentication"),
        (
            "사용자 토큰이 거부되었습니다 (401): 토큰을 만든 서버와 검증하는 서버의 "
            "`SEATGATE_JWT_SECRET`이 다릅니다.",
            "User tokens were refused (401): the server that minted them and the one checking "
            "them have different `SEATGATE_JWT_SECRET`s.",
        ),
        (
            "모든 API 인스턴스에 같은 `SEATGATE_JWT_SECRET`을 설정하십시오.",
            "Give every API instance the same `SEATGATE_JWT_SECRET`.",
        ),
    ),
    "queue_token": (
        ("대기열", "Waiting room"),
        (
            "대기열 토큰이 활성 상태가 아니었습니다 ({codes}): 활성 토큰이 사용 전에 만료되었습니다.",
            "Queue tokens were not active ({codes}): ACTIVE tokens expired before use.",
        ),
        (
            "`SEATGATE_ACTIVE_TOKEN_TTL_SECONDS`를 사용자의 예약·결제 시간보다 길게 두십시오.",
            "Keep `SEATGATE_ACTIVE_TOKEN_TTL_SECONDS` longer than a user's reserve-and-pay time.",
        ),
    ),
    "dev_users_missing": (
        ("설정 (프로필)", "Configuration (profile)"),
        (
            "`POST /api/v1/dev/users`가 404입니다: 대상이 `prod` 프로필로 실행 중입니다.",
            "`POST /api/v1/dev/users` answered 404: the target runs the `prod` profile.",
        ),
        (
            "부하 테스트는 `local`/`test` 프로필 대상에 실행하십시오.",
            "Run load tests against a `local` or `test` profile target.",
        ),
    ),
    "not_found": (
        ("API 계약", "API contract"),
        (
            "{endpoints} 경로가 404입니다: 대상에 이 기능이 배포되지 않았거나 버전이 다릅니다.",
            "{endpoints} answered 404: the feature is not deployed on the target, or its version "
            "differs.",
        ),
        ("대상의 `/openapi.json`을 확인하십시오.", "Check the target's `/openapi.json`."),
    ),
    "balance": (
        ("테스트 데이터", "Test data"),
        ("결제 시 잔액이 부족했습니다 (402).", "Payments found too little balance (402)."),
        (
            "`USER_BALANCE`를 좌석 가격보다 크게 두십시오.",
            "Raise `USER_BALANCE` above the seat price.",
        ),
    ),
    "hold_expired": (
        ("예약 보류 시간", "Hold lifetime"),
        (
            "결제 전에 좌석 보류가 만료되었습니다 (410).",
            "Holds expired before payment (410).",
        ),
        (
            "`SEATGATE_HOLD_TTL_SECONDS`를 늘리거나 think time을 줄이십시오.",
            "Raise `SEATGATE_HOLD_TTL_SECONDS` or shorten think time.",
        ),
    ),
    "validation": (
        ("API 계약", "API contract"),
        (
            "요청이 검증에 실패했습니다 (422): 스크립트와 API 계약이 다릅니다.",
            "Requests failed validation (422): the script and the API contract disagree.",
        ),
        ("`loadtest/k6/lib/flow.js`를 계약에 맞추십시오.", "Align `loadtest/k6/lib/flow.js`."),
    ),
    "limited": (
        ("속도 제한", "Rate limiting"),
        ("요청이 속도 제한에 걸렸습니다 (429).", "Requests were rate limited (429)."),
        (
            "제한을 부하 수준에 맞추거나 VU 수를 줄이십시오.",
            "Fit the limit to the load or lower the VUs.",
        ),
    ),
    "client_error": (
        ("API 계약", "API contract"),
        ("예상하지 못한 4xx 응답 ({codes}).", "Unexpected 4xx answers ({codes})."),
        ("코드별로 스크립트와 API를 대조하십시오.", "Compare the script and the API per code."),
    ),
    "k6_aborted": (
        ("k6 실행", "k6 run"),
        (
            "k6가 종료 코드 {exit_code}로 중단되었습니다 (예: setup 실패, 스크립트 오류).",
            "k6 stopped with exit code {exit_code} (e.g. setup failed, script error).",
        ),
        (
            "실행 디렉터리의 `k6.log`를 확인하십시오; 좌석이 없으면 `seatgate seed`를 실행하십시오.",
            "Read `k6.log` in the run directory; with no seats, run `seatgate seed`.",
        ),
    ),
}
