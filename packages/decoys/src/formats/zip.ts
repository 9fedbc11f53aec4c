import { crc32, deflateRawSync } from 'node:zlib';

const enc = new TextEncoder();

/**
 * Writes a ZIP archive of OOXML parts (deflate through node:zlib, several times faster than a
 * JavaScript deflate). Entry timestamps are the given time in Japan time, so output does not depend
 * on the machine's time zone and the same seed gives the same bytes. `level` 0 stores the parts.
 */
export function zipParts(parts: Record<string, string | Uint8Array>, mtime: Date, level = 6): Uint8Array {
  // DOS timestamps cannot express dates before 1980.
  const t = new Date(Math.max(mtime.getTime(), Date.UTC(1980, 0, 2)) + 9 * 3_600_000);
  const dosTime = (t.getUTCHours() << 11) | (t.getUTCMinutes() << 5) | (t.getUTCSeconds() >> 1);
  const dosDate = ((t.getUTCFullYear() - 1980) << 9) | ((t.getUTCMonth() + 1) << 5) | t.getUTCDate();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  let count = 0;
  for (const [name, content] of Object.entries(parts)) {
    const raw = typeof content === 'string' ? enc.encode(content) : content;
    const nameBytes = enc.encode(name);
    const deflated = level > 0 ? deflateRawSync(raw, { level }) : raw;
    const method = level > 0 ? 8 : 0;
    const crc = crc32(raw);
    const flags = /[^\x20-\x7e]/.test(name) ? 0x0800 : 0; // UTF-8 names
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(flags, 8);
    dir.writeUInt16LE(method, 10);
    dir.writeUInt16LE(dosTime, 12);
    dir.writeUInt16LE(dosDate, 14);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(deflated.length, 20);
    dir.writeUInt32LE(raw.length, 24);
    dir.writeUInt16LE(nameBytes.length, 28);
    dir.writeUInt32LE(offset, 42);
    chunks.push(local, nameBytes, deflated);
    central.push(dir, nameBytes);
    offset += local.length + nameBytes.length + deflated.length;
    count++;
  }
  const centralSize = central.reduce((n, c) => n + c.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...chunks, ...central, end]));
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n';
export const xml = (body: string) => XML + body;
