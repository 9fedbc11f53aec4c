/** DICOM, HL7, RDP, FTP, MySQL, SQL Server, VNC and generic TCP personas, with real clients where Debian has one. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { PersonaKind } from '@mamori/contracts';
import type { PersonaFactory } from '../core/persona.ts';
import { startPersona } from '../core/test-helpers.ts';
import { ftpPersona, mssqlPersona, mysqlPersona, tcpPersona, vncPersona } from './banners.ts';
import { dicomPersona } from './dicom.ts';
import { hl7Persona } from './hl7.ts';
import { rdpPersona } from './rdp.ts';

const run = promisify(execFile);

/** Sends `data` and collects what comes back until the server closes or `ms` pass. */
function exchange(port: number, data: Buffer | string, ms = 3000): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(data));
    s.on('data', (d) => chunks.push(d));
    const done = () => resolve(Buffer.concat(chunks));
    s.on('close', done);
    s.on('error', done);
    setTimeout(() => s.destroy(), ms);
  });
}

const mllp = (msg: string, encoding: BufferEncoding = 'utf8') =>
  Buffer.concat([Buffer.from([0x0b]), Buffer.from(msg, encoding), Buffer.from([0x1c, 0x0d])]);

describe('hospital protocols', () => {
  it('DICOM: echoscu and findscu get answers; AE titles and the query are recorded', async (t) => {
    const p = await startPersona('dicom', dicomPersona);
    t.after(() => p.close());
    await run('echoscu', ['-aet', 'ATTACKER', '-aec', 'PACS01', '127.0.0.1', String(p.port)]);
    const assoc = await p.waitFor((i) => i.summary?.startsWith('A-ASSOCIATE') ?? false);
    assert.deepEqual([assoc.info?.callingAe, assoc.info?.calledAe], ['ATTACKER', 'PACS01']);
    await p.waitFor((i) => i.summary === 'C-ECHO');
    const find = await run('findscu', [
      '-P',
      '-k',
      'QueryRetrieveLevel=PATIENT',
      '-k',
      'PatientName=',
      '-k',
      'PatientID=',
      '127.0.0.1',
      String(p.port),
    ]);
    const out = `${find.stdout}${find.stderr}`;
    assert.match(out, /\(0010,0020\) LO \[\w+/, `findscu printed: ${out.slice(0, 500)}`);
    await p.waitFor((i) => i.summary?.startsWith('C-FIND PATIENT') ?? false);
  });

  it('HL7: an ADT^A01 over MLLP is acknowledged with its control id and recorded (UTF-8 and Shift_JIS bytes)', async (t) => {
    const p = await startPersona('hl7', hl7Persona);
    t.after(() => p.close());
    const msg = 'MSH|^~\\&|EVILAPP|EVILFAC|RIS|HOSP|20261124120000||ADT^A01|CTRL123|P|2.5\rPID|1||9999||山田^太郎\r';
    const ack = (await exchange(p.port, mllp(msg), 1500)).toString('latin1');
    assert.match(ack, /MSA\|AA\|CTRL123/);
    assert.match(ack, /ACK\^A01/);
    const rec = await p.waitFor((i) => i.summary === 'ADT^A01 from EVILAPP@EVILFAC');
    assert.equal(rec.info?.controlId, 'CTRL123');
    const sjis = Buffer.concat([
      Buffer.from([0x0b]),
      Buffer.from('MSH|^~\\&|A|B|C|D|20261124||ORM^O01|X9|P|2.5\rPID|1||1||', 'latin1'),
      Buffer.from([0x8e, 0x52, 0x93, 0x63]), // 山田 in Shift_JIS
      Buffer.from([0x0d, 0x1c, 0x0d]),
    ]);
    assert.match((await exchange(p.port, sjis, 1500)).toString('latin1'), /MSA\|AA\|X9/);
    const garbage = await exchange(p.port, 'GET / HTTP/1.0\r\n\r\n', 1500);
    assert.equal(garbage.length, 0);
    await p.waitFor((i) => i.kind === 'malformed');
  });

  it('RDP: the mstshash user is recorded and a Connection Confirm comes back', async (t) => {
    const p = await startPersona('rdp', rdpPersona);
    t.after(() => p.close());
    const cookie = Buffer.from('Cookie: mstshash=administrator\r\n', 'latin1');
    const neg = Buffer.from([0x01, 0, 8, 0, 3, 0, 0, 0]);
    const x224 = Buffer.concat([Buffer.from([6 + cookie.length + neg.length, 0xe0, 0, 0, 0, 0, 0]), cookie, neg]);
    const tpkt = Buffer.concat([Buffer.from([3, 0, 0, 4 + x224.length]), x224]);
    const cc = await exchange(p.port, tpkt, 1500);
    assert.equal(cc[5], 0xd0, 'X.224 Connection Confirm');
    assert.equal(cc[11], 0x02, 'RDP_NEG_RSP');
    const rec = await p.waitFor((i) => i.kind === 'login');
    assert.equal(rec.username, 'administrator');
  });
});

describe('scan targets', () => {
  it('FTP: curl logins are recorded; data connections are refused, never made', async (t) => {
    const p = await startPersona('ftp', ftpPersona);
    t.after(() => p.close());
    await run('curl', ['-s', '--max-time', '5', `ftp://nurse:Kango2026@127.0.0.1:${p.port}/`]).catch(() => {});
    const login = await p.waitFor((i) => i.kind === 'login');
    assert.deepEqual([login.username, login.password, login.success], ['nurse', 'Kango2026', false]);
    await run('curl', ['-s', '--max-time', '5', `ftp://admin:admin@127.0.0.1:${p.port}/`]).catch(() => {});
    await p.waitFor((i) => i.kind === 'login' && i.success === true);
    await p.waitFor((i) => i.summary?.includes('refused') ?? false);
  });

  it('MySQL, SQL Server and VNC record login attempts and refuse them', async (t) => {
    const my = await startPersona('mysql', mysqlPersona);
    const ms = await startPersona('mssql', mssqlPersona);
    const vnc = await startPersona('vnc', vncPersona);
    t.after(async () => {
      await my.close();
      await ms.close();
      await vnc.close();
    });
    // MySQL HandshakeResponse41 for user "root" with a 20-byte auth response.
    const body = Buffer.concat([
      Buffer.from([0x85, 0xa6, 0x0f, 0x00]), // capabilities (no SSL)
      Buffer.from([0, 0, 0, 1]),
      Buffer.from([0x21]),
      Buffer.alloc(23),
      Buffer.from('root\0', 'latin1'),
      Buffer.from([20]),
      randomBytes(20),
    ]);
    const h = Buffer.from([body.length, 0, 0, 1]);
    const reply = await new Promise<Buffer>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: my.port });
      const chunks: Buffer[] = [];
      s.once('data', () => s.write(Buffer.concat([h, body])));
      s.on('data', (d) => chunks.push(d));
      s.on('close', () => resolve(Buffer.concat(chunks)));
    });
    assert.match(reply.toString('latin1'), /Access denied for user 'root'/);
    assert.equal((await my.waitFor((i) => i.kind === 'login')).username, 'root');
    // SQL Server: PRELOGIN gets a PRELOGIN response (type 4).
    const prelogin = Buffer.from([0x12, 1, 0, 13, 0, 0, 1, 0, 0xff, 0, 0, 0, 0]);
    const pr = await exchange(ms.port, prelogin, 800);
    assert.equal(pr[0], 0x04);
    // VNC: version, security type, a response to the challenge → recorded and failed.
    const v = await new Promise<string>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: vnc.port });
      let step = 0;
      const got: Buffer[] = [];
      s.on('data', (d) => {
        got.push(d);
        if (step === 0) s.write('RFB 003.008\n');
        else if (step === 1) s.write(Buffer.from([2]));
        else if (step === 2) s.write(randomBytes(16));
        step++;
      });
      s.on('close', () => resolve(Buffer.concat(got).toString('latin1')));
    });
    assert.match(v, /Authentication failed/);
    await vnc.waitFor((i) => i.kind === 'login');
  });

  it('generic TCP records the first bytes', async (t) => {
    const p = await startPersona('tcp', tcpPersona);
    t.after(() => p.close());
    await exchange(p.port, 'HELLO\x00\x01', 1000);
    const r = await p.waitFor((i) => i.kind === 'request');
    assert.equal(r.info?.hex, Buffer.from('HELLO\x00\x01').toString('hex'));
  });
});

