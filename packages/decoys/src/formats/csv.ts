import { encodeShiftJis } from '../jis.ts';
import { eraDate, fullKana, fullName, makePatient, type Patient, ymd } from '../people.ts';
import type { Rng } from '../rng.ts';
import { type GenContext, utf8 } from './types.ts';

type Column = { header: string; value: (p: Patient) => string };

/**
 * The columns of a patient-list export, in this facility's layout. Different hospital systems name
 * and order these differently; the style stream (seed only) picks one layout per facility.
 */
export function patientColumns(style: Rng): Column[] {
  const s = style.fork('columns');
  const sexStyle = s.pick(['kanji', 'digit', 'letter'] as const);
  const dateSep = s.pick(['/', '-', '']);
  const birthStyle = s.pick(['western', 'western', 'era'] as const);
  const nameSep = s.pick(['　', ' ', '']);
  const date = (d: Date) => ymd(d, dateSep);
  const id: Column = { header: s.pick(['患者ID', '患者番号', 'カルテ番号', 'ID']), value: (p) => p.id };
  const name: Column = { header: s.pick(['氏名', '患者氏名', '漢字氏名']), value: (p) => fullName(p, nameSep) };
  const kana: Column = { header: s.pick(['フリガナ', 'カナ氏名', '氏名カナ']), value: (p) => fullKana(p, nameSep) };
  const sex: Column = {
    header: '性別',
    value: (p) =>
      sexStyle === 'kanji' ? (p.sex === 'M' ? '男' : '女') : sexStyle === 'digit' ? (p.sex === 'M' ? '1' : '2') : p.sex,
  };
  const birth: Column = { header: '生年月日', value: (p) => (birthStyle === 'era' ? eraDate(p.birth) : date(p.birth)) };
  const phone: Column = { header: s.pick(['電話番号', '電話', 'TEL']), value: (p) => p.phone };
  const postal: Column = { header: '郵便番号', value: (p) => p.postal };
  const address: Column = { header: s.pick(['住所', '現住所', '住所1']), value: (p) => p.address };
  const insurer: Column = { header: '保険者番号', value: (p) => p.insurer };
  const first: Column = { header: '初診日', value: (p) => date(p.firstVisit) };
  const last: Column = { header: s.pick(['最終来院日', '最終受診日', '最終来院']), value: (p) => date(p.lastVisit) };
  const dept: Column = { header: s.pick(['診療科', '受診科']), value: (p) => p.dept.name };
  const dx: Column = { header: s.pick(['主病名', '病名']), value: (p) => p.diagnoses[0]!.name };
  const head = s.chance(0.5) ? [id, name, kana] : [id, kana, name];
  const middle = s.chance(0.5) ? [sex, birth] : [birth, sex];
  const contact = s.shuffle([phone, address]);
  if (s.chance(0.6)) contact.splice(contact.indexOf(address), 0, postal);
  const tail = s.shuffle([insurer, first, last, dept, dx]).slice(0, s.int(2, 5));
  return [...head, ...middle, ...contact, ...tail];
}

export const patients = (ctx: GenContext, n: number) => {
  const rng = ctx.rng.fork('patients');
  return Array.from({ length: n }, () => makePatient(rng, ctx.facility, ctx.now)).sort((a, b) =>
    a.id < b.id ? -1 : 1,
  );
};

/** 患者一覧 CSV: UTF-8 with BOM or Shift_JIS (per facility), CRLF, optionally quoted. */
export async function makeCsv(ctx: GenContext): Promise<Uint8Array> {
  const columns = patientColumns(ctx.style);
  const shiftJis = ctx.style.fork('csv').chance(0.4);
  const quote = ctx.style.fork('csv-quote').chance(0.5);
  const q = (v: string) => (quote || /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [columns.map((c) => q(c.header)).join(',')];
  for (const p of patients(ctx, ctx.scale)) lines.push(columns.map((c) => q(c.value(p))).join(','));
  const text = `${lines.join('\r\n')}\r\n`;
  if (shiftJis) return encodeShiftJis(text);
  const body = utf8(text);
  const out = new Uint8Array(body.length + 3);
  out.set([0xef, 0xbb, 0xbf]);
  out.set(body, 3);
  return out;
}
