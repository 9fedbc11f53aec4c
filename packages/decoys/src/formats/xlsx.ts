import { fullName, pickPerson } from '../people.ts';
import { patientColumns, patients } from './csv.ts';
import { xmlEscape as esc, type GenContext } from './types.ts';
import { xml, zipParts } from './zip.ts';

const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const NS_R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const NS_PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

const colName = (i: number): string =>
  i < 26 ? String.fromCharCode(65 + i) : colName(Math.floor(i / 26) - 1) + colName(i % 26);
const w3c = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/**
 * 患者一覧 workbook, written as SpreadsheetML by hand (ExcelJS is ten times slower and planting a
 * thousand decoys must take seconds). Shared strings, a styled header row, frozen pane and
 * autofilter, like an export saved from Excel.
 *
 * Beacon: a picture whose blip is *linked* (`r:link`) to an external relationship
 * (`TargetMode="External"`) pointing at the beacon URL. Desktop Excel resolves linked pictures when
 * it renders the sheet, outside Protected View; files that carry the mark of the web open in
 * Protected View first and fetch nothing until the user clicks "Enable Editing", and the Trust
 * Center setting for linked external content can block it. Excel does NOT fetch external *workbook
 * links* (externalLink parts) without asking, so those are not used. LibreOffice Calc does not load
 * linked images from http by default. Treat an XLSX beacon as a bonus, not a guarantee.
 */
