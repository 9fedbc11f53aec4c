import { randomBytes } from 'node:crypto';

let lastMs = 0;
let seq = 0;

/**
 * A new event id: a UUIDv7 (RFC 9562) whose 12-bit `rand_a` field is a counter, so ids made by one
 * process sort in creation order even within a millisecond; the outbox relies on that order.
 */
export function newEventId(now: number = Date.now()): string {
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    seq += 1;
    if (seq > 0xfff) {
      ms += 1; // counter exhausted: borrow the next millisecond
      seq = 0;
    }
  } else {
    seq = 0;
  }
  lastMs = ms;
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (seq >> 8);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
