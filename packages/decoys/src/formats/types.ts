import type { Facility } from '../people.ts';
import type { Rng } from '../rng.ts';

/** Beacon URLs to embed in one file (either may be null). */
export type BeaconUrls = { token: string; http: string | null; dns: string | null };

export type GenContext = {
  /** Content randomness for this one decoy (seed + directory + entry). */
  rng: Rng;
  /** Layout choices shared by the whole facility (seed only): column orders, encodings, wording. */
  style: Rng;
  facility: Facility;
  now: Date;
  /** Size knob: number of rows / records / pages (0 = as small as the format allows). */
  scale: number;
  beacon: BeaconUrls | null;
  /** When the file is named after a patient ("鷲尾様_…"), that surname and its reading. */
  surname: [string, string] | null;
};

/** One generated file or, for SS-MIX2, several files below the top folder. */
export type GenFile = { path: string; data: Uint8Array };

export const utf8 = (s: string) => new TextEncoder().encode(s);

export const xmlEscape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** Applies the surname a file is named after to the patient it describes. */
export const withSurname = <T extends { surname: string; surnameKana: string }>(p: T, ctx: GenContext): T =>
  ctx.surname ? { ...p, surname: ctx.surname[0], surnameKana: ctx.surname[1] } : p;
