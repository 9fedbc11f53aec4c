import { spawn } from 'node:child_process';
import type { BigIntStats, Stats } from 'node:fs';
import { lstat, readdir, realpath, rmdir, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  type AgentDecoyPolicy,
  type AgentIsolation,
  type DecoyInventoryReport,
  decoyDirectoryProblem,
  newBeaconToken,
  normaliseDirectory,
} from '@mamori/contracts';
import type { Logger } from '../log.ts';
import type { NewEvent } from '../outbox.ts';
import { ensurePrivateDir } from '../state.ts';
import {
  type FanEvent,
  FanotifyUnavailable,
  type FanWatcher,
  locateFanotifyHelper,
  watchWithFanotify,
} from './fanotify.ts';
import { type IsolationCommands, isolationCommands, type PlatformEndpoint, runCommands } from './isolation.ts';
import { type DecoyIntent, type DecoyManifest, type DecoyRecord, loadManifest, saveManifest } from './manifest.ts';
import {
  type EntropyFn,
  type ExistingEntry,
  type PlannedFile,
  type Planner,
  shannonEntropy,
  workerPlanner,
} from './planner.ts';
import { describeProcess, readIoCounters, type Suspect, scanOpenFiles, startTicksOf, userName } from './proc.ts';
import { defaultDecoyRoots } from './roots.ts';
import { createExclusiveBeneath, openRegularNoFollow, readRegularNoFollow, sha256 } from './safe-fs.ts';
import {
  DEFAULT_TREE_THRESHOLDS,
  looksLikeNoteName,
  noteScore,
  TreeCounters,
  type TreeFinding,
  type TreeThresholds,
} from './signals.ts';
import {
  findInotifywait,
  nowMs,
  type TreeWatcher,
  type WatchEvent,
  watchWithFsWatch,
  watchWithInotify,
} from './watch.ts';

/** Collaborators and settings of the decoy runtime. */
export interface DecoyRuntimeOptions {
  /** The agent's state directory; the manifest is `<stateDir>/decoys.json`, the isolation override `isolation.json`. */
  stateDir: string;
  logger: Logger;
  /** Enqueues an event into the outbox (the sender wakes at once). */
  emit: (e: NewEvent) => Promise<void>;
  /** Sends the full decoy inventory to the server. */
  report: (r: DecoyInventoryReport) => Promise<void>;
  /** Roots decoys may be planted under (default: `MAMORI_AGENT_DECOY_ROOTS` or the OS defaults, see roots.ts). */
  allowedRoots?: string[];
  /** Integrity sweep period (default 5 minutes; also once at start). */
  sweepMs?: number;
  /** The platform server URL, kept reachable by the isolation presets. */
  serverUrl?: string;
  /**
   * Which watcher to use. `auto` (default): on Linux as root the fanotify helper for the decoys (names the process,
   * and blocks and kills on the kernel's permission check) plus inotifywait (else fs.watch) for the trees; without
   * fanotify, inotifywait when installed, else fs.watch. `fanotify`: the same, for tests. `inotify`, `fs.watch`:
   * only that one.
   */
  watcher?: 'auto' | 'fanotify' | 'inotify' | 'fs.watch';
  /** How long to keep looking for the process behind a decoy signal, after the latest one (default 400 ms). */
  identifyWindowMs?: number;
  /** Without the kill response: how long the detection event waits for the process's name before it is queued without (default 50 ms). */
  identifyWaitMs?: number;
  /** Tree heuristics thresholds (defaults in signals.ts). */
  thresholds?: Partial<TreeThresholds>;
  /** The decoy planner and entropy function (default: @mamori/decoys in a worker thread, see workerPlanner()). */
  planner?: { planDecoys: Planner; shannonEntropy: EntropyFn };
  /** Host name used in dedup keys (default os.hostname()). */
  hostname?: string;
}

type DecoyKindEvent = 'decoy.modified' | 'decoy.deleted' | 'decoy.renamed' | 'decoy.read' | 'decoy.attrib';

const TITLES: Record<DecoyKindEvent | 'decoy.integrity', (file: string) => string> = {
  'decoy.modified': (f) => `おとりファイルが変更されました（ランサムウェアの疑い）: ${f}`,
  'decoy.deleted': (f) => `おとりファイルが削除されました（ランサムウェアの疑い）: ${f}`,
  'decoy.renamed': (f) => `おとりファイルの名前が変えられました（ランサムウェアの疑い）: ${f}`,
  'decoy.read': (f) => `おとりファイルが開かれました（不審なアクセス）: ${f}`,
  'decoy.attrib': (f) => `おとりファイルの属性が変えられました（不審な操作）: ${f}`,
  'decoy.integrity': (f) => `おとりファイルの中身が変わっています（定期点検で発見）: ${f}`,
};

const WHAT_TO_DO_ATTACK =
  'この端末でランサムウェアが動いている可能性があります。電源は切らずに、LANケーブルを抜くかWi-Fiを切って、' +
  'すぐにシステム担当者（SOC）に連絡してください。ファイルを開いたり消したりしないでください。';
const WHAT_TO_DO_READ =
  'おとりファイルは誰も使わないファイルです。開いた心当たりがなければ、LANケーブルを抜いて、すぐにシステム担当者（SOC）に連絡してください。';

/** Identical decoy signals (same file, same kind) within this time are counted, not re-sent. */
const THROTTLE_MS = 10_000;
/** Our own work on a decoy (hashing, planting) produces inotify events for a little while after it ends. */
const SELF_GRACE_MS = { read: 500, all: 250 };

interface Tree {
  dir: string;
  policyIds: string[];
}

interface SelfMark {
  until: number;
  /** 'read': only our reads are ignored (hashing); 'all': every event (planting, removing). */
  scope: 'read' | 'all';
}

/** What a kill is about: the policy, and the decoy touched (null for a tree heuristic). */
interface KillTarget {
  policyId: string;
  decoyPath: string | null;
  directory: string;
  reason: string;
}

interface Hunt {
  deadline: number;
  kill: boolean;
  /**
   * Whether a process found holding only ordinary files of the tree may be killed too (a decoy was changed, deleted
   * or renamed: ransomware at work); after a mere read only processes holding a decoy are killed.
   */
  killAny: boolean;
  found: Suspect[];
  decoyPath: string | null;
  detectedAt: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The agent's ransomware decoys: plants the files its policies ask for, watches them and their trees, reports
 * any touch as a critical event at once, kills the process behind it and isolates the host when the policy says
 * so, and checks every decoy's hash periodically. State survives restarts in `<stateDir>/decoys.json`.
 */
export class DecoyRuntime {
  #o: DecoyRuntimeOptions;
  #log: Logger;
  #roots: string[];
  #host: string;
  #platform: PlatformEndpoint | null;
  #thresholds: TreeThresholds;
  #manifest: DecoyManifest | undefined;
  #planner: { planDecoys: Planner; shannonEntropy: EntropyFn } | undefined;
  #policies = new Map<string, AgentDecoyPolicy>();
  #byPath = new Map<string, DecoyRecord>();
  #byInode = new Map<string, DecoyRecord>();
  #trees: Tree[] = [];
  #watcher: TreeWatcher | undefined;
  #watchKey = '';
  #fan: FanWatcher | undefined;
  #fanKey = '';
  /** Why fanotify is not used (not Linux, not root, no helper, kernel refused); undefined while it may be. */
  #fanUnavailable: string | undefined;
  #fanRetryAt = 0;
  #fanFailures = 0;
  /** The latest writer of files in the trees (fanotify), to name the process behind a tree heuristic. */
  #writers = new Map<string, { pid: number; start: string; at: number }>();
  #self = new Map<string, SelfMark>();
  #counters = new Map<string, TreeCounters>();
  #throttle = new Map<string, number>();
  #suppressed = new Map<string, number>();
  #notesSeen = new Set<string>();
  #hunt: Hunt | undefined;
  #killed = new Map<number, string>();
  #ownChildren = new Set<number>();
  #pending = new Set<Promise<unknown>>();
  #queue: Promise<unknown> = Promise.resolve();
  #sweepTimer: NodeJS.Timeout | undefined;
  #saveTimer: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #started = false;
  #stopped = false;
  #isolating = false;

