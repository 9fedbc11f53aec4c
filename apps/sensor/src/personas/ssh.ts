// SSH persona: a real SSH-2 server (the `ssh2` package) with this sensor's own host keys and
// version string, recording every credential and handing accepted logins the fake shell.
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import ssh2, { type AuthContext, type Connection, type ServerChannel } from 'ssh2';
import type { PersonaContext, PersonaFactory, SensorSession } from '../core/persona.ts';
import { attachShell, createFakeFs, createShell, type FakeFs, toTerminal } from './shell.ts';

const { Server, utils } = ssh2;

/**
 * Failed attempts on one connection before it is closed. Higher than OpenSSH's MaxAuthTries (6) on
 * purpose: brute-force tools reuse a connection for one user's password list, and libssh-based ones
 * (hydra) lose or re-send credentials when the server cuts in (measured: with 6, hydra hung or its
 * count disagreed with the server's in 6 runs of 10). Every attempt is answered before the close.
 */
const MAX_AUTH_TRIES = 100;
/** OpenSSH's LoginGraceTime default: seconds to authenticate. */
const LOGIN_GRACE_SECONDS = 120;
/** OpenSSH's MaxSessions default: session channels per connection. */
const MAX_SESSIONS = 10;
/** The longest client identification line RFC 4253 allows (including CR LF). */
const MAX_IDENT = 255;
/** What the server offers after `none`, like a stock sshd with keyboard-interactive on. */
const AUTH_METHODS: ('publickey' | 'password' | 'keyboard-interactive')[] = [
  'publickey',
  'password',
  'keyboard-interactive',
];

/**
 * Algorithms in OpenSSH's order (as far as ssh2 implements them), so the key exchange offer looks
 * like a stock sshd rather than ssh2's own defaults, which tools can fingerprint.
 */
const ALGORITHMS = {
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
  ],
  cipher: [
    'chacha20-poly1305@openssh.com',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
  ],
  hmac: [
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha1-etm@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-sha1',
  ],
  compress: ['none', 'zlib@openssh.com'],
} as const;

/** `SHA256:…` as `ssh-keygen -l` prints it. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * A new private host key in OpenSSH format. ssh2's generator now and then writes an Ed25519 key
 * that its own parser rejects (8 in 3000 measured), so each key is parsed back before it is kept.
 */
function generateHostKey(type: 'ed25519' | 'ecdsa' | 'rsa'): string {
  for (let i = 0; i < 10; i++) {
    const key =
      type === 'ed25519'
        ? utils.generateKeyPairSync('ed25519').private
        : utils.generateKeyPairSync(type, { bits: type === 'rsa' ? 3072 : 256 }).private;
    if (parses(key)) return key;
  }
  throw new Error(`could not generate a usable ${type} host key`);
}

const parses = (key: string) => !(utils.parseKey(key) instanceof Error);

/** Creates (once per sensor) and loads the host keys: Ed25519, ECDSA and RSA like a stock install. A stored key that no longer parses is replaced. */
async function loadHostKeys(ctx: PersonaContext): Promise<string[]> {
  return [
    await ctx.identity.persisted('ssh_host_ed25519_key', () => generateHostKey('ed25519'), parses),
    await ctx.identity.persisted('ssh_host_ecdsa_key', () => generateHostKey('ecdsa'), parses),
    // RSA keeps older clients (and brute-force tools built on old libssh) able to connect.
    await ctx.identity.persisted('ssh_host_rsa_key', () => generateHostKey('rsa'), parses),
  ];
}

/** The SSH persona. */
export const sshPersona: PersonaFactory = async (ctx) => {
  const hostKeys = await loadHostKeys(ctx);
  const sessions = new WeakMap<Socket, SensorSession>();
  const ident = ctx.identity.linux.sshBanner.replace(/^SSH-2\.0-/, '');
  const config = {
    hostKeys,
    ident,
    // ssh2 pings idle clients every 15 s by default, which would keep an idle attacker's
    // connection alive forever; stock sshd does not ping (ClientAliveInterval 0), so ping
    // less often than the core's idle timeout closes a silent connection.
    keepaliveInterval: ctx.limits.idleSeconds * 2000,
    keepaliveCountMax: 0,
    algorithms: {
      kex: [...ALGORITHMS.kex],
      cipher: [...ALGORITHMS.cipher],
      hmac: [...ALGORITHMS.hmac],
      compress: [...ALGORITHMS.compress],
    },
  };
  let server: InstanceType<typeof Server>;
  try {
    server = new Server(config as ConstructorParameters<typeof Server>[0]);
  } catch (err) {
    // A Node build without one of the algorithms: fall back to ssh2's defaults rather than not listening.
    ctx.log.warn({ err: (err as Error).message }, 'ssh: OpenSSH-like algorithm list refused, using defaults');
    const { algorithms: _, ...rest } = config;
    server = new Server(rest as ConstructorParameters<typeof Server>[0]);
  }
  server.on('error', (err: Error) => ctx.log.debug({ err: err.message }, 'ssh server error'));
  server.on('connection', (client: Connection, info) => {
    const socket = (client as unknown as { _sock?: Socket })._sock;
    const session = socket && sessions.get(socket);
    if (!session) {
      client.end();
      return;
    }
    try {
      serveClient(ctx, client, session, info.header.identRaw);
    } catch (err) {
      ctx.log.error({ err: (err as Error).message }, 'ssh persona failed on a connection');
      session.reject('internal error in the ssh persona');
    }
  });

  return {
    handle(socket, session) {
      sessions.set(socket, session);
      watchIdentification(socket, session);
      server.injectSocket(socket);
    },
  };
};

