// DICOM (port 104/11112): a PACS that answers association requests, C-ECHO and C-FIND (with
// synthetic patients from @mamori/decoys, never real ones), and refuses C-STORE/C-MOVE/C-GET.
// Calling and called AE titles, the SOP classes asked for and every query are recorded. The upper
// layer protocol (PS3.8) and the few implicit-VR elements of DIMSE are written here: dcmjs reads
// and writes Part 10 files, not the network protocol.
import { makePatient, toRomaji } from '@mamori/decoys';
import type { PersonaFactory } from '../core/persona.ts';

const MAX_PDU = 1024 * 1024;
const IMPLICIT_LE = '1.2.840.10008.1.2';
const APP_CONTEXT = '1.2.840.10008.3.1.1.1';
const VERIFICATION = '1.2.840.10008.1.1';
const FIND = new Set(['1.2.840.10008.5.1.4.1.2.1.1', '1.2.840.10008.5.1.4.1.2.2.1', '1.2.840.10008.5.1.4.31']);
const COMMANDS: Record<number, string> = {
  1: 'C-STORE',
  16: 'C-GET',
  32: 'C-FIND',
  33: 'C-MOVE',
  48: 'C-ECHO',
};

type Assoc = { calling: string; called: string; contexts: Map<number, string> };

const ae = (b: Buffer) => b.toString('latin1').trim();
const uid = (b: Buffer) => b.toString('latin1').replace(/\0+$/, '');

function item(type: number, body: Buffer): Buffer {
  const h = Buffer.from([type, 0, 0, 0]);
  h.writeUInt16BE(body.length, 2);
  return Buffer.concat([h, body]);
}
function pdu(type: number, body: Buffer): Buffer {
  const h = Buffer.from([type, 0, 0, 0, 0, 0]);
  h.writeUInt32BE(body.length, 2);
  return Buffer.concat([h, body]);
}
const even = (b: Buffer, pad: number) => (b.length % 2 ? Buffer.concat([b, Buffer.from([pad])]) : b);

/** One implicit-VR little-endian element. */
function element(group: number, el: number, value: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(group, 0);
  h.writeUInt16LE(el, 2);
  h.writeUInt32LE(value.length, 4);
  return Buffer.concat([h, value]);
}
const us = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const text = (s: string) => even(Buffer.from(s, 'utf8'), 0x20);
const ui = (s: string) => even(Buffer.from(s, 'latin1'), 0);

/** A DIMSE command set (group 0000) with its group length. */
function command(fields: [number, Buffer][]): Buffer {
  const body = Buffer.concat(fields.sort((a, b) => a[0] - b[0]).map(([el, v]) => element(0, el, v)));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(body.length);
  return Buffer.concat([element(0, 0, len), body]);
}

/** Parses implicit-VR little-endian elements into tag → bytes (no sequences are expected in queries). */
export function parseElements(b: Buffer): Map<number, Buffer> | undefined {
  const out = new Map<number, Buffer>();
  let i = 0;
  while (i < b.length) {
    if (i + 8 > b.length) return undefined;
    const tag = (b.readUInt16LE(i) << 16) | b.readUInt16LE(i + 2);
    let len = b.readUInt32LE(i + 4);
    i += 8;
    if (len === 0xffffffff) return out; // undefined-length sequence: stop reading, keep what we have
    if (i + len > b.length) return undefined;
    out.set(tag >>> 0, b.subarray(i, i + len));
    i += len;
    len = 0;
  }
  return out;
}
const tagOf = (g: number, e: number) => ((g << 16) | e) >>> 0;

/** P-DATA-TF with one PDV. */
function pdata(pcId: number, isCommand: boolean, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length + 2);
  return pdu(0x04, Buffer.concat([len, Buffer.from([pcId, (isCommand ? 1 : 0) | 2]), data]));
}

