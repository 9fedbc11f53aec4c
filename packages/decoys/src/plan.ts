import { BEACON_KINDS, type DecoyKind, normaliseDirectory } from '@mamori/contracts';
import { makeCsv, patientColumns } from './formats/csv.ts';
import { makeDicom } from './formats/dicom.ts';
import { makeDocx } from './formats/docx.ts';
import { makeHtml } from './formats/html.ts';
import { makePdf } from './formats/pdf.ts';
import { makeSsmix2 } from './formats/ssmix2.ts';
import { type BeaconUrls, type GenContext, type GenFile, utf8 } from './formats/types.ts';
import { makeXlsx } from './formats/xlsx.ts';
import { encodeShiftJis } from './jis.ts';
import {
  baseNames,
  compareCodePoints,
  FIRST_PREFIXES,
  foldName,
  LAST_PREFIXES,
  pickExtreme,
  withExt,
} from './naming.ts';
import { makeFacility, pickSurname } from './people.ts';
import { createRng, type Rng } from './rng.ts';

export type ExistingEntry = { name: string; size: number; mtimeMs: number; isDirectory: boolean };
export type BeaconOptions = { baseUrl: string | null; dnsZone: string | null; newToken: () => string };
export type PlanOptions = {
  seed: string;
  directory: string;
  count: number;
  kinds: readonly DecoyKind[];
  existing: readonly ExistingEntry[];
  beacon?: BeaconOptions;
  now?: Date;
};
export type DecoyRole = 'first' | 'last' | 'largest' | 'smallest' | 'newest' | 'oldest' | 'spread';
/** One file to write. `relativePath` uses '/' and may contain sub-folders (SS-MIX2 trees); the first segment is the top entry created in the directory. */
export type PlannedFile = {
  relativePath: string;
  kind: DecoyKind;
  data: Uint8Array;
  mtime: Date;
  beaconToken: string | null;
  role: DecoyRole;
};

/** The largest decoy never exceeds this, even when the directory holds bigger files. */
export const MAX_DECOY_BYTES = 64 * 1024 * 1024;
const DAY = 86_400_000;

/** Row counts spread evenly on a log scale: many short lists, some long ones (like real exports). */
const logUniform = (r: Rng, min: number, max: number) =>
  Math.round(Math.exp(Math.log(min) + r.next() * Math.log(max / min)));

type Maker = { normal: (rng: Rng) => number; make: (ctx: GenContext) => Promise<Uint8Array> };
const MAKERS: Record<Exclude<DecoyKind, 'ssmix2'>, Maker> = {
  csv: { normal: (r) => logUniform(r, 40, 1200), make: makeCsv },
  xlsx: { normal: (r) => logUniform(r, 30, 800), make: makeXlsx },
  html: { normal: (r) => logUniform(r, 20, 600), make: makeHtml },
  pdf: { normal: (r) => (r.chance(0.7) ? 1 : r.int(2, 3)), make: makePdf },
  docx: { normal: (r) => r.int(0, 12), make: makeDocx },
  dicom: { normal: () => 1, make: makeDicom },
};

/** Which kind a role would rather have (size roles need formats that grow or shrink smoothly). */
const PREFER: Partial<Record<DecoyRole, DecoyKind[]>> = {
  largest: ['dicom', 'csv', 'html', 'pdf', 'docx', 'xlsx'],
  smallest: ['csv', 'html', 'dicom', 'pdf', 'xlsx', 'docx'],
  first: ['csv', 'xlsx', 'html', 'pdf', 'docx', 'dicom'],
  last: ['pdf', 'docx', 'dicom', 'xlsx', 'csv', 'html'],
};
const LAST_BASES: Record<DecoyKind, string[]> = {
  csv: ['検査結果一覧', '処方歴', '受診歴'],
  xlsx: ['受診歴', '検査結果', '処方一覧'],
  html: ['診療記録', '検査結果', '受診歴'],
  pdf: ['診療情報提供書', '紹介状', '紹介状返書'],
  docx: ['退院サマリー', '退院時サマリー', '診療記録'],
  dicom: ['CT画像', 'MRI画像', '胸部X線'],
  ssmix2: ['SS-MIX2', 'SS-MIX2データ'],
};