/**
 * Checks the client's first line before ssh2 sees it: ssh2 drops non-SSH input silently, and a
 * scanner's HTTP request or random bytes on port 22 are worth a `malformed` record.
 */
function watchIdentification(socket: Socket, session: SensorSession): void {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = Buffer.concat([seen, chunk.subarray(0, MAX_IDENT + 1)]).subarray(0, MAX_IDENT + 1);
    const prefix = seen.subarray(0, 4).toString('latin1');
    const nl = seen.indexOf(0x0a);
    let problem: string | undefined;
    if (!'SSH-'.startsWith(prefix)) problem = 'not an SSH client identification';
    else if (nl !== -1) {
      const line = seen.subarray(0, nl).toString('latin1').replace(/\r$/, '');
      if (!/^SSH-(2\.0|1\.99)-[\x21-\x7e]+( [\x20-\x7e]*)?$/.test(line)) {
        problem = /^SSH-1\./.test(line) ? 'unsupported SSH protocol version' : 'invalid SSH identification line';
      }
    } else if (seen.length > MAX_IDENT) problem = 'SSH identification line too long';
    if (problem) {
      socket.off('data', onData);
      session.reject(problem, { preview: printable(seen.subarray(0, 64)) });
    } else if (nl !== -1) socket.off('data', onData);
  };
  socket.on('data', onData);
}

/** Bytes as readable text with `\xNN` for the rest, for a record's preview. */
function printable(b: Buffer): string {
  let s = '';
  for (const c of b) s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  return s;
}

function serveClient(ctx: PersonaContext, client: Connection, session: SensorSession, clientIdent: string): void {
  let failures = 0;
  let closing = false;
  let user = '';
  let fs: FakeFs | undefined;
  let sessionsOpen = 0;
  const triedKeys = new Set<string>();
  const grace = setTimeout(() => {
    if (!session.loggedIn) client.end();
  }, LOGIN_GRACE_SECONDS * 1000);
  grace.unref();

  client.on('close', () => clearTimeout(grace));
  client.on('error', (err: Error & { level?: string; code?: unknown }) => {
    ctx.log.debug({ err: err.message, level: err.level, session: session.id }, 'ssh client error');
    if (err.level === 'handshake') {
      // No algorithm in common (old scanners, audit tools): a negotiation, not garbage.
      session.record('request', { summary: `SSH negotiation failed: ${err.message}`, info: { client: clientIdent } });
      client.end();
    } else if (err.level === 'protocol' || (err.level === undefined && err.code === undefined)) {
      // Fatal protocol errors, and parser exceptions (ssh2 gives those no level): bad packets.
      session.reject(`SSH protocol error: ${err.message}`, { client: clientIdent });
    }
    // Socket errors, the client's own DISCONNECT (an error with a numeric code) and keepalive
    // timeouts end the connection normally.
  });
  // The first key exchange only (rekeys repeat it).
  client.once('handshake', (negotiated) => {
    session.record('request', {
      summary: `SSH ${clientIdent}`,
      info: {
        client: clientIdent,
        kex: negotiated.kex,
        hostKey: negotiated.serverHostKey,
        cipher: negotiated.cs.cipher,
      },
    });
  });

  const fail = (auth: AuthContext) => {
    failures++;
    auth.reject(AUTH_METHODS);
    if (failures >= MAX_AUTH_TRIES) {
      closing = true;
      client.end();
    }
  };
  const decide = (auth: AuthContext, password: string, method: string) => {
    if (closing) return auth.reject();
    const ok = ctx.accepts(auth.username, password);
    session.record('login', {
      username: auth.username,
      password,
      success: ok,
      summary: `ssh ${method}`,
      info: { method, client: clientIdent },
    });
    if (!ok) return fail(auth);
    user = auth.username;
    auth.accept();
  };

  client.on('authentication', (auth) => {
    if (closing) return auth.reject();
    switch (auth.method) {
      case 'password':
        return decide(auth, auth.password, 'password');
      case 'keyboard-interactive':
        return auth.prompt([{ prompt: 'Password: ', echo: false }], (answers) => {
          decide(auth, String(answers?.[0] ?? ''), 'keyboard-interactive');
        });
      case 'publickey': {
        const fingerprint = sshFingerprint(auth.key.data);
        if (!triedKeys.has(fingerprint)) {
          triedKeys.add(fingerprint);
          session.record('login', {
            username: auth.username,
            success: false,
            summary: `ssh publickey ${auth.key.algo} ${fingerprint}`,
            info: { method: 'publickey', keyType: auth.key.algo, fingerprint, client: clientIdent },
          });
        }
        return fail(auth);
      }
      case 'none':
        return auth.reject(AUTH_METHODS);
      default:
        return fail(auth);
    }
  });

  client.on('ready', () => {
    clearTimeout(grace);
    client.on('session', (accept, reject) => {
      if (++sessionsOpen > MAX_SESSIONS) return reject();
      const s = accept();
      let pty = false;
      s.on('pty', (ok) => {
        pty = true;
        ok?.();
      });
      s.on('window-change', (ok) => ok?.());
      s.on('env', (ok) => ok?.());
      s.on('signal', (ok) => ok?.());
      s.on('auth-agent', (_ok, no) => no?.());
      s.on('x11', (_ok, no, info) => {
        session.record('request', { summary: 'x11 forwarding refused', info: { protocol: info.protocol } });
        no?.();
      });
      s.on('subsystem', (_ok, no, info) => {
        session.record('request', { summary: `subsystem ${info.name} refused`, info: { subsystem: info.name } });
        no?.();
      });
      s.on('shell', (ok) => {
        fs ??= createFakeFs(ctx.identity, user);
        startShell(ctx, session, ok(), { user, fs, tty: pty });
      });
      s.on('exec', (ok, _no, info) => {
        fs ??= createFakeFs(ctx.identity, user);
        runExec(ctx, session, ok(), { user, fs, tty: pty, command: info.command });
      });
    });
    client.on('tcpip', (_ok, no, info) => {
      session.record('request', {
        summary: `direct-tcpip to ${info.destIP}:${info.destPort} refused`,
        info: {
          forward: 'direct-tcpip',
          destIP: info.destIP,
          destPort: info.destPort,
          srcIP: info.srcIP,
          srcPort: info.srcPort,
        },
      });
      no();
    });
    client.on('openssh.streamlocal', (_ok, no, info) => {
      session.record('request', {
        summary: `streamlocal to ${info.socketPath} refused`,
        info: { socketPath: info.socketPath },
      });
      no();
    });
    // tcpip-forward and streamlocal-forward: a remote forward would make the sensor listen for the
    // attacker; refused. (no-more-sessions is answered by ssh2 itself.)
    client.on('request', (_ok, no, name, info) => {
      const i = info as { bindAddr?: string; bindPort?: number; socketPath?: string };
      const where = i.socketPath ?? `${i.bindAddr}:${i.bindPort}`;
      session.record('request', { summary: `${name} ${where} refused`, info: { request: name, ...i } });
      no?.();
    });
  });
}

