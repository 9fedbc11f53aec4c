// SMB (port 445): a Windows file server as far as authentication. No maintained Node SMB server
// exists, and Samba as a sidecar would be a second, privileged service to harden for the one thing
// a decoy needs — who tried to log in — so the sensor speaks just enough SMB2 and NTLMSSP here:
// NEGOTIATE (also when it arrives as an SMB1 multi-protocol request), SESSION_SETUP with SPNEGO
// (encoded and decoded with asn1js), an NTLM CHALLENGE naming the identity's domain and host, and
// the AUTHENTICATE message's user, domain and workstation, answered with STATUS_LOGON_FAILURE.
// The NT/LM responses are never stored: a member of staff mistyping a real password into a decoy
// must not leave a crackable hash in the platform's database; only their kind and length are kept.
import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import type { PersonaFactory, SensorSession } from '../core/persona.ts';

const MAX_MESSAGE = 64 * 1024;
const SPNEGO_OID = '1.3.6.1.5.5.2';
const NTLMSSP_OID = '1.3.6.1.4.1.311.2.2.10';
const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
const STATUS = { ok: 0, moreProcessing: 0xc0000016, logonFailure: 0xc000006d, notSupported: 0xc00000bb } as const;
const DIALECTS: Record<number, string> = { 514: '2.0.2', 528: '2.1', 768: '3.0', 770: '3.0.2', 785: '3.1.1' };

const ctxTag = (n: number, inner: asn1js.BaseBlock) =>
  new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: n }, value: [inner] });
const ber = (b: asn1js.BaseBlock) => Buffer.from(b.toBER(false));

/** The SPNEGO NegTokenInit a server puts in its NEGOTIATE response: "NTLMSSP, please". */
export function negTokenInit(): Buffer {
  return ber(
    new asn1js.Constructed({
      idBlock: { tagClass: 2, tagNumber: 0 },
      value: [
        new asn1js.ObjectIdentifier({ value: SPNEGO_OID }),
        ctxTag(
          0,
          new asn1js.Sequence({
            value: [ctxTag(0, new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: NTLMSSP_OID })] }))],
          }),
        ),
      ],
    }),
  );
}

/** NegTokenResp carrying the NTLM CHALLENGE (negState accept-incomplete). */
export function negTokenResp(ntlm: Buffer): Buffer {
  return ber(
    ctxTag(
      1,
      new asn1js.Sequence({
        value: [
          ctxTag(0, new asn1js.Enumerated({ value: 1 })),
          ctxTag(1, new asn1js.ObjectIdentifier({ value: NTLMSSP_OID })),
          ctxTag(2, new asn1js.OctetString({ valueHex: new Uint8Array(ntlm).buffer })),
        ],
      }),
    ),
  );
}

/** The NTLMSSP message inside a security blob: raw NTLMSSP, or the OCTET STRING of a SPNEGO token that holds one. */
export function ntlmFromBlob(blob: Buffer): Buffer | undefined {
  if (blob.subarray(0, 8).equals(SIGNATURE)) return blob;
  const parsed = asn1js.fromBER(new Uint8Array(blob).buffer);
  if (parsed.offset === -1) return undefined;
  const stack: unknown[] = [parsed.result];
  while (stack.length) {
    // Decoded blocks of unexpected shapes (attacker input) may lack parts: look, never assume.
    const b = stack.pop() as { valueBlock?: { value?: unknown; valueHexView?: Uint8Array } } | undefined;
    const hex = b?.valueBlock?.valueHexView;
    if (b instanceof asn1js.OctetString && hex && hex.length >= 12 && Buffer.from(hex.subarray(0, 8)).equals(SIGNATURE))
      return Buffer.from(hex);
    const children = b?.valueBlock?.value;
    if (Array.isArray(children)) for (const c of children) if (c instanceof asn1js.BaseBlock) stack.push(c);
  }
  return undefined;
}

/** What an NTLM AUTHENTICATE message says about who tried (responses only by kind and length). */
export function parseAuthenticate(
  m: Buffer,
):
  | { user: string; domain: string; workstation: string; ntlm: 'v1' | 'v2' | 'anonymous'; ntLength: number }
  | undefined {
  if (m.length < 64 || !m.subarray(0, 8).equals(SIGNATURE) || m.readUInt32LE(8) !== 3) return undefined;
  const flags = m.length >= 64 ? m.readUInt32LE(60) : 0;
  const unicode = (flags & 1) !== 0;
  const field = (at: number) => {
    const len = m.readUInt16LE(at);
    const off = m.readUInt32LE(at + 4);
    if (off + len > m.length) return undefined;
    return m.subarray(off, off + len);
  };
  const str = (at: number) => {
    const b = field(at);
    return b === undefined ? undefined : unicode ? b.toString('utf16le') : b.toString('latin1');
  };
  const nt = field(20);
  const domain = str(28);
  const user = str(36);
  const workstation = str(44);
  if (nt === undefined || domain === undefined || user === undefined || workstation === undefined) return undefined;
  return {
    user,
    domain,
    workstation,
    ntlm: nt.length === 0 ? 'anonymous' : nt.length === 24 ? 'v1' : 'v2',
    ntLength: nt.length,
  };
}

