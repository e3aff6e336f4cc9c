// Korean and English: chosen from ?lang=, then the switch's last choice, then the browser.
const MESSAGES = {
  en: {
    switchTo: "한국어", concerts: "Concerts", noConcerts: "No concerts yet. Run `seatgate seed`.",
    schedules: "Performances", seatsLeft: "{n} seats left", choose: "Choose",
    demo: "Try as a demo user", signedInAs: "User #{id}", signIn: "Sign in to buy tickets.",
    noDemo: "Sign in through your identity provider to buy tickets.",
    waitingRoom: "Waiting room", position: "Your place in line", ahead: "People ahead of you",
    eta: "Estimated wait", pollEvery: "Checking every {s} s", leave: "Leave the line",
    preSale: "The sale has not opened yet", opensAt: "Opens at {t}", opensIn: "Opens in {d}",
    preSaleNote: "You are in the pre-queue. When the sale opens, everyone here gets a random place.",
    lineNotOpen: "The line opens at {t}. This page joins it by itself.",
    saleOpens: "Sale opens {t}",
    soldOut: "Sold out", soldOutNote: "No seats are left right now. You keep your place: if a hold lapses, the line moves again.",
    expired: "Your place in line expired", expiredNote: "You stopped checking in, or your turn ended.",
    joinAgain: "Join the line again", seatsLeftNow: "{n} seats remaining",
    pickSeat: "Pick a seat", mapHelp: "Arrow keys move between seats, Enter holds one.",
    free: "Free", held: "Held", sold: "Sold", row: "Row {r}",
    seatLabel: "Row {r}, seat {n}, ₩{p}, {s}", live: "Live · updated {t}",
    holdTitle: "Your seat is held", seat: "Seat", price: "Price", balance: "Your balance",
    timeLeft: "Time left to pay", pay: "Pay ₩{p}", charge: "Add ₩{a} and pay",
    paying: "Paying…", another: "Choose another seat", holdExpired: "Your hold expired",
    holdExpiredNote: "The seat was released. You can pick again while your turn lasts.",
    done: "You have a ticket", reservation: "Reservation", status: "Status",
    confirmedAt: "Confirmed at", again: "Back to concerts", seconds: "{s} s",
    minutes: "{m} min {s} s",
    SEAT_UNAVAILABLE: "Sorry, that seat was just taken. Please pick another one.",
    taken: "That seat is taken. Please pick another one.",
    TICKET_LIMIT_REACHED: "You have reached the ticket limit for this concert.",
    RESERVATION_EXPIRED: "Your hold expired before payment; the seat was released.",
    INSUFFICIENT_BALANCE: "Your balance is too low for this seat. Add money to pay.",
    ALREADY_PAID: "This reservation is already paid.",
    SALE_NOT_OPEN: "The sale has not opened yet.",
    TOKEN_NOT_ACTIVE: "Your turn is over. Join the line again.",
    RATE_LIMITED: "Too many requests: slowing down, trying again in {s} s.",
    unavailable: "The service is busy or partly down. Trying again in {s} s.",
    offline: "Cannot reach the server. Trying again in {s} s.",
    UNAUTHENTICATED: "Your sign-in is no longer valid. Please sign in again.",
    failed: "Something went wrong ({code}).",
  },
  ko: {
    switchTo: "English", concerts: "공연", noConcerts: "아직 공연이 없습니다. `seatgate seed`를 실행하세요.",
    schedules: "회차", seatsLeft: "잔여 {n}석", choose: "선택",
    demo: "데모 사용자로 체험하기", signedInAs: "사용자 #{id}", signIn: "예매하려면 로그인하세요.",
    noDemo: "예매하려면 인증 서비스로 로그인하세요.",
    waitingRoom: "대기실", position: "나의 대기 순번", ahead: "내 앞 대기 인원",
    eta: "예상 대기 시간", pollEvery: "{s}초마다 확인 중", leave: "대기열 나가기",
    preSale: "아직 판매가 시작되지 않았습니다", opensAt: "{t} 오픈", opensIn: "오픈까지 {d}",
    preSaleNote: "사전 대기열에 있습니다. 판매가 시작되면 모두에게 무작위 순번이 부여됩니다.",
    lineNotOpen: "대기열은 {t}에 열립니다. 이 페이지가 자동으로 입장합니다.",
    saleOpens: "{t} 판매 시작",
    soldOut: "매진", soldOutNote: "지금은 남은 좌석이 없습니다. 순번은 유지되며, 선점이 만료되면 대기열이 다시 움직입니다.",
    expired: "대기 순번이 만료되었습니다", expiredNote: "확인이 끊겼거나 입장 시간이 끝났습니다.",
    joinAgain: "다시 줄 서기", seatsLeftNow: "잔여 {n}석",
    pickSeat: "좌석 선택", mapHelp: "방향키로 좌석을 이동하고 Enter로 선점합니다.",
    free: "선택 가능", held: "선점됨", sold: "판매됨", row: "{r}열",
    seatLabel: "{r}열 {n}번, {p}원, {s}", live: "실시간 · {t} 갱신",
    holdTitle: "좌석을 선점했습니다", seat: "좌석", price: "가격", balance: "내 잔액",
    timeLeft: "결제 남은 시간", pay: "{p}원 결제", charge: "{a}원 충전 후 결제",
    paying: "결제 중…", another: "다른 좌석 고르기", holdExpired: "선점 시간이 만료되었습니다",
    holdExpiredNote: "좌석이 해제되었습니다. 입장 시간 안에 다시 고를 수 있습니다.",
    done: "예매가 완료되었습니다", reservation: "예약 번호", status: "상태",
    confirmedAt: "확정 시각", again: "공연 목록으로", seconds: "{s}초",
    minutes: "{m}분 {s}초",
    SEAT_UNAVAILABLE: "죄송합니다. 방금 다른 분이 선택한 좌석입니다. 다른 좌석을 골라 주세요.",
    taken: "이미 선택된 좌석입니다. 다른 좌석을 골라 주세요.",
    TICKET_LIMIT_REACHED: "이 공연의 1인 구매 한도에 도달했습니다.",
    RESERVATION_EXPIRED: "결제 전에 선점 시간이 만료되어 좌석이 해제되었습니다.",
    INSUFFICIENT_BALANCE: "잔액이 부족합니다. 충전 후 결제하세요.",
    ALREADY_PAID: "이미 결제된 예약입니다.",
    SALE_NOT_OPEN: "아직 판매가 시작되지 않았습니다.",
    TOKEN_NOT_ACTIVE: "입장 시간이 끝났습니다. 다시 줄을 서 주세요.",
    RATE_LIMITED: "요청이 너무 많습니다. {s}초 후 다시 시도합니다.",
    unavailable: "서비스가 혼잡하거나 일부가 중단되었습니다. {s}초 후 다시 시도합니다.",
    offline: "서버에 연결할 수 없습니다. {s}초 후 다시 시도합니다.",
    UNAUTHENTICATED: "로그인이 만료되었습니다. 다시 로그인하세요.",
    failed: "문제가 발생했습니다 ({code}).",
  },
};

