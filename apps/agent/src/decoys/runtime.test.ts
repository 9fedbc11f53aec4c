import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { NewEvent } from '../outbox.ts';
import { loadManifest, saveManifest } from './manifest.ts';
import type { Planner } from './planner.ts';
import { fakePlanner, makePolicy, makeRuntime, tempTree } from './test-helpers.ts';
import { findInotifywait } from './watch.ts';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(over: Parameters<typeof makeRuntime>[2] = {}) {
  const root = tempTree();
  const state = path.join(root, 'state');
  const share = path.join(root, 'share');
  await mkdir(share);
  for (let i = 0; i < 10; i++) await writeFile(path.join(share, `カルテ_${i}.txt`), `記録 ${i}\n`);
  const rt = makeRuntime(state, root, over);
  cleanups.push(async () => {
    await rt.runtime.stop();
    await rm(root, { recursive: true, force: true });
  });
  return { root, state, share, ...rt };
}

const decoysIn = (events: NewEvent[], kind: string) => events.filter((e) => e.kind === kind);

describe('planting and removal', () => {
  test('plants the planned decoys, reports the inventory and announces the revision once', async () => {
    const { share, runtime, events, reports } = await setup();
    const policy = makePolicy([share]);
    await runtime.apply([policy]);
    await runtime.apply([policy]);
    const inv = runtime.inventory();
    assert.equal(inv.decoys.length, 4);
    for (const d of inv.decoys) {
      assert.ok(existsSync(d.path));
      assert.equal(d.directory, share);
      assert.equal(d.policyId, policy.id);
    }
    assert.equal(decoysIn(events, 'decoys.planted').length, 1);
    assert.equal(reports.at(-1)?.decoys.length, 4);
    assert.deepEqual(reports.at(-1)?.problems, []);
  });

  test('never overwrites a file that already has a decoy name', async () => {
    const { share, runtime } = await setup();
    const taken = path.join(share, '0000_患者一覧_0.csv');
    await writeFile(taken, 'the clerk’s own file\n');
    await runtime.apply([makePolicy([share])]);
    assert.equal(await readFile(taken, 'utf8'), 'the clerk’s own file\n');
    assert.ok(!runtime.inventory().decoys.some((d) => d.path === taken));
    assert.equal(runtime.inventory().decoys.length, 3);
  });

  test('refuses system directories, directories outside the roots and missing ones, and reports why', async () => {
    const { root, share, runtime, events, reports } = await setup();
    const policy = makePolicy(['/etc', '/srv/nowhere-allowed', path.join(root, 'missing'), 'relative/dir', share]);
    await runtime.apply([policy]);
    const problems = reports.at(-1)!.problems;
    assert.deepEqual(
      problems.map((p) => p.directory),
      ['/etc', '/srv/nowhere-allowed', path.join(root, 'missing'), 'relative/dir'],
    );
    assert.match(problems[0]!.message, /system directory/);
    assert.match(problems[1]!.message, /outside the allowed roots/);
    assert.match(problems[2]!.message, /does not exist/);
    assert.equal(runtime.inventory().decoys.length, 4);
    assert.equal(decoysIn(events, 'decoys.problem').length, 1);
    assert.ok(!existsSync(path.join(root, 'missing')));
  });

  test('removing a policy removes exactly what it planted, keeps changed decoys and non-empty folders', async () => {
    const nested: Planner = async (o) =>
      (await fakePlanner(o)).map((f, i) =>
        i === 0 && o.count === 4 ? { ...f, relativePath: `過去分/2019/${f.relativePath}` } : f,
      );
    const { share, runtime, events } = await setup({ planner: { planDecoys: nested, shannonEntropy: () => 1 } });
    const before = readdirSync(share).sort();
    const policy = makePolicy([share], { perDirectory: 4 });
    const other = makePolicy([share], { perDirectory: 2, seed: 'other' });
    await runtime.apply([policy]);
    const planted = runtime.inventory().decoys.map((d) => d.path);
    assert.ok(existsSync(path.join(share, '過去分/2019')));
    // A user file lands in the folder the agent created; one decoy gets changed by someone.
    await writeFile(path.join(share, '過去分', 'memo.txt'), 'keep me');
    const changed = planted.find((p) => p.endsWith('.csv') && !p.includes('過去分'))!;
    await writeFile(changed, 'changed by someone');
    await runtime.apply([other]);
    await runtime.idle();
    const left = readdirSync(share).sort();
    for (const p of planted) if (p !== changed) assert.ok(!existsSync(p), `${p} should be gone`);
    assert.ok(existsSync(changed), 'a changed decoy is not ours any more: kept');
    assert.ok(existsSync(path.join(share, '過去分', 'memo.txt')));
    assert.ok(!existsSync(path.join(share, '過去分', '2019')), 'the empty folder the agent created is removed');
    const otherDecoys = runtime.inventory().decoys.map((d) => path.basename(d.path));
    assert.deepEqual(left, [...before, ...otherDecoys, path.basename(changed), '過去分'].sort());
    assert.ok(events.some((e) => e.kind === 'decoys.planted' && e.details?.policyId === other.id));
  });

  test('a folder swapped for a symbolic link while planting is not followed', async () => {
    const outside = tempTree('mamori-outside-');
    cleanups.push(() => rm(outside, { recursive: true, force: true }));
    await writeFile(path.join(outside, 'shadow'), 'root:secret\n', { mode: 0o600 });
    // The planner runs after the folder was checked: a share user turns the sub-folder into a link meanwhile.
    const swapping: Planner = async (o) => {
      await symlink(outside, path.join(o.directory, '過去分'));
      return (await fakePlanner(o)).map((f, i) => (i === 0 ? { ...f, relativePath: `過去分/${f.relativePath}` } : f));
    };
    const { share, runtime, reports } = await setup({ planner: { planDecoys: swapping, shannonEntropy: () => 1 } });
    await chown(share, 4321, 4321);
    await runtime.apply([makePolicy([share])]);
    assert.deepEqual(readdirSync(outside), ['shadow'], 'nothing created through the link');
    const st = await lstat(path.join(outside, 'shadow'));
    assert.equal(st.uid, process.getuid?.());
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(runtime.inventory().decoys.length, 3);
    assert.ok(runtime.inventory().decoys.every((d) => !d.path.includes('過去分')));
    assert.match(reports.at(-1)!.problems[0]!.message, /could not write/);
  });

  test('a policy folder given through a link is planted and recorded under its real path', async () => {
    const { root, share, runtime } = await setup();
    const link = path.join(root, 'link-to-share');
    await symlink(share, link);
    await runtime.apply([makePolicy([link])]);
    const inv = runtime.inventory();
    assert.equal(inv.decoys.length, 4);
    for (const d of inv.decoys) {
      assert.equal(d.directory, share);
      assert.equal(path.dirname(d.path), share);
    }
  });

  test('a new revision re-plants', async () => {
    const { share, runtime, events } = await setup();
    const policy = makePolicy([share]);
    await runtime.apply([policy]);
    await runtime.apply([{ ...policy, revision: '2', perDirectory: 2 }]);
    assert.equal(runtime.inventory().decoys.length, 2);
    assert.equal(decoysIn(events, 'decoys.planted').length, 2);
    assert.equal(readdirSync(share).filter((n) => n.endsWith('.csv')).length, 2);
  });
});

