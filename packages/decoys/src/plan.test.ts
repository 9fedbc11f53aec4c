import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { DECOY_KINDS } from '@mamori/contracts';
import dcmjs from 'dcmjs';
import ExcelJS from 'exceljs';
import { strFromU8, unzipSync } from 'fflate';
import { PDFDict, PDFDocument, PDFName, type PDFRef } from 'pdf-lib';
import { BEACON_VIEWER_NOTES, type ExistingEntry, type PlannedFile, planDecoys, shannonEntropy } from './index.ts';
import { ORDERS } from './naming.ts';

const NOW = new Date('2025-02-10T03:00:00Z');
const DAY = 86_400_000;
const existing: ExistingEntry[] = [
  { name: '請求書_2024年12月.pdf', size: 180_000, mtimeMs: NOW.getTime() - 40 * DAY, isDirectory: false },
  { name: 'Report.docx', size: 32_000, mtimeMs: NOW.getTime() - 400 * DAY, isDirectory: false },
  { name: 'memo.txt', size: 700, mtimeMs: NOW.getTime() - 3 * DAY, isDirectory: false },
  { name: '0_readme.txt', size: 2_400, mtimeMs: NOW.getTime() - 90 * DAY, isDirectory: false },
  { name: 'zz_old', size: 0, mtimeMs: NOW.getTime() - 900 * DAY, isDirectory: true },
  { name: '領収書', size: 0, mtimeMs: NOW.getTime() - 20 * DAY, isDirectory: true },
  { name: '患者一覧_20240110.xlsx', size: 51_000, mtimeMs: NOW.getTime() - 300 * DAY, isDirectory: false },
  { name: 'カルテ.pdf', size: 64_000, mtimeMs: NOW.getTime() - 200 * DAY, isDirectory: false },
];

let tokens = 0;
const beacon = {
  baseUrl: 'https://mamori.example/b/',
  dnsZone: 'bcn.mamori.example',
  newToken: () => `T${String(++tokens).padStart(4, '0')}abcdefghijklmnopq`,
};
const plan = (over: Partial<Parameters<typeof planDecoys>[0]> = {}) =>
  planDecoys({
    seed: 'facility-a',
    directory: '/srv/share/医事課',
    count: 9,
    kinds: DECOY_KINDS,
    existing,
    now: NOW,
    beacon,
    ...over,
  });

const tops = (files: PlannedFile[]) => [...new Set(files.map((f) => f.relativePath.split('/')[0]!))];
const byRole = (files: PlannedFile[], role: PlannedFile['role']) => files.find((f) => f.role === role)!;
const digest = (files: PlannedFile[]) =>
  files.map((f) => ({ ...f, data: createHash('sha256').update(f.data).digest('hex') }));
const text = (f: PlannedFile) => Buffer.from(f.data).toString('utf8');

