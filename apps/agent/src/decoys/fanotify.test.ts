// The fanotify path of the decoy runtime (Linux, root, gcc): the helper blocks and kills on the kernel's permission
// check, names the process, kills on encrypted-looking writes, and the runtime falls back to inotify when it dies.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { watchWithFanotify } from './fanotify.ts';
import { workerPlanner } from './planner.ts';
import { canFanotify, fanotifyHelper, makePolicy, makeRuntime, tempTree } from './test-helpers.ts';
import { findInotifywait } from './watch.ts';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(policyOver: Parameters<typeof makePolicy>[1] = {}, state?: string, root?: string) {
  const base = root ?? tempTree();
  const share = path.join(base, 'share');
  await mkdir(share, { recursive: true });
  for (let i = 0; i < 10; i++) await writeFile(path.join(share, `カルテ_${i}.txt`), `記録 ${i}\n`);
  const rt = makeRuntime(state ?? path.join(base, 'state'), base, { watcher: 'fanotify' });
  cleanups.push(async () => {
    await rt.runtime.stop();
    if (!root) await rm(base, { recursive: true, force: true });
  });
  const policy = makePolicy([share], policyOver);
  return { base, share, policy, ...rt };
}

/** Runs `code` in a child node process; resolves with its exit signal and stdout. */
function child(code: string): { pid: number; done: Promise<{ signal: NodeJS.Signals | null; out: string }> } {
  const c = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  c.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  cleanups.push(async () => c.kill('SIGKILL'));
  return { pid: c.pid!, done: new Promise((r) => c.on('exit', (_code, signal) => r({ signal, out }))) };
}

