/** The agents' own mutual-TLS port: the console can sit behind a TLS-terminating proxy while agents keep mutual TLS. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../config.ts';
import { startServer } from '../server.ts';
import { agentRequest, bootstrapAdmin, createTestDatabase, makeAgentCsr, makeFacility, onCleanup } from './harness.ts';

describe('separate agent listener (MAMORI_AGENT_PORT)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-agent-port-'));
  onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const server = await startServer(
    loadConfig({
      DATABASE_URL: await createTestDatabase(),
      MAMORI_DATA_DIR: dir,
      MAMORI_PORT: '0',
      MAMORI_AGENT_PORT: '0',
      MAMORI_INSECURE_HTTP: 'true',
      MAMORI_LOG_LEVEL: 'silent',
      MAMORI_WEB_DIR: '',
    }),
  );
  onCleanup(() => server.stop());
  const admin = await bootstrapAdmin({ app: server.app, database: server.database, url: '' });
  const f = (await admin.req('POST', '/api/facilities', makeFacility())).json();
  const caPem = fs.readFileSync(path.join(dir, 'pki', 'ca.crt'), 'utf8');
  const agentUrl = server.agentUrl ?? '';
  const facts = { hostname: 'fs01', os: 'linux', osVersion: '12', ips: [], agentVersion: '0.1.0', uptimeSeconds: 1 };

  it('serves enrolment and the agent API over mutual TLS on its own port', async () => {
    assert.match(server.url, /^http:\/\//, 'the console is plain HTTP behind the proxy');
    assert.match(agentUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    const { token } = (await admin.req('POST', '/api/enrolment-tokens', { facilityId: f.id })).json();
    const { csrPem, keyPem } = await makeAgentCsr('fs01');
    const enrol = await agentRequest(
      agentUrl,
      'POST',
      '/api/agents/enroll',
      { token, csrPem, host: facts },
      undefined,
      caPem,
    );
    assert.equal(enrol.status, 201);
    const creds = { keyPem, certPem: enrol.json().certPem, caPem };
    const hb = await agentRequest(agentUrl, 'POST', '/api/agent/heartbeat', facts, creds, caPem);
    assert.equal(hb.status, 200);
    assert.equal(hb.json().policy.heartbeatSeconds > 0, true);
    const console = await agentRequest(agentUrl, 'GET', '/api/facilities', undefined, creds, caPem);
    assert.equal(console.status, 404, 'nothing of the console on the agent port');
    assert.match(console.json().error.message, /agents only/);
  });

  it('refuses the agent API on the plain-HTTP console port (no certificate can be presented there)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.url}/api/agent/heartbeat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify(facts));
    });
    assert.equal(status, 401);
  });
});
