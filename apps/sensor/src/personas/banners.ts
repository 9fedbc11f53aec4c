// Common scan targets: FTP, MySQL, SQL Server, VNC and a generic TCP listener. Each speaks just
// enough of its protocol for scanners (nmap -sV) to name the service and for brute-force tools to
// try logins, which are recorded. Written here because these are greetings and one or two
// messages each; no library serves the server side of them as a decoy. Versions come from the
// sensor's seed, so no two sensors share a banner.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { PersonaContext, PersonaFactory, SensorSession } from '../core/persona.ts';

/** Splits a byte stream into CRLF/LF-terminated lines, bounded; calls `reject` on an over-long line. */
function lines(socket: Socket, session: SensorSession, onLine: (line: string) => void, max = 1024): void {
  let buf = '';
  socket.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      if (!socket.destroyed) onLine(line);
    }
    if (buf.length > max) session.reject(`line longer than ${max} bytes`);
  });
}

/** FTP: a vsftpd- or ProFTPD-like greeting; USER/PASS recorded; data connections always refused. */
export const ftpPersona: PersonaFactory = (ctx: PersonaContext) => {
  const flavour = ctx.rng.pick([
    { banner: '220 (vsFTPd 3.0.3)', syst: '215 UNIX Type: L8' },
    { banner: '220 (vsFTPd 3.0.5)', syst: '215 UNIX Type: L8' },
    {
      banner: `220 ProFTPD 1.3.${ctx.rng.pick(['5e', '6', '7a', '8b'])} Server (${ctx.identity.hostname}) [::ffff:10.0.0.5]`,
      syst: '215 UNIX Type: L8',
    },
  ]);
  return {
    handle(socket, session) {
      socket.write(`${flavour.banner}\r\n`);
      let user = '';
      let failures = 0;
      let loggedIn = false;
      lines(socket, session, (line) => {
        const [verb = '', ...rest] = line.split(' ');
        const arg = rest.join(' ');
        switch (verb.toUpperCase()) {
          case 'USER':
            user = arg;
            socket.write('331 Please specify the password.\r\n');
            return;
          case 'PASS': {
            const ok = ctx.accepts(user, arg);
            session.record('login', { username: user, password: arg, success: ok, summary: `FTP USER ${user}` });
            if (ok) {
              loggedIn = true;
              socket.write('230 Login successful.\r\n');
              return;
            }
            failures += 1;
            socket.write('530 Login incorrect.\r\n');
            if (failures >= 3) socket.end();
            return;
          }
          case 'SYST':
            socket.write(`${flavour.syst}\r\n`);
            return;
          case 'FEAT':
            socket.write(
              '211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n',
            );
            return;
          case 'PWD':
            socket.write(
              loggedIn ? '257 "/" is the current directory\r\n' : '530 Please login with USER and PASS.\r\n',
            );
            return;
          case 'PASV':
          case 'EPSV':
          case 'PORT':
          case 'EPRT':
            // Never open or make a data connection: the decoy does no network I/O for a client.
            session.record('request', { summary: `FTP ${verb.toUpperCase()} refused`, info: { arg } });
            socket.write('425 Security: Bad IP connecting.\r\n');
            return;
          case 'RETR':
          case 'STOR':
          case 'LIST':
          case 'NLST':
            session.record('command', { command: line, summary: `FTP ${verb.toUpperCase()}` });
            socket.write(loggedIn ? '425 Use PORT or PASV first.\r\n' : '530 Please login with USER and PASS.\r\n');
            return;
          case 'QUIT':
            socket.end('221 Goodbye.\r\n');
            return;
          case '':
            return;
          default:
            session.record('request', { summary: `FTP ${verb.slice(0, 20)}`, info: { line: line.slice(0, 200) } });
            socket.write('500 Unknown command.\r\n');
        }
      });
    },
  };
};

