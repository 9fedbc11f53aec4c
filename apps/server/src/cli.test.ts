import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { createTestDatabase, freePort, onCleanup } from './test/harness.ts';

const CLI = path.join(import.meta.dirname, 'cli.ts');
const run = promisify(execFile);

/** Runs `mamori …` and returns exit code and output (never throws on a non-zero exit). */
async function mamori(args: string[], env: Record<string, string>) {
  try {
    const r = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env, MAMORI_LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('mamori CLI against an external PostgreSQL', async () => {
  const url = await createTestDatabase();
  const env = { DATABASE_URL: url, MAMORI_PUBLIC_URL: 'https://mamori.example.jp' };

  it('--help lists the commands and every environment variable', async () => {
    const r = await mamori(['--help'], env);
    assert.equal(r.code, 0);
    for (const s of [
      'start',
      'admin',
      'facility',
      'user',
      'audit',
      'DATABASE_URL',
      'MAMORI_DATA_DIR',
      'MAMORI_INSECURE_HTTP',
    ])
      assert.match(r.stdout, new RegExp(s));
  });

  it('creates an administrator with a one-time link, never a password', async () => {
    const r = await mamori(['admin', 'create', '--email', 'Ops@Region.example', '--name', '運用 太郎', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.user.email, 'ops@region.example');
    assert.equal(out.user.role, 'region_admin');
    assert.equal(out.user.hasPassword, false);
    assert.match(out.invitation.url, /^https:\/\/mamori\.example\.jp\/set-password\?token=/);
  });

  let facilityId = '';
  it('adds and lists facilities as JSON for scripts', async () => {
    const add = await mamori(
      [
        'facility',
        'add',
        '--name',
        '仙台みなと診療所',
        '--type',
        'clinic',
        '--prefecture',
        '04',
        '--contact-name',
        '佐藤',
        '--contact-phone',
        '022-000-0000',
        '--json',
      ],
      env,
    );
    assert.equal(add.code, 0, add.stderr);
    facilityId = JSON.parse(add.stdout).id;
    await mamori(
      [
        'facility',
        'add',
        '--name',
        '盛岡病院',
        '--type',
        'hospital_medium',
        '--prefecture',
        '03',
        '--contact-name',
        '鈴木',
        '--contact-phone',
        '019-000-0000',
      ],
      env,
    );
    const list = await mamori(['facility', 'list', '--prefecture', '04', '--json'], env);
    assert.equal(list.code, 0);
    const page = JSON.parse(list.stdout);
    assert.deepEqual(
      page.items.map((f: { name: string }) => f.name),
      ['仙台みなと診療所'],
    );
  });

  it('invites a facility user', async () => {
    const r = await mamori(
      [
        'user',
        'add',
        '--email',
        'clerk@minato.example.jp',
        '--name',
        '受付',
        '--role',
        'facility_admin',
        '--facility',
        facilityId,
        '--json',
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).user.facilityId, facilityId);
  });

  it('creates one-time agent enrolment tokens for scripted roll-outs', async () => {
    const r = await mamori(['tokens', 'add', '--facility', facilityId, '--ttl', '2h', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.match(out.token, /^mt_[\w-]{40,}$/);
    const hours = (new Date(out.expiresAt).getTime() - Date.now()) / 3_600_000;
    assert.ok(hours > 1.9 && hours <= 2, `expires in ${hours} h`);
    const bad = await mamori(['tokens', 'add', '--facility', facilityId, '--ttl', 'forever'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--ttl/);
  });

  it('rejects bad input with a message and a non-zero exit, without a stack trace', async () => {
    const cases = [
      [
        'facility',
        'add',
        '--name',
        'x',
        '--type',
        'castle',
        '--prefecture',
        '04',
        '--contact-name',
        'a',
        '--contact-phone',
        '0000000',
      ],
      [
        'facility',
        'add',
        '--name',
        'x',
        '--type',
        'clinic',
        '--prefecture',
        '99',
        '--contact-name',
        'a',
        '--contact-phone',
        '0000000',
      ],
      ['user', 'add', '--email', 'not-an-email', '--name', 'x', '--role', 'facility_staff'],
      ['user', 'add', '--email', 'a@b.jp', '--name', 'x', '--role', 'facility_staff'],
      ['user', 'add', '--email', 'clerk@minato.example.jp', '--name', 'x', '--role', 'auditor'],
      ['nonsense'],
    ];
    for (const args of cases) {
      const r = await mamori(args, env);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.ok(r.stderr.length > 0, `no message for ${args.join(' ')}`);
      assert.ok(!r.stderr.includes('    at '), `stack trace for ${args.join(' ')}: ${r.stderr}`);
    }
    const badEnv = await mamori(['facility', 'list'], { ...env, MAMORI_PORT: 'eighty' });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /MAMORI_PORT/);
  });

  it('audit verify passes, then detects a tampered entry', async () => {
    const ok = await mamori(['audit', 'verify', '--json'], env);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const okBody = JSON.parse(ok.stdout);
    assert.equal(okBody.ok, true);
    assert.ok(okBody.checked >= 4);
    // Tamper as the database superuser would: bypass the append-only trigger and edit a row.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('alter table audit_log disable trigger audit_log_no_update');
    await c.query(`update audit_log set details = '{"name":"forged"}' where seq = 2`);
    await c.end();
    const bad = await mamori(['audit', 'verify'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /BROKEN at entry 2/);
  });

  it('the application role cannot change or delete audit entries', async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('alter table audit_log enable trigger audit_log_no_update');
    await c.query('set role mamori_app');
    await assert.rejects(c.query('delete from audit_log'), /permission denied|append-only/);
    await assert.rejects(c.query(`update audit_log set action = 'x'`), /permission denied|append-only/);
    await c.end();
  });
});

describe('mamori start on the embedded PostgreSQL', async () => {
  it('starts, prints the URL and a one-time set-up link, serves TLS from its own CA, and shuts down cleanly', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-start-'));
    onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const pgPort = await freePort();
    const child = spawn(process.execPath, [CLI, 'start'], {
      env: {
        ...process.env,
        MAMORI_DATA_DIR: dir,
        MAMORI_PORT: '0',
        MAMORI_EMBEDDED_PG_PORT: String(pgPort),
        MAMORI_LOG_LEVEL: 'warn',
        DATABASE_URL: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!/set-up|create the first/i.test(out) || !/\/setup\?token=/.test(out)) {
      if (Date.now() > deadline) throw new Error(`no start-up output:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = /running at (https:\/\/\S+)/.exec(out)?.[1];
    assert.ok(url, out);
    const ca = fs.readFileSync(path.join(dir, 'pki', 'ca.crt'));
    assert.equal(fs.statSync(path.join(dir, 'pki', 'ca.key')).mode & 0o777, 0o600);
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(`${url}/api/ready`, { ca }, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve(b));
        })
        .on('error', reject);
    });
    assert.deepEqual(JSON.parse(body), { status: 'ready', database: true }, out);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, `unclean exit; output:\n${out}`);
    // The embedded PostgreSQL stopped with the server.
    assert.equal(
      fs.existsSync(path.join(dir, 'db', 'postmaster.pid')),
      false,
      `PostgreSQL still running; output:\n${out}`,
    );
  });
});
