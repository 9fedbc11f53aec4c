/**
 * Encoders for the two legacy Japanese encodings decoys need: Shift_JIS (CSV exports of older
 * hospital systems) and ISO-2022-JP (the "ISO IR87" character set SS-MIX2 HL7 messages use).
 * Node only decodes these, so the JIS X 0208 table is built once by decoding every 94×94 code
 * with the platform's own decoder and inverting it (no table is shipped).
 */
let table: Uint16Array | null = null;

/** JIS X 0208 code (row << 8 | cell) per UTF-16 code unit, 0 where there is none. */
function jisTable(): Uint16Array {
  if (table) return table;
  const bytes: number[] = [0x1b, 0x24, 0x42];
  for (let row = 0x21; row <= 0x7e; row++) for (let cell = 0x21; cell <= 0x7e; cell++) bytes.push(row, cell);
  bytes.push(0x1b, 0x28, 0x42);
  const text = new TextDecoder('iso-2022-jp').decode(new Uint8Array(bytes));
  const map = new Uint16Array(0x10000);
  let i = 0;
  for (let row = 0x21; row <= 0x7e; row++) {
    for (let cell = 0x21; cell <= 0x7e; cell++) {
      const c = text.charCodeAt(i++);
      if (c !== 0xfffd && map[c] === 0) map[c] = (row << 8) | cell;
    }
  }
  table = map;
  return map;
}

/** A character every encoder can write when the input has one JIS X 0208 lacks. */
const GETA = 0x222e;

/** Shift_JIS bytes of `text` (ASCII as is, JIS X 0208 converted; unknown characters become 〓). */
export function encodeShiftJis(text: string): Uint8Array {
  const map = jisTable();
  const out = new Uint8Array(text.length * 2);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) i++; // a surrogate pair is one character
    const jis = map[c] || GETA;
    const j1 = jis >> 8;
    const j2 = jis & 0xff;
    out[n++] = ((j1 + 1) >> 1) + (j1 <= 0x5e ? 0x70 : 0xb0);
    out[n++] = j1 & 1 ? j2 + (j2 >= 0x60 ? 0x20 : 0x1f) : j2 + 0x7e;
  }
  return out.slice(0, n);
}

/** ISO-2022-JP bytes of `text`: escape sequences switch between ASCII and JIS X 0208. */
export function encodeIso2022Jp(text: string): Uint8Array {
  const map = jisTable();
  const out = new Uint8Array(text.length * 5 + 3);
  let n = 0;
  let kanji = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (kanji) {
        out[n++] = 0x1b;
        out[n++] = 0x28;
        out[n++] = 0x42;
      }
      kanji = false;
      out[n++] = c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) i++;
    if (!kanji) {
      out[n++] = 0x1b;
      out[n++] = 0x24;
      out[n++] = 0x42;
    }
    kanji = true;
    const jis = map[c] || GETA;
    out[n++] = jis >> 8;
    out[n++] = jis & 0xff;
  }
  if (kanji) {
    out[n++] = 0x1b;
    out[n++] = 0x28;
    out[n++] = 0x42;
  }
  return out.slice(0, n);
}