describe('planDecoys', async () => {
  const files = await plan();

  test('plans the requested number of top entries, unique and unlike existing names (case-insensitively)', () => {
    const names = tops(files);
    assert.equal(names.length, 9);
    const folded = [...names, ...existing.map((e) => e.name)].map((n) => n.toUpperCase());
    assert.equal(new Set(folded).size, folded.length);
    for (const f of files) assert.ok(!f.relativePath.includes('\\'));
  });

  test('is deterministic for a seed and directory; only beacon tokens come from outside', async () => {
    const fixed = () => {
      let n = 0;
      return { ...beacon, newToken: () => `fixed${String(++n).padStart(4, '0')}abcdefghijkl` };
    };
    const one = await plan({ beacon: fixed() });
    const two = await plan({ beacon: fixed() });
    assert.deepEqual(digest(one), digest(two));
    // With fresh tokens only beacon files change, and the rest stays byte for byte.
    const three = await plan();
    for (const [i, f] of three.entries()) {
      assert.equal(f.relativePath, one[i]!.relativePath);
      if (!f.beaconToken) assert.equal(digest([f])[0]!.data, digest([one[i]!])[0]!.data);
      else assert.notEqual(f.beaconToken, one[i]!.beaconToken);
    }
  });

  test('differs between seeds (names, sizes, content)', async () => {
    const other = await plan({ seed: 'facility-b' });
    assert.notDeepEqual(tops(other), tops(files));
    assert.notDeepEqual(
      other.map((f) => f.data.length),
      files.map((f) => f.data.length),
    );
    const csvA = files.find((f) => f.kind === 'csv')!;
    const csvB = other.find((f) => f.kind === 'csv')!;
    assert.notEqual(Buffer.from(csvA.data).toString('hex'), Buffer.from(csvB.data).toString('hex'));
  });

  test('differs between directories of one facility', async () => {
    const other = await plan({ directory: '/srv/share/地域連携室' });
    assert.notDeepEqual(
      other.map((f) => f.data.length),
      files.map((f) => f.data.length),
    );
  });

  test('the first and last entries sort before / after every existing name in every traversal order', () => {
    const first = byRole(files, 'first').relativePath.split('/')[0]!;
    const last = byRole(files, 'last').relativePath.split('/')[0]!;
    const names = [...existing.map((e) => e.name), ...tops(files)];
    for (const order of ORDERS) {
      const sorted = [...names].sort(order.compare);
      assert.equal(sorted[0], first, `first in ${order.name}: ${sorted.join(' | ')}`);
      assert.equal(sorted.at(-1), last, `last in ${order.name}: ${sorted.join(' | ')}`);
    }
    // Plain JS sort (UTF-16 code units) and a case-insensitive locale sort as well.
    assert.equal([...names].sort()[0], first);
    assert.equal([...names].sort().at(-1), last);
    const loose = new Intl.Collator('ja', { sensitivity: 'base' }).compare;
    assert.equal([...names].sort(loose)[0], first);
  });

  test('still wins code-point orders when existing names start with punctuation', async () => {
    const tricky = [
      ...existing,
      { name: '_backup', size: 10, mtimeMs: 0, isDirectory: true },
      { name: '!重要', size: 5, mtimeMs: 0, isDirectory: false },
      { name: 'ｶﾙﾃ.pdf', size: 5, mtimeMs: 0, isDirectory: false },
      { name: '（株）見積.xlsx', size: 5, mtimeMs: 0, isDirectory: false },
    ];
    const out = await plan({ existing: tricky, count: 2 });
    const first = byRole(out, 'first').relativePath.split('/')[0]!;
    const last = byRole(out, 'last').relativePath.split('/')[0]!;
    const names = [...tricky.map((e) => e.name), first, last];
    for (const order of ORDERS.filter((o) => o.weight >= 4)) {
      assert.equal([...names].sort(order.compare)[0], first, order.name);
      assert.equal([...names].sort(order.compare).at(-1), last, order.name);
    }
  });

  test('largest is larger than every existing file, smallest smaller', () => {
    const maxExisting = Math.max(...existing.filter((e) => !e.isDirectory).map((e) => e.size));
    const minExisting = Math.min(...existing.filter((e) => !e.isDirectory).map((e) => e.size));
    assert.ok(byRole(files, 'largest').data.length > maxExisting);
    assert.ok(byRole(files, 'smallest').data.length < minExisting);
  });

  test('the largest grows past big files but stays under the 64 MiB cap', async () => {
    const big = [{ name: 'backup.zip', size: 3_000_000, mtimeMs: NOW.getTime() - DAY, isDirectory: false }];
    for (const kinds of [['csv'], ['dicom']] as const) {
      const out = await plan({ existing: big, count: 3, kinds });
      const largest = byRole(out, 'largest').data.length;
      assert.ok(largest > 3_000_000 && largest <= 64 * 1024 * 1024, `${kinds[0]} ${largest}`);
    }
  });

  test('oldest and newest mtimes bracket every existing file and every other decoy, never in the future', () => {
    const times = existing.map((e) => e.mtimeMs);
    const oldest = byRole(files, 'oldest').mtime.getTime();
    const newest = byRole(files, 'newest').mtime.getTime();
    assert.ok(oldest < Math.min(...times));
    assert.ok(newest > Math.max(...times));
    assert.ok(newest <= NOW.getTime());
    for (const f of files) {
      assert.ok(f.mtime.getTime() >= oldest && f.mtime.getTime() <= newest);
    }
  });

  test('with only two decoys the pair still carries every extreme', async () => {
    const out = await plan({ count: 2, kinds: ['csv', 'pdf'] });
    assert.equal(tops(out).length, 2);
    const sizes = out.map((f) => f.data.length);
    assert.ok(Math.max(...sizes) > 180_000);
    assert.ok(Math.min(...sizes) < 700);
    const times = out.map((f) => f.mtime.getTime());
    assert.ok(Math.min(...times) < NOW.getTime() - 400 * DAY);
    assert.ok(Math.max(...times) > NOW.getTime() - 3 * DAY);
  });

  test('spread names fall at different places of the existing order', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({
      name: `${String.fromCharCode(97 + (i % 26))}${i}_file.txt`,
      size: 1000 + i,
      mtimeMs: NOW.getTime() - i * DAY,
      isDirectory: false,
    }));
    const out = await plan({ existing: many, count: 12 });
    const sorted = [...many.map((e) => e.name), ...tops(out)].sort();
    const positions = out.filter((f) => f.role === 'spread').map((f) => sorted.indexOf(f.relativePath.split('/')[0]!));
    assert.ok(new Set(positions).size >= 2);
  });

  test('a document named after a patient is about that patient', async () => {
    const out = await plan({ count: 2, kinds: ['docx'] });
    const last = byRole(out, 'last');
    const surname = /^(鷲[尾見田])様_/.exec(last.relativePath)?.[1];
    assert.ok(surname, last.relativePath);
    assert.match(strFromU8(unzipSync(last.data)['word/document.xml']!), new RegExp(`${surname}[　 ]`));
  });

  test('rejects fewer than two decoys', async () => {
    await assert.rejects(plan({ count: 1 }), RangeError);
  });
});