type Slot = {
  index: number;
  role: DecoyRole;
  /** Extra extremes this entry also holds when there are fewer than six entries. */
  size: 'largest' | 'smallest' | null;
  time: 'newest' | 'oldest' | null;
  kind: DecoyKind;
  rng: Rng;
  name: string;
  mtime: Date;
  /** Surname of the patient a document is named after (its content uses it too). */
  surname: [string, string];
  namedAfter: boolean;
};

const ROLES: DecoyRole[] = ['first', 'last', 'largest', 'smallest', 'newest', 'oldest'];

/**
 * Plans the decoys of one directory: names that are reached first and last by name-ordered walks,
 * one larger than every existing file and one smaller, one older and one newer, and the rest spread
 * over the name order. Content is synthetic, seeded by (seed, directory): the same inputs give the
 * same bytes, except beacon tokens (and beacon URLs) which come from `beacon.newToken()`.
 */
export async function planDecoys(opts: PlanOptions): Promise<PlannedFile[]> {
  if (!Number.isInteger(opts.count) || opts.count < 2) throw new RangeError('count must be an integer of at least 2');
  if (opts.kinds.length === 0) throw new RangeError('kinds must not be empty');
  const now = opts.now ?? new Date();
  const root = createRng('mamori-decoys', opts.seed, normaliseDirectory(opts.directory));
  const style = createRng('mamori-decoys', opts.seed, 'style');
  const facility = makeFacility(createRng('mamori-decoys', opts.seed, 'facility'));
  const files = opts.existing.filter((e) => !e.isDirectory);
  const count = opts.count;

  // Roles; with fewer than six entries the first/last ones also carry the size and time extremes.
  const sizeOf = (i: number) => (i === (count > 2 ? 2 : 0) ? 'largest' : i === (count > 3 ? 3 : 1) ? 'smallest' : null);
  const timeOf = (i: number) => (i === (count > 4 ? 4 : 1) ? 'newest' : i === (count > 5 ? 5 : 0) ? 'oldest' : null);
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({
    index: i,
    role: ROLES[i] ?? 'spread',
    size: sizeOf(i),
    time: timeOf(i),
    kind: 'csv',
    rng: root.fork(`entry-${i}`),
    name: '',
    mtime: now,
    surname: pickSurname(root.fork(`surname-${i}`)),
    namedAfter: false,
  }));

  // Kinds: every kind at least once when count allows, in a seeded order; extremes get the kinds
  // that suit them (a DICOM grows smoothly into the largest file, a CSV shrinks into the smallest).
  const pool: DecoyKind[] = [];
  const order = root.fork('kinds').shuffle([...new Set(opts.kinds)]);
  while (pool.length < count) pool.push(...order);
  pool.length = count;
  const take = (prefer: readonly DecoyKind[]) => {
    for (const k of prefer) {
      const at = pool.indexOf(k);
      if (at >= 0) return pool.splice(at, 1)[0]!;
    }
    return pool.shift()!;
  };
  const rank = (s: Slot) => (s.size === 'smallest' ? 0 : s.size === 'largest' ? 1 : 2);
  const special = [...slots]
    .filter((s) => s.size || s.role === 'first' || s.role === 'last')
    // Smallest first: only CSV (and HTML) shrink below a few hundred bytes, while every kind can grow.
    .sort((a, b) => rank(a) - rank(b));
  for (const s of special) s.kind = take(PREFER[s.size ?? s.role] ?? []);
  for (const s of slots) if (!special.includes(s)) s.kind = pool.shift()!;

  // Times: ordinary decoys blend into the directory's own time range (or the last year); then the
  // oldest goes before everything and the newest after everything, but not into the future.
  const mtimes = opts.existing.map((f) => f.mtimeMs).filter((t) => Number.isFinite(t));
  const lo = mtimes.length ? Math.min(...mtimes) : now.getTime() - 400 * DAY;
  const hi = mtimes.length ? Math.max(...mtimes) : now.getTime() - DAY;
  const officeHours = (t: number, rng: Rng) => {
    const day = Math.floor((t + 9 * 3_600_000) / DAY) * DAY - 9 * 3_600_000;
    return new Date(day + rng.int(8 * 3600, 19 * 3600) * 1000 + rng.int(0, 999));
  };
  for (const s of slots) {
    s.mtime = officeHours(lo + s.rng.next() * Math.max(0, hi - lo), s.rng.fork('mtime'));
    if (s.mtime.getTime() > now.getTime()) s.mtime = new Date(now.getTime() - s.rng.int(60, 3600) * 1000);
  }
  const others = (except: Slot) => slots.filter((s) => s !== except).map((s) => s.mtime.getTime());
  for (const s of slots) {
    if (s.time === 'oldest') {
      const floor = Math.min(lo, ...others(s));
      s.mtime = new Date(Math.max(Date.UTC(2000, 0, 1), floor - s.rng.int(1, 90) * DAY - s.rng.int(0, 3600) * 1000));
      if (s.mtime.getTime() >= floor) s.mtime = new Date(floor - 1000);
    }
  }
  for (const s of slots) {
    if (s.time === 'newest') {
      const ceiling = Math.max(hi, ...others(s));
      let t = now.getTime() - s.rng.int(60, 3600) * 1000;
      if (t <= ceiling) t = ceiling + s.rng.int(1, 120) * 1000;
      s.mtime = new Date(t);
    }
  }

  // Names. Spread entries first (targets spaced evenly through the existing code-point order), then
  // first/last against everything. A walker visiting files in random order meets k decoys placed
  // among N files after about N/(k+1) files on average (the expected minimum of k uniform positions),
  // so more decoys per directory means less is encrypted before the first one is touched. Spreading
  // the names also catches walkers that start in the middle or split the listing between threads.
  const taken = new Set(opts.existing.map((e) => foldName(e.name)));
  const sortedNames = opts.existing.map((e) => e.name).sort(compareCodePoints);
  const unique = (name: string, kind: DecoyKind) => {
    if (!taken.has(foldName(name))) return name;
    const ext = withExt(kind, '');
    const stem = ext ? name.slice(0, -ext.length) : name;
    for (let i = 2; ; i++) {
      const candidate = `${stem}(${i})${ext}`;
      if (!taken.has(foldName(candidate))) return candidate;
    }
  };
  const rankOf = (name: string) => {
    let a = 0;
    let b = sortedNames.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (compareCodePoints(sortedNames[m]!, name) < 0) a = m + 1;
      else b = m;
    }
    return a;
  };
  const spread = slots.filter((s) => s.role !== 'first' && s.role !== 'last');
  spread.forEach((s, i) => {
    const rng = s.rng.fork('name');
    const date = s.mtime;
    const bases = [
      ...baseNames(s.kind, rng, date, s.surname[0]),
      ...baseNames(s.kind, rng.fork('more'), new Date(date.getTime() - 30 * DAY), s.surname[0]),
    ];
    const candidates = rng
      .shuffle(bases)
      .map((b) => withExt(s.kind, b))
      .filter((n) => !taken.has(foldName(n)));
    const target = ((i + 1) / (spread.length + 1)) * sortedNames.length;
    let best = candidates[0] ?? withExt(s.kind, bases[0]!);
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const c of candidates) {
      const distance = Math.abs(rankOf(c) - target);
      if (distance < bestDistance) {
        best = c;
        bestDistance = distance;
      }
    }
    s.name = unique(best, s.kind);
    s.namedAfter = s.name.includes(`${s.surname[0]}様`);
    taken.add(foldName(s.name));
  });
  const allNames = () => [...opts.existing.map((e) => e.name), ...slots.filter((s) => s.name).map((s) => s.name)];
  for (const side of ['first', 'last'] as const) {
    const s = slots.find((x) => x.role === side)!;
    const rng = s.rng.fork('name');
    // The base name and the order of equally good prefixes vary per facility, so the pair is not a fixed fingerprint.
    const base = rng.pick(
      side === 'first' ? baseNames(s.kind, rng, s.mtime, s.surname[0]).slice(0, 3) : LAST_BASES[s.kind],
    );
    const prefixes =
      side === 'first'
        ? FIRST_PREFIXES.map((prefix) => ({ prefix, surname: null }))
        : [...rng.shuffle(LAST_PREFIXES.slice(0, 3)), ...LAST_PREFIXES.slice(3)];
    const candidates = prefixes
      .map((p) => ({ name: withExt(s.kind, p.prefix + base), surname: p.surname }))
      .filter((c) => !taken.has(foldName(c.name)));
    if (!candidates.length) candidates.push({ name: withExt(s.kind, prefixes[0]!.prefix + base), surname: null });
    const chosen = pickExtreme(
      candidates.map((c) => c.name),
      allNames(),
      side,
    );
    const surname = candidates.find((c) => c.name === chosen)?.surname;
    if (surname) {
      s.surname = surname;
      s.namedAfter = true;
    }
    s.name = unique(chosen, s.kind);
    taken.add(foldName(s.name));
  }

  // Content.
  const sizes = files.map((f) => f.size).filter((n) => Number.isFinite(n) && n >= 0);
  const maxSize = sizes.length ? Math.max(...sizes) : 0;
  const minSize = sizes.length ? Math.min(...sizes) : Number.POSITIVE_INFINITY;
  const out: PlannedFile[] = [];
  for (const s of slots) {
    const beacon = beaconFor(s.kind, opts.beacon);
    const ctx: GenContext = {
      rng: s.rng.fork('content'),
      style,
      facility,
      now: s.mtime,
      scale: 0,
      beacon,
      surname: s.namedAfter ? s.surname : null,
    };
    const base = { kind: s.kind, mtime: s.mtime, beaconToken: beacon?.token ?? null, role: s.role };
    if (s.kind === 'ssmix2') {
      ctx.scale = s.size === 'smallest' ? 0 : s.rng.int(1, 3);
      for (const f of makeSsmix2(ctx) as GenFile[])
        out.push({ ...base, relativePath: `${s.name}/${f.path}`, data: f.data });
      continue;
    }
    const maker = MAKERS[s.kind];
    ctx.scale = maker.normal(s.rng.fork('scale'));
    const make = async (scale: number) => maker.make({ ...ctx, scale, rng: s.rng.fork('content') });
    let data = await make(ctx.scale);
    if (s.size === 'largest' && data.length <= maxSize) {
      const target = Math.min(
        MAX_DECOY_BYTES,
        Math.floor(maxSize * (1.02 + s.rng.next() * 0.2)) + s.rng.int(1024, 65536),
      );
      let scale = ctx.scale;
      for (let i = 0; i < 8 && data.length <= maxSize && data.length < MAX_DECOY_BYTES; i++) {
        scale = Math.max(scale + 1, Math.ceil((scale || 1) * (target / data.length) * 1.03));
        data = await make(scale);
      }
      if (data.length > MAX_DECOY_BYTES)
        data = await make(Math.max(1, Math.floor((scale * MAX_DECOY_BYTES) / data.length) - 1));
    }
    if (s.size === 'smallest' && data.length >= minSize) {
      let scale = ctx.scale;
      for (let i = 0; i < 8 && data.length >= minSize && scale > 0; i++) {
        scale = Math.min(scale - 1, Math.floor(scale * (minSize / data.length) * 0.8));
        scale = Math.max(0, scale);
        data = await make(scale);
      }
      if (data.length >= minSize && s.kind === 'csv') data = tinyCsv(ctx, minSize);
    }
    out.push({ ...base, relativePath: s.name, data });
  }
  return out;
}

/** A CSV shorter than `limit` bytes: the header line, then fewer columns, down to an empty file. */
function tinyCsv(ctx: GenContext, limit: number): Uint8Array {
  const headers = patientColumns(ctx.style).map((c) => c.header);
  const sjis = ctx.style.fork('csv').chance(0.4);
  for (let n = headers.length; n >= 1; n--) {
    const line = `${headers.slice(0, n).join(',')}\r\n`;
    const data = sjis ? encodeShiftJis(line) : new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(line)]);
    if (data.length < limit) return data;
  }
  return new Uint8Array(0);
}

function beaconFor(kind: DecoyKind, beacon: BeaconOptions | undefined): BeaconUrls | null {
  if (!beacon || !BEACON_KINDS.includes(kind) || (!beacon.baseUrl && !beacon.dnsZone)) return null;
  const token = beacon.newToken();
  const zone = beacon.dnsZone?.replace(/^\.+|\.+$/g, '');
  return {
    token,
    http: beacon.baseUrl ? `${beacon.baseUrl.replace(/\/+$/, '')}/${token}` : null,
    dns: zone ? `http://${token}.${zone}/` : null,
  };
}
