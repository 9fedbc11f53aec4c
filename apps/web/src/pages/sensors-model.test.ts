import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SENSOR_PERSONAS, SensorConfigInputSchema, type SensorSource } from '@mamori/contracts';
import {
  cvesOf,
  durationParts,
  hourlyBuckets,
  isRegional,
  problemMessage,
  replaySteps,
  serverConfigErrors,
  sourceMatrix,
  toConfigForm,
  toConfigInput,
  validateConfigForm,
} from './sensors-model.ts';

let n = 0;
const newKey = () => `k${++n}`;
const defaults = () => SensorConfigInputSchema.parse({ personas: DEFAULT_SENSOR_PERSONAS });

describe('listener problems in plain words', () => {
  it('names the port and the cause the sensor reported', () => {
    assert.deepEqual(problemMessage({ port: 22, message: 'port 22 is already in use on 0.0.0.0' }), {
      key: 'sensors.problem.portInUse',
      values: { port: 22, bind: '0.0.0.0' },
    });
    assert.equal(
      problemMessage({ port: 104, message: 'no permission to listen on port 104 (ports below 1024 need …)' }).key,
      'sensors.problem.noPermission',
    );
    assert.deepEqual(problemMessage({ port: 22, message: '10.0.0.9 is not an address of this host' }).values, {
      port: 22,
      bind: '10.0.0.9',
    });
    assert.deepEqual(problemMessage({ port: 2575, message: 'persona hl7 is not available in this sensor version' }), {
      key: 'sensors.problem.unsupported',
      values: { port: 2575, persona: 'hl7' },
    });
  });
  it('keeps an unknown message so nothing is hidden', () => {
    assert.deepEqual(problemMessage({ port: 9, message: 'EMFILE' }), {
      key: 'sensors.problem.other',
      values: { port: 9, message: 'EMFILE' },
    });
  });
});

describe('hourly chart', () => {
  it('puts each session in its JST hour, the current hour last, older ones left out', () => {
    const now = new Date('2026-03-10T05:30:00Z'); // 14:30 JST
    const { starts, series } = hourlyBuckets(
      [
        { startedAt: '2026-03-10T05:01:00Z', persona: 'ssh' },
        { startedAt: '2026-03-10T05:59:00Z', persona: 'ssh' },
        { startedAt: '2026-03-10T04:59:59Z', persona: 'ssh' },
        { startedAt: '2026-03-09T06:00:00Z', persona: 'smb' }, // first bucket
        { startedAt: '2026-03-09T05:59:59Z', persona: 'smb' }, // 24 h + ago: out
      ],
      now,
    );
    assert.equal(starts.length, 24);
    assert.equal(starts.at(-1)?.toISOString(), '2026-03-10T05:00:00.000Z');
    assert.equal(starts[0]?.toISOString(), '2026-03-09T06:00:00.000Z');
    assert.equal(series.get('ssh')?.[23], 2);
    assert.equal(series.get('ssh')?.[22], 1);
    assert.equal(series.get('smb')?.[0], 1);
    assert.equal(
      series.get('smb')?.reduce((a, b) => a + b, 0),
      1,
    );
  });
});

describe('sources × facilities', () => {
  const source = (srcIp: string, facilities: [string, number][]): SensorSource => ({
    srcIp,
    sessions: facilities.reduce((a, [, n]) => a + n, 0),
    logins: 0,
    commands: 0,
    worstStage: 'probe',
    firstAt: '2026-03-10T00:00:00Z',
    lastAt: '2026-03-10T01:00:00Z',
    personas: ['ssh'],
    facilities: facilities.map(([id, sessions]) => ({ id, name: `F-${id}`, sessions })),
  });
  it('orders facilities by sessions and places every cell', () => {
    const m = sourceMatrix([
      source('203.0.113.7', [
        ['a', 2],
        ['b', 9],
      ]),
      source('198.51.100.1', [['a', 4]]),
    ]);
    assert.deepEqual(
      m.facilities.map((f) => f.id),
      ['b', 'a'],
    );
    assert.deepEqual(m.ips, ['203.0.113.7', '198.51.100.1']);
    assert.deepEqual(
      m.cells.sort(),
      [
        [0, 0, 9],
        [1, 0, 2],
        [1, 1, 4],
      ].sort(),
    );
    assert.equal(m.max, 9);
  });
  it('calls a source regional from two facilities on', () => {
    assert.equal(isRegional(source('x', [['a', 1]])), false);
    assert.equal(
      isRegional(
        source('x', [
          ['a', 1],
          ['b', 1],
        ]),
      ),
      true,
    );
  });
});