describe('restarts', () => {
  test('the manifest survives a restart and the start sweep reports changes made while stopped', async () => {
    const { root, state, share, runtime, events } = await setup();
    const policy = makePolicy([share]);
    await runtime.apply([policy]);
    await runtime.stop();
    assert.equal(events.filter((e) => e.severity === 'critical').length, 0);
    const [a, b] = runtime.inventory().decoys;
    await writeFile(a!.path, randomBytes(3000));
    await unlink(b!.path);

    const second = makeRuntime(state, root);
    cleanups.push(() => second.runtime.stop());
    await second.runtime.apply([policy]);
    const integrity = decoysIn(second.events, 'decoy.integrity');
    assert.deepEqual(integrity.map((e) => e.details?.change).sort(), ['deleted', 'modified']);
    const mod = integrity.find((e) => e.details?.change === 'modified')!;
    assert.equal(mod.severity, 'critical');
    assert.equal(mod.details?.path, a!.path);
    assert.equal(mod.details?.signal, 'sweep');
    assert.equal(mod.details?.beforeSha256, a!.sha256);
    assert.notEqual(mod.details?.afterSha256, a!.sha256);
    assert.equal(decoysIn(second.events, 'decoys.planted').length, 0, 'no re-planting for the same revision');
    // The same state is not reported again by the next sweep.
    await second.runtime.sweep();
    assert.equal(decoysIn(second.events, 'decoy.integrity').length, 2);
  });

  test('a stop in the middle of planting leaves no untracked decoy; the next apply plants again', async () => {
    const nested: Planner = async (o) =>
      (await fakePlanner(o)).map((f, i) => (i === 0 ? { ...f, relativePath: `過去分/${f.relativePath}` } : f));
    const planner = { planDecoys: nested, shannonEntropy: () => 1 };
    const { root, state, share, runtime } = await setup({ planner });
    const before = readdirSync(share).sort();
    const policy = makePolicy([share]);
    await runtime.apply([policy]);
    await runtime.stop();
    // The state a crash after writing the files, before recording them, leaves: announced, not recorded; one
    // file cut short mid-write.
    const m = await loadManifest(state, () => assert.fail('manifest unreadable'));
    const files = m.decoys.map((d) => d.path);
    m.intents = [
      {
        path: path.join(share, '過去分'),
        dir: true,
        sha256: '',
        size: 0,
        at: new Date(Date.now() - 2000).toISOString(),
      },
      ...m.decoys.map((d) => ({
        path: d.path,
        dir: false,
        sha256: d.sha256,
        size: d.size,
        at: new Date(Date.now() - 2000).toISOString(),
      })),
    ];
    m.decoys = [];
    m.policies[policy.id]!.planting = true;
    await saveManifest(state, m);
    await writeFile(files[1]!, (await readFile(files[1]!)).subarray(0, 10));
    const second = makeRuntime(state, root, { planner });
    cleanups.push(() => second.runtime.stop());
    await second.runtime.start();
    assert.deepEqual(readdirSync(share).sort(), before, 'every unrecorded decoy and the folder removed');
    assert.deepEqual(
      second.events.filter((e) => e.severity === 'critical'),
      [],
    );
    await second.runtime.apply([policy]);
    assert.equal(second.runtime.inventory().decoys.length, 4);
  });

  test('a stop in the middle of removing raises no "deleted" alert; the removal is finished', async () => {
    const { root, state, share, runtime } = await setup();
    const policy = makePolicy([share]);
    await runtime.apply([policy]);
    await runtime.stop();
    const m = await loadManifest(state, () => assert.fail('manifest unreadable'));
    m.policies[policy.id]!.removing = true;
    await saveManifest(state, m);
    await unlink(m.decoys[0]!.path);
    const second = makeRuntime(state, root);
    cleanups.push(() => second.runtime.stop());
    await second.runtime.start();
    assert.deepEqual(
      second.events.filter((e) => e.severity === 'critical'),
      [],
    );
    assert.equal(second.runtime.inventory().decoys.length, 0);
    for (const d of m.decoys) assert.ok(!existsSync(d.path));
  });
});

