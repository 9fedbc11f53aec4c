import { hms, jpDate } from '../people.ts';
import { patientColumns, patients } from './csv.ts';
import { xmlEscape as esc, type GenContext, utf8 } from './types.ts';

/**
 * 患者一覧 report page as hospital systems export it for printing. Beacon: an <img> and a CSS
 * background pointing at the token URL (any browser that renders the page fetches them unless
 * remote content is blocked), plus an <img> on `http://<token>.<zone>/` for a DNS lookup.
 */
export async function makeHtml(ctx: GenContext): Promise<Uint8Array> {
  const columns = patientColumns(ctx.style);
  const rows = patients(ctx, ctx.scale);
  const s = ctx.style.fork('html');
  const accent = s.pick(['#1f4e79', '#2e75b6', '#385723', '#7f6000', '#444']);
  const title = s.pick(['患者一覧', '患者一覧表', '受診患者一覧', '外来患者一覧']);
  const b = ctx.beacon;
  const css =
    `body{font-family:"Yu Gothic","Meiryo",sans-serif;font-size:12px;margin:16px}` +
    `h1{font-size:18px;color:${accent};border-bottom:2px solid ${accent}}` +
    'table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:2px 6px;white-space:nowrap}' +
    `th{background:${accent};color:#fff}tr:nth-child(even) td{background:#f4f6f9}.meta{color:#555}` +
    (b?.http ? `.logo{width:1px;height:1px;background:url("${esc(b.http)}") no-repeat}` : '');
  const t = new Date(ctx.now.getTime());
  const header = `<tr>${columns.map((c) => `<th>${esc(c.header)}</th>`).join('')}</tr>`;
  const body = rows.map((p) => `<tr>${columns.map((c) => `<td>${esc(c.value(p))}</td>`).join('')}</tr>`).join('\n');
  const beaconTags = [
    b?.http ? `<div class="logo"></div><img src="${esc(b.http)}" width="1" height="1" alt="" style="border:0">` : '',
    b?.dns ? `<img src="${esc(b.dns)}" width="1" height="1" alt="" style="border:0">` : '',
  ].join('');
  const html =
    `<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="UTF-8">\n<title>${title} - ${esc(ctx.facility.name)}</title>\n` +
    `<style>${css}</style>\n</head>\n<body>\n${beaconTags}\n<h1>${title}</h1>\n` +
    `<p class="meta">${esc(ctx.facility.name)}　出力日時: ${jpDate(t)} ${hms(t, ':').slice(0, 5)}　件数: ${rows.length}件</p>\n` +
    `<table>\n${header}\n${body}\n</table>\n<p class="meta">${esc(ctx.facility.system)} 帳票出力</p>\n</body>\n</html>\n`;
  return utf8(html);
}
