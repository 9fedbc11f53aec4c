import { DEPARTMENTS, DIAGNOSES, type Diagnosis, DRUGS, type Drug } from './clinical.ts';
import { FEMALE_GIVEN, MALE_GIVEN, PLACES, SURNAMES, TOWNS, toKatakana } from './names.ts';
import type { Rng } from './rng.ts';

/** The (fictional) facility a decoy set pretends to come from; derived from the seed only. */
export type Facility = {
  name: string;
  /** Index into PLACES of the region most patients live in. */
  home: number;
  idDigits: number;
  /** First digits shared by patient IDs of this facility (e.g. "00"). */
  idPrefix: string;
  phone: string;
  address: string;
  doctors: Person[];
  system: string;
};

export type Person = { surname: string; given: string; surnameKana: string; givenKana: string };

export type Patient = Person & {
  id: string;
  sex: 'M' | 'F';
  birth: Date;
  phone: string;
  postal: string;
  address: string;
  insurer: string;
  lastVisit: Date;
  firstVisit: Date;
  dept: { code: string; name: string };
  diagnoses: Diagnosis[];
  drugs: Drug[];
};

const zipfWeights = (n: number) => Array.from({ length: n }, (_, i) => 1 / (i + 8));
export const SURNAME_WEIGHTS = zipfWeights(SURNAMES.length);
const SURNAME_CUMULATIVE = SURNAME_WEIGHTS.reduce<number[]>((acc, w) => {
  acc.push((acc.at(-1) ?? 0) + w);
  return acc;
}, []);

/** A surname, common ones more often (Zipf-like). */
export function pickSurname(rng: Rng): [string, string] {
  const x = rng.next() * SURNAME_CUMULATIVE.at(-1)!;
  let a = 0;
  let b = SURNAME_CUMULATIVE.length - 1;
  while (a < b) {
    const m = (a + b) >> 1;
    if (SURNAME_CUMULATIVE[m]! <= x) a = m + 1;
    else b = m;
  }
  return SURNAMES[a]!;
}

export function pickPerson(rng: Rng, sex: 'M' | 'F'): Person {
  const [surname, surnameKana] = pickSurname(rng);
  const [given, givenKana] = rng.pick(sex === 'M' ? MALE_GIVEN : FEMALE_GIVEN);
  return { surname, given, surnameKana, givenKana: toKatakana(givenKana) };
}

export const fullName = (p: Person, sep = '　') => `${p.surname}${sep}${p.given}`;
export const fullKana = (p: Person, sep = '　') => `${p.surnameKana}${sep}${p.givenKana}`;

/** Check digit of a Japanese health-insurer number (alternating ×2/×1 from the right, digit sum). */
export function insurerCheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = Number(body[body.length - 1 - i]);
    const p = digit * (i % 2 === 0 ? 2 : 1);
    sum += Math.floor(p / 10) + (p % 10);
  }
  return String((10 - (sum % 10)) % 10);
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

function insurerNumber(rng: Rng, prefCode: string, age: number): string {
  if (age >= 75) {
    const body = `39${prefCode}${pad(rng.int(1, 999), 3)}`;
    return body + insurerCheckDigit(body);
  }
  const kind = rng.weighted(['kokuho', '01', '06', '31'], [4, 4, 2, 1]);
  if (kind === 'kokuho') {
    const body = `${prefCode}${pad(rng.int(1, 999), 3)}`;
    return body + insurerCheckDigit(body);
  }
  const body = `${kind}${prefCode}${pad(rng.int(1, 999), 3)}`;
  return body + insurerCheckDigit(body);
}

function phoneNumber(rng: Rng, area: string): string {
  if (rng.chance(0.45))
    return `${rng.pick(['090', '080', '070'])}-${pad(rng.int(1000, 9999), 4)}-${pad(rng.int(0, 9999), 4)}`;
  // Japanese fixed lines have 10 digits in total: area code + local exchange + 4 digits.
  const exchangeDigits = 10 - area.length - 4;
  return `${area}-${pad(rng.int(10 ** (exchangeDigits - 1) * 2, 10 ** exchangeDigits - 1), exchangeDigits)}-${pad(rng.int(0, 9999), 4)}`;
}

function placeOf(rng: Rng, home: number) {
  const idx = rng.chance(0.85) ? home : rng.int(0, PLACES.length - 1);
  const place = PLACES[idx]!;
  const [city, area] = rng.pick(place.cities);
  const town = rng.pick(TOWNS);
  const banchi = rng.chance(0.7)
    ? `${rng.int(1, 6)}丁目${rng.int(1, 30)}-${rng.int(1, 25)}`
    : `${rng.int(1, 2999)}-${rng.int(1, 12)}`;
  const building = rng.chance(0.2)
    ? ` ${rng.pick(['コーポ', 'メゾン', 'ハイツ', 'グランド'])}${rng.pick(TOWNS)}${rng.int(1, 9)}0${rng.int(1, 9)}`
    : '';
  const postal = (place.postal + pad(rng.int(0, 10 ** (7 - place.postal.length) - 1), 7 - place.postal.length)).replace(
    /^(\d{3})(\d{4})$/,
    '$1-$2',
  );
  return { place, city, area, postal, line: `${place.pref}${city}${town}${banchi}${building}` };
}

