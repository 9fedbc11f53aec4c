import {
  AlignmentType,
  BorderStyle,
  Document,
  HeadingLevel,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { strFromU8, strToU8, unzipSync } from 'fflate';
import { DIAGNOSES } from '../clinical.ts';
import { ageAt, eraDate, fullKana, fullName, jpDate, makePatient } from '../people.ts';
import { xmlEscape as esc, type GenContext, withSurname } from './types.ts';
import { zipParts } from './zip.ts';

const REL_IMAGE = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/image';

/**
 * A linked (not embedded) 1-pixel picture inside an INCLUDEPICTURE field, as Word writes one
 * inserted with "Link to File". Word loads the picture from the URL when it renders the document
 * (not in Protected View; "Block external content"-style policies can stop it).
 */
function linkedPicture(relId: string, url: string, id: number): string {
  return (
    '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>' +
    `<w:r><w:instrText xml:space="preserve"> INCLUDEPICTURE "${esc(url)}" \\d </w:instrText></w:r>` +
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:drawing>' +
    '<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="9525" cy="9525"/><wp:effectExtent l="0" t="0" r="0" b="0"/>' +
    `<wp:docPr id="${id}" name="図 ${id}"/><wp:cNvGraphicFramePr>` +
    '<a:graphicFrameLocks xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" noChangeAspect="1"/></wp:cNvGraphicFramePr>' +
    '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">' +
    '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">' +
    '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">' +
    `<pic:nvPicPr><pic:cNvPr id="0" name="image${id}"/><pic:cNvPicPr><a:picLocks noChangeAspect="1" noChangeArrowheads="1"/></pic:cNvPicPr></pic:nvPicPr>` +
    `<pic:blipFill><a:blip r:link="${relId}"/><a:srcRect/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>` +
    '<pic:spPr bwMode="auto"><a:xfrm><a:off x="0" y="0"/><a:ext cx="9525" cy="9525"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>' +
    '</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>' +
    '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
  );
}

const cellBorder = { style: BorderStyle.SINGLE, size: 4, color: '808080' };
const cell = (text: string, bold = false, width = 25) =>
  new TableCell({
    width: { size: width, type: WidthType.PERCENTAGE },
    borders: { top: cellBorder, bottom: cellBorder, left: cellBorder, right: cellBorder },
    children: [new Paragraph({ children: [new TextRun({ text, bold })] })],
  });

/**
 * 退院サマリー (discharge summary) as DOCX, built with the docx library and then post-processed
 * with fflate: fixed timestamps (the library stamps "now") and, for beacons, linked pictures whose
 * relationships are `TargetMode="External"`. `scale` adds daily progress notes (経過記録).
 */
export async function makeDocx(ctx: GenContext): Promise<Uint8Array> {
  const rng = ctx.rng.fork('docx');
  const p = withSurname(makePatient(rng, ctx.facility, ctx.now), ctx);
  const admit = new Date(p.lastVisit.getTime() - rng.int(5, 40) * 86_400_000);
  const discharge = p.lastVisit;
  const doctor = rng.pick(ctx.facility.doctors);
  const admitDx = p.diagnoses[0]!;
  const complication = rng.pick(DIAGNOSES);
  const para = (text: string) => new Paragraph({ spacing: { after: 80 }, children: [new TextRun(text)] });
  const heading = (text: string) =>
    new Paragraph({
      heading: HeadingLevel.HEADING_2,
      spacing: { before: 200, after: 80 },
      children: [new TextRun({ text, bold: true })],
    });
  const info = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ children: [cell('患者ID', true), cell(p.id), cell('診療科', true), cell(p.dept.name)] }),
      new TableRow({ children: [cell('氏名', true), cell(fullName(p)), cell('フリガナ', true), cell(fullKana(p))] }),
      new TableRow({
        children: [
          cell('生年月日', true),
          cell(`${eraDate(p.birth)}（${ageAt(p.birth, admit)}歳）`),
          cell('性別', true),
          cell(p.sex === 'M' ? '男' : '女'),
        ],
      }),
      new TableRow({
        children: [cell('入院日', true), cell(jpDate(admit)), cell('退院日', true), cell(jpDate(discharge))],
      }),
      new TableRow({
        children: [
          cell('主治医', true),
          cell(fullName(doctor)),
          cell('転帰', true),
          cell(rng.pick(['軽快', '治癒', '不変'])),
        ],
      }),
    ],
  });
  const progress: Paragraph[] = [];
  for (let i = 0; i < ctx.scale; i++) {
    const day = new Date(admit.getTime() + i * 86_400_000);
    progress.push(
      para(
        `${jpDate(day)}　BT ${(36 + rng.next() * 1.8).toFixed(1)}℃　BP ${rng.int(104, 162)}/${rng.int(58, 96)}　SpO2 ${rng.int(92, 99)}%　${rng.pick(['食事摂取良好', 'リハビリ継続', '疼痛自制内', '夜間良眠', '点滴終了', '検査結果説明'])}`,
      ),
    );
  }
  const doc = new Document({
    creator: fullName(doctor, ' '),
    lastModifiedBy: fullName(doctor, ' '),
    title: '退院サマリー',
    styles: { default: { document: { run: { font: 'Yu Mincho', size: 21 } } } },
    sections: [
      {
        children: [
          new Paragraph({ alignment: AlignmentType.RIGHT, children: [new TextRun(ctx.facility.name)] }),
          new Paragraph({
            alignment: AlignmentType.CENTER,
            spacing: { after: 240 },
            children: [new TextRun({ text: '退院サマリー', bold: true, size: 32 })],
          }),
          info,
          heading('入院時診断'),
          para(`${admitDx.name}（${admitDx.icd10}）`),
          heading('退院時診断'),
          para(`${admitDx.name}、${complication.name}`),
          heading('主訴・現病歴'),
          para(
            `${jpDate(p.firstVisit)}より${admitDx.name}にて当院${p.dept.name}通院中。${jpDate(admit)}、症状増悪のため入院となった。`,
          ),
          heading('入院後経過'),
          para(
            `入院後、${p.drugs[0]?.name ?? '補液'}等による加療を行い、経過良好にて${jpDate(discharge)}退院となった。`,
          ),
          ...progress,
          heading('退院時処方'),
          ...p.drugs.map((d, i) => para(`${i + 1}) ${d.name}　${d.dose}　${d.usage}　${d.days}日分`)),
          heading('退院時指導・今後の方針'),
          para(
            `外来にて経過観察。次回受診予定：${jpDate(new Date(discharge.getTime() + rng.int(7, 28) * 86_400_000))}`,
          ),
          new Paragraph({ alignment: AlignmentType.RIGHT, children: [new TextRun(`記載医：${fullName(doctor)}`)] }),
        ],
      },
    ],
  });
  const zipped = new Uint8Array(await Packer.toBuffer(doc));
  const parts: Record<string, string | Uint8Array> = unzipSync(zipped);
  const stamp = `${ctx.now.toISOString().slice(0, 19)}Z`;
  parts['docProps/core.xml'] = strFromU8(parts['docProps/core.xml'] as Uint8Array).replace(
    /(<dcterms:(created|modified)[^>]*>)[^<]*(<\/dcterms:\2>)/g,
    (_m, open: string, kind: string, close: string) =>
      `${open}${kind === 'created' ? `${admit.toISOString().slice(0, 19)}Z` : stamp}${close}`,
  );
  const links = ctx.beacon ? [ctx.beacon.http, ctx.beacon.dns].filter((u): u is string => u !== null) : [];
  if (links.length) {
    let relsXml = strFromU8(parts['word/_rels/document.xml.rels'] as Uint8Array);
    let docXml = strFromU8(parts['word/document.xml'] as Uint8Array);
    const pictures = links.map((url, i) => {
      const id = `rIdLnk${i + 1}`;
      relsXml = relsXml.replace(
        '</Relationships>',
        `<Relationship Id="${id}" Type="${REL_IMAGE}" Target="${esc(url)}" TargetMode="External"/></Relationships>`,
      );
      return linkedPicture(id, url, 1001 + i);
    });
    const at = docXml.lastIndexOf('<w:sectPr');
    docXml = docXml.slice(0, at) + pictures.join('') + docXml.slice(at);
    parts['word/_rels/document.xml.rels'] = strToU8(relsXml);
    parts['word/document.xml'] = strToU8(docXml);
  }
  return zipParts(parts, ctx.now);
}
