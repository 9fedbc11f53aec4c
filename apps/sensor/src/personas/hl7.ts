// HL7 v2 over MLLP (port 2575): the interface engine that links an EMR to its lab, radiology and
// pharmacy systems. Frames are <VT> message <FS><CR>; each message's MSH header is read (sender,
// type, control id, version), recorded, and acknowledged as a real engine would (AA, or AR when
// the header cannot be read). Written here: the server side is only framing and one segment.
import type { PersonaFactory } from '../core/persona.ts';

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;
const MAX_MESSAGE = 256 * 1024;

/** The MSH fields of a message, or undefined when it does not start with a readable MSH segment. */
export function parseMsh(
  text: string,
):
  | { sep: string; enc: string; comp: string; fields: string[]; type: string; controlId: string; version: string }
  | undefined {
  if (!text.startsWith('MSH') || text.length < 8) return undefined;
  const sep = text[3] as string;
  const enc = text.slice(4, 8);
  if (/[\w\r\n]/.test(sep) || enc.length < 4) return undefined;
  const seg = text.split(/\r\n|\r|\n/)[0] as string;
  // MSH-1 is the separator itself, so fields[n] is MSH-(n+1).
  const fields = ['MSH', sep, ...seg.slice(4).split(sep).slice(1)];
  return {
    sep,
    enc,
    comp: enc[0] as string,
    fields,
    type: fields[8] ?? '',
    controlId: fields[9] ?? '',
    version: fields[11] ?? '',
  };
}

/** Decodes for recording only: UTF-8 when it is valid, else Latin-1 (Shift_JIS and ISO-2022-JP bytes stay visible). */
function decode(b: Buffer): string {
  const utf8 = b.toString('utf8');
  return utf8.includes('\uFFFD') ? b.toString('latin1') : utf8;
}

export const hl7Persona: PersonaFactory = (ctx) => {
  const app = ctx.rng.pick(['HIS', 'EMR', 'ORDERGW', 'SSMIX2GW', 'RIS']);
  const facility = ctx.identity.orgSlug.toUpperCase();
  return {
    handle(socket, session) {
      let buf = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          if (!buf.length) return;
          if (buf[0] !== VT) return session.reject('not MLLP framing (no start block)');
          const end = buf.indexOf(FS);
          if (end < 0) {
            if (buf.length > MAX_MESSAGE) session.reject(`HL7 message larger than ${MAX_MESSAGE} bytes`);
            return;
          }
          if (buf.length < end + 2) return;
          if (buf[end + 1] !== CR) return session.reject('MLLP end block not followed by CR');
          const raw = buf.subarray(1, end);
          buf = buf.subarray(end + 2);
          const text = decode(raw);
          const msh = parseMsh(text);
          const now = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
          if (!msh) {
            session.record('request', {
              summary: 'HL7 message without a readable MSH',
              info: { preview: text.slice(0, 200) },
            });
            const ack = `MSH|^~\\&|${app}|${facility}|||${now}||ACK|${now}|P|2.5\rMSA|AR|\rERR|||100^Segment sequence error^HL70357\r`;
            socket.write(Buffer.concat([Buffer.from([VT]), Buffer.from(ack, 'latin1'), Buffer.from([FS, CR])]));
            continue;
          }
          const f = msh.fields;
          const sender = `${f[2] ?? ''}@${f[3] ?? ''}`;
          session.record('request', {
            summary: `${msh.type || '(no type)'} from ${sender}`,
            info: {
              type: msh.type,
              controlId: msh.controlId,
              version: msh.version,
              sendingApp: f[2],
              sendingFacility: f[3],
              receivingApp: f[4],
              receivingFacility: f[5],
              segments: text
                .split(/\r\n|\r|\n/)
                .filter(Boolean)
                .map((s) => s.slice(0, 3))
                .slice(0, 50),
              bytes: raw.length,
            },
          });
          const s = msh.sep;
          const ack = [
            [
              'MSH',
              msh.enc,
              app,
              facility,
              f[2] ?? '',
              f[3] ?? '',
              now,
              '',
              `ACK${msh.comp}${(msh.type.split(msh.comp)[1] ?? '').slice(0, 3)}`,
              `A${now}`,
              'P',
              msh.version || '2.5',
            ].join(s),
            ['MSA', 'AA', msh.controlId].join(s),
          ].join('\r');
          socket.write(Buffer.concat([Buffer.from([VT]), Buffer.from(`${ack}\r`, 'latin1'), Buffer.from([FS, CR])]));
        }
      });
    },
  };
};