const KEY = "seatgate.lang";

function initial() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked in MESSAGES) return asked;
  const saved = localStorage.getItem(KEY);
  if (saved in MESSAGES) return saved;
  return (navigator.language || "en").toLowerCase().startsWith("ko") ? "ko" : "en";
}

export let lang = initial();
export const extra = { en: {}, ko: {} };

export function t(key, vars = {}) {
  const text = extra[lang][key] ?? MESSAGES[lang][key] ?? extra.en[key] ?? MESSAGES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export function won(amount) {
  return Number(amount).toLocaleString(lang === "ko" ? "ko-KR" : "en-US");
}

export function clock(date) {
  return date.toLocaleTimeString(lang === "ko" ? "ko-KR" : "en-GB");
}

export function dateTime(date) {
  const locale = lang === "ko" ? "ko-KR" : "en-GB";
  return date.toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}

export function duration(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return s < 60 ? t("seconds", { s }) : t("minutes", { m: Math.floor(s / 60), s: s % 60 });
}

// The switch re-renders through `onChange`, so a page keeps its state across languages.
export function installSwitch(button, onChange) {
  const label = () => {
    button.textContent = t("switchTo");
    document.documentElement.lang = lang;
  };
  label();
  button.addEventListener("click", () => {
    lang = lang === "ko" ? "en" : "ko";
    localStorage.setItem(KEY, lang);
    label();
    onChange();
  });
}
