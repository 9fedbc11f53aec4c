import { encodeIso2022Jp } from '../jis.ts';
import { hms, jst, makePatient, type Patient, pad, pickPerson, ymd } from '../people.ts';
import type { Rng } from '../rng.ts';
import type { GenContext, GenFile } from './types.ts';

const ts = (d: Date) => `${ymd(d)}${hms(d)}`;
const ts17 = (d: Date) => `${ts(d)}${pad(jst(d).ms, 3)}`;

/** JLAC10-shaped lab codes (analyte part from the public code list; rest generic) with plausible ranges. */
const LABS = [
  { code: '2A990000001930101', name: 'WBC', unit: '10*3/uL', range: '3.3-8.6', lo: 3.0, hi: 11.0, dp: 1 },
  { code: '2A030000001930101', name: 'Hb', unit: 'g/dL', range: '11.6-16.8', lo: 9.5, hi: 17.0, dp: 1 },
  { code: '2A050000001930101', name: 'PLT', unit: '10*4/uL', range: '15.8-34.8', lo: 12, hi: 38, dp: 1 },
  { code: '3B035000002327201', name: 'AST', unit: 'U/L', range: '13-30', lo: 12, hi: 60, dp: 0 },
  { code: '3B045000002327201', name: 'ALT', unit: 'U/L', range: '7-30', lo: 6, hi: 70, dp: 0 },
  { code: '3C015000002327101', name: 'クレアチニン', unit: 'mg/dL', range: '0.46-1.07', lo: 0.5, hi: 2.2, dp: 2 },
  { code: '3D010000001926101', name: 'グルコース', unit: 'mg/dL', range: '73-109', lo: 80, hi: 220, dp: 0 },
  { code: '3D046000001906202', name: 'HbA1c', unit: '%', range: '4.9-6.0', lo: 5.0, hi: 9.5, dp: 1 },
];

const MSH = (type: string, at: Date, id: string, sendingApp: string, facilityCode: string) =>
  `MSH|^~\\&|${sendingApp}|${facilityCode}|SSMIX2|${facilityCode}|${ts(at)}||${type}|${id}|P|2.5||||||~ISO IR87||ISO 2022-1994`;

const PID = (p: Patient) =>
  `PID|0001||${p.id}^^^^PI||${p.surname}^${p.given}^^^^^L^I~${p.surnameKana}^${p.givenKana}^^^^^L^P||${ymd(p.birth)}|${p.sex}|||` +
  `^^^^${p.postal.replace('-', '')}^JPN^H^${p.address}||^PRN^PH^^^^^^^^^${p.phone}|||||||||||N||||||N|||${ymd(p.lastVisit)}`;