  constructor(opts: DecoyRuntimeOptions) {
    this.#o = opts;
    this.#log = opts.logger.child({ module: 'decoys' });
    this.#roots = opts.allowedRoots ?? defaultDecoyRoots();
    this.#host = opts.hostname ?? os.hostname();
    this.#thresholds = { ...DEFAULT_TREE_THRESHOLDS, ...opts.thresholds };
    this.#planner = opts.planner;
    let platform: PlatformEndpoint | null = null;
    if (opts.serverUrl) {
      const u = new URL(opts.serverUrl);
      platform = { host: u.hostname, port: Number(u.port || (u.protocol === 'http:' ? 80 : 443)) };
    }
    this.#platform = platform;
  }

  /**
   * Brings the planted decoys in line with the policies (call on every heartbeat; cheap when nothing changed):
   * plants for new policies or revisions, removes what removed or replaced revisions planted, and (re)starts the
   * watcher. The first call loads the manifest and runs the start sweep, which reports changes made while the agent
   * was stopped. Resolves once the watches are in place.
   */
  apply(policies: AgentDecoyPolicy[]): Promise<void> {
    return this.#serial(async () => {
      if (this.#stopped) return;
      await this.#start();
      const m = this.#manifest!;
      for (const p of policies) this.#policies.set(p.id, p);
      for (const id of [...this.#policies.keys()]) if (!policies.some((p) => p.id === id)) this.#policies.delete(id);
      let changed = false;
      let planner = this.#planner;
      let worker: ReturnType<typeof workerPlanner> | undefined;
      // Kept in the manifest so that an agent starting offline acts on the last policies it knew.
      for (const p of policies)
        if (m.policies[p.id] && JSON.stringify(m.policies[p.id]!.policy) !== JSON.stringify(p)) {
          m.policies[p.id]!.policy = p;
          this.#saveSoon();
        }
      for (const id of Object.keys(m.policies)) {
        const wanted = this.#policies.get(id);
        if (!wanted || wanted.revision !== m.policies[id]!.revision) {
          await this.#removePolicy(id);
          changed = true;
        }
      }
      try {
        for (const p of policies) {
          if (m.policies[p.id]) continue;
          if (!planner) {
            worker = workerPlanner();
            planner = { planDecoys: worker.planDecoys, shannonEntropy };
          }
          await this.#plantPolicy(p, planner);
          changed = true;
        }
      } finally {
        await worker?.close();
      }
      this.#rebuildIndex();
      await this.#ensureWatcher();
      if (changed) {
        await saveManifest(this.#o.stateDir, m);
        await this.#report();
        // Let the watcher pass the echoes of our own planting, so decoys are fully armed when apply() resolves.
        await new Promise((r) => setTimeout(r, SELF_GRACE_MS.all));
      }
    });
  }

  /**
   * Loads the manifest, runs the start sweep and watches the decoys already planted, with the policies last
   * received (kept in the manifest): call once right after constructing, so an agent that starts while the
   * server is unreachable protects at once. apply() later brings everything in line with the server.
   */
  start(): Promise<void> {
    return this.#serial(async () => {
      if (this.#stopped) return;
      await this.#start();
      await this.#ensureWatcher();
    });
  }

  /** Reconciles the network isolation the SOC asked for; acts once per request id. */
  setIsolation(isolation: AgentIsolation | null): Promise<void> {
    return this.#serial(async () => {
      if (!isolation || this.#stopped) return;
      await this.#start();
      const m = this.#manifest!;
      if (m.isolation.requestId === isolation.requestId) return;
      const isolate = isolation.desired === 'isolated';
      m.isolation.requestId = isolation.requestId;
      await this.#runIsolation(isolate, { requestId: isolation.requestId, reason: 'soc' });
      await saveManifest(this.#o.stateDir, m);
      await this.#report();
    });
  }

  /** Hashes every decoy now and reports changes (runs at start and every `sweepMs`). */
  sweep(): Promise<void> {
    return this.#serial(async () => {
      await this.#start();
      await this.#sweep();
    });
  }

  /** The inventory as it would be reported now. */
  inventory(): DecoyInventoryReport {
    const m = this.#manifest;
    const problems = Object.entries(m?.policies ?? {}).flatMap(([policyId, p]) =>
      p.problems.map((x) => ({ policyId, directory: x.directory.slice(0, 1024), message: x.message.slice(0, 500) })),
    );
    return {
      decoys: (m?.decoys ?? []).slice(0, 20_000).map((d) => ({
        policyId: d.policyId,
        path: d.path,
        directory: d.directory,
        kind: d.kind,
        sha256: d.sha256,
        size: d.size,
        beaconToken: d.beaconToken,
      })),
      verifiedAt: m?.verifiedAt ?? new Date().toISOString(),
      problems: problems.slice(0, 500),
      isolated: m?.isolation.isolated ?? false,
    };
  }

  /** Which watcher reports decoy access: fanotify when its helper runs, else the tree watcher (null when none). */
  get watcherSource(): 'fanotify' | 'inotify' | 'fs.watch' | null {
    return this.#fan ? 'fanotify' : (this.#watcher?.source ?? null);
  }

  /** Pid of the fanotify helper while it runs. */
  get fanotifyPid(): number | undefined {
    return this.#fan?.pid;
  }

  /** The watcher over the trees (renames, deletions, notes, storms): inotify or fs.watch. */
  get treeWatcherSource(): 'inotify' | 'fs.watch' | null {
    return this.#watcher?.source ?? null;
  }