describe('fanotify', { skip: !canFanotify && 'needs Linux, root and gcc' }, () => {
  test('with the kill response, a process opening a decoy is killed before it reads a byte', async () => {
    const { share, policy, runtime, waitFor } = await setup({ response: { kill: true, isolate: false } });
    await runtime.apply([policy]);
    assert.equal(runtime.watcherSource, 'fanotify');
    const decoy = runtime.inventory().decoys[0]!.path;
    const c = child(`process.stdout.write(require('fs').readFileSync(${JSON.stringify(decoy)}, 'utf8'))`);
    const { signal, out } = await c.done;
    assert.equal(signal, 'SIGKILL');
    assert.equal(out, '', 'the decoy content never reached the process');
    const read = await waitFor((e) => e.kind === 'decoy.read');
    assert.equal(read.details?.pid, c.pid);
    assert.equal(read.details?.signal, 'fanotify');
    assert.match(read.details?.cmdline as string, /readFileSync/);
    const killed = await waitFor((e) => e.kind === 'containment.killed');
    assert.equal(killed.details?.pid, c.pid);
    assert.equal(killed.details?.by, 'fanotify');
    assert.equal(killed.details?.decoyPath, decoy);
    // Ordinary files stay readable by anyone.
    const ok = child(
      `process.stdout.write(require('fs').readFileSync(${JSON.stringify(path.join(share, 'カルテ_1.txt'))}, 'utf8'))`,
    );
    assert.deepEqual(await ok.done, { signal: null, out: '記録 1\n' });
  });

  test('without the kill response, the reader is named and keeps running; the agent’s own sweeps raise nothing', async () => {
    const { policy, runtime, waitFor, events } = await setup();
    await runtime.apply([policy]);
    await runtime.sweep();
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      events.filter((e) => e.severity === 'critical').map((e) => e.kind),
      [],
    );
    const decoy = runtime.inventory().decoys[1]!.path;
    const c = child(`process.stdout.write(require('fs').readFileSync(${JSON.stringify(decoy)}, 'utf8').slice(0, 3))`);
    const { signal, out } = await c.done;
    assert.equal(signal, null);
    assert.equal(out, 'id,');
    const read = await waitFor((e) => e.kind === 'decoy.read');
    assert.equal(read.details?.pid, c.pid);
    assert.equal(read.details?.user, 'root');
    await runtime.idle();
    assert.equal(events.filter((e) => e.kind.startsWith('containment.')).length, 0);
  });

  test('a decoy opened under another name (a hard link) is still reported and the kill named', async () => {
    const { share, policy, runtime, waitFor } = await setup({ response: { kill: true, isolate: false } });
    await runtime.apply([policy]);
    const decoy = runtime.inventory().decoys[0]!.path;
    const alias = path.join(share, 'alias.csv');
    await link(decoy, alias);
    const c = child(`process.stdout.write(require('fs').readFileSync(${JSON.stringify(alias)}, 'utf8'))`);
    assert.equal((await c.done).signal, 'SIGKILL');
    const killed = await waitFor((e) => e.kind === 'containment.killed');
    assert.equal(killed.details?.pid, c.pid);
    const read = await waitFor((e) => e.kind === 'decoy.read');
    assert.equal(read.details?.path, decoy, 'known by its inode');
  });

  test('the helper never marks through a link nor a file other than the one planted', async () => {
    const base = tempTree();
    cleanups.push(() => rm(base, { recursive: true, force: true }));
    const system = path.join(base, 'libc.so');
    await writeFile(system, 'system library\n');
    const link = path.join(base, 'decoy-now-a-link.csv');
    await symlink(system, link);
    const planted = path.join(base, 'decoy-replaced.csv');
    await writeFile(planted, 'decoy\n');
    const st = await stat(planted, { bigint: true });
    const wrongInode = `${st.dev}:${st.ino + 1n}`;
    const good = path.join(base, 'decoy-intact.csv');
    await writeFile(good, 'decoy\n');
    const gst = await stat(good, { bigint: true });
    const w = watchWithFanotify(
      fanotifyHelper!,
      {
        decoys: [
          { path: link, kill: true },
          { path: planted, kill: true, inode: wrongInode },
          { path: good, kill: true, inode: `${gst.dev}:${gst.ino}` },
        ],
        dirs: [],
        protect: [],
      },
      () => {},
      () => {},
    );
    cleanups.push(async () => w.close());
    const r = await w.ready;
    assert.deepEqual(r, { marks: 1, errors: 2 });
    for (const file of [system, link, planted]) {
      const c = child(`process.stdout.write(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`);
      const { signal, out } = await c.done;
      assert.equal(signal, null, `${file} must not be a decoy`);
      assert.ok(out.length > 0);
    }
    const c = child(`process.stdout.write(require('fs').readFileSync(${JSON.stringify(good)}, 'utf8'))`);
    assert.equal((await c.done).signal, 'SIGKILL', 'the intact decoy still kills');
  });

  test('a process writing encrypted-looking content over several files is killed (tree heuristic)', async () => {
    const { share, policy, runtime, waitFor } = await setup({ response: { kill: true, isolate: false } });
    await runtime.apply([policy]);
    const files = Array.from({ length: 10 }, (_, i) => path.join(share, `カルテ_${i}.txt`));
    const c = child(
      `const fs=require('fs');const f=${JSON.stringify(files)};let i=0;` +
        `setInterval(()=>{fs.writeFileSync(f[i++%f.length],require('crypto').randomBytes(4096))},30)`,
    );
    const { signal } = await c.done;
    assert.equal(signal, 'SIGKILL');
    const storm = await waitFor((e) => e.kind === 'tree.mass_modify');
    assert.equal(storm.details?.heuristic, 'encrypted_writes');
    assert.equal(storm.details?.pid, c.pid);
    const killed = await waitFor((e) => e.kind === 'containment.killed');
    assert.equal(killed.details?.pid, c.pid);
    assert.equal(killed.details?.reason, 'tree.mass_modify');
    assert.equal(killed.details?.decoyPath, null);
  });

  test('ordinary writes (text, office files with signatures) are no storm', async () => {
    const { share, policy, runtime, events } = await setup({ response: { kill: true, isolate: false } });
    await runtime.apply([policy]);
    const zip = Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(4000)]);
    const c = child(
      `const fs=require('fs');for(let i=0;i<20;i++){fs.writeFileSync(${JSON.stringify(share)}+'/doc'+i+'.docx',Buffer.from(${JSON.stringify(zip.toString('base64'))},'base64'));fs.writeFileSync(${JSON.stringify(share)}+'/memo'+i+'.txt','メモ '.repeat(500))}`,
    );
    assert.deepEqual(await c.done, { signal: null, out: '' });
    await new Promise((r) => setTimeout(r, 300));
    await runtime.idle();
    assert.deepEqual(
      events.filter((e) => e.severity !== 'info').map((e) => e.kind),
      [],
    );
  });

  test('when the helper dies the runtime falls back to inotify at once and starts fanotify again', {
    skip: !findInotifywait() && 'inotifywait is not installed',
  }, async () => {
    const { policy, runtime, waitFor, lines } = await setup();
    await runtime.apply([policy]);
    const helper = lines.find((l) => l.msg === 'fanotify watching the decoys');
    assert.ok(helper, 'fanotify started');
    const pid = runtime.fanotifyPid!;
    assert.equal(readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'mamori-fanotify');
    process.kill(pid, 'SIGKILL');
    const source = (): string | null => runtime.watcherSource;
    for (let i = 0; i < 50 && source() !== 'inotify'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(source(), 'inotify');
    await new Promise((r) => setTimeout(r, 300));
    const decoy = runtime.inventory().decoys[2]!.path;
    const c = child(`require('fs').readFileSync(${JSON.stringify(decoy)})`);
    await c.done;
    const read = await waitFor((e) => e.kind === 'decoy.read');
    assert.equal(read.details?.signal, 'inotify');
    for (let i = 0; i < 100 && source() !== 'fanotify'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(source(), 'fanotify');
  });

  test('start() watches the planted decoys with the last policies while the server is unreachable', async () => {
    const root = tempTree();
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const state = path.join(root, 'state');
    const first = await setup({ response: { kill: true, isolate: false } }, state, root);
    await first.runtime.apply([first.policy]);
    const decoy = first.runtime.inventory().decoys[0]!.path;
    await first.runtime.stop();
    const second = makeRuntime(state, root, { watcher: 'fanotify' });
    cleanups.push(() => second.runtime.stop());
    await second.runtime.start(); // no apply(): no heartbeat has succeeded
    assert.equal(second.runtime.watcherSource, 'fanotify');
    const c = child(`process.stdout.write(require('fs').readFileSync(${JSON.stringify(decoy)}, 'utf8'))`);
    assert.deepEqual(await c.done, { signal: 'SIGKILL', out: '' });
    const killed = await second.waitFor((e) => e.kind === 'containment.killed');
    assert.equal(killed.details?.pid, c.pid);
  });
});

test('the worker planner plans with @mamori/decoys off the main thread', async () => {
  const w = workerPlanner();
  try {
    const files = await w.planDecoys({
      seed: 's',
      directory: '/srv/share',
      count: 3,
      kinds: ['csv', 'xlsx'],
      existing: [{ name: '紹介状.docx', size: 20_000, mtimeMs: Date.now(), isDirectory: false }],
      beacon: { baseUrl: 'https://beacon.example', dnsZone: null, newToken: () => 'unused' },
    });
    assert.equal(files.length, 3);
    for (const f of files) {
      assert.ok(f.data instanceof Uint8Array && f.data.byteLength > 0);
      assert.ok(f.mtime instanceof Date && !Number.isNaN(f.mtime.getTime()));
    }
  } finally {
    await w.close();
  }
});
