import { PDFDocument, PDFHexString, PDFName, type PDFRef, PDFString } from 'pdf-lib';
import { PURPOSES } from '../clinical.ts';
import { ageAt, eraDate, fullKana, fullName, jpDate, makeFacility, makePatient, pickPerson } from '../people.ts';
import { type GenContext, withSurname } from './types.ts';

/** Non-embedded Japanese fonts every Acrobat / poppler / pdf.js knows to substitute. */
const FONTS = [
  { base: 'KozMinPr6N-Regular', flags: 6, stemV: 80 },
  { base: 'HeiseiMin-W3', flags: 6, stemV: 69 },
  { base: 'HeiseiKakuGo-W5', flags: 4, stemV: 114 },
];

/**
 * Registers a Type0 font over a CIDFontType0 (Adobe-Japan1) that is NOT embedded: viewers
 * substitute an installed Japanese font. Text is shown with the UniJIS-UTF16-H CMap, so strings
 * are UTF-16BE hex. A ToUnicode CMap lets text extraction (search, pdftotext) read it back.
 */
function japaneseFont(doc: PDFDocument, which: number): PDFRef {
  const f = FONTS[which % FONTS.length]!;
  const ctx = doc.context;
  const descriptor = ctx.register(
    ctx.obj({
      Type: 'FontDescriptor',
      FontName: f.base,
      Flags: f.flags,
      FontBBox: [-437, -340, 1147, 1317],
      ItalicAngle: 0,
      Ascent: 1317,
      Descent: -349,
      CapHeight: 742,
      StemV: f.stemV,
    }),
  );
  const cidFont = ctx.register(
    ctx.obj({
      Type: 'Font',
      Subtype: 'CIDFontType0',
      BaseFont: f.base,
      CIDSystemInfo: { Registry: PDFString.of('Adobe'), Ordering: PDFString.of('Japan1'), Supplement: 6 },
      FontDescriptor: descriptor,
      DW: 1000,
      // Proportional Latin glyphs (CIDs 1–95, reached by ASCII through the CMap) are about half width.
      W: [1, 95, 500, 231, 632, 500],
    }),
  );
  const ranges: string[] = [];
  for (let hi = 0; hi < 256; hi++) {
    if (hi >= 0xd8 && hi <= 0xdf) continue; // surrogates: this generator writes BMP text only
    const h = hi.toString(16).padStart(2, '0').toUpperCase();
    ranges.push(`<${h}00> <${h}FF> <${h}00>`);
  }
  const chunks: string[] = [];
  for (let i = 0; i < ranges.length; i += 100) {
    const part = ranges.slice(i, i + 100);
    chunks.push(`${part.length} beginbfrange\n${part.join('\n')}\nendbfrange`);
  }
  const toUnicode = ctx.register(
    ctx.flateStream(
      '/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n' +
        '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n' +
        `1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n${chunks.join('\n')}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend`,
    ),
  );
  return ctx.register(
    ctx.obj({
      Type: 'Font',
      Subtype: 'Type0',
      BaseFont: f.base,
      Encoding: 'UniJIS-UTF16-H',
      DescendantFonts: [cidFont],
      ToUnicode: toUnicode,
    }),
  );
}

/** UTF-16BE hex of a string, as shown through UniJIS-UTF16-H. */
const hex = (s: string) => {
  let out = '';
  for (let i = 0; i < s.length; i++) out += s.charCodeAt(i).toString(16).padStart(4, '0');
  return `<${out}>`;
};
/** Approximate width in em: CJK full width, ASCII half. */
const emWidth = (s: string) => [...s].reduce((n, c) => n + (c.charCodeAt(0) < 0x80 ? 0.5 : 1), 0);

type Line = { text: string; size: number; x?: number; gap?: number; align?: 'right' | 'center' };

/**
 * 紹介状 (診療情報提供書) as a PDF: 紹介先/紹介元, patient, 傷病名, 紹介目的, 既往歴, 経過, 処方.
 * Beacon: `/OpenAction` with a `/URI` action on the token URL. Adobe Acrobat/Reader shows a
 * security prompt ("this document is trying to connect to …") and fetches only if the user allows;
 * browser viewers (Chrome/Edge PDFium, Firefox pdf.js) ignore OpenAction URIs. The DNS URL sits in a
 * link annotation (clicked only). No /Launch or JavaScript is used.
 * `scale` adds continuation pages (検査結果/経過 tables) to grow the file.
 */