  /** Resolves when every event, kill and save started so far has finished (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
    await this.#queue.catch(() => {});
  }

  /** Stops watching and sweeping, and waits for pending work; the decoys stay in place. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweepTimer);
    clearTimeout(this.#restartTimer);
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#closeFan();
    await this.idle();
    if (this.#saveTimer) {
      clearTimeout(this.#saveTimer);
      this.#saveTimer = undefined;
      if (this.#manifest) await saveManifest(this.#o.stateDir, this.#manifest);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Start, planting and removal.

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  #track<T>(p: Promise<T>): void {
    const q = p.catch((err: unknown) => this.#log.error({ err: (err as Error).message }, 'decoy runtime task failed'));
    this.#pending.add(q);
    void q.finally(() => this.#pending.delete(q));
  }

  async #start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await ensurePrivateDir(this.#o.stateDir);
    this.#manifest = await loadManifest(this.#o.stateDir, (why) =>
      this.#log.error({ why }, 'the decoy manifest was unreadable; moved aside and starting empty'),
    );
    // The last policies received, until the server sends them again (offline start).
    await this.#recover();
    for (const [id, rec] of Object.entries(this.#manifest.policies))
      if (rec.policy && !this.#policies.has(id)) this.#policies.set(id, rec.policy);
    this.#rebuildIndex();
    // Changes made while the agent was stopped: the watcher could not see them.
    await this.#sweep();
    const every = this.#o.sweepMs ?? 300_000;
    this.#sweepTimer = setInterval(() => void this.sweep().catch(() => {}), every);
    this.#sweepTimer.unref();
  }

  /**
   * After a crash: removes files and folders planting had announced but not recorded (ours only: the planned
   * content, or shorter and written after the announcement), finishes interrupted removals, and removes what an
   * interrupted planting recorded so the next apply() plants that policy again.
   */
  async #recover(): Promise<void> {
    const m = this.#manifest!;
    const interrupted = Object.entries(m.policies).filter(([, r]) => r.planting || r.removing);
    if (!m.intents.length && !interrupted.length) return;
    const tracked = new Set(m.decoys.map((d) => d.path));
    let cleaned = 0;
    for (const i of m.intents) {
      if (tracked.has(i.path) || i.dir) continue;
      try {
        const fh = await openRegularNoFollow(i.path);
        let ours: boolean;
        let mine: BigIntStats;
        try {
          mine = await fh.stat({ bigint: true });
          const data = await fh.readFile();
          ours =
            sha256(data) === i.sha256 || (data.byteLength < i.size && Number(mine.mtimeMs) >= Date.parse(i.at) - 1000);
        } finally {
          await fh.close();
        }
        if (ours) {
          await unlinkIfSame(i.path, mine);
          cleaned++;
        }
      } catch {}
    }
    for (const i of [...m.intents].reverse()) if (i.dir) await rmdir(i.path).catch(() => {});
    m.intents = [];
    for (const [id, r] of interrupted) {
      this.#log.warn({ policyId: id, planting: r.planting ?? false }, 'finishing a decoy change interrupted by a stop');
      await this.#removePolicy(id);
    }
    if (cleaned) this.#log.warn({ cleaned }, 'removed decoys an interrupted planting had not recorded');
    await saveManifest(this.#o.stateDir, m);
  }