/** MySQL: a protocol-10 handshake; the HandshakeResponse's user is recorded (the password is a hash: only its presence). */
export const mysqlPersona: PersonaFactory = (ctx) => {
  const version = ctx.rng.pick(['5.7.44-log', '8.0.36', '8.0.39', '5.7.42', '8.0.33-0ubuntu0.20.04.2']);
  let threadId = ctx.rng.int(1000, 90_000);
  return {
    handle(socket, session) {
      const salt = randomBytes(20).map((b) => (b % 94) + 33);
      const body = Buffer.concat([
        Buffer.from([10]),
        Buffer.from(`${version}\0`, 'latin1'),
        u32(threadId++),
        salt.subarray(0, 8),
        Buffer.from([0]),
        u16(0xf7ff), // capabilities (lower)
        Buffer.from([0x21]), // utf8_general_ci
        u16(0x0002), // status: autocommit
        u16(0x81ff), // capabilities (upper): plugin auth, …
        Buffer.from([21]),
        Buffer.alloc(10),
        salt.subarray(8, 20),
        Buffer.from([0]),
        Buffer.from('mysql_native_password\0', 'latin1'),
      ]);
      socket.write(packet(0, body));
      let buf = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 4) return;
        const len = buf.readUIntLE(0, 3);
        if (len > 16_384) return session.reject('MySQL packet too large');
        if (buf.length < 4 + len) return;
        const p = buf.subarray(4, 4 + len);
        if (p.length < 33) return session.reject('truncated MySQL handshake response');
        const caps = p.readUInt32LE(0);
        if (caps & 0x800) {
          // CLIENT_SSL: the client wants TLS before the login; record and end.
          session.record('request', { summary: 'MySQL TLS requested' });
          socket.destroy();
          return;
        }
        const end = p.indexOf(0, 32);
        const user = p.subarray(32, end < 0 ? p.length : end).toString('utf8');
        const rest = end < 0 ? Buffer.alloc(0) : p.subarray(end + 1);
        const authLen = rest.length ? rest[0] : 0;
        session.record('login', {
          username: user,
          success: false,
          summary: `MySQL login ${user}`,
          info: { passwordSent: (authLen ?? 0) > 0 },
        });
        const msg = `Access denied for user '${user.slice(0, 64)}'@'${session.srcIp}' (using password: ${authLen ? 'YES' : 'NO'})`;
        const err = Buffer.concat([Buffer.from([0xff]), u16(1045), Buffer.from(`#28000${msg}`, 'utf8')]);
        socket.end(packet(2, err));
      });
    },
  };
};

/** SQL Server: a TDS PRELOGIN answer naming a version like the identity's Windows; LOGIN7 user and password recorded. */
export const mssqlPersona: PersonaFactory = (ctx) => {
  const [major, minor, build] = ctx.rng.pick([
    [15, 0, 2000 + ctx.rng.int(0, 130)],
    [14, 0, 3000 + ctx.rng.int(0, 465)],
    [13, 0, 5026 + ctx.rng.int(0, 800)],
  ]) as [number, number, number];
  return {
    handle(socket, session) {
      let buf = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 8) {
          const type = buf[0];
          const len = buf.readUInt16BE(2);
          if (len < 8 || len > 32_768) return session.reject('bad TDS packet length');
          if (buf.length < len) return;
          const payload = buf.subarray(8, len);
          buf = buf.subarray(len);
          if (type === 0x12) {
            session.record('request', { summary: 'TDS PRELOGIN' });
            socket.write(tds(0x04, preloginResponse(major, minor, build)));
          } else if (type === 0x10) {
            const login = parseLogin7(payload);
            if (!login) return session.reject('unparseable TDS LOGIN7');
            session.record('login', {
              username: login.user,
              password: login.password,
              success: false,
              summary: `SQL Server login ${login.user} from ${login.host}`,
              info: { host: login.host, app: login.app },
            });
            socket.end(tds(0x04, loginFailed(login.user)));
            return;
          } else {
            return session.reject(`unexpected TDS packet type ${type}`);
          }
        }
      });
    },
  };
};

/** VNC: RFB 3.8 with VNC authentication; the attempt is recorded (the response is a DES hash of an unknown password) and fails. */
export const vncPersona: PersonaFactory = (ctx) => {
  const version = ctx.rng.pick(['RFB 003.008\n', 'RFB 003.008\n', 'RFB 003.007\n']);
  return {
    handle(socket, session) {
      socket.write(version);
      let stage = 0;
      let buf = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (stage === 0 && buf.length >= 12) {
          const client = buf.subarray(0, 12).toString('latin1');
          buf = buf.subarray(12);
          if (!/^RFB \d{3}\.\d{3}\n$/.test(client)) return session.reject('not an RFB client');
          session.record('request', { summary: `VNC ${client.trim()}` });
          socket.write(Buffer.from([1, 2])); // one security type: VNC authentication
          stage = 1;
        }
        if (stage === 1 && buf.length >= 1) {
          buf = buf.subarray(1);
          socket.write(randomBytes(16));
          stage = 2;
        }
        if (stage === 2 && buf.length >= 16) {
          session.record('login', {
            username: '',
            success: false,
            summary: 'VNC authentication',
            info: { vncAuth: true },
          });
          const reason = Buffer.from('Authentication failed', 'latin1');
          socket.end(Buffer.concat([u32be(1), u32be(reason.length), reason]));
          stage = 3;
        }
      });
    },
  };
};