/** A Windows FILETIME (100 ns since 1601) for now. */
function filetime(ms = Date.now()): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE((BigInt(ms) + 11_644_473_600_000n) * 10_000n);
  return b;
}

export const smbPersona: PersonaFactory = (ctx) => {
  const id = ctx.identity;
  const serverGuid = Buffer.from(id.rng('smb-guid').bytes(16));
  const computer = id.hostname
    .toUpperCase()
    .replace(/[^A-Z0-9-]/g, '')
    .slice(0, 15);
  const [major, minor, build] = id.windows.version;
  const utf16 = (s: string) => Buffer.from(s, 'utf16le');

  function challenge(): Buffer {
    const av = (type: number, value: Buffer) => {
      const h = Buffer.alloc(4);
      h.writeUInt16LE(type, 0);
      h.writeUInt16LE(value.length, 2);
      return Buffer.concat([h, value]);
    };
    const targetName = utf16(id.netbiosDomain);
    const info = Buffer.concat([
      av(2, utf16(id.netbiosDomain)),
      av(1, utf16(computer)),
      av(4, utf16(id.domain)),
      av(3, utf16(`${computer.toLowerCase()}.${id.domain}`)),
      av(5, utf16(id.domain)),
      av(7, filetime()),
      av(0, Buffer.alloc(0)),
    ]);
    const head = Buffer.alloc(56);
    SIGNATURE.copy(head, 0);
    head.writeUInt32LE(2, 8);
    head.writeUInt16LE(targetName.length, 12);
    head.writeUInt16LE(targetName.length, 14);
    head.writeUInt32LE(56, 16);
    head.writeUInt32LE(0xe28a8215, 20);
    randomBytes(8).copy(head, 24);
    head.writeUInt16LE(info.length, 40);
    head.writeUInt16LE(info.length, 42);
    head.writeUInt32LE(56 + targetName.length, 44);
    head[48] = major;
    head[49] = minor;
    head.writeUInt16LE(build, 50);
    head[55] = 15;
    return Buffer.concat([head, targetName, info]);
  }

  /** An SMB2 header for a response to `req`. */
  function header(req: Buffer, command: number, status: number, sessionId: bigint): Buffer {
    const h = Buffer.alloc(64);
    h.writeUInt32BE(0xfe534d42, 0);
    h.writeUInt16LE(64, 4);
    h.writeUInt32LE(status, 8);
    h.writeUInt16LE(command, 12);
    h.writeUInt16LE(Math.max(1, req.length >= 64 ? req.readUInt16LE(18) : 1), 14); // credits granted
    h.writeUInt32LE(1, 16); // SERVER_TO_REDIR
    if (req.length >= 64) req.copy(h, 24, 24, 32); // message id
    h.writeBigUInt64LE(sessionId, 40);
    return h;
  }

  function negotiateResponse(req: Buffer, dialect: number): Buffer {
    const token = negTokenInit();
    const body = Buffer.alloc(64);
    body.writeUInt16LE(65, 0);
    body.writeUInt16LE(1, 2); // signing enabled
    body.writeUInt16LE(dialect, 4);
    serverGuid.copy(body, 8);
    body.writeUInt32LE(0x7, 24); // DFS, leasing, large MTU
    body.writeUInt32LE(8 * 1024 * 1024, 28);
    body.writeUInt32LE(8 * 1024 * 1024, 32);
    body.writeUInt32LE(8 * 1024 * 1024, 36);
    filetime().copy(body, 40);
    body.writeUInt16LE(128, 56);
    body.writeUInt16LE(token.length, 58);
    return Buffer.concat([header(req, 0, STATUS.ok, 0n), body, token]);
  }

  function sessionSetupResponse(req: Buffer, status: number, sessionId: bigint, token: Buffer): Buffer {
    const body = Buffer.alloc(8);
    body.writeUInt16LE(9, 0);
    body.writeUInt16LE(token.length ? 72 : 0, 4);
    body.writeUInt16LE(token.length, 6);
    return Buffer.concat([header(req, 1, status, sessionId), body, token]);
  }

  const frame = (msg: Buffer) => {
    const h = Buffer.alloc(4);
    h.writeUInt32BE(msg.length);
    return Buffer.concat([h, msg]);
  };

  function onMessage(
    msg: Buffer,
    socket: import('node:net').Socket,
    session: SensorSession,
    state: { sessionId: bigint; dialect?: string },
  ): void {
    if (msg.length >= 4 && msg.readUInt32BE(0) === 0xff534d42) {
      // SMB1 NEGOTIATE from a client that also speaks SMB2: answer with SMB2 "wildcard" 0x02FF.
      const dialects = msg
        .subarray(35)
        .toString('latin1')
        .split('\x02')
        .map((d) => d.replace(/\0/g, ''))
        .filter(Boolean);
      session.record('request', { summary: `SMB1 NEGOTIATE ${dialects.join(',')}`.slice(0, 300), info: { dialects } });
      if (!dialects.some((d) => d.startsWith('SMB 2'))) {
        session.reject('SMB1-only client (SMB1 is not offered)');
        return;
      }
      socket.write(frame(negotiateResponse(Buffer.alloc(0), 0x02ff)));
      return;
    }
    if (msg.length < 64 || msg.readUInt32BE(0) !== 0xfe534d42) {
      session.reject('not an SMB2 message');
      return;
    }
    const command = msg.readUInt16LE(12);
    const body = msg.subarray(64);
    if (command === 0) {
      if (body.length < 36) {
        session.reject('truncated SMB2 NEGOTIATE');
        return;
      }
      const count = body.readUInt16LE(2);
      if (36 + count * 2 > body.length) {
        session.reject('SMB2 NEGOTIATE dialect list beyond the message');
        return;
      }
      const offered = Array.from({ length: count }, (_, k) => body.readUInt16LE(36 + k * 2));
      const clientGuid = body.subarray(12, 28).toString('hex');
      const pick = [0x0302, 0x0300, 0x0210, 0x0202].find((d) => offered.includes(d));
      session.record('request', {
        summary: `SMB2 NEGOTIATE ${offered.map((d) => `0x${d.toString(16).padStart(4, '0')}`).join(',')}`,
        info: { dialects: offered.map((d) => DIALECTS[d] ?? d), clientGuid },
      });
      if (!pick) {
        session.reject('no SMB2 dialect in common');
        return;
      }
      state.dialect = DIALECTS[pick];
      socket.write(frame(negotiateResponse(msg, pick)));
      return;
    }
    if (command === 1) {
      if (body.length < 24) {
        session.reject('truncated SMB2 SESSION_SETUP');
        return;
      }
      const off = body.readUInt16LE(12);
      const len = body.readUInt16LE(14);
      const blob = msg.subarray(off, off + len);
      if (blob.length < len) {
        session.reject('SESSION_SETUP security buffer beyond the message');
        return;
      }
      const ntlm = ntlmFromBlob(blob);
      if (!ntlm || ntlm.length < 12) {
        session.reject('no NTLMSSP message in SESSION_SETUP');
        return;
      }
      const type = ntlm.readUInt32LE(8);
      if (type === 1) {
        state.sessionId = BigInt(`0x${randomBytes(8).toString('hex')}`) & 0x7fffffffffffffffn;
        const spnego = !blob.subarray(0, 8).equals(SIGNATURE);
        const c = challenge();
        socket.write(
          frame(sessionSetupResponse(msg, STATUS.moreProcessing, state.sessionId, spnego ? negTokenResp(c) : c)),
        );
        return;
      }
      if (type === 3) {
        const auth = parseAuthenticate(ntlm);
        if (!auth) {
          session.reject('unreadable NTLM AUTHENTICATE');
          return;
        }
        const who =
          auth.ntlm === 'anonymous' && !auth.user
            ? '(anonymous)'
            : `${auth.domain ? `${auth.domain}\\` : ''}${auth.user}`;
        session.record('login', {
          username: who,
          success: false,
          summary: `${who}@${auth.workstation || '?'}`,
          info: {
            user: auth.user,
            domain: auth.domain,
            workstation: auth.workstation,
            ntlm: auth.ntlm,
            ntResponseLength: auth.ntLength,
            dialect: state.dialect,
          },
        });
        socket.write(frame(sessionSetupResponse(msg, STATUS.logonFailure, state.sessionId, Buffer.alloc(0))));
        return;
      }
      session.reject(`unexpected NTLM message type ${type}`);
      return;
    }
    // Anything after a failed logon (or before one): not supported, then close.
    session.record('request', { summary: `SMB2 command 0x${command.toString(16)} refused` });
    socket.end(frame(sessionSetupResponse(msg, STATUS.notSupported, state.sessionId, Buffer.alloc(0))));
  }

  return {
    handle(socket, session) {
      let buf = Buffer.alloc(0);
      const state = { sessionId: 0n } as { sessionId: bigint; dialect?: string };
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 4) {
          if (buf[0] !== 0) return session.reject('not a NetBIOS session message');
          const len = buf.readUInt32BE(0) & 0xffffff;
          if (len > MAX_MESSAGE) return session.reject(`SMB message larger than ${MAX_MESSAGE} bytes`);
          if (buf.length < 4 + len) return;
          const msg = buf.subarray(4, 4 + len);
          buf = buf.subarray(4 + len);
          try {
            onMessage(msg, socket, session, state);
          } catch (err) {
            return session.reject(`unreadable SMB message: ${(err as Error).message}`);
          }
          if (socket.destroyed) return;
        }
      });
    },
  };
};
