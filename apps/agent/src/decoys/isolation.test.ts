// The built-in isolation presets: what stays reachable while a host is cut off.
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { dnsResolvers, ipv4Complement, ipv6Complement, netshPreset, nftablesPreset } from './isolation.ts';
import { tempTree } from './test-helpers.ts';

test('DNS stays allowed to the configured servers, and to the upstreams of a local stub resolver', async () => {
  const dir = tempTree('mamori-isolation-');
  after(() => rm(dir, { recursive: true, force: true }));
  const main = path.join(dir, 'resolv.conf');
  const upstream = path.join(dir, 'upstream.conf');
  await writeFile(upstream, 'nameserver 192.0.2.53\nnameserver 2001:db8::53\n');
  await writeFile(main, '# stub\nnameserver 127.0.0.53\noptions edns0\n');
  assert.deepEqual(await dnsResolvers({ main, upstream }), ['192.0.2.53', '2001:db8::53']);
  await writeFile(main, 'nameserver 198.51.100.1\n');
  assert.deepEqual(await dnsResolvers({ main, upstream }), ['198.51.100.1'], 'no stub: the upstream file is not read');
  const rules = nftablesPreset(['203.0.113.7'], 443, ['192.0.2.53']).isolate[0]!.stdin!;
  assert.match(rules, /oif "lo" accept/);
  assert.match(rules, /iif "lo" accept/);
  assert.match(rules, /ip daddr 192\.0\.2\.53 udp dport 53 accept/);
});

test('Windows: every IPv6 address is blocked too, except the platform’s', () => {
  assert.deepEqual(ipv6Complement([]), ['0:0:0:0:0:0:0:0-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']);
  assert.deepEqual(ipv6Complement(['2001:db8::1']), [
    '0:0:0:0:0:0:0:0-2001:db8:0:0:0:0:0:0',
    '2001:db8:0:0:0:0:0:2-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  ]);
  assert.deepEqual(ipv4Complement(['10.0.0.1']), ['0.0.0.0-10.0.0.0', '10.0.0.2-255.255.255.255']);
  const out = netshPreset(['10.0.0.1', '2001:db8::1'], 443).isolate.find((c) => c.argv.includes('dir=out'))!;
  const remote = out.argv
    .find((a) => a.startsWith('remoteip='))!
    .slice('remoteip='.length)
    .split(',');
  assert.ok(remote.includes('2001:db8:0:0:0:0:0:2-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), 'IPv6 is not left open');
  assert.ok(remote.includes('10.0.0.2-255.255.255.255'));
});