function messages(ctx: GenContext, rng: Rng, p: Patient, visits: number) {
  const facilityCode = pad(rng.int(1, 47), 2) + pad(rng.int(1, 99999), 8).slice(0, 8);
  const app = ctx.facility.system.replace(/[^A-Za-z]/g, '').toUpperCase() || 'HIS';
  const out: { date: string; type: string; order: string; at: Date; dept: string; text: string }[] = [];
  const msgId = () => `${ts(ctx.now)}${pad(rng.int(0, 99999), 5)}`;
  const adtAt = new Date(p.firstVisit.getTime() + rng.int(9, 16) * 3_600_000);
  out.push({
    date: '-',
    type: 'ADT-00',
    order: '-',
    at: adtAt,
    dept: '-',
    text: [
      MSH('ADT^A08^ADT_A01', adtAt, msgId(), app, facilityCode),
      `EVN||${ts(adtAt)}`,
      PID(p),
      `PV1|0001|O|${p.dept.code}^^^^^C`,
      `IN1|1|${p.insurer.length === 8 ? p.insurer.slice(0, 2) : 'C0'}^^JHSD0001|${p.insurer}|||||||${rng.pick(['記号', ''])}${rng.int(1, 999)}|${rng.int(10000, 99999)}|||||||SEL^本人^HL70063`,
    ].join('\r'),
  });
  for (let v = 0; v < visits; v++) {
    const day = new Date(p.lastVisit.getTime() - v * rng.int(14, 60) * 86_400_000 + rng.int(9, 16) * 3_600_000);
    const doctor = pickPerson(rng, 'M');
    const docId = pad(rng.int(1, 9999), 6);
    const doc = `${docId}^${doctor.surname}^${doctor.given}^^^^^^^L^^^^^I`;
    const order = pad(rng.int(1, 999_999_999), 9);
    const rx = p.drugs.flatMap((d, i) => [
      `ORC|NW|${order}${pad(i + 1, 2)}|||||||${ts(day)}|||${doc}|||${ts(day)}||${p.dept.code}^${p.dept.name}^99Z01`,
      `RXE||${d.code}^${d.name}^HOT|${d.dose.replace(/[^\d.]/g, '')}||TAB^錠^MR9P|||||${d.days}|DAY^日^MR9P`,
      `TQ1|||${d.usage}|||${d.days}^D|${ymd(day)}`,
      'RXR|PO^口^HL70162',
    ]);
    out.push({
      date: ymd(day),
      type: 'OMP-01',
      order,
      at: day,
      dept: p.dept.code,
      text: [
        MSH('OMP^O09^OMP_O09', day, msgId(), app, facilityCode),
        PID(p),
        `PV1|0001|O|${p.dept.code}^^^^^C||||${doc}`,
        ...rx,
      ].join('\r'),
    });
    if (rng.chance(0.6)) {
      const labAt = new Date(day.getTime() - rng.int(30, 120) * 60_000);
      const labOrder = pad(rng.int(1, 999_999_999), 9);
      const obx = rng
        .shuffle(LABS)
        .slice(0, rng.int(4, LABS.length))
        .map((l, i) => {
          const value = (l.lo + rng.next() * (l.hi - l.lo)).toFixed(l.dp);
          const [low, high] = l.range.split('-').map(Number);
          const flag = Number(value) < low! ? 'L' : Number(value) > high! ? 'H' : 'N';
          return `OBX|${i + 1}|NM|${l.code}^${l.name}^JC10||${value}|${l.unit}^^ISO+|${l.range}|${flag}|||F|||${ts(labAt)}`;
        });
      out.push({
        date: ymd(day),
        type: 'OUL-01',
        order: labOrder,
        at: labAt,
        dept: p.dept.code,
        text: [
          MSH('OUL^R22^OUL_R22', labAt, msgId(), app, facilityCode),
          PID(p),
          `PV1|0001|O|${p.dept.code}^^^^^C`,
          `SPM|1|||SER^血清^JC10`,
          `OBR|1|${labOrder}||01^検体検査^99O01|||${ts(labAt)}`,
          ...obx,
        ].join('\r'),
      });
    }
  }
  return out;
}

/**
 * An SS-MIX2 standard storage tree: `<id[0:3]>/<id[3:6]>/<id>/<date or ->/<datatype>/<file>`, file
 * names `<id>_<date>_<datatype>_<order>_<timestamp17>_<dept>_1`, HL7 v2.5 messages with `\r` between
 * segments in ISO-2022-JP (ISO IR87), as the SS-MIX2 specification requires.
 * `scale` is the number of patients (each with one or more visits).
 */
export function makeSsmix2(ctx: GenContext): GenFile[] {
  const rng = ctx.rng.fork('ssmix2');
  const files: GenFile[] = [];
  const n = Math.max(1, ctx.scale);
  for (let i = 0; i < n; i++) {
    const p = makePatient(rng, ctx.facility, ctx.now);
    const base = `${p.id.slice(0, 3)}/${p.id.slice(3, 6)}/${p.id}`;
    for (const m of messages(ctx, rng, p, ctx.scale === 0 ? 0 : rng.int(1, 4))) {
      const name = `${p.id}_${m.date}_${m.type}_${m.order}_${ts17(m.at)}_${m.dept}_1`;
      files.push({ path: `${base}/${m.date}/${m.type}/${name}`, data: encodeIso2022Jp(m.text) });
    }
  }
  return files;
}