const watchers = [...(findInotifywait() ? (['inotify'] as const) : []), 'fs.watch'] as const;

for (const watcher of watchers) {
  describe(`signals (${watcher})`, () => {
    const ready = async () => {
      const s = await setup({ watcher });
      const policy = makePolicy([s.share]);
      await s.runtime.apply([policy]);
      assert.equal(s.runtime.watcherSource, watcher);
      const decoys = s.runtime.inventory().decoys;
      return { ...s, policy, decoys };
    };

    test('a modified decoy raises a critical event with evidence', async () => {
      const { decoys, waitFor, policy } = await ready();
      const d = decoys[0]!;
      await writeFile(d.path, randomBytes(d.size));
      const e = await waitFor((x) => x.kind === 'decoy.modified');
      assert.equal(e.severity, 'critical');
      assert.equal(e.source, 'decoys');
      assert.match(e.title, /おとりファイルが変更されました/);
      assert.equal(e.dedupKey?.endsWith(policy.id), true);
      assert.equal(e.details?.path, d.path);
      assert.equal(e.details?.beforeSha256, d.sha256);
      assert.notEqual(e.details?.afterSha256, d.sha256);
      assert.ok((e.details?.afterEntropy as number) > 7.5);
      assert.ok((e.details?.beforeEntropy as number) < 6);
      assert.equal(e.details?.signal, watcher);
      assert.equal(typeof e.details?.whatToDo, 'string');
    });

    test('a deleted decoy raises decoy.deleted', async () => {
      const { decoys, waitFor } = await ready();
      await unlink(decoys[1]!.path);
      const e = await waitFor((x) => x.kind === 'decoy.deleted' || x.kind === 'decoy.renamed');
      assert.equal(e.details?.path, decoys[1]!.path);
      assert.equal(e.details?.afterSha256, null);
    });

    test('a ransom note in the tree raises tree.ransom_note; an ordinary README does not', async () => {
      const { share, waitFor, events, runtime } = await ready();
      await writeFile(path.join(share, 'README.txt'), 'How to install the printer driver.\n');
      await writeFile(
        path.join(share, 'HOW_TO_DECRYPT.txt'),
        'All your files are encrypted. Pay 1 BTC to get the decryption key. Contact us via Tor: abc.onion\n',
      );
      const e = await waitFor((x) => x.kind === 'tree.ransom_note');
      assert.equal(path.basename(e.details?.path as string), 'HOW_TO_DECRYPT.txt');
      await runtime.idle();
      assert.equal(decoysIn(events, 'tree.ransom_note').length, 1);
    });

    test('a storm of renames to one unusual extension raises tree.mass_rename', async () => {
      const { share, waitFor } = await ready();
      for (let i = 0; i < 20; i++) {
        const f = path.join(share, `doc_${i}.docx`);
        await writeFile(f, 'x');
      }
      for (let i = 0; i < 20; i++)
        await rename(path.join(share, `doc_${i}.docx`), path.join(share, `doc_${i}.docx.lockbit3`));
      const e = await waitFor((x) => x.kind === 'tree.mass_rename');
      assert.equal(e.details?.extension, 'lockbit3');
    });

    test('many files written within a second raise tree.mass_modify', async () => {
      const { share, waitFor } = await ready();
      await mkdir(path.join(share, 'batch'));
      // Creating the sub-folder first: give the recursive watch a moment to cover it.
      await new Promise((r) => setTimeout(r, 300));
      await Promise.all(Array.from({ length: 120 }, (_, i) => writeFile(path.join(share, 'batch', `f${i}.dat`), 'x')));
      const e = await waitFor((x) => x.kind === 'tree.mass_modify');
      assert.ok((e.details?.count as number) >= 60);
    });

    test('with the kill response, a storm of ordinary writes (a folder copy) is reported but nothing is killed', async () => {
      const s = await setup({ watcher });
      await s.runtime.apply([makePolicy([s.share], { response: { kill: true, isolate: false } })]);
      const dir = path.join(s.share, 'copy');
      await mkdir(dir);
      await new Promise((r) => setTimeout(r, 300));
      // A copy tool: writes 150 files, keeping one of them open a while afterwards.
      const code = `const fs=require('fs'),p=require('path');const d=${JSON.stringify(dir)};
        const fd=fs.openSync(p.join(d,'held.dat'),'w');
        for(let i=0;i<150;i++)fs.writeFileSync(p.join(d,'f'+i+'.dat'),'copied '+i);
        setTimeout(()=>{fs.closeSync(fd);process.exit(0)},1500);`;
      const c = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
      const exit = new Promise<{ code: number | null; signal: string | null }>((r) =>
        c.on('exit', (code, signal) => r({ code, signal })),
      );
      await s.waitFor((x) => x.kind === 'tree.mass_modify');
      assert.deepEqual(await exit, { code: 0, signal: null });
      await s.runtime.idle();
      assert.deepEqual(
        s.events.filter((e) => e.kind.startsWith('containment.')).map((e) => e.kind),
        [],
      );
    });
  });
}