describe('every kind parses back', async () => {
  const files = await plan({ count: 7 });
  const of = (kind: string) => files.find((f) => f.kind === kind)!;

  test('CSV: header and rows', () => {
    const f = of('csv');
    const isUtf8 = f.data[0] === 0xef && f.data[1] === 0xbb && f.data[2] === 0xbf;
    const body = new TextDecoder(isUtf8 ? 'utf-8' : 'shift_jis').decode(f.data);
    const lines = body.split('\r\n').filter(Boolean);
    assert.ok(lines.length >= 1);
    assert.match(lines[0]!, /患者ID|患者番号|カルテ番号|ID/);
    const cols = lines[0]!.split(',').length;
    for (const l of lines.slice(1)) assert.equal(l.split(',').length, cols);
  });

  test('XLSX: ExcelJS reads the patient sheet', async () => {
    const f = of('xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(f.data) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('患者一覧')!;
    assert.ok(ws.rowCount >= 2);
    const header = (ws.getRow(1).values as unknown[]).filter(Boolean).map(String);
    assert.ok(header.some((h) => /氏名/.test(h)));
  });

  test('DOCX: unzips, document.xml holds the Japanese summary', () => {
    const parts = unzipSync(of('docx').data);
    const xml = strFromU8(parts['word/document.xml']!);
    assert.match(xml, /退院サマリー/);
    assert.match(xml, /氏名/);
    assert.match(xml, /[\u4e00-\u9fff]{1,4}[　 ][\u3041-\u30ff\u4e00-\u9fff]{1,4}/);
  });

  test('PDF: loads, uses a non-embedded Type0 Japanese font', async () => {
    const pdf = await PDFDocument.load(of('pdf').data);
    assert.ok(pdf.getPageCount() >= 1);
    const fonts = pdf.getPage(0).node.Resources()!.lookup(PDFName.of('Font'), PDFDict);
    const f1 = pdf.context.lookup(fonts.get(PDFName.of('F1')) as PDFRef, PDFDict);
    assert.equal(f1.get(PDFName.of('Subtype'))?.toString(), '/Type0');
    assert.equal(f1.get(PDFName.of('Encoding'))?.toString(), '/UniJIS-UTF16-H');
    const [cid] = (f1.lookup(PDFName.of('DescendantFonts')) as unknown as { asArray(): PDFRef[] }).asArray();
    const cidFont = pdf.context.lookup(cid!, PDFDict);
    const descriptor = cidFont.lookup(PDFName.of('FontDescriptor'), PDFDict);
    assert.equal(descriptor.get(PDFName.of('FontFile')), undefined);
    assert.equal(descriptor.get(PDFName.of('FontFile2')), undefined);
    assert.equal(descriptor.get(PDFName.of('FontFile3')), undefined);
    assert.doesNotMatch(Buffer.from(of('pdf').data).toString('latin1'), /pdf-lib/);
  });

  test('DICOM: dcmjs reads the Part 10 file with a Japanese PatientName', () => {
    const f = of('dicom');
    assert.equal(Buffer.from(f.data.subarray(128, 132)).toString('latin1'), 'DICM');
    const buffer = f.data.buffer.slice(f.data.byteOffset, f.data.byteOffset + f.data.byteLength) as ArrayBuffer;
    const { dict } = dcmjs.data.DicomMessage.readFile(buffer);
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict) as Record<string, unknown>;
    const [name] = ds.PatientName as { Alphabetic: string; Ideographic: string; Phonetic: string }[];
    assert.match(name!.Ideographic, /^[\u3041-\u30ff\u4e00-\u9fff々]+\^[\u3041-\u30ff\u4e00-\u9fff々]+$/);
    assert.match(name!.Alphabetic, /^[A-Z]+\^[A-Z]+$/);
    assert.equal(ds.SpecificCharacterSet, 'ISO_IR 192');
    assert.ok(['CT', 'MR', 'CR'].includes(ds.Modality as string));
    assert.match(ds.StudyInstanceUID as string, /^2\.25\.\d+$/);
    assert.match(ds.StudyDate as string, /^\d{8}$/);
    assert.ok(f.data.length > 100_000 && f.data.length < 2_500_000);
  });

  test('SS-MIX2: standard storage layout and HL7 v2.5 segments in ISO-2022-JP', () => {
    const tree = files.filter((f) => f.kind === 'ssmix2');
    assert.ok(tree.length >= 1);
    for (const f of tree) {
      const [, a, b, id, date, type, name] = f.relativePath.split('/');
      assert.equal(a, id!.slice(0, 3));
      assert.equal(b, id!.slice(3, 6));
      assert.match(date!, /^(\d{8}|-)$/);
      assert.match(type!, /^[A-Z]{3}-\d\d$/);
      assert.match(name!, new RegExp(`^${id}_${date}_${type}_[^_]+_\\d{17}_[^_]+_1$`));
      const msg = new TextDecoder('iso-2022-jp').decode(f.data);
      const segments = msg.split('\r');
      assert.match(segments[0]!, /^MSH\|\^~\\&\|.*\|2\.5\|/);
      const pid = segments.find((s) => s.startsWith('PID|'))!;
      assert.match(pid.split('|')[5]!, /^[\u4e00-\u9fff々]+\^[\u3041-\u309f\u4e00-\u9fff々]+\^/);
    }
  });

  test('HTML: a patient table', () => {
    const html = text(of('html'));
    assert.match(html, /<table>/);
    assert.ok((html.match(/<tr>/g) ?? []).length >= 2);
  });
});

