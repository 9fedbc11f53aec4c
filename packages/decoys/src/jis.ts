/**
 * Encoders for the two legacy Japanese encodings decoys need: Shift_JIS (CSV exports of older
 * hospital systems) and ISO-2022-JP (the "ISO IR87" character set SS-MIX2 HL7 messages use).
 * Node only decodes these, so the JIS X 0208 table is built once by decoding every 94×94 code
 * with the platform's own decoder and inverting it (no table is shipped).
 */
let table: Map<string, number> | null = null;

function jisTable(): Map<string, number> {
  if (table) return table;
  const bytes: number[] = [0x1b, 0x24, 0x42];
  for (let row = 0x21; row <= 0x7e; row++) for (let cell = 0x21; cell <= 0x7e; cell++) bytes.push(row, cell);
  bytes.push(0x1b, 0x28, 0x42);
  const text = new TextDecoder('iso-2022-jp').decode(new Uint8Array(bytes));
  const chars = [...text];
  const map = new Map<string, number>();
  let i = 0;
  for (let row = 0x21; row <= 0x7e; row++) {
    for (let cell = 0x21; cell <= 0x7e; cell++) {
      const ch = chars[i++]!;
      if (ch !== '\uFFFD' && !map.has(ch)) map.set(ch, (row << 8) | cell);
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
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) {
      out.push(c);
      continue;
    }
    const jis = map.get(ch) ?? GETA;
    const j1 = jis >> 8;
    const j2 = jis & 0xff;
    const s1 = ((j1 + 1) >> 1) + (j1 <= 0x5e ? 0x70 : 0xb0);
    const s2 = j1 & 1 ? j2 + (j2 >= 0x60 ? 0x20 : 0x1f) : j2 + 0x7e;
    out.push(s1, s2);
  }
  return Uint8Array.from(out);
}

/** ISO-2022-JP bytes of `text`: escape sequences switch between ASCII and JIS X 0208. */
export function encodeIso2022Jp(text: string): Uint8Array {
  const map = jisTable();
  const out: number[] = [];
  let kanji = false;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) {
      if (kanji) out.push(0x1b, 0x28, 0x42);
      kanji = false;
      out.push(c);
      continue;
    }
    if (!kanji) out.push(0x1b, 0x24, 0x42);
    kanji = true;
    const jis = map.get(ch) ?? GETA;
    out.push(jis >> 8, jis & 0xff);
  }
  if (kanji) out.push(0x1b, 0x28, 0x42);
  return Uint8Array.from(out);
}