export async function makeXlsx(ctx: GenContext): Promise<Uint8Array> {
  const columns = patientColumns(ctx.style);
  const rows = patients(ctx, ctx.scale);
  const strings: string[] = [];
  const index = new Map<string, number>();
  const s = (v: string) => {
    let i = index.get(v);
    if (i === undefined) {
      i = strings.length;
      strings.push(v);
      index.set(v, i);
    }
    return i;
  };
  let refs = 0;
  const cells = (values: string[], style: number, r: number) =>
    values
      .map((v, c) => {
        refs++;
        return `<c r="${colName(c)}${r}" s="${style}" t="s"><v>${s(v)}</v></c>`;
      })
      .join('');
  const sheetRows = [
    `<row r="1" spans="1:${columns.length}">${cells(
      columns.map((c) => c.header),
      1,
      1,
    )}</row>`,
  ];
  rows.forEach((p, i) => {
    sheetRows.push(
      `<row r="${i + 2}" spans="1:${columns.length}">${cells(
        columns.map((c) => c.value(p)),
        0,
        i + 2,
      )}</row>`,
    );
  });
  const lastRef = `${colName(columns.length - 1)}${rows.length + 1}`;
  const widths = columns.map((c, i) => {
    const sample = rows[0] ? c.value(rows[0]) : c.header;
    const w = Math.min(
      48,
      Math.max(
        8,
        [...sample].reduce((n, ch) => n + (ch.charCodeAt(0) > 0xff ? 2.1 : 1.1), 2),
      ),
    );
    return `<col min="${i + 1}" max="${i + 1}" width="${w.toFixed(2)}" customWidth="1"/>`;
  });
  const beacon = ctx.beacon;
  const links = beacon ? [beacon.http, beacon.dns].filter((u): u is string => u !== null) : [];
  const sheet = xml(
    `<worksheet xmlns="${NS_MAIN}" xmlns:r="${NS_R}"><dimension ref="A1:${lastRef}"/>` +
      '<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
      '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>' +
      `<sheetFormatPr defaultRowHeight="18.75"/><cols>${widths.join('')}</cols>` +
      `<sheetData>${sheetRows.join('')}</sheetData><autoFilter ref="A1:${lastRef}"/>` +
      '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>' +
      '<pageSetup paperSize="9" orientation="landscape"/>' +
      (links.length ? '<drawing r:id="rId1"/>' : '') +
      '</worksheet>',
  );
  const sst = xml(
    `<sst xmlns="${NS_MAIN}" count="${refs}" uniqueCount="${strings.length}">${strings
      .map((v) => `<si><t>${esc(v)}</t></si>`)
      .join('')}</sst>`,
  );
  const styles = xml(
    `<styleSheet xmlns="${NS_MAIN}"><fonts count="2"><font><sz val="11"/><name val="游ゴシック"/><family val="3"/><charset val="128"/><scheme val="minor"/></font>` +
      '<font><b/><sz val="11"/><name val="游ゴシック"/><family val="3"/><charset val="128"/><scheme val="minor"/></font></fonts>' +
      '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>' +
      '<fill><patternFill patternType="solid"><fgColor rgb="FFD9E1F2"/><bgColor indexed="64"/></patternFill></fill></fills>' +
      '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>' +
      '<border><left/><right/><top/><bottom style="thin"><color indexed="64"/></bottom><diagonal/></border></borders>' +
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      '<cellXfs count="2"><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
      '<xf numFmtId="49" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/></cellXfs>' +
      '<cellStyles count="1"><cellStyle name="標準" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
  );
  const author = fullName(pickPerson(ctx.style.fork('author'), 'F'), ' ');
  const created = new Date(ctx.now.getTime() - ctx.rng.int(1, 900) * 86_400_000);
  const parts: Record<string, string> = {
    '[Content_Types].xml': xml(
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' +
        (links.length
          ? '<Override PartName="/xl/drawings/drawing1.xml" ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/>'
          : '') +
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
        '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>' +
        '</Types>',
    ),
    '_rels/.rels': xml(
      `<Relationships xmlns="${NS_PKG_REL}">` +
        `<Relationship Id="rId3" Type="${REL}/extended-properties" Target="docProps/app.xml"/>` +
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>' +
        `<Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ),
    'docProps/core.xml': xml(
      '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" ' +
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
        `<dc:creator>${esc(author)}</dc:creator><cp:lastModifiedBy>${esc(author)}</cp:lastModifiedBy>` +
        `<dcterms:created xsi:type="dcterms:W3CDTF">${w3c(created)}</dcterms:created>` +
        `<dcterms:modified xsi:type="dcterms:W3CDTF">${w3c(ctx.now)}</dcterms:modified></cp:coreProperties>`,
    ),
    'docProps/app.xml': xml(
      '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">' +
        '<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>' +
        `<Company>${esc(ctx.facility.name)}</Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>` +
        '<HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0300</AppVersion></Properties>',
    ),
    'xl/workbook.xml': xml(
      `<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_R}"><fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27328"/>` +
        '<workbookPr defaultThemeVersion="202300"/><bookViews><workbookView xWindow="-120" yWindow="-120" windowWidth="29040" windowHeight="15720"/></bookViews>' +
        '<sheets><sheet name="患者一覧" sheetId="1" r:id="rId1"/></sheets>' +
        `<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">患者一覧!$A$1:$${colName(columns.length - 1)}$${rows.length + 1}</definedName></definedNames>` +
        '<calcPr calcId="191029"/></workbook>',
    ),
    'xl/_rels/workbook.xml.rels': xml(
      `<Relationships xmlns="${NS_PKG_REL}">` +
        `<Relationship Id="rId3" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>` +
        `<Relationship Id="rId2" Type="${REL}/styles" Target="styles.xml"/>` +
        `<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    ),
    'xl/worksheets/sheet1.xml': sheet,
    'xl/styles.xml': styles,
    'xl/sharedStrings.xml': sst,
  };
  if (links.length) {
    parts['xl/worksheets/_rels/sheet1.xml.rels'] = xml(
      `<Relationships xmlns="${NS_PKG_REL}"><Relationship Id="rId1" Type="${REL}/drawing" Target="../drawings/drawing1.xml"/></Relationships>`,
    );
    parts['xl/drawings/_rels/drawing1.xml.rels'] = xml(
      `<Relationships xmlns="${NS_PKG_REL}">${links
        .map((u, i) => `<Relationship Id="rId${i + 1}" Type="${REL}/image" Target="${esc(u)}" TargetMode="External"/>`)
        .join('')}</Relationships>`,
    );
    const col = columns.length + 1;
    const anchors = links.map(
      (_, i) =>
        `<xdr:oneCellAnchor><xdr:from><xdr:col>${col}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${i}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>` +
        '<xdr:ext cx="9525" cy="9525"/><xdr:pic><xdr:nvPicPr>' +
        `<xdr:cNvPr id="${i + 2}" name="図 ${i + 1}"/><xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr>` +
        `<xdr:blipFill><a:blip r:link="rId${i + 1}"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>` +
        '<xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="9525" cy="9525"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr>' +
        '</xdr:pic><xdr:clientData/></xdr:oneCellAnchor>',
    );
    parts['xl/drawings/drawing1.xml'] = xml(
      '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" ' +
        `xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="${NS_R}">${anchors.join('')}</xdr:wsDr>`,
    );
  }
  return zipParts(parts, ctx.now);
}
