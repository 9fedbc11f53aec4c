import { strToU8, type Zippable, zipSync } from 'fflate';

/** Zips OOXML parts with a fixed timestamp (so the same seed gives the same bytes). */
export function zipParts(parts: Record<string, string | Uint8Array>, mtime: Date, level: 0 | 6 = 6): Uint8Array {
  const files: Zippable = {};
  // ZIP (DOS) timestamps cannot express dates before 1980.
  if (mtime.getTime() < Date.UTC(1980, 0, 2)) mtime = new Date(Date.UTC(1980, 0, 2));
  for (const [name, content] of Object.entries(parts)) {
    files[name] = [typeof content === 'string' ? strToU8(content) : content, { level, mtime }];
  }
  return zipSync(files);
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n';
export const xml = (body: string) => XML + body;
