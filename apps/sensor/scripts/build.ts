// Bundles the sensor into one ES module file, apps/sensor/dist/mamori-sensor.mjs, with the agent's
// bundler (same runtime, same embedded files). ssh2's optional native speed-ups (cpu-features,
// sshcrypto.node) stay out: ssh2 falls back to Node's own crypto without them.
import { bundle } from '../../agent/scripts/build.ts';

await bundle('../sensor/dist/mamori-sensor.mjs', 'esm', '../sensor/src/main.ts', ['cpu-features', '*.node']);
console.log('built apps/sensor/dist/mamori-sensor.mjs');