export const dicomPersona: PersonaFactory = (ctx) => {
  const implUid = `1.2.392.200036.${ctx.rng.int(9100, 9199)}.${ctx.rng.int(1, 99)}.${ctx.rng.int(1, 9)}`;
  const implName = ctx.rng.pick(['PACS_SRV_3', 'DCMSRV_4.2', 'IMGSRV_2019', 'HOSPACS_5']).slice(0, 16);
  const aeTitle = `${ctx.identity.orgSlug.toUpperCase().slice(0, 10)}_PACS`;
  const rng = ctx.identity.rng('dicom-patients');
  const patients = Array.from({ length: 6 }, () => makePatient(rng, ctx.identity.organisation, new Date()));

  function identifier(level: string, k: number): Buffer {
    const p = patients[k] as (typeof patients)[number];
    const ymd = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');
    const romaji = `${toRomaji(p.surnameKana)}^${toRomaji(p.givenKana)}`;
    const els: [number, Buffer][] = [
      [tagOf(0x0008, 0x0005), text('ISO_IR 192')],
      [tagOf(0x0008, 0x0052), text(level)],
      [tagOf(0x0010, 0x0010), text(`${romaji}=${p.surname}^${p.given}=${p.surnameKana}^${p.givenKana}`)],
      [tagOf(0x0010, 0x0020), text(p.id)],
      [tagOf(0x0010, 0x0030), text(ymd(p.birth))],
      [tagOf(0x0010, 0x0040), text(p.sex)],
    ];
    if (level !== 'PATIENT') {
      els.push([tagOf(0x0008, 0x0020), text(ymd(p.lastVisit))]);
      els.push([tagOf(0x0008, 0x0061), text(rng.pick(['CT', 'MR', 'CR', 'US', 'DX']))]);
      els.push([tagOf(0x0020, 0x000d), ui(`${implUid}.${k + 1}.${p.id}`)]);
    }
    return Buffer.concat(els.sort((a, b) => a[0] - b[0]).map(([t, v]) => element(t >>> 16, t & 0xffff, v)));
  }

  return {
    handle(socket, session) {
      let buf = Buffer.alloc(0);
      let assoc: Assoc | undefined;
      let pending: { pcId: number; cmd: Map<number, Buffer> } | undefined;
      let dataBuf = Buffer.alloc(0);

      const onCommand = (pcId: number, cmd: Map<number, Buffer>, dataset?: Buffer) => {
        const field = cmd.get(tagOf(0, 0x0100))?.readUInt16LE(0) ?? 0;
        const msgId = cmd.get(tagOf(0, 0x0110))?.readUInt16LE(0) ?? 0;
        const sop = uid(cmd.get(tagOf(0, 0x0002)) ?? Buffer.alloc(0));
        const name = COMMANDS[field] ?? `0x${field.toString(16)}`;
        const reply = (rspField: number, status: number, withData = false) =>
          command([
            [0x0002, ui(sop)],
            [0x0100, us(rspField)],
            [0x0120, us(msgId)],
            [0x0800, us(withData ? 0x0000 : 0x0101)],
            [0x0900, us(status)],
          ]);
        if (field === 0x0030) {
          session.record('request', { summary: 'C-ECHO', info: { sopClass: sop } });
          socket.write(pdata(pcId, true, reply(0x8030, 0)));
          return;
        }
        if (field === 0x0020) {
          const q = dataset ? parseElements(dataset) : undefined;
          const keys: Record<string, string> = {};
          for (const [t, v] of q ?? []) keys[t.toString(16).padStart(8, '0')] = v.toString('utf8').trim().slice(0, 64);
          const level = (q?.get(tagOf(0x0008, 0x0052))?.toString('latin1').trim() || 'STUDY').slice(0, 16);
          session.record('request', {
            summary: `C-FIND ${level} ${Object.entries(keys)
              .filter(([, v]) => v)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`.trim(),
            info: { sopClass: sop, level, keys },
          });
          for (let k = 0; k < patients.length; k++) {
            socket.write(pdata(pcId, true, reply(0x8020, 0xff00, true)));
            socket.write(pdata(pcId, false, identifier(level, k)));
          }
          socket.write(pdata(pcId, true, reply(0x8020, 0)));
          return;
        }
        // C-STORE, C-MOVE, C-GET and anything else: recorded and refused.
        session.record('request', { summary: `${name} refused`, info: { sopClass: sop, field } });
        socket.write(pdata(pcId, true, reply(field | 0x8000, 0xa700 /* out of resources / refused */)));
      };

      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 6) {
          const type = buf[0] as number;
          const len = buf.readUInt32BE(2);
          if (len > MAX_PDU) return session.reject(`DICOM PDU longer than ${MAX_PDU} bytes`);
          if (buf.length < 6 + len) return;
          const body = buf.subarray(6, 6 + len);
          buf = buf.subarray(6 + len);
          if (type === 0x01) {
            if (assoc) return session.reject('second A-ASSOCIATE-RQ');
            if (body.length < 68) return session.reject('truncated A-ASSOCIATE-RQ');
            const called = ae(body.subarray(4, 20));
            const calling = ae(body.subarray(20, 36));
            const contexts = new Map<number, string>();
            const offered: { id: number; abstract: string; transfers: string[] }[] = [];
            let impl = '';
            let version = '';
            for (let i = 68; i + 4 <= body.length; ) {
              const it = body[i] as number;
              const il = body.readUInt16BE(i + 2);
              const v = body.subarray(i + 4, i + 4 + il);
              if (v.length < il) return session.reject('truncated association item');
              if (it === 0x20 && v.length >= 4) {
                const pc = { id: v[0] as number, abstract: '', transfers: [] as string[] };
                for (let j = 4; j + 4 <= v.length; ) {
                  const st = v[j] as number;
                  const sl = v.readUInt16BE(j + 2);
                  const sv = uid(v.subarray(j + 4, j + 4 + sl));
                  if (st === 0x30) pc.abstract = sv;
                  if (st === 0x40) pc.transfers.push(sv);
                  j += 4 + sl;
                }
                offered.push(pc);
              }
              if (it === 0x50)
                for (let j = 0; j + 4 <= v.length; ) {
                  const st = v[j] as number;
                  const sl = v.readUInt16BE(j + 2);
                  if (st === 0x52) impl = uid(v.subarray(j + 4, j + 4 + sl));
                  if (st === 0x55) version = uid(v.subarray(j + 4, j + 4 + sl));
                  j += 4 + sl;
                }
              i += 4 + il;
            }
            session.record('request', {
              summary: `A-ASSOCIATE ${calling} → ${called}`,
              info: {
                callingAe: calling,
                calledAe: called,
                abstractSyntaxes: offered.map((p) => p.abstract),
                implementationClassUid: impl,
                implementationVersionName: version,
              },
            });
            const items: Buffer[] = [item(0x10, Buffer.from(APP_CONTEXT, 'latin1'))];
            for (const pc of offered) {
              const supported = pc.abstract === VERIFICATION || FIND.has(pc.abstract);
              const implicit = pc.transfers.includes(IMPLICIT_LE);
              const result = !supported ? 3 : implicit ? 0 : 4;
              if (result === 0) contexts.set(pc.id, pc.abstract);
              items.push(
                item(
                  0x21,
                  Buffer.concat([Buffer.from([pc.id, 0, result, 0]), item(0x40, Buffer.from(IMPLICIT_LE, 'latin1'))]),
                ),
              );
            }
            const maxLen = Buffer.alloc(4);
            maxLen.writeUInt32BE(16_384);
            items.push(
              item(
                0x50,
                Buffer.concat([
                  item(0x51, maxLen),
                  item(0x52, Buffer.from(implUid, 'latin1')),
                  item(0x55, Buffer.from(implName, 'latin1')),
                ]),
              ),
            );
            const head = Buffer.alloc(68);
            head.writeUInt16BE(1, 0);
            head.write(called.padEnd(16, ' ').slice(0, 16) || aeTitle.padEnd(16, ' '), 4, 'latin1');
            head.write(calling.padEnd(16, ' ').slice(0, 16), 20, 'latin1');
            socket.write(pdu(0x02, Buffer.concat([head, ...items])));
            assoc = { calling, called, contexts };
          } else if (type === 0x04) {
            if (!assoc) return session.reject('P-DATA before association');
            for (let i = 0; i + 6 <= body.length; ) {
              const l = body.readUInt32BE(i);
              if (l < 2 || i + 4 + l > body.length) return session.reject('bad PDV length');
              const pcId = body[i + 4] as number;
              const mch = body[i + 5] as number;
              const frag = body.subarray(i + 6, i + 4 + l);
              i += 4 + l;
              if (!assoc.contexts.has(pcId)) return session.reject('P-DATA on an unaccepted context');
              if (mch & 1) {
                if (!(mch & 2)) return session.reject('fragmented command sets are not expected');
                const cmd = parseElements(frag);
                if (!cmd) return session.reject('unreadable DIMSE command');
                const hasData = (cmd.get(tagOf(0, 0x0800))?.readUInt16LE(0) ?? 0x0101) !== 0x0101;
                if (hasData) {
                  pending = { pcId, cmd };
                  dataBuf = Buffer.alloc(0);
                } else onCommand(pcId, cmd);
              } else {
                if (!pending) return session.reject('data set without a command');
                dataBuf = Buffer.concat([dataBuf, frag]);
                if (dataBuf.length > MAX_PDU) return session.reject('data set too large');
                if (mch & 2) {
                  const p = pending;
                  pending = undefined;
                  onCommand(p.pcId, p.cmd, dataBuf);
                }
              }
            }
          } else if (type === 0x05) {
            session.record('request', { summary: 'A-RELEASE' });
            socket.end(pdu(0x06, Buffer.alloc(4)));
            return;
          } else if (type === 0x07) {
            socket.destroy();
            return;
          } else {
            return session.reject(`unexpected DICOM PDU type 0x${type.toString(16)}`);
          }
        }
      });
    },
  };
};
