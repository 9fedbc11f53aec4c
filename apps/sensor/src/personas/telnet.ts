// Telnet persona: a `login:` prompt like in.telnetd + login(1) on the fake host, recording each
// credential; an accepted login gets the fake shell. The protocol part is the few Telnet commands
// (RFC 854/857/858) every client and bot sends, handled here because the npm Telnet packages are
// clients or unmaintained, and a honeypot only needs to strip and refuse options safely.
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { PersonaContext, PersonaFactory, SensorSession } from '../core/persona.ts';
import {
  attachShell,
  createLineEditor,
  createShell,
  hostProfile,
  type LineEditor,
  prettyName,
  toTerminal,
} from './shell.ts';

const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const SE = 240;
const IP = 244;
const AYT = 246;
const OPT_ECHO = 1;
const OPT_SGA = 3;

/** Failed logins before the connection is closed (login(1) gives a few tries). */
export const TELNET_MAX_ATTEMPTS = 3;
/** Pause after a failed login, like pam_faildelay (an instant answer is a honeypot tell). */
const FAIL_DELAY_MS = 1000;
/** login(1)'s timeout for the whole prompt. */
const LOGIN_TIMEOUT_MS = 60_000;
/** Bytes of one login/password line before the input counts as garbage. */
const MAX_LOGIN_LINE = 1024;
/** Control bytes at the login prompt before the input counts as binary garbage. */
const MAX_LOGIN_CONTROL_BYTES = 8;
/** Longest subnegotiation (IAC SB … IAC SE) accepted; real ones are a few bytes. */
const MAX_SUBNEGOTIATION = 512;

/** The Telnet persona. */
export const telnetPersona: PersonaFactory = (ctx) => ({
  handle(socket, session) {
    serveTelnet(ctx, socket, session);
  },
});

type Phase = 'user' | 'password' | 'wait' | 'shell';