  #rebuildIndex(): void {
    const m = this.#manifest!;
    this.#byPath = new Map(m.decoys.map((d) => [d.path, d]));
    this.#byInode = new Map(m.decoys.flatMap((d) => (d.inode ? [[d.inode, d] as const] : [])));
    const trees = new Map<string, string[]>();
    for (const d of m.decoys) {
      const ids = trees.get(d.directory) ?? [];
      if (!ids.includes(d.policyId)) ids.push(d.policyId);
      trees.set(d.directory, ids);
    }
    this.#trees = [...trees]
      .map(([dir, policyIds]) => ({ dir, policyIds }))
      .sort((a, b) => b.dir.length - a.dir.length);
  }

  #markSelf(file: string, scope: SelfMark['scope']): () => void {
    this.#self.set(file, { until: Number.POSITIVE_INFINITY, scope });
    return () => {
      this.#self.set(file, { until: nowMs() + SELF_GRACE_MS[scope], scope });
      setTimeout(() => {
        const m = this.#self.get(file);
        if (m && m.until <= nowMs()) this.#self.delete(file);
      }, SELF_GRACE_MS[scope] + 50).unref();
    };
  }

  get #entropy(): EntropyFn {
    return this.#planner?.shannonEntropy ?? shannonEntropy;
  }

  async #plantPolicy(p: AgentDecoyPolicy, planner: { planDecoys: Planner; shannonEntropy: EntropyFn }): Promise<void> {
    const m = this.#manifest!;
    const { planDecoys, shannonEntropy } = planner;
    const record = {
      revision: p.revision,
      policy: p,
      plantedAt: new Date().toISOString(),
      createdDirs: [] as string[],
      problems: [] as { directory: string; message: string }[],
      planting: true,
    };
    m.policies[p.id] = record;
    const planted: DecoyRecord[] = [];
    for (const policyDirectory of p.directories) {
      const resolved = await this.#resolveDirectory(policyDirectory);
      if ('problem' in resolved) {
        record.problems.push({ directory: policyDirectory, message: resolved.problem });
        continue;
      }
      // Planted and recorded under the real path: what fanotify and /proc report, and no link to follow later.
      const directory = resolved.real;
      const before = planted.length;
      try {
        const existing = await listExisting(directory);
        const beacon =
          p.beaconBaseUrl || p.beaconDnsZone
            ? { baseUrl: p.beaconBaseUrl, dnsZone: p.beaconDnsZone, newToken: newBeaconToken }
            : undefined;
        const plan = await planDecoys({
          seed: p.seed,
          directory,
          count: p.perDirectory,
          kinds: p.kinds,
          existing,
          ...(beacon ? { beacon } : {}),
        });
        // Crash safety: what is about to be created is saved first, so a restart removes what was not recorded.
        m.intents = await intentsOf(directory, plan);
        await saveManifest(this.#o.stateDir, m);
        const owner = resolved.stat;
        // Ransomware running as the clerk must be able to open (and so reveal itself on) the decoy.
        const mode = owner.mode & 0o666;
        const asRoot = process.platform !== 'win32' && process.getuid?.() === 0;
        for (const file of plan) {
          const full = path.resolve(directory, file.relativePath);
          if (!full.startsWith(directory.endsWith(path.sep) ? directory : directory + path.sep)) {
            record.problems.push({
              directory: policyDirectory,
              message: `planner gave a path outside the directory: ${file.relativePath}`,
            });
            continue;
          }
          const done = this.#markSelf(full, 'all');
          try {
            // Every step on the handle: a share user who swaps the file or a folder for a link gets nothing changed
            // outside the share (the path is never followed after the exclusive create).
            const fh = await createExclusiveBeneath(directory, full, mode, owner.mode & 0o777, async (dir, h) => {
              record.createdDirs.push(dir);
              if (asRoot) await h.chown(owner.uid, owner.gid).catch(() => {});
            });
            let st: BigIntStats;
            try {
              await fh.writeFile(file.data);
              await fh.utimes(file.mtime, file.mtime);
              if (process.platform !== 'win32') {
                if (asRoot) await fh.chown(owner.uid, owner.gid).catch(() => {});
                await fh.chmod(mode);
              }
              await fh.sync();
              st = await fh.stat({ bigint: true });
            } catch (err) {
              // Our own partial file: removed, unless someone already put something else under the name.
              const mine = await fh.stat({ bigint: true }).catch(() => undefined);
              await fh.close();
              if (mine) await unlinkIfSame(full, mine);
              throw err;
            }
            await fh.close();
            if (process.platform === 'win32') await hideOnWindows(full);
            planted.push({
              path: full,
              directory,
              policyId: p.id,
              revision: p.revision,
              kind: file.kind,
              sha256: sha256(file.data),
              size: file.data.byteLength,
              entropy: shannonEntropy(file.data),
              mtimeMs: Number(st.mtimeMs),
              mode: Number(st.mode),
              inode: `${st.dev}:${st.ino}`,
              beaconToken: file.beaconToken,
              role: file.role,
              plantedAt: new Date().toISOString(),
              compromised: null,
            });
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'EEXIST') this.#log.info({ file: full }, 'a file with the decoy name already exists; skipped');
            else
              record.problems.push({
                directory: policyDirectory,
                message: `could not write ${file.relativePath}: ${(err as Error).message}`,
              });
          } finally {
            done();
          }
        }
      } catch (err) {
        record.problems.push({
          directory: policyDirectory,
          message: `could not plan decoys: ${(err as Error).message}`,
        });
      }
      // Saved per folder: from here on these decoys are tracked, the intents done.
      m.decoys.push(...planted.slice(before));
      m.intents = [];
      await saveManifest(this.#o.stateDir, m);
    }
    record.planting = false;
    await saveManifest(this.#o.stateDir, m);
    const perDirectory: Record<string, number> = {};
    for (const d of planted) perDirectory[d.directory] = (perDirectory[d.directory] ?? 0) + 1;
    this.#log.info(
      { policyId: p.id, revision: p.revision, planted: planted.length, problems: record.problems },
      'decoys planted',
    );
    await this.#emitNow({
      source: 'decoys',
      kind: 'decoys.planted',
      severity: 'info',
      title: `おとりファイルを配置しました（${planted.length}個）`,
      details: { policyId: p.id, revision: p.revision, count: planted.length, perDirectory, problems: record.problems },
    });
    if (record.problems.length)
      await this.#emitNow({
        source: 'decoys',
        kind: 'decoys.problem',
        severity: 'medium',
        title: `おとりファイルを置けないフォルダがあります（${record.problems.length}件）`,
        details: { policyId: p.id, revision: p.revision, problems: record.problems.slice(0, 50) },
        dedupKey: `decoys:${this.#host}:${p.id}:problem`,
      });
  }

  /**
   * The real path of a policy directory and its owner, or why it is refused: the path as given and the path it
   * resolves to must both pass decoyDirectoryProblem (a link out of the allowed roots is refused).
   */
  async #resolveDirectory(
    directory: string,
  ): Promise<{ real: string; stat: { uid: number; gid: number; mode: number } } | { problem: string }> {
    const problem = decoyDirectoryProblem(directory, this.#roots, process.platform);
    if (problem) return { problem };
    if (normaliseDirectory(directory) !== directory && process.platform !== 'win32')
      return { problem: 'must not end with a separator' };
    try {
      const real = await realpath(directory);
      const again = decoyDirectoryProblem(real, this.#roots, process.platform);
      if (again) return { problem: real === directory ? again : `is a link to ${real}, which ${again}` };
      const st = await lstat(real);
      if (!st.isDirectory()) return { problem: 'is not a directory' };
      return { real, stat: st };
    } catch (err) {
      return { problem: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (err as Error).message };
    }
  }

  /** Removes exactly what a policy planted: files whose hash is still ours, then the folders we created if empty. */
  async #removePolicy(policyId: string): Promise<void> {
    const m = this.#manifest!;
    const mine = m.decoys.filter((d) => d.policyId === policyId);
    let removed = 0;
    // Crash safety: a restart finishes the removal instead of reporting our own deletions as an attack.
    const rec = m.policies[policyId];
    if (rec && !rec.removing) {
      rec.removing = true;
      await saveManifest(this.#o.stateDir, m);
    }
    for (const d of mine) {
      const done = this.#markSelf(d.path, 'all');
      try {
        const data = await readRegularNoFollow(d.path);
        if (sha256(data) !== d.sha256) {
          this.#log.warn({ file: d.path }, 'decoy content changed; left in place (not ours any more)');
          continue;
        }
        await unlink(d.path);
        removed++;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP' || code === 'EINVAL') this.#log.warn({ file: d.path }, 'decoy replaced; left in place');
        else if (code !== 'ENOENT')
          this.#log.warn({ file: d.path, err: (err as Error).message }, 'could not remove a decoy');
      } finally {
        done();
      }
    }
    for (const dir of [...(m.policies[policyId]?.createdDirs ?? [])].reverse()) await rmdir(dir).catch(() => {});
    m.decoys = m.decoys.filter((d) => d.policyId !== policyId);
    delete m.policies[policyId];
    this.#log.info({ policyId, removed, recorded: mine.length }, 'decoys removed');
  }

  // -------------------------------------------------------------------------------------------
  // Watching.

  async #ensureWatcher(): Promise<void> {
    const dirs = this.#trees.map((t) => t.dir).sort();
    const want = this.#o.watcher ?? 'auto';
    if (!dirs.length || this.#stopped) {
      this.#closeFan();
      this.#closeTreeWatcher();
      this.#watchKey = '';
      return;
    }
    const fanWanted = want === 'auto' || want === 'fanotify';
    if (fanWanted && !this.#fanUnavailable && nowMs() >= this.#fanRetryAt) await this.#ensureFan(dirs);
    else if (!fanWanted) this.#closeFan();
    const fanOn = this.#fan !== undefined;
    const useInotify = want === 'inotify' || (want !== 'fs.watch' && findInotifywait() !== null);
    const key = `${useInotify}|${fanOn}|${dirs.join('\n')}`;
    if (key === this.#watchKey && this.#watcher) return;
    this.#closeTreeWatcher();
    this.#watchKey = key;
    const onEvent = (e: WatchEvent) => this.#onEvent(e);
    const onError = (err: Error) => {
      this.#log.error({ err: err.message }, 'decoy watcher failed; restarting in 5 s');
      this.#watcher = undefined;
      this.#watchKey = '';
      this.#restartSoon(5000);
    };
    const w = useInotify
      ? watchWithInotify(dirs, onEvent, onError, undefined, { reads: !fanOn })
      : watchWithFsWatch(dirs, onEvent, onError);
    this.#watcher = w;
    if (w.pid) this.#ownChildren.add(w.pid);
    await w.ready.catch((err: Error) => this.#log.error({ err: err.message }, 'decoy watcher did not start'));
    if (!useInotify && !fanOn && process.platform === 'linux')
      this.#log.warn('inotifywait (Debian package inotify-tools) is not installed: reads of decoys are not reported');
  }

  #restartSoon(ms: number): void {
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => void this.#serial(() => this.#ensureWatcher()).catch(() => {}), ms);
    this.#restartTimer.unref();
  }

  #closeTreeWatcher(): void {
    this.#watcher?.close();
    if (this.#watcher?.pid) this.#ownChildren.delete(this.#watcher.pid);
    this.#watcher = undefined;
  }

  #closeFan(): void {
    const f = this.#fan;
    this.#fan = undefined;
    this.#fanKey = '';
    f?.close();
    if (f?.pid) this.#ownChildren.delete(f.pid);
  }

  /** Starts the fanotify helper or brings its marks in line with the decoys; leaves #fan unset when it cannot. */
  async #ensureFan(dirs: string[]): Promise<void> {
    const config = {
      // A decoy already reported as changed is not marked again: it may now be anything (a link to a system file,
      // a file the clerk saved under that name); the sweep watches it until it is restored.
      decoys: [...this.#byPath.values()]
        .filter((d) => !d.compromised)
        .map((d) => ({
          path: d.path,
          kill: this.#policies.get(d.policyId)?.response.kill ?? true,
          ...(d.inode ? { inode: d.inode } : {}),
        })),
      dirs: await subdirectories(dirs, 4096),
      protect: [],
    };
    const key = JSON.stringify(config);
    if (this.#fan && key === this.#fanKey) return;
    try {
      if (this.#fan) {
        const r = await this.#fan.update(config);
        this.#fanKey = key;
        if (r.errors) this.#log.warn({ errors: r.errors }, 'fanotify could not watch some decoys or folders');
        return;
      }
      const located = await locateFanotifyHelper(this.#o.stateDir);
      if ('why' in located) {
        this.#fanUnavailable = located.why;
        this.#log.info({ why: located.why }, 'fanotify not used; watching with inotify/fs.watch');
        return;
      }
      const w: FanWatcher = watchWithFanotify(
        located.path,
        config,
        (e) => this.#onFan(e),
        (err) => this.#fanFailed(w, err),
      );
      this.#fan = w;
      if (w.pid) this.#ownChildren.add(w.pid);
      const r = await w.ready;
      this.#fanKey = key;
      this.#fanFailures = 0;
      this.#log.info({ marks: r.marks, errors: r.errors }, 'fanotify watching the decoys');
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'fanotify helper did not start');
    }
  }

  #fanFailed(w: FanWatcher, err: Error): void {
    if (this.#fan !== w) return;
    this.#fan = undefined;
    this.#fanKey = '';
    if (w.pid) this.#ownChildren.delete(w.pid);
    if (this.#stopped) return;
    if (err instanceof FanotifyUnavailable || ++this.#fanFailures > 5) {
      this.#fanUnavailable = err.message;
      this.#log.warn({ err: err.message }, 'fanotify unavailable; watching with inotify/fs.watch');
    } else {
      this.#fanRetryAt = nowMs() + 5000;
      this.#log.error({ err: err.message }, 'fanotify helper stopped; inotify/fs.watch now, fanotify again in 5 s');
      this.#restartSoon(5100);
    }
    // The tree watcher takes over reads at once (it ran without them while fanotify reported them).
    void this.#serial(() => this.#ensureWatcher()).catch(() => {});
  }

  /** An event from the fanotify helper: a decoy opened, read or written (with the process), or a tree write. */
  #onFan(f: FanEvent): void {
    if (this.#stopped) return;
    const suspect: Suspect = {
      pid: f.pid,
      startTicks: f.start,
      holdsDecoy: f.decoy === 1,
      files: [f.path],
      cmdline: f.cmdline,
      comm: f.comm,
      uid: f.uid >= 0 ? f.uid : null,
      user: f.uid >= 0 ? userName(f.uid) : null,
      ppid: f.ppid || null,
    };
    const type: WatchEvent['type'] =
      f.ev === 'perm' ? (f.access === 'read' ? 'access' : 'open') : f.ev === 'modify' ? 'modify' : 'close_write';
    const e: WatchEvent = { type, path: f.path, isDir: false, source: 'fanotify', at: f.t };
    if (f.decoy) {
      const rec = (f.inode && this.#byInode.get(f.inode)) || this.#byPath.get(f.path);
      if (rec) void this.#decoySignal(rec, f.ev === 'perm' ? 'decoy.read' : 'decoy.modified', e, { suspect, fan: f });
      else if (f.ev === 'perm' && f.denied) {
        // A marked decoy the manifest does not know under this name (moved, or reached by another path): the
        // helper killed the process anyway, and that must be reported.
        const tree = this.#treeOf(f.path);
        const target = {
          policyId: tree?.policyIds[0] ?? 'unknown',
          decoyPath: f.path,
          directory: tree?.dir ?? path.dirname(f.path),
          reason: 'decoy.read',
        };
        this.#kill(suspect, target, f.t, {
          by: 'fanotify',
          error: f.killed ? null : `kill failed (errno ${f.killErrno ?? '?'}); the access was denied`,
        });
      }
      return;
    }
    this.#writers.delete(f.path);
    this.#writers.set(f.path, { pid: f.pid, start: f.start, at: f.t });
    if (this.#writers.size > 4096) this.#writers.delete(this.#writers.keys().next().value!);
    if (!f.enc) return;
    const tree = this.#treeOf(f.path);
    if (!tree) return;
    const policyId = tree.policyIds[0]!;
    const finding = this.#countersOf(policyId).encrypted(f.pid, f.path, f.t);
    if (finding) this.#track(this.#treeSignal(policyId, tree.dir, finding, e, [suspect]));
  }

  #countersOf(policyId: string): TreeCounters {
    let counters = this.#counters.get(policyId);
    if (!counters) {
      counters = new TreeCounters(this.#thresholds);
      this.#counters.set(policyId, counters);
    }
    return counters;
  }

  #onEvent(e: WatchEvent): void {
    if (this.#stopped) return;
    const mark = this.#self.get(e.path);
    if (mark && e.at <= mark.until) {
      const isRead = e.type === 'open' || e.type === 'access' || e.type === 'close_read';
      if (mark.scope === 'all' || isRead) return;
    }
    const rec = this.#byPath.get(e.path);
    if (rec) {
      if (e.isDir) return;
      // fanotify reports opens, reads and writes of decoys with the process: inotify's echoes are not needed.
      if (this.#fan && READ_OR_WRITE.has(e.type)) return;
      const kind = this.#decoyKind(e);
      if (kind) void this.#decoySignal(rec, kind, e);
      return;
    }
    if (e.isDir || this.#self.has(e.path)) return;
    const tree = this.#treeOf(e.path);
    if (!tree) return;
    const policyId = tree.policyIds[0]!;
    const counters = this.#countersOf(policyId);
    let finding: TreeFinding | null = null;
    const named = e.type === 'create' || e.type === 'moved_to' || e.type === 'rename';
    const written =
      e.type === 'close_write' ||
      e.type === 'create' ||
      e.type === 'moved_to' ||
      e.type === 'change' ||
      e.type === 'rename';
    if (named) finding = counters.named(e.path, e.at);
    if (written) finding = counters.modified(e.path, e.at) ?? finding;
    if (finding) this.#track(this.#treeSignal(policyId, tree.dir, finding, e));
    const noteCheck = e.type === 'close_write' || e.type === 'moved_to' || e.type === 'change' || e.type === 'rename';
    if (noteCheck && looksLikeNoteName(e.path) && !this.#notesSeen.has(e.path))
      this.#track(this.#checkNote(policyId, tree.dir, e));
  }

  #decoyKind(e: WatchEvent): DecoyKindEvent | null {
    switch (e.type) {
      case 'open':
      case 'access':
      case 'close_read':
        return 'decoy.read';
      case 'modify':
      case 'close_write':
      case 'create':
      case 'moved_to':
      case 'change':
        return 'decoy.modified';
      case 'attrib':
        return 'decoy.attrib';
      case 'moved_from':
        return 'decoy.renamed';
      case 'delete':
      case 'rename':
        return 'decoy.deleted';
    }
  }

  #treeOf(file: string): Tree | undefined {
    return this.#trees.find((t) => file.startsWith(t.dir + path.sep));
  }

  // -------------------------------------------------------------------------------------------
  // Detection, evidence and containment.

  async #decoySignal(
    rec: DecoyRecord,
    kind: DecoyKindEvent,
    e: WatchEvent,
    known?: { suspect: Suspect; fan: FanEvent },
  ): Promise<void> {
    const policy = this.#policies.get(rec.policyId);
    const kill = policy?.response.kill ?? true;
    const key = `${rec.path}|${kind}`;
    const last = this.#throttle.get(key);
    const throttled = last !== undefined && e.at - last < THROTTLE_MS;
    if (throttled) this.#suppressed.set(key, (this.#suppressed.get(key) ?? 0) + 1);
    else this.#throttle.set(key, e.at);
    if (known) {
      // fanotify named the process; on an open or read with the kill response the helper has already killed it.
      const { suspect, fan } = known;
      if (!throttled) this.#track(this.#reportDecoy(rec, kind, 'fanotify', e.type, e.at, [suspect]));
      const target = { policyId: rec.policyId, decoyPath: rec.path, directory: rec.directory, reason: kind };
      if (fan.ev === 'perm' && fan.denied)
        this.#kill(suspect, target, e.at, {
          by: 'fanotify',
          error: fan.killed ? null : `kill failed (errno ${fan.killErrno ?? '?'}); the access was denied`,
        });
      else if (kill && fan.ev !== 'perm') this.#kill(suspect, target, e.at);
      if (!throttled && policy?.response.isolate) this.#track(this.#isolateOnce(rec));
      return;
    }
    if (!throttled && kill) {
      // Queue the alert first (the hunt below keeps the CPU busy); the kill event names the process.
      this.#track(this.#reportDecoy(rec, kind, e.source, e.type, e.at, []));
    }
    // Look for the process at once, while it is still at work.
    const target = { policyId: rec.policyId, decoyPath: rec.path, directory: rec.directory, reason: kind };
    const destructive = kind !== 'decoy.read' && kind !== 'decoy.attrib';
    const suspects = this.#startHunt(target, e.at, kill, this.#o.identifyWaitMs ?? 50, destructive);
    if (throttled) return;
    if (policy?.response.isolate) this.#track(this.#isolateOnce(rec));
    // Without the kill response the alert waits a little for the process's name, as evidence.
    if (!kill) this.#track(suspects.then((found) => this.#reportDecoy(rec, kind, e.source, e.type, e.at, found)));
  }

  async #reportDecoy(
    rec: DecoyRecord,
    kind: DecoyKindEvent | 'decoy.integrity',
    signal: 'fanotify' | 'inotify' | 'fs.watch' | 'sweep',
    fsEvent: string,
    at: number,
    suspects: Suspect[],
  ): Promise<void> {
    const after = kind === 'decoy.read' ? undefined : await this.#look(rec.path);
    let change: string = kind.slice('decoy.'.length);
    // fs.watch says "change" for content and attributes alike: tell them apart by the hash.
    if (kind === 'decoy.modified' && signal === 'fs.watch' && after?.sha256 === rec.sha256) kind = 'decoy.attrib';
    if (kind === 'decoy.deleted' && after?.sha256) kind = 'decoy.modified'; // replaced under the same name
    if (kind === 'decoy.integrity')
      change = after?.sha256 === null ? 'deleted' : after?.sha256 !== rec.sha256 ? 'modified' : 'attrib';
    const key = `${rec.path}|${kind}`;
    const suppressedBefore = this.#suppressed.get(key) ?? 0;
    this.#suppressed.delete(key);
    const top = suspects.find((s) => s.holdsDecoy) ?? suspects[0];
    await this.#emitNow({
      source: 'decoys',
      kind,
      severity: 'critical',
      title: TITLES[kind](path.basename(rec.path)),
      dedupKey: `decoys:${this.#host}:${rec.policyId}`,
      details: {
        path: rec.path,
        directory: rec.directory,
        policyId: rec.policyId,
        kind: rec.kind,
        role: rec.role,
        change,
        signal,
        fsEvent,
        beforeSha256: rec.sha256,
        afterSha256: after?.sha256 ?? null,
        beforeSize: rec.size,
        afterSize: after?.size ?? null,
        beforeEntropy: round(rec.entropy),
        afterEntropy: after ? round(after.entropy) : null,
        pid: top?.pid ?? null,
        cmdline: top?.cmdline ?? null,
        user: top?.user ?? null,
        uid: top?.uid ?? null,
        processes: suspects
          .slice(0, 5)
          .map(({ pid, comm, cmdline, user, holdsDecoy, files }) => ({ pid, comm, cmdline, user, holdsDecoy, files })),
        touchedAt: iso(at),
        detectedAt: iso(nowMs()),
        alsoSeen: suppressedBefore,
        whatToDo: kind === 'decoy.read' ? WHAT_TO_DO_READ : WHAT_TO_DO_ATTACK,
      },
    });
    if (
      kind !== 'decoy.read' &&
      after &&
      (rec.compromised?.sha256 !== after.sha256 || rec.compromised?.change !== change)
    ) {
      rec.compromised = { at: iso(at), change, sha256: after.sha256 };
      this.#saveSoon();
    }
  }

  /** Current hash, size and entropy of a file (null hash when gone), reading it as ourselves. */
  async #look(file: string): Promise<{
    sha256: string | null;
    size: number | null;
    entropy: number;
    mode: number | null;
    mtimeMs: number | null;
  }> {
    const done = this.#markSelf(file, 'read');
    try {
      const fh = await openRegularNoFollow(file);
      let st: Stats;
      let data: Buffer;
      try {
        st = await fh.stat();
        data = await fh.readFile();
      } finally {
        await fh.close();
      }
      return {
        sha256: sha256(data),
        size: data.byteLength,
        entropy: this.#entropy(data),
        mode: st.mode,
        mtimeMs: st.mtimeMs,
      };
    } catch {
      return { sha256: null, size: null, entropy: 0, mode: null, mtimeMs: null };
    } finally {
      done();
    }
  }

  /**
   * Identifies (and, with `kill`, kills) the processes behind decoy signals until `identifyWindowMs` after the
   * latest one. Ransomware holds each file open for well under a millisecond, so instead of sweeping all of /proc
   * (tens of milliseconds) again and again, it ranks processes by the I/O they did since the hunt began and scans
   * the busiest few in a tight loop, with a full sweep every 100 ms (first after 30 ms) as a fallback. Resolves with the processes
   * found first, or with nothing after `waitMs`, so the detection event can name them without waiting long.
   */
  #startHunt(target: KillTarget, at: number, kill: boolean, waitMs: number, killAny: boolean): Promise<Suspect[]> {
    if (process.platform !== 'linux') return Promise.resolve([]);
    const window = this.#o.identifyWindowMs ?? 400;
    if (this.#hunt) {
      this.#hunt.deadline = Math.max(this.#hunt.deadline, nowMs() + window);
      this.#hunt.kill ||= kill;
      this.#hunt.killAny ||= killAny;
      return Promise.resolve(this.#hunt.found);
    }
    let firstFound: (s: Suspect[]) => void = () => {};
    const first = new Promise<Suspect[]>((r) => {
      firstFound = r;
    });
    const timer = setTimeout(() => firstFound([]), waitMs);
    const hunt: Hunt = {
      deadline: nowMs() + window,
      kill,
      killAny,
      found: [],
      decoyPath: target.decoyPath,
      detectedAt: at,
    };
    this.#hunt = hunt;
    const handle = (suspects: Suspect[]) => {
      const chosen = pick(suspects).filter((s) => !hunt.found.some((f) => f.pid === s.pid));
      if (!chosen.length) return false;
      hunt.found.push(...chosen);
      if (hunt.kill) for (const s of chosen) if (s.holdsDecoy || hunt.killAny) this.#kill(s, target, at);
      clearTimeout(timer);
      firstFound(hunt.found);
      return true;
    };
    this.#track(
      (async () => {
        try {
          const trees = this.#trees.map((t) => t.dir);
          const decoys = new Set(this.#byPath.keys());
          const cache = new Map<number, Map<string, { target: string; seen: number }>>();
          const base = readIoCounters();
          // The first full sweep waits: the busy-process loop nearly always finds the culprit sooner, and a full
          // sweep blocks for tens of milliseconds on a host with many processes.
          let lastFull = nowMs() - 70;
          let lastRank = 0;
          let busy: number[] = [];
          await yieldToLoop();
          while (nowMs() < hunt.deadline && !this.#stopped) {
            const exclude = this.#excluded();
            if (nowMs() - lastRank > 25 || !busy.length) {
              busy = [...readIoCounters()]
                .map(([pid, v]) => [pid, v - (base.get(pid) ?? 0)] as const)
                .filter(([pid, d]) => d > 0 && !exclude.has(pid))
                .sort((a, b) => b[1] - a[1])
                .slice(0, 6)
                .map(([pid]) => pid);
              lastRank = nowMs();
            }
            busy = busy.filter((pid) => !exclude.has(pid));
            const sliceEnd = nowMs() + 6;
            while (busy.length && nowMs() < sliceEnd)
              if (handle(scanOpenFiles({ trees, decoys, exclude, pids: busy, cache }))) break;
            if (nowMs() - lastFull > 100) {
              handle(scanOpenFiles({ trees, decoys, exclude, cache }));
              lastFull = nowMs();
            }
            await yieldToLoop();
          }
        } finally {
          clearTimeout(timer);
          firstFound(hunt.found);
          this.#hunt = undefined;
        }
      })(),
    );
    return first;
  }

  #excluded(): Set<number> {
    return new Set<number>([0, 1, process.pid, process.ppid, ...this.#ownChildren, ...this.#killed.keys()]);
  }

  /**
   * Kills a process (SIGKILL) and reports it; `done`: the fanotify helper already did it (report only). Never pid 1,
   * the agent, its parent or its own helpers, and each process only once.
   */
  #kill(s: Suspect, target: KillTarget, detectedAt: number, done?: { by: 'fanotify'; error: string | null }): void {
    if (s.pid <= 1 || s.pid === process.pid || s.pid === process.ppid || this.#ownChildren.has(s.pid)) return;
    if (this.#killed.get(s.pid) === s.startTicks) return;
    this.#killed.set(s.pid, s.startTicks);
    if (this.#killed.size > 1000) this.#killed.delete(this.#killed.keys().next().value!);
    let error: string | null = null;
    if (done) error = done.error;
    else if (startTicksOf(s.pid) !== s.startTicks) error = 'the process had already exited';
    else {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch (err) {
        error = (err as Error).message;
      }
    }
    const killedAt = nowMs();
    const name = processLabel(s.comm, s.cmdline) || String(s.pid);
    this.#log.warn(
      { pid: s.pid, cmdline: s.cmdline, user: s.user, error },
      error ? 'could not kill the process touching decoys' : 'killed the process touching decoys',
    );
    this.#track(
      this.#emitNow({
        source: 'decoys',
        kind: error ? 'containment.kill_failed' : 'containment.killed',
        severity: 'critical',
        title: error
          ? `不審なプロセスを止められませんでした: ${name} (PID ${s.pid})`
          : `不審なプロセスを強制終了しました: ${name} (PID ${s.pid})`,
        dedupKey: `decoys:${this.#host}:${target.policyId}:containment`,
        details: {
          pid: s.pid,
          comm: s.comm,
          cmdline: s.cmdline,
          user: s.user,
          uid: s.uid,
          ppid: s.ppid,
          holdsDecoy: s.holdsDecoy,
          files: s.files,
          policyId: target.policyId,
          decoyPath: target.decoyPath,
          directory: target.directory,
          reason: target.reason,
          by: done?.by ?? 'agent',
          detectedAt: iso(detectedAt),
          actedAt: iso(killedAt),
          msAfterDetection: Math.round(killedAt - detectedAt),
          error,
          whatToDo: WHAT_TO_DO_ATTACK,
        },
      }),
    );
  }

  async #isolateOnce(rec: DecoyRecord): Promise<void> {
    if (this.#isolating || this.#manifest?.isolation.isolated) return;
    this.#isolating = true;
    try {
      await this.#runIsolation(true, { requestId: null, reason: 'decoy', decoyPath: rec.path, policyId: rec.policyId });
      this.#saveSoon();
      await this.#report();
    } finally {
      this.#isolating = false;
    }
  }

  async #runIsolation(
    isolate: boolean,
    ctx: { requestId: string | null; reason: string; decoyPath?: string; policyId?: string },
  ): Promise<void> {
    const m = this.#manifest!;
    let commands: IsolationCommands | null = null;
    try {
      commands = await isolationCommands(this.#o.stateDir, this.#platform);
      if (!commands)
        throw new Error('no isolation command for this system (add isolation.json to the state directory)');
      const list = isolate ? commands.isolate : commands.release;
      await runCommands(list, (pid) => pid && this.#ownChildren.add(pid));
      m.isolation.isolated = isolate;
      m.isolation.changedAt = new Date().toISOString();
      this.#log.warn(
        { isolate, origin: commands.origin, ...ctx },
        isolate ? 'host isolated from the network' : 'network isolation released',
      );
      await this.#emitNow({
        source: 'decoys',
        kind: isolate ? 'containment.isolated' : 'containment.released',
        severity: isolate ? 'critical' : 'info',
        title: isolate ? 'この端末をネットワークから切り離しました' : 'この端末のネットワーク切り離しを解除しました',
        dedupKey: `decoys:${this.#host}:isolation`,
        details: { ...ctx, origin: commands.origin, at: new Date().toISOString() },
      });
    } catch (err) {
      this.#log.error({ err: (err as Error).message, isolate, ...ctx }, 'isolation command failed');
      await this.#emitNow({
        source: 'decoys',
        kind: 'containment.failed',
        severity: 'critical',
        title: isolate ? 'ネットワークからの切り離しに失敗しました' : 'ネットワーク切り離しの解除に失敗しました',
        dedupKey: `decoys:${this.#host}:isolation`,
        details: {
          ...ctx,
          action: isolate ? 'isolate' : 'release',
          origin: commands?.origin ?? null,
          error: (err as Error).message.slice(0, 1000),
        },
      });
    }
  }

  async #treeSignal(
    policyId: string,
    directory: string,
    f: TreeFinding,
    e: WatchEvent,
    known: Suspect[] = [],
  ): Promise<void> {
    // Only the encrypted-writes rule kills, and only the process fanotify saw writing the encrypted-looking files
    // (`known`): a storm of writes or renames is also what copying a folder, unzipping or a file server does, so it
    // raises a high alert naming the latest writer (fanotify) as evidence, and the decoys do the killing.
    const policy = this.#policies.get(policyId);
    const killable = known.length > 0 && 'heuristic' in f && f.heuristic === 'encrypted_writes';
    let suspects = known;
    if (!suspects.length) {
      const seen = new Map<number, string>();
      for (const file of f.examples) {
        const w = this.#writers.get(file);
        if (w && e.at - w.at < 10_000) seen.set(w.pid, w.start);
      }
      suspects = [...seen].flatMap(([pid, start]) => {
        const d = describeProcess(pid);
        return d && d.startTicks === start ? [{ ...d, holdsDecoy: false, files: [] }] : [];
      });
    }
    if (killable && (policy?.response.kill ?? true)) {
      const target = { policyId, decoyPath: null, directory, reason: f.kind };
      for (const s of known) this.#kill(s, target, e.at);
    }
    const key = `${policyId}|${f.kind}`;
    const last = this.#throttle.get(key);
    if (last !== undefined && e.at - last < THROTTLE_MS) return;
    this.#throttle.set(key, e.at);
    const title =
      f.kind === 'tree.mass_rename'
        ? `多数のファイルの拡張子が「.${f.extension}」に変えられています（ランサムウェアの疑い）: ${directory}`
        : 'heuristic' in f
          ? `1つのプログラムが多数のファイルを暗号化したような中身に書き換えています（ランサムウェアの疑い）: ${directory}`
          : `短い時間に多数のファイルが書き換えられています（ランサムウェアの疑い）: ${directory}`;
    await this.#emitNow({
      source: 'decoys',
      kind: f.kind,
      severity: 'high',
      title,
      dedupKey: `decoys:${this.#host}:${policyId}`,
      details: {
        ...f,
        directory,
        policyId,
        signal: e.source,
        pid: suspects[0]?.pid ?? null,
        cmdline: suspects[0]?.cmdline ?? null,
        user: suspects[0]?.user ?? null,
        detectedAt: iso(nowMs()),
        whatToDo: WHAT_TO_DO_ATTACK,
      },
    });
  }

  async #checkNote(policyId: string, directory: string, e: WatchEvent): Promise<void> {
    if (this.#notesSeen.size > 10_000) this.#notesSeen.clear();
    this.#notesSeen.add(e.path);
    let text: string;
    try {
      text = (await readRegularNoFollow(e.path, 16_384)).toString('utf8');
    } catch {
      return;
    }
    const score = noteScore(text);
    if (score < 2) return;
    const key = `${policyId}|tree.ransom_note`;
    const last = this.#throttle.get(key);
    if (last !== undefined && e.at - last < THROTTLE_MS) return;
    this.#throttle.set(key, e.at);
    await this.#emitNow({
      source: 'decoys',
      kind: 'tree.ransom_note',
      severity: 'critical',
      title: `身代金を要求する文書（脅迫文）らしいファイルが作られました: ${path.basename(e.path)}`,
      dedupKey: `decoys:${this.#host}:${policyId}`,
      details: {
        path: e.path,
        directory,
        policyId,
        score,
        excerpt: text.slice(0, 500),
        signal: e.source,
        detectedAt: iso(nowMs()),
        whatToDo: WHAT_TO_DO_ATTACK,
      },
    });
  }

  // -------------------------------------------------------------------------------------------
  // Integrity sweep, persistence and reporting.

  async #sweep(): Promise<void> {
    const m = this.#manifest!;
    for (const rec of m.decoys) {
      if (this.#stopped) return;
      const now = await this.#look(rec.path);
      let change: string | null = null;
      if (now.sha256 === null) change = 'deleted';
      else if (now.sha256 !== rec.sha256) change = 'modified';
      else if (now.mode !== rec.mode || Math.abs((now.mtimeMs ?? 0) - rec.mtimeMs) > 1) change = 'attrib';
      if (!change) {
        if (rec.compromised) rec.compromised = null; // restored
        continue;
      }
      if (rec.compromised && rec.compromised.change === change && rec.compromised.sha256 === now.sha256) continue;
      await this.#reportDecoy(rec, 'decoy.integrity', 'sweep', change, nowMs(), []);
      rec.compromised = { at: new Date().toISOString(), change, sha256: now.sha256 };
    }
    m.verifiedAt = new Date().toISOString();
    await saveManifest(this.#o.stateDir, m);
    if (m.decoys.length || Object.keys(m.policies).length) await this.#report();
  }

  #saveSoon(): void {
    if (this.#saveTimer || this.#stopped) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      if (this.#manifest) this.#track(this.#serial(() => saveManifest(this.#o.stateDir, this.#manifest!)));
    }, 200);
  }

  async #report(): Promise<void> {
    try {
      await this.#o.report(this.inventory());
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'could not send the decoy inventory; will send it again later');
    }
  }

  async #emitNow(e: NewEvent): Promise<void> {
    try {
      await this.#o.emit(e);
    } catch (err) {
      this.#log.error({ err: (err as Error).message, kind: e.kind }, 'could not queue a decoy event');
    }
  }
}