function startShell(
  ctx: PersonaContext,
  session: SensorSession,
  channel: ServerChannel,
  o: { user: string; fs: FakeFs; tty: boolean },
): void {
  const shell = createShell({
    identity: ctx.identity,
    session,
    username: o.user,
    accepts: ctx.accepts,
    tty: o.tty,
    fs: o.fs,
    via: 'shell',
  });
  channel.on('error', () => {});
  let ended = false;
  const end = (code: number) => {
    if (ended) return;
    ended = true;
    channel.exit(code);
    channel.end();
  };
  if (o.tty) channel.write(toTerminal(shell.motd()));
  const term = attachShell({
    shell,
    tty: o.tty,
    write: (text, fd) => {
      if (ended) return;
      if (fd === 2 && !o.tty) channel.stderr.write(text);
      else channel.write(text);
    },
    end,
  });
  const decoder = new StringDecoder('utf8');
  channel.on('data', (d: Buffer) => {
    try {
      term.feed(decoder.write(d));
    } catch (err) {
      ctx.log.error({ err: (err as Error).message }, 'ssh shell failed on input');
      end(1);
    }
  });
  // Without a terminal the client's EOF ends the shell (`echo cmds | ssh host`), like bash at end of input.
  channel.on('end', () => {
    if (!o.tty) term.feed('\n');
    end(0);
  });
}

function runExec(
  ctx: PersonaContext,
  session: SensorSession,
  channel: ServerChannel,
  o: { user: string; fs: FakeFs; tty: boolean; command: string },
): void {
  channel.on('error', () => {});
  try {
    const shell = createShell({
      identity: ctx.identity,
      session,
      username: o.user,
      accepts: ctx.accepts,
      tty: o.tty,
      fs: o.fs,
      via: 'exec',
    });
    const r = shell.run(o.command);
    for (const part of r.output) {
      if (part.fd === 2 && !o.tty) channel.stderr.write(part.text);
      else channel.write(o.tty ? toTerminal(part.text) : part.text);
    }
    channel.exit(r.code);
  } catch (err) {
    ctx.log.error({ err: (err as Error).message }, 'ssh exec failed');
    channel.exit(1);
  }
  channel.end();
}