function serveTelnet(ctx: PersonaContext, socket: Socket, session: SensorSession): void {
  const profile = hostProfile(ctx.identity);
  let phase: Phase = 'user';
  let username = '';
  let attempts = 0;
  let clientEchoAgreed = false;
  let lineBytes = 0;
  let controlBytes = 0;
  const queued: string[] = [];
  const answered = new Set<string>();
  const decoder = new StringDecoder('utf8');

  const alive = () => !socket.destroyed && socket.writable;
  const sendRaw = (bytes: number[]) => {
    if (alive()) socket.write(Buffer.from(bytes));
  };
  /** Text to the client; a 0xFF byte must be doubled on the wire. */
  const send = (text: string) => {
    if (!alive() || !text) return;
    const b = Buffer.from(text, 'utf8');
    socket.write(b.includes(IAC) ? Buffer.from([...b].flatMap((c) => (c === IAC ? [IAC, IAC] : [c]))) : b);
  };
  const answerOnce = (verb: number, opt: number) => {
    const key = `${verb}:${opt}`;
    if (answered.has(key)) return;
    answered.add(key);
    sendRaw([IAC, verb, opt]);
  };

  const banner =
    profile.family === 'rhel'
      ? `${prettyName(profile)}\r\nKernel ${profile.kernel} on an x86_64\r\n`
      : `${profile.distro}\r\n`;
  const loginPrompt = () => send(`${profile.hostname} login: `);

  const loginTimer = setTimeout(() => {
    if (phase === 'shell') return;
    send(`\r\nLogin timed out after ${LOGIN_TIMEOUT_MS / 1000} seconds.\r\n`);
    socket.end();
  }, LOGIN_TIMEOUT_MS);
  loginTimer.unref();
  socket.once('close', () => clearTimeout(loginTimer));

  let shellInput: ((text: string) => void) | undefined;

  const onLoginLine = (line: string) => {
    if (phase === 'shell') {
      // The rest of a chunk that carried the password and the first commands.
      shellInput?.(`${line}\r`);
      return;
    }
    if (phase === 'wait') {
      // Typed during the failure pause: a terminal keeps it for the next prompt.
      if (queued.length < 4) queued.push(line);
      return;
    }
    if (phase === 'user') {
      if (!line.trim()) return loginPrompt();
      if (/^(GET|POST|HEAD|OPTIONS|PUT|CONNECT) \S+ HTTP\/\d/.test(line)) {
        return session.reject('HTTP request on the telnet port', { line: line.slice(0, 200) });
      }
      username = line.trim();
      phase = 'password';
      editor.echo = false;
      send('Password: ');
      return;
    }
    if (phase !== 'password') return;
    const password = line;
    const ok = ctx.accepts(username, password);
    session.record('login', { username, password, success: ok, summary: 'telnet login' });
    send('\r\n');
    if (ok) return startShell();
    attempts++;
    phase = 'wait';
    const timer = setTimeout(() => {
      if (!alive()) return;
      send('\r\nLogin incorrect\r\n');
      if (attempts >= TELNET_MAX_ATTEMPTS) {
        socket.end();
        return;
      }
      phase = 'user';
      editor.echo = clientEchoAgreed;
      loginPrompt();
      for (const q of queued.splice(0)) onLoginLine(q);
    }, FAIL_DELAY_MS);
    timer.unref();
  };

  const editor: LineEditor = createLineEditor({
    echo: false,
    write: send,
    onLine: onLoginLine,
    onInterrupt: () => {
      if (phase === 'user' || phase === 'password') {
        phase = 'user';
        editor.echo = clientEchoAgreed;
        send('\r\n');
        loginPrompt();
      }
    },
    onEof: () => socket.end(),
    maxLine: MAX_LOGIN_LINE,
  });

  const startShell = () => {
    phase = 'shell';
    clearTimeout(loginTimer);
    const shell = createShell({
      identity: ctx.identity,
      session,
      username,
      accepts: ctx.accepts,
      tty: true,
      via: 'telnet',
    });
    send(toTerminal(shell.motd()));
    const term = attachShell({
      shell,
      tty: true,
      echo: clientEchoAgreed,
      write: (text) => send(text),
      end: () => socket.end(),
    });
    shellInput = (text) => term.feed(text);
  };

  /** Text bytes (IAC stripped) in arrival order. */
  const onText = (bytes: Buffer) => {
    if (phase !== 'shell') {
      for (const c of bytes) {
        if (c === 0x0d || c === 0x0a) lineBytes = 0;
        else if (++lineBytes > MAX_LOGIN_LINE) return session.reject('oversized line at the telnet login prompt');
        if (
          c < 0x20 &&
          ![0x00, 0x03, 0x04, 0x08, 0x09, 0x0a, 0x0d, 0x15, 0x1b].includes(c) &&
          ++controlBytes > MAX_LOGIN_CONTROL_BYTES
        ) {
          return session.reject('binary data at the telnet login prompt');
        }
      }
    }
    const text = decoder.write(bytes);
    if (!text) return;
    if (phase === 'shell' && shellInput) shellInput(text);
    else editor.feed(text);
  };

  const onNegotiation = (verb: number, opt: number) => {
    if (verb === DO) {
      if (opt === OPT_ECHO) {
        clientEchoAgreed = true;
        if (phase === 'user') editor.echo = true;
      } else if (opt !== OPT_SGA) answerOnce(WONT, opt);
    } else if (verb === DONT) {
      if (opt === OPT_ECHO) {
        clientEchoAgreed = false;
        editor.echo = false;
      }
    } else if (verb === WILL) {
      // We ask the client for nothing (terminal type, window size, environment): refuse politely.
      if (opt !== OPT_SGA) answerOnce(DONT, opt);
    }
  };

  // IAC parser state.
  type State = 'data' | 'iac' | 'verb' | 'sb' | 'sb-iac';
  let state: State = 'data';
  let verb = 0;
  let sbLength = 0;
  socket.on('data', (chunk: Buffer) => {
    try {
      let run = -1; // start of the current run of text bytes
      const flush = (end: number) => {
        if (run >= 0 && end > run) onText(chunk.subarray(run, end));
        run = -1;
      };
      for (let i = 0; i < chunk.length && !socket.destroyed; i++) {
        const c = chunk[i] as number;
        switch (state) {
          case 'data':
            if (c === IAC) {
              flush(i);
              state = 'iac';
            } else if (run < 0) run = i;
            break;
          case 'iac':
            state = 'data';
            if (c === IAC)
              onText(Buffer.from([IAC])); // an escaped 0xFF data byte
            else if (c >= WILL && c <= DONT) {
              verb = c;
              state = 'verb';
            } else if (c === SB) {
              sbLength = 0;
              state = 'sb';
            } else if (c === IP) onText(Buffer.from([0x03]));
            else if (c === AYT) send('\r\n[Yes]\r\n');
            break;
          case 'verb':
            onNegotiation(verb, c);
            state = 'data';
            break;
          case 'sb':
          case 'sb-iac':
            if (++sbLength > MAX_SUBNEGOTIATION) return session.reject('telnet subnegotiation too long');
            if (state === 'sb-iac') state = c === SE ? 'data' : 'sb';
            else if (c === IAC) state = 'sb-iac';
            break;
        }
      }
      if (!socket.destroyed) flush(chunk.length);
    } catch (err) {
      ctx.log.error({ err: (err as Error).message }, 'telnet persona failed on input');
      session.reject('internal error in the telnet persona');
    }
  });
  socket.on('end', () => socket.end());

  // Offer to echo and to suppress go-ahead, as in.telnetd does, so clients switch to character mode.
  sendRaw([IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA]);
  send(`\r\n${banner}\r\n`);
  loginPrompt();
}
