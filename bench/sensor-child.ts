/**
 * A sensor without a platform, for bench/sensor-load.ts: the real listeners, personas and recorder
 * writing to a real outbox (fsync'd files) in `dir`. Reads its configuration from argv, reports
 * its bound ports over IPC, answers `stats` with memory and the outbox size.
 */
import { Outbox } from '@mamori/agent';
import { type PersonaKind, SensorLimitsSchema } from '@mamori/contracts';
import { pino } from 'pino';
import { createIdentity } from '../apps/sensor/src/core/identity.ts';
import { SensorListeners } from '../apps/sensor/src/core/listeners.ts';
import { Recorder } from '../apps/sensor/src/core/recorder.ts';
import { PERSONAS } from '../apps/sensor/src/personas/index.ts';

const [dir, kindsArg] = process.argv.slice(2);
if (!dir || !kindsArg) throw new Error('usage: sensor-child.ts <dir> <kind,kind,…>');
const log = pino({ level: 'warn' });
const outbox = new Outbox(`${dir}/outbox`, { logger: log, maxFiles: 2_000_000, maxBytes: 8 * 1024 ** 3 });
let recorded = 0;
const logins = new Map<string, number>();
const recorder = new Recorder({
  agentId: '00000000-0000-4000-8000-000000000000',
  log,
  write: async (events) => {
    await outbox.enqueueMany(events);
    recorded += events.length;
    for (const e of events)
      if (e.kind === 'sensor.login')
        logins.set(
          String((e.details as { persona: string }).persona),
          (logins.get(String((e.details as { persona: string }).persona)) ?? 0) + 1,
        );
  },
});
const limits = SensorLimitsSchema.parse({
  maxConnections: 30_000,
  maxPerSource: 30_000,
  idleSeconds: 600,
  scanPorts: 1000,
});
const listeners = new SensorListeners('127.0.0.1', limits, recorder.record, log);
const identity = createIdentity('5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e', dir);
const ports: Record<string, number> = {};
for (const kind of kindsArg.split(',') as PersonaKind[]) {
  const factory = PERSONAS[kind];
  if (!factory) throw new Error(`persona ${kind} is not in this sensor version`);
  const handler = await factory({
    kind,
    port: 0,
    identity,
    limits,
    accepts: (u, p) => u === 'admin' && p === 'admin',
    rng: identity.rng(`persona:${kind}`),
    log,
  });
  ports[kind] = await listeners.add({ kind, port: 0, handler });
}
process.send?.({ ports });
process.on('message', async (m: { cmd: string }) => {
  if (m.cmd === 'stats') {
    await recorder.flush();
    process.send?.({
      stats: {
        connections: listeners.connections,
        recorded,
        logins: Object.fromEntries(logins),
        shed: recorder.shed,
        rssMb: Math.round(process.memoryUsage().rss / 1048576),
        heapMb: Math.round(process.memoryUsage().heapUsed / 1048576),
      },
    });
  }
  if (m.cmd === 'stop') {
    await listeners.close();
    await recorder.flush();
    process.exit(0);
  }
});