describe('signals only inotify sees', { skip: !findInotifywait() && 'inotifywait is not installed' }, () => {
  const ready = async (over: Parameters<typeof makeRuntime>[2] = {}, policyOver = {}) => {
    const s = await setup({ watcher: 'inotify', ...over });
    const policy = makePolicy([s.share], policyOver);
    await s.runtime.apply([policy]);
    return { ...s, policy, decoys: s.runtime.inventory().decoys };
  };

  test('reading a decoy raises decoy.read, naming the reading process', async () => {
    const { decoys, waitFor } = await ready();
    const child = spawn(process.execPath, [
      '-e',
      `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(decoys[0]!.path)},'r');setInterval(()=>fs.readSync(fd,Buffer.alloc(10),0,10,0),20)`,
    ]);
    cleanups.push(async () => child.kill('SIGKILL'));
    const e = await waitFor((x) => x.kind === 'decoy.read');
    assert.equal(e.details?.path, decoys[0]!.path);
    assert.equal(e.details?.signal, 'inotify');
    assert.equal(e.details?.pid, child.pid);
    assert.match(e.details?.cmdline as string, /openSync/);
    if (process.getuid?.() === 0) assert.equal(e.details?.user, 'root');
    assert.equal(child.exitCode, null, 'kill is off in this policy: the reader keeps running');
  });

  test('a renamed decoy raises decoy.renamed and a chmod raises decoy.attrib', async () => {
    const { decoys, waitFor } = await ready();
    await rename(decoys[0]!.path, `${decoys[0]!.path}.locked`);
    await chmod(decoys[1]!.path, 0o600);
    assert.equal((await waitFor((x) => x.kind === 'decoy.renamed')).details?.path, decoys[0]!.path);
    assert.equal((await waitFor((x) => x.kind === 'decoy.attrib')).details?.path, decoys[1]!.path);
  });

  test('with the kill response, the process holding a decoy is killed and the kill is reported', async () => {
    const { decoys, waitFor } = await ready({}, { response: { kill: true, isolate: false } });
    const child = spawn(process.execPath, [
      '-e',
      `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(decoys[2]!.path)},'r+');setInterval(()=>fs.writeSync(fd,'x',0),20)`,
    ]);
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
    const killed = await waitFor((x) => x.kind === 'containment.killed');
    assert.equal(killed.details?.pid, child.pid);
    assert.equal(killed.details?.holdsDecoy, true);
    assert.equal(await exited, 'SIGKILL');
  });

  test('the agent’s own sweeps do not raise read events', async () => {
    const { runtime, events } = await ready();
    await runtime.sweep();
    await runtime.sweep();
    await new Promise((r) => setTimeout(r, 300));
    await runtime.idle();
    assert.deepEqual(
      events.filter((e) => e.severity === 'critical').map((e) => e.kind),
      [],
    );
  });
});

