// Builds a Node single executable application: dist/mamori-agent (dist/mamori-agent.exe on Windows).
// Steps: CommonJS bundle -> SEA preparation blob -> copy of this node binary -> postject the blob into it.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_NODE_FLAGS } from '../src/service.ts';
import { bundle } from './build.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = path.join(root, 'dist', 'sea');
const exe = path.join(root, 'dist', process.platform === 'win32' ? 'mamori-agent.exe' : 'mamori-agent');
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
await bundle('dist/sea/main.cjs', 'cjs'); // SEA entry points are CommonJS in Node 24
const config = {
  main: path.join(work, 'main.cjs'),
  output: path.join(work, 'sea-prep.blob'),
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
  execArgv: [...AGENT_NODE_FLAGS],
};
await writeFile(path.join(work, 'sea-config.json'), JSON.stringify(config, null, 2));
// The code cache is only accepted by a V8 with the same flags, so it is made with them.
run(process.execPath, [...AGENT_NODE_FLAGS, '--experimental-sea-config', path.join(work, 'sea-config.json')]);

await rm(exe, { force: true });
await copyFile(process.execPath, exe);
if (process.platform === 'darwin') run('codesign', ['--remove-signature', exe]);
const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
run(process.execPath, [
  postject,
  exe,
  'NODE_SEA_BLOB',
  config.output,
  '--sentinel-fuse',
  'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ...(process.platform === 'darwin' ? ['--macho-segment-name', 'NODE_SEA'] : []),
]);
if (process.platform === 'darwin') run('codesign', ['--sign', '-', exe]);
console.log(`built ${path.relative(root, exe)}`);
