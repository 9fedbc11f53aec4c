import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { createIdentity } from './identity.ts';
import type { PersonaFactory } from './persona.ts';
import { Recorder, toEvent } from './recorder.ts';
import { startPersona } from './test-helpers.ts';

/** A persona that answers each line: `login u p` records a login, `x` anything else a command, `bad` rejects. */
const echoPersona: PersonaFactory = (ctx) => ({
  handle(socket, session) {
    socket.write('hello\n');
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const [cmd, u = '', p = ''] = line.split(' ');
        if (cmd === 'login') session.record('login', { username: u, password: p, success: ctx.accepts(u, p) });
        else if (cmd === 'bad') session.reject('bad input');
        else session.record('command', { command: line });
      }
    });
  },
});

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
    s.resume(); // read (and drop) what the persona says, so the close is seen
  });
}
const closed = (s: net.Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));

describe('sensor listeners', () => {
  it('records connect, the persona’s interactions with a rising stage, and disconnect with byte counts', async (t) => {
    const p = await startPersona('tcp', echoPersona);
    t.after(() => p.close());
    const s = await connect(p.port);
    s.write('login root toor\nlogin admin admin\nuname -a\n');
    await p.waitFor((i) => i.kind === 'command');
    s.end();
    const end = await p.waitFor((i) => i.kind === 'disconnect');
    const kinds = p.interactions.map((i) => [i.kind, i.stage]);
    assert.deepEqual(kinds, [
      ['connect', 'probe'],
      ['login', 'login_attempt'],
      ['login', 'login_success'],
      ['command', 'command'],
      ['disconnect', 'command'],
    ]);
    assert.equal(new Set(p.interactions.map((i) => i.sessionId)).size, 1);
    assert.equal(end.bytesIn, 'login root toor\nlogin admin admin\nuname -a\n'.length);
    assert.equal(end.bytesOut, 'hello\n'.length);
    assert.equal(end.srcIp, '127.0.0.1');
  });

  it('cleans control characters and bounds field sizes', async (t) => {
    const p = await startPersona('tcp', echoPersona);
    t.after(() => p.close());
    const s = await connect(p.port);
    s.write(`echo \u001b[31mred ${'x'.repeat(5000)}\n`);
    const cmd = await p.waitFor((i) => i.kind === 'command');
    assert.ok(cmd.command?.startsWith('echo \\x1b[31mred'));
    assert.ok((cmd.command?.length ?? 0) <= 2000);
    s.destroy();
  });

  it('closes a connection that sends too much or that the persona rejects, and survives a persona that throws', async (t) => {
    const p = await startPersona('tcp', echoPersona, { limits: { maxBytesPerConnection: 4096 } });
    t.after(() => p.close());
    const big = await connect(p.port);
    big.on('error', () => {});
    big.write(Buffer.alloc(10_000, 0x41));
    await closed(big);
    await p.waitFor((i) => i.kind === 'malformed' && /more than 4096 bytes/.test(i.summary ?? ''));
    const bad = await connect(p.port);
    bad.on('error', () => {});
    bad.write('bad\n');
    await closed(bad);
    await p.waitFor((i) => i.kind === 'malformed' && i.summary === 'bad input');
    const ok = await connect(p.port);
    ok.write('whoami\n');
    await p.waitFor((i) => i.command === 'whoami');
    ok.destroy();
    // A persona that throws while taking a connection costs that connection only.
    const port = await p.listeners.add({
      kind: 'tcp',
      port: 0,
      handler: {
        handle: () => {
          throw new Error('persona bug');
        },
      },
    });
    const boom = await connect(port);
    boom.on('error', () => {});
    await closed(boom);
    await p.waitFor((i) => i.dstPort === port && i.kind === 'malformed' && /internal error/.test(i.summary ?? ''));
    // …and one that throws later, inside its own data handler, on hostile input.
    const late = await p.listeners.add({
      kind: 'tcp',
      port: 0,
      handler: {
        handle: (socket) => {
          socket.on('data', (d: Buffer) => {
            d.readUInt32LE(d.length); // past the end: RangeError
          });
        },
      },
    });
    const hostile = await connect(late);
    hostile.on('error', () => {});
    hostile.write('x');
    await closed(hostile);
    await p.waitFor((i) => i.dstPort === late && i.kind === 'malformed' && /internal error/.test(i.summary ?? ''));
    const stillOk = await connect(late);
    stillOk.destroy();
  });

  it('limits connections per source and reports a port scan once per window', async (t) => {
    const p = await startPersona('tcp', echoPersona, { limits: { maxPerSource: 3, scanPorts: 3 } });
    t.after(() => p.close());
    const open = await Promise.all([1, 2, 3].map(() => connect(p.port)));
    const fourth = await connect(p.port);
    fourth.on('error', () => {});
    await closed(fourth);
    assert.equal(p.listeners.connections, 3);
    for (const s of open) s.destroy();
    // Three more ports of the same sensor make it a scan.
    const ports = [p.port];
    for (let k = 0; k < 2; k++)
      ports.push(await p.listeners.add({ kind: 'tcp', port: 0, handler: echoPersona(undefined as never) as never }));
    for (const port of ports) (await connect(port)).destroy();
    const scan = await p.waitFor((i) => i.kind === 'scan');
    assert.deepEqual(
      scan.ports,
      [...ports].sort((a, b) => a - b),
    );
    for (const port of ports) (await connect(port)).destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(p.interactions.filter((i) => i.kind === 'scan').length, 1, 'reported once per window');
  });

  it('refuses to listen on a port in use with the system’s reason', async (t) => {
    const p = await startPersona('tcp', echoPersona);
    t.after(() => p.close());
    await assert.rejects(
      p.listeners.add({ kind: 'tcp', port: p.port, handler: { handle: () => {} } }),
      (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE',
    );
  });
});

describe('sensor identity', () => {
  it('differs per seed and stays the same for one seed', async () => {
    const a = createIdentity('a'.repeat(32), '/nonexistent');
    const a2 = createIdentity('a'.repeat(32), '/nonexistent');
    const b = createIdentity('b'.repeat(32), '/nonexistent');
    assert.equal(a.hostname, a2.hostname);
    assert.equal(a.linux.sshBanner, a2.linux.sshBanner);
    const many = new Set(
      Array.from({ length: 20 }, (_, k) => createIdentity(k.toString(16).padStart(32, '0'), '/x').hostname),
    );
    assert.ok(many.size >= 15, `host names vary: ${[...many].join(' ')}`);
    assert.notDeepEqual([a.hostname, a.domain], [b.hostname, b.domain]);
    assert.match(a.hostname, /^[a-z]+-[a-z0-9]+-\d\d$/);
  });
});

describe('sensor recorder', () => {
  const base = {
    at: new Date('2026-11-24T00:00:00Z'),
    sessionId: '00000000-0000-4000-8000-000000000001',
    persona: 'ssh' as const,
    srcIp: '198.51.100.1',
    srcPort: 40000,
    dstPort: 22,
  };
  it('maps stages to severity, keeps bookkeeping at info, and keys alerts by sensor and source', () => {
    const e = toEvent({ ...base, kind: 'command', stage: 'command', command: 'id' }, 'agent-1');
    assert.deepEqual(
      [e.source, e.kind, e.severity, e.dedupKey],
      ['sensor', 'sensor.command', 'critical', 'sensor:agent-1:198.51.100.1'],
    );
    assert.match(e.title, /コマンド実行: id/);
    assert.equal(toEvent({ ...base, kind: 'disconnect', stage: 'command' }, 'a').severity, 'info');
    assert.equal(toEvent({ ...base, kind: 'login', stage: 'login_attempt', username: 'root' }, 'a').severity, 'medium');
    assert.equal(toEvent({ ...base, kind: 'login', stage: 'login_success', success: true }, 'a').severity, 'high');
    assert.equal(toEvent({ ...base, kind: 'scan', stage: 'scan', ports: [1, 2] }, 'a').severity, 'low');
  });

  it('batches writes and keeps events when the disk refuses, writing them later', async () => {
    const written: number[] = [];
    let fail = true;
    const r = new Recorder({
      agentId: 'a',
      flushMs: 10_000,
      log: { error: () => {}, warn: () => {} } as never,
      write: async (events) => {
        if (fail) throw new Error('ENOSPC');
        written.push(events.length);
      },
    });
    for (let k = 0; k < 1200; k++) r.record({ ...base, kind: 'login', stage: 'login_attempt', username: `u${k}` });
    await r.flush();
    assert.deepEqual(written, []);
    fail = false;
    await r.flush();
    assert.deepEqual(written, [500, 500, 200], 'nothing lost, in batches of 500');
  });
});
