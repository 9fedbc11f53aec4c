/**
 * Decoy-server sensor under load (issue 5): hydra brute-forcing the SSH, FTP and HTTPS logins at
 * once — every attempt must be recorded in the outbox, none lost, and the sensor must keep
 * answering (a probe connection every 100 ms) — then 10,000 concurrent idle connections spread over
 * the personas, with the sensor's RSS. Targets: ≥ 1,000 login attempts/s recorded; RSS < 500 MB.
 *
 *   npm run bench -- sensor-load
 */
import { type ChildProcess, execFile, fork } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { log, machine, onCleanup, round, runBench, sleep, tempDir } from './lib.ts';

const run = promisify(execFile);
const KINDS = ['ssh', 'telnet', 'ftp', 'emr_web', 'sslvpn_forti', 'tcp', 'smb', 'mysql'] as const;
type Stats = {
  connections: number;
  recorded: number;
  logins: Record<string, number>;
  shed: number;
  rssMb: number;
  heapMb: number;
};

function ask(child: ChildProcess): Promise<Stats> {
  return new Promise((resolve) => {
    const on = (m: { stats?: Stats }) => {
      if (!m.stats) return;
      child.off('message', on);
      resolve(m.stats);
    };
    child.on('message', on);
    child.send({ cmd: 'stats' });
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

/** Connects, waits for the first byte (or 2 s), closes; returns ms. */
function probe(port: number): Promise<number> {
  const t = performance.now();
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = () => {
      s.destroy();
      resolve(performance.now() - t);
    };
    s.once('connect', done);
    s.on('error', done);
    s.setTimeout(2000, done);
  });
}

await runBench('sensor-load', 10 * 60_000, async () => {
  const dir = tempDir('sensor');
  const child = fork(path.join(import.meta.dirname, 'sensor-child.ts'), [dir, KINDS.join(',')], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  onCleanup(async () => {
    child.kill('SIGKILL');
  });
  const ports = await new Promise<Record<string, number>>((resolve) =>
    child.on('message', (m: { ports?: Record<string, number> }) => m.ports && resolve(m.ports)),
  );
  await sleep(500);
  const base = await ask(child);
  log(`sensor up: ${JSON.stringify(ports)}; RSS ${base.rssMb} MB`);

  // --- Phase 1: brute force on three personas at once.
  const users = Array.from({ length: 8 }, (_, k) => `user${k}`);
  const words = Array.from({ length: 250 }, (_, k) => `Passw0rd${k}`);
  fs.writeFileSync(path.join(dir, 'users.txt'), `${users.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'words.txt'), `${words.join('\n')}\n`);
  const sshWords = words.slice(0, 40);
  fs.writeFileSync(path.join(dir, 'ssh-words.txt'), `${sshWords.join('\n')}\n`);
  const planned = {
    ftp: users.length * words.length,
    emr_web: users.length * words.length,
    ssh: users.length * sshWords.length,
  };
  const hydra = (args: string[]) =>
    run('hydra', ['-I', '-L', path.join(dir, 'users.txt'), ...args], { timeout: 300_000, maxBuffer: 64 << 20 }).catch(
      (err: { stdout?: string; stderr?: string }) => {
        log(`hydra ${args.at(-1)} ended: ${String(err.stderr ?? '').slice(0, 300)}`);
        return err;
      },
    );
  const probes: number[] = [];
  let loading = true;
  const prober = (async () => {
    while (loading) {
      probes.push(await probe(ports.tcp as number));
      await sleep(100);
    }
  })();
  const t0 = performance.now();
  await Promise.all([
    hydra(['-P', path.join(dir, 'words.txt'), '-t', '32', '-s', String(ports.ftp), '127.0.0.1', 'ftp']),
    hydra([
      '-P',
      path.join(dir, 'words.txt'),
      '-t',
      '32',
      '-s',
      String(ports.emr_web),
      '127.0.0.1',
      'https-post-form',
      process.env.BENCH_EMR_FORM ?? '/login:userid=^USER^&password=^PASS^:F=ログインできません',
    ]),
    hydra(['-P', path.join(dir, 'ssh-words.txt'), '-t', '16', '-s', String(ports.ssh), '127.0.0.1', 'ssh']),
  ]);
  const seconds = (performance.now() - t0) / 1000;
  loading = false;
  await prober;
  const after = await ask(child);
  const recordedLogins = Object.values(after.logins).reduce((a, b) => a + b, 0);
  const plannedTotal = planned.ftp + planned.emr_web + planned.ssh;
  log(`brute force: ${recordedLogins} logins recorded (${plannedTotal} planned) in ${round(seconds)} s`);

  // --- Phase 1b: the sensor's own ceiling, with a client cheaper than hydra: 64 kept-alive HTTPS
  // connections posting logins to the EMR and VPN portals for 10 s (no handshake per attempt).
  const agent = new https.Agent({ keepAlive: true, maxSockets: 64, rejectUnauthorized: false });
  onCleanup(() => agent.destroy());
  let sent = 0;
  let answered = 0;
  const stopAt = performance.now() + 10_000;
  const post = (port: number, pathName: string, body: string) =>
    new Promise<void>((resolve) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: pathName,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            answered++;
            resolve();
          });
        },
      );
      req.on('error', () => resolve());
      req.end(body);
    });
  const worker = async (k: number) => {
    while (performance.now() < stopAt) {
      sent++;
      if (k % 2) await post(ports.emr_web as number, '/login', `userid=user${k}&password=Pw${sent}`);
      else
        await post(ports.sslvpn_forti as number, '/remote/logincheck', `username=user${k}&credential=Pw${sent}&ajax=1`);
    }
  };
  const before = await ask(child);
  const t1 = performance.now();
  await Promise.all(Array.from({ length: 64 }, (_, k) => worker(k)));
  const secondsB = (performance.now() - t1) / 1000;
  await sleep(500);
  const afterB = await ask(child);
  const countLogins = (st: Stats) => Object.values(st.logins).reduce((a, b) => a + b, 0);
  const recordedB = countLogins(afterB) - countLogins(before);
  log(`keep-alive HTTPS: ${sent} sent, ${answered} answered, ${recordedB} recorded in ${round(secondsB)} s`);
  agent.destroy();

  // --- Phase 2: 10,000 idle connections across the personas.
  const idleKinds = ['ssh', 'telnet', 'ftp', 'emr_web', 'tcp', 'smb', 'mysql'] as const;
  const sockets: net.Socket[] = [];
  onCleanup(() => {
    for (const s of sockets) s.destroy();
  });
  const target = Number(process.env.BENCH_IDLE ?? 10_000);
  for (let k = 0; k < target; k++) {
    const port = ports[idleKinds[k % idleKinds.length] as string] as number;
    await new Promise<void>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve());
      s.on('error', () => resolve());
      s.resume();
      sockets.push(s);
    });
    if (k % 2000 === 1999) log(`${k + 1} idle connections`);
  }
  await sleep(3000);
  const idle = await ask(child);
  const responsive = await probe(ports.tcp as number);
  log(`idle: ${idle.connections} open, RSS ${idle.rssMb} MB`);
  for (const s of sockets) s.destroy();
  return {
    machine: machine(),
    bruteForce: {
      planned,
      recordedByPersona: after.logins,
      recorded: recordedLogins,
      none_lost: recordedLogins >= plannedTotal,
      seconds: round(seconds),
      attemptsPerSecond: round(recordedLogins / seconds),
      target: 1000,
      probeMs: { p50: round(pct(probes, 50)), p99: round(pct(probes, 99)), max: round(Math.max(...probes)) },
      shed: after.shed,
      rssMbAfter: after.rssMb,
    },
    keepAliveHttps: {
      sent,
      answered,
      recorded: recordedB,
      none_lost: recordedB === answered,
      seconds: round(secondsB),
      attemptsPerSecond: round(recordedB / secondsB),
      target: 1000,
      cpuNote: 'load generator and sensor share the 2 cores',
    },
    idle: {
      connections: idle.connections,
      rssMb: idle.rssMb,
      heapMb: idle.heapMb,
      baseRssMb: base.rssMb,
      targetRssMb: 500,
      probeWhileIdleMs: round(responsive),
    },
  };
});
