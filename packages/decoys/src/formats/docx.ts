import { DIAGNOSES } from '../clinical.ts';
import { ageAt, eraDate, fullKana, fullName, jpDate, makePatient } from '../people.ts';
import { xmlEscape as esc, type GenContext, withSurname } from './types.ts';
import { xml, zipParts } from './zip.ts';

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG = 'http://schemas.openxmlformats.org/package/2006/relationships';

/**
 * A linked (not embedded) 1-pixel picture inside an INCLUDEPICTURE field, as Word writes one
 * inserted with "Link to File". Word loads the picture from the URL when it renders the document
 * (not in Protected View; policies that block external content stop it).
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

type Run = { text: string; bold?: boolean; size?: number };
const run = (r: Run) =>
  `<w:r>${r.bold || r.size ? `<w:rPr>${r.bold ? '<w:b/>' : ''}${r.size ? `<w:sz w:val="${r.size}"/><w:szCs w:val="${r.size}"/>` : ''}</w:rPr>` : ''}` +
  `<w:t xml:space="preserve">${esc(r.text)}</w:t></w:r>`;
const para = (text: string | Run, opts: { align?: 'center' | 'right'; style?: string } = {}) => {
  const ppr =
    opts.align || opts.style
      ? `<w:pPr>${opts.style ? `<w:pStyle w:val="${opts.style}"/>` : ''}${opts.align ? `<w:jc w:val="${opts.align}"/>` : ''}</w:pPr>`
      : '';
  return `<w:p>${ppr}${run(typeof text === 'string' ? { text } : text)}</w:p>`;
};
const table = (rows: string[][]) =>
  '<w:tbl><w:tblPr><w:tblStyle w:val="a3"/><w:tblW w:w="5000" w:type="pct"/><w:tblLook w:val="04A0"/></w:tblPr>' +
  `<w:tblGrid>${'<w:gridCol w:w="2123"/>'.repeat(4)}</w:tblGrid>` +
  rows
    .map(
      (cells) =>
        `<w:tr>${cells
          .map(
            (c, i) =>
              `<w:tc><w:tcPr><w:tcW w:w="1250" w:type="pct"/></w:tcPr>${para({ text: c, bold: i % 2 === 0 })}</w:tc>`,
          )
          .join('')}</w:tr>`,
    )
    .join('') +
  '</w:tbl>';

const STYLES = xml(
  `<w:styles xmlns:w="${W}"><w:docDefaults><w:rPrDefault><w:rPr>` +
    '<w:rFonts w:asciiTheme="minorHAnsi" w:eastAsiaTheme="minorEastAsia" w:hAnsiTheme="minorHAnsi" w:cstheme="minorBidi"/>' +
    '<w:kern w:val="2"/><w:sz w:val="21"/><w:szCs w:val="22"/><w:lang w:val="en-US" w:eastAsia="ja-JP" w:bidi="ar-SA"/>' +
    '</w:rPr></w:rPrDefault><w:pPrDefault/></w:docDefaults>' +
    '<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/><w:qFormat/><w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr></w:style>' +
    '<w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/><w:basedOn w:val="a"/><w:next w:val="a"/><w:uiPriority w:val="9"/><w:unhideWhenUsed/><w:qFormat/>' +
    '<w:pPr><w:keepNext/><w:spacing w:before="120"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:rFonts w:asciiTheme="majorHAnsi" w:eastAsiaTheme="majorEastAsia"/><w:b/></w:rPr></w:style>' +
    '<w:style w:type="table" w:default="1" w:styleId="a1"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/>' +
    '<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>' +
    '<w:style w:type="table" w:styleId="a3"><w:name w:val="Table Grid"/><w:basedOn w:val="a1"/><w:uiPriority w:val="39"/><w:tblPr><w:tblBorders>' +
    '<w:top w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:left w:val="single" w:sz="4" w:space="0" w:color="auto"/>' +
    '<w:bottom w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:right w:val="single" w:sz="4" w:space="0" w:color="auto"/>' +
    '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="auto"/>' +
    '</w:tblBorders></w:tblPr></w:style></w:styles>',
);
const SETTINGS = xml(
  `<w:settings xmlns:w="${W}"><w:zoom w:percent="100"/><w:bordersDoNotSurroundHeader/><w:bordersDoNotSurroundFooter/>` +
    '<w:defaultTabStop w:val="840"/><w:displayHorizontalDrawingGridEvery w:val="0"/><w:displayVerticalDrawingGridEvery w:val="2"/>' +
    '<w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/>' +
    '<w:doNotLeaveBackslashAlone/><w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/>' +
    '<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>' +
    '<w:themeFontLang w:val="en-US" w:eastAsia="ja-JP"/><w:decimalSymbol w:val="."/><w:listSeparator w:val=","/></w:settings>',
);

/**
 * 退院サマリー (discharge summary) as DOCX, written as WordprocessingML by hand like the XLSX (the
 * docx library is an order of magnitude slower and stamps its own defaults). Beacons are linked
 * pictures whose relationships are `TargetMode="External"`. `scale` adds daily progress notes.
 */
