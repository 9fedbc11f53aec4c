import type { DecoyKind } from '@mamori/contracts';
import { ymd } from './people.ts';
import type { Rng } from './rng.ts';

/** Compares by Unicode code point (= UTF-8 byte order, what `sort` in C locale and most code do). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only surrogates (astral characters) order differently by code point than by code unit.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x - y;
    return xs ? 1 : -1;
  }
  return a.length - b.length;
}

/** Compares UTF-16 code units (JavaScript's default sort; NTFS orders upper-cased UTF-16 names). */
export const compareCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const ja = new Intl.Collator('ja');
const natural = new Intl.Collator('en', { numeric: true });
const noPunct = new Intl.Collator('en', { ignorePunctuation: true });

/**
 * The traversal orders a decoy name must win, with weights: code-point orders first (scripts,
 * `sort`, readdir sorted by programs; NTFS stores names in upper-cased UTF-16 order, which is what
 * FindFirstFile returns and most Windows ransomware walks), then locale orders (Explorer/Finder-like
 * natural sort, Japanese collation, glibc-style collation that ignores punctuation).
 */
export const ORDERS: readonly { name: string; weight: number; compare: (a: string, b: string) => number }[] = [
  { name: 'code point', weight: 8, compare: compareCodePoints },
  { name: 'UTF-16 code units (JS sort)', weight: 4, compare: compareCodeUnits },
  {
    name: 'upper-case UTF-16 (NTFS)',
    weight: 8,
    compare: (a, b) => compareCodeUnits(a.toUpperCase(), b.toUpperCase()),
  },
  { name: 'lower-case fold', weight: 4, compare: (a, b) => compareCodePoints(a.toLowerCase(), b.toLowerCase()) },
  { name: 'ja collation', weight: 2, compare: ja.compare },
  { name: 'natural (numeric)', weight: 2, compare: natural.compare },
  { name: 'ignore punctuation', weight: 1, compare: noPunct.compare },
];

/**
 * Picks the candidate that comes before (`first`) or after (`last`) every other name under the
 * most traversal orders (weighted); ties go to the earlier, more plausible candidate.
 */
export function pickExtreme(candidates: readonly string[], others: readonly string[], side: 'first' | 'last'): string {
  let best = candidates[0]!;
  let bestScore = -1;
  for (const c of candidates) {
    let score = 0;
    for (const o of ORDERS) {
      if (others.every((e) => (side === 'first' ? o.compare(c, e) < 0 : o.compare(c, e) > 0))) score += o.weight;
    }
    if (score > bestScore) {
      best = c;
      bestScore = score;
      if (score === ORDERS.reduce((n, o) => n + o.weight, 0)) break;
    }
  }
  return best;
}

const EXT: Record<DecoyKind, string> = {
  csv: '.csv',
  xlsx: '.xlsx',
  ssmix2: '',
  pdf: '.pdf',
  docx: '.docx',
  dicom: '.dcm',
  html: '.html',
};

/** Plausible base names (without extension) for a kind; `date` is the decoy's own date. */
export function baseNames(kind: DecoyKind, rng: Rng, date: Date, surname: string): string[] {
  const d = ymd(date);
  const ym = d.slice(0, 6);
  const n = String(rng.int(1, 9999)).padStart(4, '0');
  switch (kind) {
    case 'csv':
      return [
        `患者一覧_${d}`,
        `外来患者一覧_${ym}`,
        `patient_list_${d}`,
        `受診者リスト_${ym}`,
        `export_${d}`,
        `予約患者一覧_${d}`,
      ];
    case 'xlsx':
      return [
        `患者一覧_${d}`,
        '患者名簿',
        `入院患者一覧_${ym}`,
        '紹介患者管理表',
        `健診受診者名簿_${d.slice(0, 4)}`,
        `透析患者台帳_${ym}`,
      ];
    case 'html':
      return [`患者一覧_${d}`, `report_${d}`, '患者一覧表', `受診患者一覧_${ym}`];
    case 'pdf':
      return [
        `診療情報提供書_${surname}様`,
        `紹介状_${d}`,
        `紹介状_${surname}様_${d}`,
        `referral_${n}`,
        `scan_${d}_${n}`,
      ];
    case 'docx':
      return [
        `退院サマリー_${surname}様`,
        `退院時サマリー_${d}`,
        `discharge_summary_${ym}_${n}`,
        `サマリー_${surname}様`,
      ];
    case 'dicom':
      return [`CT_${d}_${n}`, `IMG${n}`, `MR_${d}_${n}`, `CR_${d}_${n}`, `DICOM_${d}`];
    case 'ssmix2':
      return ['SS-MIX2', `ssmix2_${d}`, '標準化ストレージ', `SSMIX2_export_${ym}`];
  }
}

export const withExt = (kind: DecoyKind, base: string) => base + EXT[kind];

/**
 * Prefixes that push a name to the front: "00_"-style numbering is what offices use to pin files
 * to the top; "!" wins in code-point order and Explorer; a leading space is the last resort that
 * wins every order when existing names already start with punctuation.
 */
export const FIRST_PREFIXES = ['00_', '000_', '0000_', '!00_', '!000_', '!!000_', ' 000_'];
/**
 * Prefixes that push a name to the end. 鷲 (U+9DF2, read "washi") is above almost every kanji in
 * code point and near the end of the Japanese reading order, and 鷲尾/鷲見/鷲田 are real surnames,
 * so a file named after a patient looks natural. Half-width katakana (U+FF61–FF9F, which old
 * hospital systems still print) beats full-width forms in code-point order but not in collation.
 */
export const LAST_PREFIXES: readonly { prefix: string; surname: [string, string] | null }[] = [
  { prefix: '鷲尾様_', surname: ['鷲尾', 'ワシオ'] },
  { prefix: '鷲見様_', surname: ['鷲見', 'ワシミ'] },
  { prefix: '鷲田様_', surname: ['鷲田', 'ワシダ'] },
  { prefix: '鷲尾_', surname: ['鷲尾', 'ワシオ'] },
  { prefix: '龍ケ崎_', surname: null },
  { prefix: 'ﾜｼｵ_', surname: ['鷲尾', 'ワシオ'] },
  { prefix: 'ﾜｼﾀﾞ_', surname: ['鷲田', 'ワシダ'] },
];

export const foldName = (s: string) => s.normalize('NFC').toUpperCase();