describe('fuzzing every protocol persona', () => {
  const kinds: [PersonaKind, PersonaFactory][] = [
    ['dicom', dicomPersona],
    ['hl7', hl7Persona],
    ['rdp', rdpPersona],
    ['ftp', ftpPersona],
    ['mysql', mysqlPersona],
    ['mssql', mssqlPersona],
    ['vnc', vncPersona],
    ['tcp', tcpPersona],
  ];
  for (const [kind, factory] of kinds) {
    it(`${kind}: random, truncated and oversized input never stops it`, async (t) => {
      const p = await startPersona(kind, factory, { limits: { idleSeconds: 5 } });
      t.after(() => p.close());
      const seeds = [
        Buffer.from([0x01, 0, 0xff, 0xff, 0xff, 0xff]),
        Buffer.from([0x0b, 0x1c, 0x0d]),
        Buffer.from([3, 0, 0xff, 0xff]),
        Buffer.from([0x12, 1, 0xff, 0xff]),
        Buffer.alloc(70_000, 0x41),
      ];
      for (let k = 0; k < 60; k++) {
        const data = k < seeds.length ? (seeds[k] as Buffer) : randomBytes(1 + ((k * 7919) % 900));
        await exchange(p.port, data, 150);
      }
      // Still serving: a fresh connection is accepted and recorded.
      const before = p.interactions.filter((i) => i.kind === 'connect').length;
      await exchange(p.port, Buffer.alloc(0), 100);
      await p.waitFor(() => p.interactions.filter((i) => i.kind === 'connect').length > before);
    });
  }
});