export async function makePdf(ctx: GenContext): Promise<Uint8Array> {
  const rng = ctx.rng.fork('pdf');
  const p = withSurname(makePatient(rng, ctx.facility, ctx.now), ctx);
  const to = makeFacility(rng.fork('to'));
  const toDoctor = pickPerson(rng, rng.chance(0.7) ? 'M' : 'F');
  const fromDoctor = rng.pick(ctx.facility.doctors);
  const written = new Date(p.lastVisit.getTime() + 3_600_000 * 10);
  const doc = await PDFDocument.create({ updateMetadata: false });
  const font = japaneseFont(doc, ctx.style.fork('pdf-font').int(0, FONTS.length - 1));
  const history = rng.shuffle([
    '虫垂炎術後(20歳代)',
    '高血圧症',
    '胆嚢摘出術後',
    '白内障術後',
    '特記すべきことなし',
    '子宮筋腫',
    '大腸ポリープ切除後',
  ]);
  const lines: Line[] = [
    { text: '診療情報提供書', size: 18, align: 'center', gap: 34 },
    { text: jpDate(written), size: 10.5, align: 'right', gap: 22 },
    { text: `${to.name}`, size: 12 },
    { text: `${p.dept.name}　${fullName(toDoctor)} 先生　御侍史`, size: 12, gap: 26 },
    { text: `紹介元医療機関：${ctx.facility.name}`, size: 10.5, x: 300 },
    { text: `住所：${ctx.facility.address}`, size: 9, x: 300 },
    { text: `電話：${ctx.facility.phone}`, size: 9, x: 300 },
    { text: `医師：${fullName(fromDoctor)}　　印`, size: 10.5, x: 300, gap: 26 },
    { text: `患者氏名：${fullName(p)}（${fullKana(p)}）　${p.sex === 'M' ? '男' : '女'}`, size: 11 },
    { text: `生年月日：${eraDate(p.birth)}（${ageAt(p.birth, written)}歳）　患者ID：${p.id}`, size: 11 },
    { text: `住所：${p.address}　電話：${p.phone}`, size: 9.5, gap: 22 },
    { text: `傷病名：${p.diagnoses.map((d) => d.name).join('、')}`, size: 11, gap: 20 },
    { text: `紹介目的：${rng.pick(PURPOSES)}`, size: 11, gap: 20 },
    { text: `既往歴・家族歴：${history.slice(0, rng.int(1, 3)).join('、')}`, size: 11, gap: 20 },
    { text: '症状経過・検査結果・治療経過：', size: 11 },
    {
      text: `${jpDate(p.firstVisit)}より当院${p.dept.name}にて${p.diagnoses[0]!.name}の加療中です。`,
      size: 10.5,
      x: 70,
    },
    {
      text: `直近の受診は${jpDate(p.lastVisit)}です。ご高診のほどよろしくお願い申し上げます。`,
      size: 10.5,
      x: 70,
      gap: 22,
    },
    { text: '現在の処方：', size: 11 },
    ...p.drugs.map((d, i) => ({ text: `${i + 1}) ${d.name}　${d.dose}　${d.usage}　${d.days}日分`, size: 10, x: 70 })),
  ];
  const render = (items: Line[]) => {
    let y = 790;
    const ops: string[] = ['BT'];
    for (const l of items) {
      const w = emWidth(l.text) * l.size;
      const x = l.align === 'center' ? (595 - w) / 2 : l.align === 'right' ? 545 - w : (l.x ?? 50);
      ops.push(`/F1 ${l.size} Tf 1 0 0 1 ${x.toFixed(1)} ${y.toFixed(1)} Tm ${hex(l.text)} Tj`);
      y -= l.gap ?? l.size + 7;
    }
    ops.push('ET');
    return ops.join('\n');
  };
  const pages: Line[][] = [lines];
  for (let i = 1; i <= ctx.scale - 1; i++) {
    const rows: Line[] = [{ text: `（続き ${i + 1}）検査結果・経過`, size: 12, gap: 24 }];
    for (let r = 0; r < 40; r++) {
      const day = new Date(p.lastVisit.getTime() - (i * 40 + r) * 7 * 86_400_000);
      rows.push({
        text: `${jpDate(day)}　BP ${rng.int(110, 168)}/${rng.int(60, 98)}　HR ${rng.int(55, 98)}　BW ${(40 + rng.next() * 40).toFixed(1)}kg　${rng.pick(['著変なし', '経過良好', '内服継続', '症状やや増悪', '検査予定'])}`,
        size: 9.5,
      });
    }
    pages.push(rows);
  }
  for (const items of pages) {
    const page = doc.addPage([595.28, 841.89]);
    const stream = doc.context.flateStream(render(items));
    page.node.set(PDFName.of('Contents'), doc.context.register(stream));
    page.node.setFontDictionary(PDFName.of('F1'), font);
  }
  const b = ctx.beacon;
  const catalog = doc.catalog;
  if (b?.http) catalog.set(PDFName.of('OpenAction'), doc.context.obj({ S: 'URI', URI: PDFString.of(b.http) }));
  if (b?.dns) {
    const annot = doc.context.register(
      doc.context.obj({
        Type: 'Annot',
        Subtype: 'Link',
        Rect: [50, 40, 545, 60],
        Border: [0, 0, 0],
        A: { S: 'URI', URI: PDFString.of(b.dns) },
      }),
    );
    doc.getPage(0).node.set(PDFName.of('Annots'), doc.context.obj([annot]));
    if (!b.http) catalog.set(PDFName.of('OpenAction'), doc.context.obj({ S: 'URI', URI: PDFString.of(b.dns) }));
  }
  const s = ctx.style.fork('pdf-meta');
  doc.setTitle('診療情報提供書');
  doc.setAuthor(fullName(fromDoctor, ' '));
  doc.setCreator(s.pick([`${ctx.facility.system} 文書作成`, 'Microsoft Word', '文書作成システム']));
  doc.setProducer(
    s.pick(['Microsoft: Print To PDF', 'Adobe PDF Library 15.0', 'CubePDF 1.0.0', 'Microsoft® Word for Microsoft 365']),
  );
  doc.setCreationDate(written);
  doc.setModificationDate(written);
  doc.context.trailerInfo.ID = doc.context.obj([
    PDFHexString.of(hexId(rng.bytes(16))),
    PDFHexString.of(hexId(rng.bytes(16))),
  ]);
  return doc.save({ useObjectStreams: s.chance(0.5) });
}

const hexId = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