describe('replay timing', () => {
  it('keeps short gaps, shortens long ones and counts from the first interaction', () => {
    const steps = replaySteps(
      [{ at: '2026-03-10T00:00:00.000Z' }, { at: '2026-03-10T00:00:01.500Z' }, { at: '2026-03-10T00:05:01.500Z' }],
      3000,
    );
    assert.deepEqual(steps, [
      { gapMs: 0, waitMs: 0, offsetMs: 0 },
      { gapMs: 1500, waitMs: 1500, offsetMs: 1500 },
      { gapMs: 300_000, waitMs: 3000, offsetMs: 301_500 },
    ]);
  });
  it('splits durations and reads CVEs in either shape', () => {
    assert.deepEqual(durationParts(3_725_400), { h: 1, m: 2, s: 5 });
    assert.deepEqual(cvesOf({ cve: 'CVE-2018-13379' }), ['CVE-2018-13379']);
    assert.deepEqual(cvesOf({ cve: ['CVE-2022-42475', 3] }), ['CVE-2022-42475']);
    assert.deepEqual(cvesOf({}), []);
  });
});

describe('configuration form', () => {
  it('round-trips a configuration: personas off keep their usual port and are not sent', () => {
    const config = SensorConfigInputSchema.parse({
      bind: '127.0.0.1',
      personas: [
        { kind: 'ssh', port: 2222 },
        { kind: 'smb', port: 445, enabled: false },
      ],
      acceptedLogins: [{ username: 'admin', password: 'admin' }],
    });
    const form = toConfigForm(config, newKey);
    assert.deepEqual(form.personas.ssh, { enabled: true, port: 2222 });
    assert.deepEqual(form.personas.smb, { enabled: false, port: 445 });
    assert.deepEqual(form.personas.dicom, { enabled: false, port: 104 });
    form.acceptedLogins.push({ key: newKey(), username: ' ', password: '' }); // blank row: dropped
    const input = toConfigInput(form);
    assert.deepEqual(input.personas, [{ kind: 'ssh', port: 2222, enabled: true }]);
    assert.deepEqual(input.acceptedLogins, [{ username: 'admin', password: 'admin' }]);
    assert.equal(input.limits.idleSeconds, 300);
    assert.deepEqual(validateConfigForm(form), {});
  });
  it('puts each problem on its field', () => {
    const form = toConfigForm(defaults(), newKey);
    form.bind = '10.0.0';
    form.personas.ssh.port = 445; // smb is on 445
    form.personas.telnet.port = 70_000;
    form.personas.rdp.port = '';
    form.personas.tcp.port = 445; // off: not checked
    form.limits.idleSeconds = 2;
    form.limits.maxPerSource = '';
    form.acceptedLogins = [{ key: newKey(), username: 'root', password: '' }];
    const errors = validateConfigForm(form);
    assert.deepEqual(errors.bind, { key: 'sensors.config.bindInvalid' });
    assert.deepEqual(errors['personas.ssh.port'], {
      key: 'sensors.config.portTaken',
      values: { port: 445, persona: 'smb' },
    });
    assert.deepEqual(errors['personas.smb.port'], {
      key: 'sensors.config.portTaken',
      values: { port: 445, persona: 'ssh' },
    });
    assert.deepEqual(errors['personas.telnet.port'], { key: 'validation.maxNumber', values: { max: 65_535 } });
    assert.deepEqual(errors['personas.rdp.port'], { key: 'validation.required' });
    assert.equal(errors['personas.tcp.port'], undefined);
    assert.deepEqual(errors['limits.idleSeconds'], { key: 'validation.minNumber', values: { min: 5 } });
    assert.deepEqual(errors['limits.maxPerSource'], { key: 'validation.required' });
    assert.deepEqual(errors['acceptedLogins.0.password'], { key: 'validation.required' });
    assert.equal(errors['acceptedLogins.0.username'], undefined);
  });
  it('maps the server’s request paths back to the form rows', () => {
    const form = toConfigForm(defaults(), newKey);
    form.personas.sslvpn_forti.enabled = false;
    form.acceptedLogins = [
      { key: newKey(), username: '', password: '' },
      { key: newKey(), username: 'a', password: 'b' },
    ];
    const errors = serverConfigErrors(
      [
        { path: 'body.personas.0.port', message: 'x' },
        { path: 'body.acceptedLogins.0.password', message: 'x' },
        { path: 'body.bind', message: 'x' },
      ],
      form,
    );
    // sslvpn_forti is off, so the first persona sent is emr_web; the blank first login row was not sent.
    assert.deepEqual(Object.keys(errors).sort(), ['acceptedLogins.1.password', 'bind', 'personas.emr_web.port']);
  });
});