export async function makeDocx(ctx: GenContext): Promise<Uint8Array> {
  const rng = ctx.rng.fork('docx');
  const p = withSurname(makePatient(rng, ctx.facility, ctx.now), ctx);
  const admit = new Date(p.lastVisit.getTime() - rng.int(5, 40) * 86_400_000);
  const discharge = p.lastVisit;
  const doctor = rng.pick(ctx.facility.doctors);
  const admitDx = p.diagnoses[0]!;
  const complication = rng.pick(DIAGNOSES);
  const heading = (text: string) => para(text, { style: '2' });
  const progress: string[] = [];
  for (let i = 0; i < ctx.scale; i++) {
    const day = new Date(admit.getTime() + i * 86_400_000);
    progress.push(
      para(
        `${jpDate(day)}　BT ${(36 + rng.next() * 1.8).toFixed(1)}℃　BP ${rng.int(104, 162)}/${rng.int(58, 96)}　SpO2 ${rng.int(92, 99)}%　${rng.pick(['食事摂取良好', 'リハビリ継続', '疼痛自制内', '夜間良眠', '点滴終了', '検査結果説明'])}`,
      ),
    );
  }
  const links = ctx.beacon ? [ctx.beacon.http, ctx.beacon.dns].filter((u): u is string => u !== null) : [];
  const body = [
    para(ctx.facility.name, { align: 'right' }),
    para({ text: '退院サマリー', bold: true, size: 32 }, { align: 'center' }),
    table([
      ['患者ID', p.id, '診療科', p.dept.name],
      ['氏名', fullName(p), 'フリガナ', fullKana(p)],
      ['生年月日', `${eraDate(p.birth)}（${ageAt(p.birth, admit)}歳）`, '性別', p.sex === 'M' ? '男' : '女'],
      ['入院日', jpDate(admit), '退院日', jpDate(discharge)],
      ['主治医', fullName(doctor), '転帰', rng.pick(['軽快', '治癒', '不変'])],
    ]),
    heading('入院時診断'),
    para(`${admitDx.name}（${admitDx.icd10}）`),
    heading('退院時診断'),
    para(`${admitDx.name}、${complication.name}`),
    heading('主訴・現病歴'),
    para(
      `${jpDate(p.firstVisit)}より${admitDx.name}にて当院${p.dept.name}通院中。${jpDate(admit)}、症状増悪のため入院となった。`,
    ),
    heading('入院後経過'),
    para(`入院後、${p.drugs[0]?.name ?? '補液'}等による加療を行い、経過良好にて${jpDate(discharge)}退院となった。`),
    ...progress,
    heading('退院時処方'),
    ...p.drugs.map((d, i) => para(`${i + 1}) ${d.name}　${d.dose}　${d.usage}　${d.days}日分`)),
    heading('退院時指導・今後の方針'),
    para(`外来にて経過観察。次回受診予定：${jpDate(new Date(discharge.getTime() + rng.int(7, 28) * 86_400_000))}`),
    para(`記載医：${fullName(doctor)}`, { align: 'right' }),
    ...links.map((url, i) => linkedPicture(`rId${10 + i}`, url, 1001 + i)),
  ];
  const document = xml(
    `<w:document xmlns:w="${W}" xmlns:r="${R}" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">` +
      `<w:body>${body.join('')}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>` +
      '<w:pgMar w:top="1985" w:right="1701" w:bottom="1701" w:left="1701" w:header="851" w:footer="992" w:gutter="0"/>' +
      '<w:cols w:space="425"/><w:docGrid w:type="lines" w:linePitch="360"/></w:sectPr></w:body></w:document>',
  );
  const author = fullName(doctor, ' ');
  const created = `${admit.toISOString().slice(0, 19)}Z`;
  const modified = `${ctx.now.toISOString().slice(0, 19)}Z`;
  return zipParts(
    {
      '[Content_Types].xml': xml(
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Default Extension="xml" ContentType="application/xml"/>' +
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
          '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>' +
          '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>' +
          '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
          '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>',
      ),
      '_rels/.rels': xml(
        `<Relationships xmlns="${PKG}">` +
          `<Relationship Id="rId3" Type="${R}/extended-properties" Target="docProps/app.xml"/>` +
          '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>' +
          `<Relationship Id="rId1" Type="${R}/officeDocument" Target="word/document.xml"/></Relationships>`,
      ),
      'word/_rels/document.xml.rels': xml(
        `<Relationships xmlns="${PKG}">` +
          `<Relationship Id="rId2" Type="${R}/settings" Target="settings.xml"/>` +
          `<Relationship Id="rId1" Type="${R}/styles" Target="styles.xml"/>` +
          links
            .map(
              (u, i) => `<Relationship Id="rId${10 + i}" Type="${R}/image" Target="${esc(u)}" TargetMode="External"/>`,
            )
            .join('') +
          '</Relationships>',
      ),
      'word/document.xml': document,
      'word/styles.xml': STYLES,
      'word/settings.xml': SETTINGS,
      'docProps/core.xml': xml(
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" ' +
          'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
          `<dc:title></dc:title><dc:creator>${esc(author)}</dc:creator><cp:lastModifiedBy>${esc(author)}</cp:lastModifiedBy>` +
          `<cp:revision>${rng.int(2, 9)}</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">${created}</dcterms:created>` +
          `<dcterms:modified xsi:type="dcterms:W3CDTF">${modified}</dcterms:modified></cp:coreProperties>`,
      ),
      'docProps/app.xml': xml(
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">' +
          `<Template>Normal.dotm</Template><TotalTime>${rng.int(3, 90)}</TotalTime><Pages>1</Pages><Application>Microsoft Office Word</Application>` +
          `<DocSecurity>0</DocSecurity><Company>${esc(ctx.facility.name)}</Company><LinksUpToDate>false</LinksUpToDate>` +
          '<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0000</AppVersion></Properties>',
      ),
    },
    ctx.now,
  );
}
