/** A time as people in Japan read it, e.g. 2026/11/24 18:05:00 (Japan time, whatever the server's zone). */
export const formatJst = (d: Date): string =>
  new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', dateStyle: 'medium', timeStyle: 'medium' }).format(d);