/** Suspects to act on: the ones holding a decoy if any, else every process holding files in the watched trees. */
function pick(found: Suspect[]): Suspect[] {
  const decoy = found.filter((s) => s.holdsDecoy);
  return decoy.length ? decoy : found;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** inotify event types fanotify reports better (with the process) on decoys. */
const READ_OR_WRITE = new Set<WatchEvent['type']>(['open', 'access', 'close_read', 'modify', 'close_write']);

/** The directories and their sub-directories (no symbolic links), at most `limit`. */
async function subdirectories(dirs: string[], limit: number): Promise<string[]> {
  const out: string[] = [];
  const queue = [...dirs];
  while (queue.length && out.length < limit) {
    const dir = queue.shift()!;
    if (out.includes(dir)) continue;
    out.push(dir);
    try {
      for (const e of await readdir(dir, { withFileTypes: true }))
        if (e.isDirectory() && !e.isSymbolicLink()) queue.push(path.join(dir, e.name));
    } catch {}
  }
  return out.sort();
}

async function listExisting(directory: string): Promise<ExistingEntry[]> {
  const out: ExistingEntry[] = [];
  const entries = await readdir(directory, { withFileTypes: true });
  for (const e of entries.slice(0, 2000)) {
    try {
      const st = await stat(path.join(directory, e.name));
      out.push({ name: e.name, size: st.size, mtimeMs: st.mtimeMs, isDirectory: st.isDirectory() });
    } catch {}
  }
  return out;
}

/** The files of a plan (and the folders they need that do not exist yet, shallowest first) as manifest intents. */
async function intentsOf(directory: string, plan: PlannedFile[]): Promise<DecoyIntent[]> {
  const at = new Date().toISOString();
  const dirs: string[] = [];
  for (const f of plan)
    for (let d = path.dirname(path.resolve(directory, f.relativePath)); d.startsWith(directory + path.sep); ) {
      if (
        dirs.includes(d) ||
        (await lstat(d).then(
          () => true,
          () => false,
        ))
      )
        break;
      dirs.push(d);
      d = path.dirname(d);
    }
  dirs.sort((a, b) => a.length - b.length);
  return [
    ...dirs.map((d) => ({ path: d, dir: true, sha256: '', size: 0, at })),
    ...plan.map((f) => ({
      path: path.resolve(directory, f.relativePath),
      dir: false,
      sha256: sha256(f.data),
      size: f.data.byteLength,
      at,
    })),
  ];
}

/** Unlinks `file` only while it is still the file `mine` (same device and inode). */
async function unlinkIfSame(file: string, mine: BigIntStats): Promise<void> {
  const now = await lstat(file, { bigint: true }).catch(() => undefined);
  if (now && now.dev === mine.dev && now.ino === mine.ino) await unlink(file).catch(() => {});
}

function hideOnWindows(file: string): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('attrib.exe', ['+h', file], { stdio: 'ignore', windowsHide: true });
    child.on('error', () => resolve());
    child.on('exit', () => resolve());
  });
}

const INTERPRETERS =
  /^(node|nodejs|python[0-9.]*|perl|ruby|php|bash|sh|dash|zsh|pwsh|powershell|wscript|cscript)(\.exe)?$/i;

/**
 * A short name people recognise for a process: the program's file name, and for an interpreter the
 * script it runs (`node ransim.ts`), because `comm` can be a thread's name (Node's is `MainThread`).
 */
export function processLabel(comm: string, cmdline: string): string {
  const [exe, arg] = cmdline.split(' ').filter(Boolean);
  if (!exe) return comm;
  const base = (p: string) => p.split(/[\\/]/).at(-1) ?? p;
  const program = base(exe);
  return INTERPRETERS.test(program) && arg && !arg.startsWith('-') ? `${program} ${base(arg)}` : program;
}
