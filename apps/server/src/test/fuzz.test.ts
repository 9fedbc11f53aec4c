/**
 * Schema-driven fuzzing: for every route in the OpenAPI document (generated from the shared
 * contracts), send malformed path parameters, query strings and bodies derived from the route's
 * own schemas. No request may produce a 5xx, every 4xx must carry the error shape, and the server
 * must stay healthy.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bootstrapAdmin, makeFacility, makeTestApp } from './harness.ts';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
};
type Operation = {
  parameters?: { in: string; name: string; schema: JsonSchema }[];
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
};

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom(
    '',
    ' ',
    '..',
    '../../etc/passwd',
    '%00',
    '\u0000',
    "' OR 1=1 --",
    '<script>',
    '{}',
    'null',
    '-1',
    '1e309',
    'NaN',
    '00000000-0000-0000-0000-000000000000',
  ),
  fc.uuid().map(String),
  fc.integer().map(String),
  fc.double().map(String),
  fc.string({ minLength: 300, maxLength: 3000 }),
);

/** A value of the wrong shape or an edge value for a schema. */
function valueFor(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const wild = fc.oneof(
    fc.anything({ maxDepth: 2 }),
    nasty,
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.array(nasty, { maxLength: 3 }),
  );
  if (!schema || depth > 3) return wild;
  if (schema.properties) {
    const props = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [
        k,
        fc.option(fc.oneof(valueFor(v, depth + 1), wild), { nil: undefined }),
      ]),
    );
    return fc.oneof(fc.record(props, { requiredKeys: [] }), wild);
  }
  if (schema.enum) return fc.oneof(fc.constantFrom(...schema.enum), wild);
  return wild;
}

describe('fuzzing every route from its schemas', async () => {
  const t = await makeTestApp({ MAMORI_API_RATE_LIMIT: '1000000', MAMORI_LOGIN_RATE_LIMIT: '10000' });
  const admin = await bootstrapAdmin(t);
  const f = await admin.req('POST', '/api/facilities', makeFacility());
  assert.equal(f.statusCode, 201);
  const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  let sent = 0;

  for (const [path, ops] of Object.entries(doc.paths)) {
    // The live stream never ends by design (agents.test.ts covers it over real TLS).
    if (path === '/api/alerts/stream') continue;
    for (const [method, op] of Object.entries(ops)) {
      // Signing out would only end the fuzzer's own session; it is fuzzed anonymously below.
      const anonymous = path === '/api/auth/logout';
      it(`${method.toUpperCase()} ${path}`, async () => {
        const params = op.parameters ?? [];
        const pathArbs = Object.fromEntries(params.filter((p) => p.in === 'path').map((p) => [p.name, nasty]));
        const queryArbs = Object.fromEntries(
          params
            .filter((p) => p.in === 'query')
            .map((p) => [p.name, fc.option(fc.oneof(valueFor(p.schema), nasty), { nil: undefined })]),
        );
        const bodySchema = op.requestBody?.content['application/json'].schema;
        const body = fc.oneof(
          { weight: 6, arbitrary: valueFor(bodySchema).map((v) => ({ kind: 'json' as const, v })) },
          { weight: 1, arbitrary: fc.string().map((v) => ({ kind: 'raw' as const, v })) },
          { weight: 1, arbitrary: fc.constant({ kind: 'none' as const, v: undefined }) },
        );
        await fc.assert(
          fc.asyncProperty(fc.record(pathArbs), fc.record(queryArbs, { requiredKeys: [] }), body, async (pp, qq, b) => {
            let url = path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(String(pp[k] ?? '')));
            const qs = new URLSearchParams();
            for (const [k, v] of Object.entries(qq))
              if (v !== undefined) qs.set(k, typeof v === 'string' ? v : JSON.stringify(v));
            if ([...qs].length) url += `?${qs}`;
            const headers: Record<string, string> = anonymous
              ? {}
              : { cookie: `__Host-mamori_session=${admin.cookie}`, 'x-csrf-token': admin.csrf };
            let payload: string | undefined;
            if (method !== 'get' && b.kind !== 'none') {
              payload = b.kind === 'json' ? JSON.stringify(b.v ?? null) : b.v;
              headers['content-type'] =
                b.kind === 'json'
                  ? 'application/json'
                  : (fc.sample(
                      fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
                      1,
                    )[0] ?? 'text/plain');
            }
            const res = await t.app.inject({
              method: method.toUpperCase() as 'GET',
              url,
              headers,
              ...(payload === undefined ? {} : { payload }),
            });
            sent++;
            assert.ok(
              res.statusCode < 500,
              `${method} ${url} ${payload?.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`,
            );
            if (res.statusCode >= 400) {
              const e = res.json() as { error?: { code?: string; message?: string } };
              assert.equal(typeof e.error?.code, 'string', `no error code: ${res.body.slice(0, 200)}`);
              assert.ok(!res.body.includes('    at '), 'stack trace leaked');
            }
          }),
          { numRuns: 90, seed: 20261124 },
        );
      });
    }
  }

  it('refuses oversized bodies with 413, unknown routes with 404, bad JSON with 400', async () => {
    const big = await admin.req('POST', '/api/facilities', { name: 'x'.repeat(2 * 1024 * 1024) });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error.code, 'payload_too_large');
    const unknown = await admin.req('GET', '/api/nothing-here');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'not_found');
    const badJson = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(badJson.statusCode, 400);
  });

  it('is still healthy and the session still works after all that', async () => {
    assert.ok(sent > 2500, `only ${sent} requests sent`);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/ready' })).statusCode, 200);
    assert.equal((await admin.req('GET', '/api/facilities')).statusCode, 200);
  });
});