/** Any other port: records the first bytes a client sends (hex and printable), then closes. */
export const tcpPersona: PersonaFactory = () => ({
  handle(socket, session) {
    socket.once('data', (d: Buffer) => {
      const first = d.subarray(0, 512);
      session.record('request', {
        summary: `first bytes: ${first
          .toString('latin1')
          .replace(/[^\x20-\x7e]/g, '.')
          .slice(0, 80)}`,
        info: { hex: first.toString('hex'), length: d.length },
      });
      socket.end();
    });
  },
});

// --- encodings

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u32be = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const packet = (seq: number, body: Buffer) => {
  const h = Buffer.alloc(4);
  h.writeUIntLE(body.length, 0, 3);
  h[3] = seq;
  return Buffer.concat([h, body]);
};
const tds = (type: number, payload: Buffer) => {
  const h = Buffer.from([type, 0x01, 0, 0, 0, 0, 1, 0]);
  h.writeUInt16BE(payload.length + 8, 2);
  return Buffer.concat([h, payload]);
};

function preloginResponse(major: number, minor: number, build: number): Buffer {
  // Options: VERSION (6 bytes), ENCRYPTION (1: ENCRYPT_NOT_SUP), INSTOPT, THREADID, MARS, terminator.
  const opts = [
    [0x00, Buffer.from([major, minor, (build >> 8) & 0xff, build & 0xff, 0, 0])],
    [0x01, Buffer.from([0x02])],
    [0x02, Buffer.from([0])],
    [0x03, Buffer.alloc(0)],
    [0x04, Buffer.from([0])],
  ] as const;
  let offset = opts.length * 5 + 1;
  const head: Buffer[] = [];
  const data: Buffer[] = [];
  for (const [token, value] of opts) {
    const h = Buffer.alloc(5);
    h[0] = token;
    h.writeUInt16BE(offset, 1);
    h.writeUInt16BE(value.length, 3);
    head.push(h);
    data.push(value);
    offset += value.length;
  }
  return Buffer.concat([...head, Buffer.from([0xff]), ...data]);
}

/** LOGIN7: host, user, password (its "obfuscation" is a nibble swap and XOR 0xA5), app name. */
function parseLogin7(p: Buffer): { user: string; password: string; host: string; app: string } | undefined {
  if (p.length < 94) return undefined;
  const field = (at: number, obfuscated = false) => {
    const off = p.readUInt16LE(at);
    const len = p.readUInt16LE(at + 2) * 2;
    if (off + len > p.length) return undefined;
    const raw = Buffer.from(p.subarray(off, off + len));
    if (obfuscated)
      for (let i = 0; i < raw.length; i++)
        raw[i] = (((raw[i] as number) ^ 0xa5) >> 4) | ((((raw[i] as number) ^ 0xa5) & 0x0f) << 4);
    return raw.toString('utf16le');
  };
  const host = field(36);
  const user = field(40);
  const password = field(44, true);
  const app = field(48);
  if (host === undefined || user === undefined || password === undefined || app === undefined) return undefined;
  return { user, password, host, app };
}

function loginFailed(user: string): Buffer {
  const msg = Buffer.from(`Login failed for user '${user.slice(0, 64)}'.`, 'utf16le');
  const server = Buffer.from('', 'utf16le');
  const body = Buffer.concat([
    u32(18456),
    Buffer.from([1, 14]),
    u16(msg.length / 2),
    msg,
    Buffer.from([server.length / 2]),
    server,
    Buffer.from([0]),
    u32(1),
  ]);
  const done = Buffer.from([0xfd, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([Buffer.from([0xaa]), u16(body.length), body, done]);
}
