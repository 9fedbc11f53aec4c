// RDP (port 3389): the first message of every Remote Desktop client is a TPKT + X.224 Connection
// Request carrying the user name cookie (`Cookie: mstshash=<user>`) and the protocols it asks for.
// The sensor records both, answers with an X.224 Connection Confirm (so scanners see Remote Desktop)
// and ends the connection politely. Written here: it is one fixed-layout message each way.
import type { PersonaFactory } from '../core/persona.ts';

const PROTOCOLS: Record<number, string> = { 1: 'TLS', 2: 'CredSSP', 4: 'RDSTLS', 8: 'CredSSP-EarlyAuth' };

/** Reads an X.224 Connection Request; undefined when it is not one. */
export function parseConnectionRequest(
  b: Buffer,
): { cookie?: string; routingToken?: string; requestedProtocols?: number } | undefined {
  if (b.length < 11 || b[0] !== 3 || b[1] !== 0) return undefined;
  const len = b.readUInt16BE(2);
  if (len < 11 || len > b.length) return undefined;
  const li = b[4] as number;
  if (((b[5] as number) & 0xf0) !== 0xe0 || 5 + li > len) return undefined;
  let rest = b.subarray(11, 5 + li);
  const out: { cookie?: string; routingToken?: string; requestedProtocols?: number } = {};
  const crlf = rest.indexOf('\r\n');
  if (crlf >= 0) {
    const line = rest.subarray(0, crlf).toString('latin1');
    const m = /^Cookie: mstshash=(.*)$/.exec(line);
    if (m) out.cookie = m[1];
    else out.routingToken = line.slice(0, 200);
    rest = rest.subarray(crlf + 2);
  }
  if (rest.length >= 8 && rest[0] === 0x01) out.requestedProtocols = rest.readUInt32LE(4);
  return out;
}

export const rdpPersona: PersonaFactory = () => ({
  handle(socket, session) {
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4) return;
      if (buf[0] !== 3) return session.reject('not TPKT');
      const len = buf.readUInt16BE(2);
      if (len > 4096) return session.reject('TPKT longer than a connection request');
      if (buf.length < len) return;
      const cr = parseConnectionRequest(buf.subarray(0, len));
      if (!cr) return session.reject('not an X.224 connection request');
      const requested = cr.requestedProtocols ?? 0;
      const names = Object.entries(PROTOCOLS)
        .filter(([bit]) => requested & Number(bit))
        .map(([, n]) => n);
      session.record('request', {
        username: cr.cookie,
        summary: `RDP connection request${cr.cookie ? ` (mstshash=${cr.cookie})` : ''}`,
        info: { requestedProtocols: names.length ? names : ['RDP'], routingToken: cr.routingToken },
      });
      if (cr.cookie) session.record('login', { username: cr.cookie, success: false, summary: 'RDP user name cookie' });
      // Connection Confirm as Windows sends it: with RDP_NEG_RSP choosing CredSSP when offered (else
      // TLS, else standard RDP security), or the short form when the client sent no negotiation
      // request; then the connection ends (no TLS or CredSSP is served).
      const selected = requested & 2 ? 2 : requested & 1 ? 1 : 0;
      const cc =
        cr.requestedProtocols === undefined
          ? Buffer.from([3, 0, 0, 11, 6, 0xd0, 0, 0, 0x12, 0x34, 0])
          : Buffer.from([3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0x1f, 8, 0, 0, 0, 0, 0]);
      if (cc.length === 19) cc.writeUInt32LE(selected, 15);
      socket.end(cc);
      buf = Buffer.alloc(0);
    });
  },
});
