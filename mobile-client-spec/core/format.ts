// Times and money as a resident reads them: every time with its day ("明天 19:00"), in the
// community's time zone whatever the phone's; money in fen shown as yuan. No DOM here.
const TZ = 'Asia/Shanghai';
const dateFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, month: 'numeric', day: 'numeric', weekday: 'short' });
const timeFmt = new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hour12: false });
const ymdFmt = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });

const toDate = (d: string | Date): Date => (d instanceof Date ? d : new Date(d));

/** The calendar day (in the community's zone) as days since 1970, to compare days. */
function dayNumber(d: Date): number {
  return Math.round(Date.parse(`${ymdFmt.format(d)}T00:00:00Z`) / 86_400_000);
}

/** "12月3日周四" */
export function date(d: string | Date): string {
  return dateFmt.format(toDate(d));
}

/** "19:00" */
export function clock(d: string | Date): string {
  return timeFmt.format(toDate(d));
}

/** "今天", "明天", "后天", "昨天", otherwise the date ("12月9日周三"). */
export function dayWord(d: string | Date, now: Date = new Date()): string {
  const diff = dayNumber(toDate(d)) - dayNumber(now);
  return { [-1]: '昨天', 0: '今天', 1: '明天', 2: '后天' }[diff] ?? date(d);
}

/** A time with its day: "明天 19:00". */
export function at(d: string | Date, now: Date = new Date()): string {
  return `${dayWord(d, now)} ${clock(d)}`;
}

/** A span with its day: "明天 19:00–20:00" (the end's day too when it differs). */
export function span(start: string | Date, end?: string | Date, now: Date = new Date()): string {
  if (!end) return at(start, now);
  const sameDay = dayNumber(toDate(start)) === dayNumber(toDate(end));
  return `${at(start, now)}–${sameDay ? clock(end) : at(end, now)}`;
}

/** Time left until `d`, for countdowns: "12分30秒", "1小时05分"; "0秒" once past. */
export function countdown(d: string | Date, now: Date = new Date()): string {
  const s = Math.max(0, Math.floor((toDate(d).getTime() - now.getTime()) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h}小时${String(m).padStart(2, '0')}分`;
  return m ? `${m}分${String(sec).padStart(2, '0')}秒` : `${sec}秒`;
}

/** Money in integer fen as yuan: 150 → "¥1.50". */
export function money(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A distance in metres: "350米", "1.2公里". */
export function distance(m: number | null | undefined): string {
  if (m === null || m === undefined) return '';
  return m < 1000 ? `${Math.round(m)}米` : `${(m / 1000).toFixed(1)}公里`;
}

/** Today's date in the community's zone: "2026-12-03". */
export function localDay(now: Date = new Date()): string {
  return ymdFmt.format(now);
}

/** A calendar date ("2026-12-03") moved by `n` days. */
export function addDays(ymd: string, n: number): string {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** A calendar date moved by `n` months, kept within the month (Jan 31 + 1 → Feb 28). */
export function addMonths(ymd: string, n: number): string {
  const [y, m, day] = ymd.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(day, last));
  return first.toISOString().slice(0, 10);
}

/** A calendar date as written: "2027年5月31日". */
export function longDate(ymd: string): string {
  const [y, m, d] = ymd.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}