export function makeFacility(rng: Rng): Facility {
  const home = rng.int(0, PLACES.length - 1);
  const place = PLACES[home]!;
  const where = placeOf(rng, home);
  const town = rng.pick(TOWNS);
  const name = rng.pick([
    `${town}中央病院`,
    `${town}記念病院`,
    `医療法人${rng.pick(['仁', '和', '誠', '慈', '恵'])}${rng.pick(['愛', '心', '光', '生', '清'])}会 ${town}病院`,
    `${town}総合医療センター`,
    `${town}内科クリニック`,
  ]);
  const doctors = Array.from({ length: 6 }, () => pickPerson(rng, rng.chance(0.7) ? 'M' : 'F'));
  return {
    name,
    home,
    idDigits: rng.pick([7, 8, 8, 9, 10, 10]),
    idPrefix: rng.pick(['0', '00', '1', '2', '000', '3']),
    phone: phoneNumber(rng, where.area.length > 2 ? where.area : rng.pick(place.cities)[1]),
    address: where.line,
    doctors,
    system: rng.pick(['HOPE', 'MI・RA・Is', 'EGMAIN', 'IBARS', 'HAPPY ACTIS', 'PlusUs']),
  };
}

export function makePatient(rng: Rng, facility: Facility, now: Date): Patient {
  const sex = rng.chance(0.52) ? 'F' : 'M';
  const person = pickPerson(rng, sex);
  // Hospital populations skew old: mostly 40–95, some children and young adults.
  const age = rng.weighted(
    [rng.int(0, 15), rng.int(16, 39), rng.int(40, 64), rng.int(65, 79), rng.int(80, 98)],
    [1, 2, 4, 5, 4],
  );
  const birth = new Date(Date.UTC(now.getUTCFullYear() - age - 1, rng.int(0, 11), rng.int(1, 28)));
  const where = placeOf(rng, facility.home);
  const idBody = pad(
    rng.int(0, 10 ** (facility.idDigits - facility.idPrefix.length) - 1),
    facility.idDigits - facility.idPrefix.length,
  );
  const diagnoses: Diagnosis[] = [];
  for (let k = rng.int(1, 4); diagnoses.length < k; ) {
    const d = rng.pick(DIAGNOSES);
    if (!diagnoses.includes(d)) diagnoses.push(d);
  }
  const drugs = [...new Set(diagnoses.flatMap((d) => d.drugs))].map((k) => DRUGS[k]);
  const dept = DEPARTMENTS.find((d) => d.code === diagnoses[0]!.dept) ?? DEPARTMENTS[0]!;
  const lastVisit = new Date(now.getTime() - rng.int(1, 400) * 86_400_000);
  const firstVisit = new Date(lastVisit.getTime() - rng.int(0, 3650) * 86_400_000);
  return {
    ...person,
    id: facility.idPrefix + idBody,
    sex,
    birth,
    phone: phoneNumber(rng, where.area),
    postal: where.postal,
    address: where.line,
    insurer: insurerNumber(rng, where.place.code, age),
    lastVisit,
    firstVisit,
    dept,
    diagnoses,
    drugs,
  };
}

const JST = 9 * 3_600_000;
/** Date parts in Japan time. */
export function jst(d: Date) {
  const t = new Date(d.getTime() + JST);
  return {
    y: t.getUTCFullYear(),
    m: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    hh: t.getUTCHours(),
    mi: t.getUTCMinutes(),
    ss: t.getUTCSeconds(),
    ms: t.getUTCMilliseconds(),
  };
}
export const ymd = (d: Date, sep = '') => {
  const p = jst(d);
  return `${p.y}${sep}${pad(p.m, 2)}${sep}${pad(p.d, 2)}`;
};
export const hms = (d: Date, sep = '') => {
  const p = jst(d);
  return `${pad(p.hh, 2)}${sep}${pad(p.mi, 2)}${sep}${pad(p.ss, 2)}`;
};
export const jpDate = (d: Date) => {
  const p = jst(d);
  return `${p.y}年${p.m}月${p.d}日`;
};
/** Japanese era date (e.g. S35.04.01), as older hospital systems print birth dates. */
export function eraDate(d: Date): string {
  const key = ymd(d);
  const eras: [string, string, number][] = [
    ['R', '20190501', 2018],
    ['H', '19890108', 1988],
    ['S', '19261225', 1925],
    ['T', '19120730', 1911],
  ];
  const p = jst(d);
  for (const [mark, start, base] of eras) {
    if (key >= start) return `${mark}${pad(p.y - base, 2)}.${pad(p.m, 2)}.${pad(p.d, 2)}`;
  }
  return `M${pad(p.y - 1867, 2)}.${pad(p.m, 2)}.${pad(p.d, 2)}`;
}
export const ageAt = (birth: Date, at: Date) => {
  const b = jst(birth);
  const a = jst(at);
  return a.y - b.y - (a.m < b.m || (a.m === b.m && a.d < b.d) ? 1 : 0);
};
export { pad };
