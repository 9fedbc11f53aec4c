import dcmjs from 'dcmjs';
import { MODALITIES, type Modality } from '../clinical.ts';
import { toRomaji } from '../names.ts';
import { ageAt, hms, makePatient, pad, pickPerson, ymd } from '../people.ts';
import type { Rng } from '../rng.ts';
import type { GenContext } from './types.ts';

const { DicomDict, DicomMetaDictionary } = dcmjs.data;

/** A `2.25.<128-bit integer>` UID (ISO/IEC 9834-8 UUID form), drawn from the decoy's stream. */
function uid(rng: Rng): string {
  const b = rng.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return `2.25.${BigInt(`0x${Buffer.from(b).toString('hex')}`).toString()}`;
}

const SIZES: Record<Modality, { rows: number[]; bits: 8 | 16 }> = {
  CT: { rows: [256, 384, 512], bits: 16 },
  MR: { rows: [256, 320, 384], bits: 16 },
  CR: { rows: [512, 768, 1024], bits: 16 },
};

/** A soft "phantom" image: a body ellipse with smooth structures and mild noise (compressible, like real scans). */
function pixels(rng: Rng, rows: number, cols: number, frames: number, modality: Modality): Uint16Array {
  const frame = new Uint16Array(rows * cols);
  const noise = rng.bytes(8192);
  const cx = cols / 2 + rng.int(-cols / 20, cols / 20);
  const cy = rows / 2 + rng.int(-rows / 20, rows / 20);
  const ax = cols * (0.3 + rng.next() * 0.12);
  const ay = rows * (0.25 + rng.next() * 0.15);
  const base = modality === 'CT' ? 1064 : 440;
  for (let y = 0; y < rows; y++) {
    const dy = (y - cy) / ay;
    if (dy * dy > 1) continue;
    const half = ax * Math.sqrt(1 - dy * dy);
    const from = Math.max(0, Math.ceil(cx - half));
    const to = Math.min(cols - 1, Math.floor(cx + half));
    frame.fill(base, y * cols + from, y * cols + to + 1);
  }
  for (let b = 0; b < 4; b++) {
    const bx = cx + (rng.next() - 0.5) * ax;
    const by = cy + (rng.next() - 0.5) * ay;
    const r = rows * (0.03 + rng.next() * 0.08);
    const v = rng.int(80, 600);
    for (let y = Math.max(0, Math.floor(by - r)); y <= Math.min(rows - 1, Math.ceil(by + r)); y++) {
      for (let x = Math.max(0, Math.floor(bx - r)); x <= Math.min(cols - 1, Math.ceil(bx + r)); x++) {
        const d2 = ((x - bx) ** 2 + (y - by) ** 2) / (r * r);
        const i = y * cols + x;
        if (d2 < 1 && frame[i]! > 0) frame[i] = frame[i]! + Math.round(v * (1 - d2));
      }
    }
  }
  const px = new Uint16Array(rows * cols * frames);
  for (let f = 0; f < frames; f++) {
    const shift = (f * 131) & 8191;
    const at = f * rows * cols;
    for (let i = 0; i < frame.length; i++) {
      const v = frame[i]!;
      px[at + i] = v === 0 ? 0 : Math.min(4095, v + (noise[(i + shift) & 8191]! & 0x1f) - 16);
    }
  }
  return px;
}

/**
 * A DICOM Part 10 file (CT, MR or CR image) with Japanese patient name in ISO_IR 192 (UTF-8):
 * `ROMAJI^ROMAJI=漢字^漢字=カナ^カナ` as Japanese modalities write it. `scale` > 1 adds frames
 * (used to make the largest decoy); `scale` 0 gives a tiny 16×16 image.
 */
export async function makeDicom(ctx: GenContext): Promise<Uint8Array> {
  const rng = ctx.rng.fork('dicom');
  const p = makePatient(rng, ctx.facility, ctx.now);
  const modality = rng.pick(['CT', 'CT', 'MR', 'CR'] as const);
  const info = MODALITIES[modality];
  const part = rng.int(0, info.parts.length - 1);
  const size = ctx.scale === 0 ? 16 : rng.pick(SIZES[modality].rows);
  const frames = Math.max(1, ctx.scale);
  const studyAt = new Date(p.lastVisit.getTime() + rng.int(9, 17) * 3_600_000 + rng.int(0, 3599) * 1000);
  const study = uid(rng);
  const series = uid(rng);
  const sop = uid(rng);
  const physician = pickPerson(rng, 'M');
  const manufacturer = rng.pick([
    ['CANON_MEC', 'Aquilion Prime SP'],
    ['SIEMENS', 'SOMATOM go.Up'],
    ['GE MEDICAL SYSTEMS', 'Revolution EVO'],
    ['FUJIFILM Corporation', 'FCT Embrace'],
    ['Philips', 'Ingenia'],
  ]);
  const pn = (x: { surname: string; given: string; surnameKana: string; givenKana: string }) => ({
    Alphabetic: `${toRomaji(x.surnameKana)}^${toRomaji(x.givenKana)}`,
    Ideographic: `${x.surname}^${x.given}`,
    Phonetic: `${x.surnameKana}^${x.givenKana}`,
  });
  const dataset: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 192',
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    SOPClassUID: info.sopClass,
    SOPInstanceUID: sop,
    StudyDate: ymd(studyAt),
    SeriesDate: ymd(studyAt),
    ContentDate: ymd(studyAt),
    StudyTime: hms(studyAt),
    SeriesTime: hms(studyAt),
    ContentTime: hms(studyAt),
    AccessionNumber: `${ymd(studyAt).slice(2)}${pad(rng.int(1, 9999), 4)}`,
    Modality: modality,
    Manufacturer: manufacturer[0],
    InstitutionName: ctx.facility.name,
    ReferringPhysicianName: [pn(physician)],
    StudyDescription: info.descs[part],
    SeriesDescription: info.descs[part],
    ManufacturerModelName: manufacturer[1],
    PatientName: [pn(p)],
    PatientID: p.id,
    PatientBirthDate: ymd(p.birth),
    PatientSex: p.sex,
    PatientAge: `${pad(ageAt(p.birth, studyAt), 3)}Y`,
    BodyPartExamined: info.parts[part],
    StudyInstanceUID: study,
    SeriesInstanceUID: series,
    StudyID: pad(rng.int(1, 99999), 5),
    SeriesNumber: rng.int(1, 8),
    InstanceNumber: rng.int(1, 200),
    PatientOrientation: modality === 'CR' ? ['L', 'F'] : undefined,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    NumberOfFrames: frames > 1 ? frames : undefined,
    Rows: size,
    Columns: size,
    PixelSpacing: [0.7, 0.7],
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    WindowCenter: modality === 'CT' ? 1064 : 600,
    WindowWidth: modality === 'CT' ? 400 : 1200,
    RescaleIntercept: modality === 'CT' ? -1024 : undefined,
    RescaleSlope: modality === 'CT' ? 1 : undefined,
    PixelData: [pixels(rng, size, size, frames, modality).buffer],
    _vrMap: { PixelData: 'OW' },
  };
  for (const k of Object.keys(dataset)) if (dataset[k] === undefined) delete dataset[k];
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: info.sopClass,
    MediaStorageSOPInstanceUID: sop,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: rng.pick(['1.2.392.200036.9116.2.6.1.48', '1.3.12.2.1107.5.2', '1.2.840.113619.6.374']),
    ImplementationVersionName: rng.pick(['TM_V5', 'SIEMENS_CT', 'GEMS_1']),
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
