#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * The `mamori` executable. Turns on Node's on-disk compile cache before any other module loads
 * (start-up parses ~2,000 library files), then runs the CLI. The small young generation
 * (--max-semi-space-size=4, also set by `npm start`) keeps the garbage that Node 24's module loader
 * produces at start-up from growing the heap: measured in BENCHMARKS.md.
 */
import module from 'node:module';

module.enableCompileCache?.();
const { runCli, exitUnlessServing } = await import('./cli.ts');
await runCli(process.argv);
exitUnlessServing();
