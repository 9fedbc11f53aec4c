/** Every time in the console is shown in Japan Standard Time, whatever the browser's zone. */
export const TIME_ZONE = 'Asia/Tokyo';

// Japan has no daylight saving time: JST is always UTC+9.
const JST_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

const locales = { ja: 'ja-JP', en: 'en-GB' } as const;

const cache = new Map<string, Intl.DateTimeFormat>();
function formatter(lang: 'ja' | 'en', options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang}:${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locales[lang], { timeZone: TIME_ZONE, ...options });
    cache.set(key, f);
  }
  return f;
}

/** "2025/04/01 09:30" (ja) or "01/04/2025, 09:30" (en) in JST. */
export function formatDateTime(iso: string | Date, lang: 'ja' | 'en'): string {
  return formatter(lang, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(new Date(iso));
}

/** "2025/04/01 09:30:15" in JST, for the audit log where seconds matter. */
export function formatDateTimeSeconds(iso: string | Date, lang: 'ja' | 'en'): string {
  return formatter(lang, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(new Date(iso));
}

/** "4/1(火)" (ja) or "Tue 1 Apr" (en): a short JST day label for charts. */
export function formatShortDay(date: Date, lang: 'ja' | 'en'): string {
  return formatter(lang, { month: 'numeric', day: 'numeric', weekday: 'short' }).format(date);
}

/** The start (00:00 JST) of the JST day that contains `at`. */
export function startOfJstDay(at: Date): Date {
  const shifted = at.getTime() + JST_OFFSET_MS;
  return new Date(shifted - (((shifted % DAY_MS) + DAY_MS) % DAY_MS) - JST_OFFSET_MS);
}

/** The last `days` JST days, oldest first, each as [start, end) instants. */
export function lastJstDays(days: number, now = new Date()): { start: Date; end: Date }[] {
  const today = startOfJstDay(now).getTime();
  return Array.from({ length: days }, (_, i) => {
    const start = today - (days - 1 - i) * DAY_MS;
    return { start: new Date(start), end: new Date(start + DAY_MS) };
  });
}

/** A calendar date "YYYY-MM-DD" read as a JST day: its first instant as an ISO string with offset. */
export function jstDayStartIso(day: string): string {
  return `${day}T00:00:00.000+09:00`;
}

/** A calendar date "YYYY-MM-DD" read as a JST day: its last instant as an ISO string with offset. */
export function jstDayEndIso(day: string): string {
  return `${day}T23:59:59.999+09:00`;
}

const RELATIVE_UNITS: [unit: Intl.RelativeTimeFormatUnit, ms: number][] = [
  ['day', DAY_MS],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "3 分前" / "3 minutes ago" (or "今" / "now" under a minute): how long ago `iso` was. */
export function formatRelative(iso: string | Date, lang: 'ja' | 'en', now: Date = new Date()): string {
  const rtf = new Intl.RelativeTimeFormat(locales[lang], { numeric: 'auto' });
  const diff = new Date(iso).getTime() - now.getTime();
  for (const [unit, ms] of RELATIVE_UNITS) {
    if (Math.abs(diff) >= ms) return rtf.format(Math.trunc(diff / ms), unit);
  }
  return rtf.format(0, 'second');
}