describe('isolation', () => {
  const override = async (state: string, marker: string, fail = false) => {
    await mkdir(state, { recursive: true });
    const write = (word: string) => [
      process.execPath,
      '-e',
      `require('fs').appendFileSync(${JSON.stringify(marker)}, ${JSON.stringify(`${word}\n`)});${fail ? 'process.exit(3)' : ''}`,
    ];
    await writeFile(
      path.join(state, 'isolation.json'),
      JSON.stringify({ isolate: write('isolate'), release: write('release') }),
    );
  };

  test('the SOC’s isolate and release requests run the local commands once per request', async () => {
    const { root, state, runtime, events, reports } = await setup();
    const marker = path.join(root, 'marker');
    await override(state, marker);
    const first = randomUUID();
    await runtime.setIsolation({ desired: 'isolated', requestId: first });
    await runtime.setIsolation({ desired: 'isolated', requestId: first });
    assert.equal(await readFile(marker, 'utf8'), 'isolate\n');
    assert.equal(reports.at(-1)?.isolated, true);
    await runtime.setIsolation({ desired: 'released', requestId: randomUUID() });
    assert.equal(await readFile(marker, 'utf8'), 'isolate\nrelease\n');
    assert.equal(reports.at(-1)?.isolated, false);
    assert.deepEqual(
      events.filter((e) => e.kind.startsWith('containment.')).map((e) => e.kind),
      ['containment.isolated', 'containment.released'],
    );
  });

  test('a failing isolation command is reported as containment.failed', async () => {
    const { root, state, runtime, events, reports } = await setup();
    await override(state, path.join(root, 'marker'), true);
    await runtime.setIsolation({ desired: 'isolated', requestId: randomUUID() });
    const failed = events.find((e) => e.kind === 'containment.failed');
    assert.ok(failed);
    assert.match(failed.details?.error as string, /exit 3/);
    assert.equal(reports.at(-1)?.isolated, false);
  });

  test('a decoy touch isolates the host when the policy says so', async () => {
    const { root, state, share, runtime, waitFor } = await setup();
    const marker = path.join(root, 'marker');
    await override(state, marker);
    await runtime.apply([makePolicy([share], { response: { kill: false, isolate: true } })]);
    // Written by another process: fanotify never reports the agent's own process.
    spawnSync(process.execPath, [
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(runtime.inventory().decoys[0]!.path)}, 'encrypted')`,
    ]);
    const e = await waitFor((x) => x.kind === 'containment.isolated');
    assert.equal(e.details?.reason, 'decoy');
    assert.equal(await readFile(marker, 'utf8'), 'isolate\n');
    assert.equal(runtime.inventory().isolated, true);
  });
});