describe('beacons', async () => {
  const files = await plan({ count: 7 });

  test('each beacon kind embeds its own token URL and DNS name; others carry none', () => {
    const seen = new Set<string>();
    for (const f of files) {
      if (!['html', 'docx', 'xlsx', 'pdf'].includes(f.kind)) {
        assert.equal(f.beaconToken, null);
        continue;
      }
      const token = f.beaconToken!;
      assert.ok(token && !seen.has(token));
      seen.add(token);
      const http = `https://mamori.example/b/${token}`;
      const dns = `http://${token}.bcn.mamori.example/`;
      let haystack: string;
      if (f.kind === 'docx' || f.kind === 'xlsx') {
        const parts = unzipSync(f.data);
        haystack = Object.values(parts)
          .map((p) => strFromU8(p))
          .join('\n');
        assert.match(haystack, /TargetMode="External"/);
        assert.match(haystack, /r:link="/);
      } else haystack = Buffer.from(f.data).toString('latin1');
      assert.ok(haystack.includes(http), `${f.kind} has ${http}`);
      if (f.kind !== 'pdf') assert.ok(haystack.includes(dns), `${f.kind} has ${dns}`);
    }
    assert.ok(seen.size >= 4);
  });

  test('PDF opens with a URI action on the token URL', async () => {
    const f = files.find((x) => x.kind === 'pdf')!;
    const pdf = await PDFDocument.load(f.data);
    const action = pdf.catalog.lookup(PDFName.of('OpenAction'), PDFDict);
    assert.equal(action.get(PDFName.of('S'))?.toString(), '/URI');
    assert.match(action.get(PDFName.of('URI'))!.toString(), new RegExp(f.beaconToken!));
  });

  test('no beacon options, no tokens', async () => {
    const out = await plan({ beacon: undefined });
    assert.ok(out.every((f) => f.beaconToken === null));
    assert.ok(out.every((f) => !Buffer.from(f.data).toString('latin1').includes('mamori.example')));
  });

  test('viewer notes exist in both languages for every beacon kind', () => {
    for (const k of ['docx', 'xlsx', 'pdf', 'html'] as const) {
      assert.ok(BEACON_VIEWER_NOTES[k].ja.length > 20);
      assert.ok(BEACON_VIEWER_NOTES[k].en.length > 20);
    }
  });
});

describe('shannonEntropy', () => {
  test('random bytes are near 8 bits, text far lower, constant 0', async () => {
    const { randomBytes } = await import('node:crypto');
    assert.ok(shannonEntropy(randomBytes(65536)) > 7.9);
    const files = await plan({ count: 2, kinds: ['csv'] });
    assert.ok(shannonEntropy(files[0]!.data) < 6.5);
    assert.equal(shannonEntropy(new Uint8Array(100)), 0);
    assert.equal(shannonEntropy(new Uint8Array(0)), 0);
    assert.equal(shannonEntropy(Uint8Array.from([0, 1, 2, 3])), 2);
  });
});
