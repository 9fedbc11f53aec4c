import path from 'node:path';

/** File names ransom notes are usually given. */
const NOTE_NAME = /(^readme.*\.(txt|html?|hta|rtf)$)|decrypt|restore|how_to|how-to|recover|ransom|!!!/i;
const NOTE_EXT = /\.(txt|html?|hta|rtf|url)$/i;
/** Words of ransom notes (English and Japanese); two or more make a note. */
const NOTE_WORDS = [
  /bitcoin|\bbtc\b|monero|\bxmr\b/i,
  /\.onion\b|\btor browser\b/i,
  /decrypt/i,
  /encrypted/i,
  /ransom/i,
  /private key|decryption key|unique key|personal id/i,
  /\bpay(ment)?\b/i,
  /leak|publish/i,
  /暗号化/,
  /復号|復元/,
  /身代金/,
];

/** Whether a new file's name looks like a ransom note's (checked before reading its content). */
export function looksLikeNoteName(file: string): boolean {
  const base = path.basename(file);
  return NOTE_EXT.test(base) && NOTE_NAME.test(base);
}

/** Number of ransom-note word groups the text contains. */
export function noteScore(text: string): number {
  return NOTE_WORDS.filter((w) => w.test(text)).length;
}

/** Extensions of ordinary files; a rename storm to anything else is suspicious. */
const ORDINARY_EXT = new Set(
  (
    'txt csv tsv log md json xml html htm pdf rtf doc docx docm dot dotx xls xlsx xlsm xlsb ppt pptx odt ods odp ' +
    'jpg jpeg png gif bmp tif tiff heic svg webp mp3 mp4 mov avi wav zip 7z rar gz tgz bz2 xz tar lnk url ini cfg ' +
    'dcm dicom hl7 dat bak tmp old jtd pages numbers key eml msg pst ost ics vcf db sqlite mdb accdb ps1 bat cmd sh ' +
    'exe dll msi js ts py css'
  ).split(' '),
);

/** The lower-case extension of a name (without the dot), or '' when it has none. */
export const extensionOf = (file: string) => {
  const ext = path.extname(file).slice(1).toLowerCase();
  return ext.length > 0 && ext.length <= 24 ? ext : '';
};

/** Thresholds of the tree heuristics. */
export interface TreeThresholds {
  /** New names with the same unusual extension within `renameWindowMs` that make a rename storm (default 15). */
  renameCount: number;
  renameWindowMs: number;
  /** Distinct files created or modified within one second that make a modification storm (default 60). */
  modifyPerSecond: number;
  /**
   * Distinct files one process rewrote with content that looks encrypted (fanotify only: high entropy and no
   * known file signature at the start) within `encryptedWindowMs` (default 4 within 5 s). Office files, images and
   * archives carry signatures; an office day never writes such files.
   */
  encryptedWrites: number;
  encryptedWindowMs: number;
}

export const DEFAULT_TREE_THRESHOLDS: TreeThresholds = {
  renameCount: 15,
  renameWindowMs: 10_000,
  modifyPerSecond: 60,
  encryptedWrites: 4,
  encryptedWindowMs: 5000,
};

/** What a tree heuristic concluded. */
export type TreeFinding =
  | { kind: 'tree.mass_rename'; extension: string; count: number; windowMs: number; examples: string[] }
  | { kind: 'tree.mass_modify'; count: number; windowMs: number; examples: string[] }
  | {
      kind: 'tree.mass_modify';
      heuristic: 'encrypted_writes';
      pid: number;
      count: number;
      windowMs: number;
      examples: string[];
    };

/** Sliding-window counters over one watched tree: rename storms to one extension and modification storms. */
export class TreeCounters {
  #t: TreeThresholds;
  #renames = new Map<string, { at: number; file: string }[]>();
  #modified: { at: number; file: string }[] = [];
  #encrypted = new Map<number, { at: number; file: string }[]>();

  constructor(thresholds: TreeThresholds = DEFAULT_TREE_THRESHOLDS) {
    this.#t = thresholds;
  }

  /** A file appeared under a new name (created or moved in); returns a finding when a storm is reached. */
  named(file: string, at: number): TreeFinding | null {
    const ext = extensionOf(file);
    if (!ext || ORDINARY_EXT.has(ext) || /^\d+$/.test(ext)) return null;
    const list = this.#renames.get(ext) ?? [];
    list.push({ at, file });
    while (list.length && list[0]!.at < at - this.#t.renameWindowMs) list.shift();
    this.#renames.set(ext, list);
    if (this.#renames.size > 1000) this.#renames.clear(); // bounded memory under a flood of random extensions
    if (list.length < this.#t.renameCount) return null;
    const examples = list.slice(-5).map((e) => e.file);
    list.length = 0;
    return {
      kind: 'tree.mass_rename',
      extension: ext,
      count: this.#t.renameCount,
      windowMs: this.#t.renameWindowMs,
      examples,
    };
  }

  /** A file was written or created; returns a finding when the per-second threshold is reached. */
  modified(file: string, at: number): TreeFinding | null {
    const list = this.#modified;
    if (list.length && list[list.length - 1]!.file === file) return null;
    list.push({ at, file });
    while (list.length && list[0]!.at < at - 1000) list.shift();
    const distinct = new Set(list.map((e) => e.file));
    if (distinct.size < this.#t.modifyPerSecond) return null;
    const examples = [...distinct].slice(-5);
    list.length = 0;
    return { kind: 'tree.mass_modify', count: distinct.size, windowMs: 1000, examples };
  }

  /** A process wrote a file whose start looks encrypted; returns a finding when it did so to enough files. */
  encrypted(pid: number, file: string, at: number): TreeFinding | null {
    const list = (this.#encrypted.get(pid) ?? []).filter((e) => e.at >= at - this.#t.encryptedWindowMs);
    if (!list.some((e) => e.file === file)) list.push({ at, file });
    this.#encrypted.set(pid, list);
    if (this.#encrypted.size > 1000) this.#encrypted.clear();
    if (list.length < this.#t.encryptedWrites) return null;
    this.#encrypted.delete(pid);
    return {
      kind: 'tree.mass_modify',
      heuristic: 'encrypted_writes',
      pid,
      count: list.length,
      windowMs: this.#t.encryptedWindowMs,
      examples: list.slice(-5).map((e) => e.file),
    };
  }
}
