/** SMB persona with Debian's smbclient and nmap; SPNEGO/NTLM helpers; fuzzing. RDP seen by nmap too. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startPersona } from '../core/test-helpers.ts';
import { rdpPersona } from './rdp.ts';
import { negTokenInit, negTokenResp, ntlmFromBlob, parseAuthenticate, smbPersona } from './smb.ts';

const run = promisify(execFile);
const smbclient = (port: number, args: string[]) =>
  run('smbclient', ['-L', '//127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 }).then(
    (r) => ({ code: 0, out: `${r.stdout}${r.stderr}` }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout}${e.stderr}` }),
  );

describe('SMB persona', () => {
  it('captures user, domain and workstation of smbclient logins (SMB3 and SMB2) and refuses them', async (t) => {
    const p = await startPersona('smb', smbPersona);
    t.after(() => p.close());
    const r3 = await smbclient(p.port, ['-U', 'AOBA\\nurse01%Kango2026', '-m', 'SMB3']);
    t.diagnostic(`smbclient -m SMB3: exit ${r3.code}: ${r3.out.trim()}`);
    assert.notEqual(r3.code, 0);
    assert.match(r3.out, /NT_STATUS_LOGON_FAILURE/);
    const login = await p.waitFor((i) => i.kind === 'login');
    assert.equal(login.username, 'AOBA\\nurse01');
    assert.equal(login.info?.domain, 'AOBA');
    assert.ok(String(login.info?.workstation ?? '').length > 0, 'workstation recorded');
    assert.equal(login.info?.ntlm, 'v2');
    assert.equal(login.password, undefined, 'no password or hash is kept');
    assert.ok(!JSON.stringify(login).includes('Kango2026'));
    const r2 = await smbclient(p.port, ['-U', 'bob%x', '-m', 'SMB2']);
    assert.match(r2.out, /NT_STATUS_LOGON_FAILURE/);
    await p.waitFor((i) => i.kind === 'login' && (i.username ?? '').endsWith('\\bob'));
    const anon = await smbclient(p.port, ['-N']);
    assert.match(anon.out, /NT_STATUS_LOGON_FAILURE/);
    await p.waitFor((i) => i.kind === 'login' && i.username === '(anonymous)');
    const negotiate = p.interactions.find((i) => i.summary?.startsWith('SMB2 NEGOTIATE'));
    assert.ok(negotiate?.summary?.includes('0x0302'));
  });

  it('nmap -sV names RDP; SMB shows open (nmap probes SMB1 only, which the decoy, like a patched Windows, does not speak)', async (t) => {
    const smb = await startPersona('smb', smbPersona);
    const rdp = await startPersona('rdp', rdpPersona);
    t.after(async () => {
      await smb.close();
      await rdp.close();
    });
    const out = (await run('nmap', ['-sV', '-Pn', '-p', `${smb.port},${rdp.port}`, '127.0.0.1'], { timeout: 180_000 }))
      .stdout;
    const line = (port: number) => out.split('\n').find((l) => l.startsWith(`${port}/tcp`)) ?? '';
    t.diagnostic(`nmap smb: ${line(smb.port)}`);
    t.diagnostic(`nmap rdp: ${line(rdp.port)}`);
    assert.match(line(rdp.port), /open\s+ms-wbt-server/);
    assert.match(line(smb.port), /open/);
  });

  it('SPNEGO tokens round-trip through asn1js; NTLM AUTHENTICATE fields are read', () => {
    const ntlm = Buffer.concat([Buffer.from('NTLMSSP\0', 'latin1'), Buffer.from([2, 0, 0, 0]), randomBytes(40)]);
    assert.deepEqual(ntlmFromBlob(negTokenResp(ntlm)), ntlm);
    assert.equal(ntlmFromBlob(negTokenInit()), undefined);
    assert.equal(ntlmFromBlob(randomBytes(50)), undefined);
    const u = (s: string) => Buffer.from(s, 'utf16le');
    const [dom, user, ws, nt] = [u('HOSP'), u('doctor'), u('PC-01'), randomBytes(80)];
    const head = Buffer.alloc(64);
    Buffer.from('NTLMSSP\0', 'latin1').copy(head);
    head.writeUInt32LE(3, 8);
    let off = 64;
    const put = (at: number, b: Buffer) => {
      head.writeUInt16LE(b.length, at);
      head.writeUInt16LE(b.length, at + 2);
      head.writeUInt32LE(off, at + 4);
      off += b.length;
    };
    put(12, Buffer.alloc(0));
    put(20, nt);
    put(28, dom);
    put(36, user);
    put(44, ws);
    head.writeUInt32LE(1, 60);
    const msg = Buffer.concat([head, nt, dom, user, ws]);
    assert.deepEqual(parseAuthenticate(msg), {
      user: 'doctor',
      domain: 'HOSP',
      workstation: 'PC-01',
      ntlm: 'v2',
      ntLength: 80,
    });
    assert.equal(parseAuthenticate(msg.subarray(0, 70)), undefined, 'fields beyond the message');
  });

  it('garbage, truncated and oversized input closes the connection and smbclient still works', async (t) => {
    const p = await startPersona('smb', smbPersona);
    t.after(() => p.close());
    const inputs = [
      Buffer.from([0, 0xff, 0xff, 0xff]),
      Buffer.from([0, 0, 0, 8, 0xfe, 0x53, 0x4d, 0x42, 0, 0, 0, 0]),
      Buffer.concat([Buffer.from([0, 0, 0, 70]), Buffer.from([0xfe, 0x53, 0x4d, 0x42]), Buffer.alloc(66)]),
      Buffer.concat([
        Buffer.from([0, 0, 0, 100]),
        Buffer.from([0xfe, 0x53, 0x4d, 0x42]),
        Buffer.alloc(8),
        Buffer.from([1, 0]),
        Buffer.alloc(86),
      ]),
      ...Array.from({ length: 150 }, (_, k) =>
        k % 3 ? randomBytes(1 + k * 5) : Buffer.concat([Buffer.from([0, 0, 1, 0]), randomBytes(256)]),
      ),
    ];
    for (const data of inputs)
      await new Promise<void>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port: p.port }, () => s.write(data));
        s.on('error', () => {});
        s.on('close', () => resolve());
        s.resume();
        setTimeout(() => s.destroy(), 200);
      });
    assert.ok(p.interactions.some((i) => i.kind === 'malformed'));
    const again = await smbclient(p.port, ['-U', 'x%y']);
    assert.match(again.out, /NT_STATUS_LOGON_FAILURE/);
  });
});
