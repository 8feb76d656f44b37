// Configuration from the environment, as the OpenTelemetry specification
// defines it, checked where it matters: on the requests a real receiver gets
// (URL path, headers, protocol), plus the defaults the library reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from './receiver.mjs';
import { run } from './helpers.mjs';

const fast = { OTEL_BSP_SCHEDULE_DELAY: 100, FLOCK_TRACE_FLUSH_MS: 100 };

// [description, env (given the receiver base URL), expected request path]
const ENDPOINTS = [
  ['OTEL_EXPORTER_OTLP_ENDPOINT without a path gets /v1/traces', (b) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: b }), '/v1/traces'],
  ['OTEL_EXPORTER_OTLP_ENDPOINT with a trailing slash gets v1/traces after exactly one slash', (b) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `${b}/` }), '/v1/traces'],
  ['OTEL_EXPORTER_OTLP_ENDPOINT with a path prefix', (b) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `${b}/collector` }), '/collector/v1/traces'],
  ['OTEL_EXPORTER_OTLP_ENDPOINT with a path prefix and a trailing slash', (b) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `${b}/collector/` }), '/collector/v1/traces'],
  ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is', (b) => ({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${b}/custom/ingest` }), '/custom/ingest'],
  ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT gets nothing appended, even ending in a slash', (b) => ({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${b}/custom/` }), '/custom/'],
  ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT wins over OTEL_EXPORTER_OTLP_ENDPOINT', (b) => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: `${b}/base`,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${b}/signal/traces`,
  }), '/signal/traces'],
];

for (const [name, env, expected] of ENDPOINTS) {
  test(name, async (t) => {
    const receiver = await startReceiver(t);
    const r = await run(t, ['bulk', '1'], { ...fast, ...env(receiver.base) });
    assert.ok(receiver.requests.length >= 1, 'the receiver got the export');
    for (const q of receiver.requests) {
      assert.equal(q.path, expected);
      assert.equal(q.error, null);
    }
    assert.equal(r.final.otlp.spans_sent, receiver.spans.length);
  });
}

test('OTEL_EXPORTER_OTLP_HEADERS: every header is sent, values percent-decoded', async (t) => {
  const receiver = await startReceiver(t);
  await run(t, ['bulk', '1'], {
    ...fast,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.base,
    OTEL_EXPORTER_OTLP_HEADERS: 'api-key=secret%20value,X-Tenant=acme%2C1 , x-empty-ok=a%3Db',
  });
  assert.ok(receiver.requests.length >= 1);
  for (const q of receiver.requests) {
    assert.equal(q.headers['api-key'], 'secret value');
    assert.equal(q.headers['x-tenant'], 'acme,1');
    assert.equal(q.headers['x-empty-ok'], 'a=b');
  }
});

test('OTEL_EXPORTER_OTLP_TRACES_HEADERS adds to OTEL_EXPORTER_OTLP_HEADERS and wins on the same key', async (t) => {
  const receiver = await startReceiver(t);
  await run(t, ['bulk', '1'], {
    ...fast,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.base,
    OTEL_EXPORTER_OTLP_HEADERS: 'a=general,b=general',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=traces',
  });
  assert.ok(receiver.requests.length >= 1);
  for (const q of receiver.requests) {
    assert.equal(q.headers.a, 'general');
    assert.equal(q.headers.b, 'traces');
  }
});

test('protocol: http/protobuf by default; OTEL_EXPORTER_OTLP_TRACES_PROTOCOL wins over OTEL_EXPORTER_OTLP_PROTOCOL', async (t) => {
  const receiver = await startReceiver(t);
  await run(t, ['bulk', '1'], { ...fast, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.base });
  assert.ok(receiver.requests.length >= 1);
  for (const q of receiver.requests) assert.equal(q.contentType, 'application/x-protobuf');
  const second = await startReceiver(t);
  await run(t, ['bulk', '1'], {
    ...fast,
    OTEL_EXPORTER_OTLP_ENDPOINT: second.base,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
  });
  assert.ok(second.requests.length >= 1);
  for (const q of second.requests) {
    assert.equal(q.contentType, 'application/json');
    assert.equal(q.error, null);
  }
});

test('an unknown protocol is a warning naming the variable; http/protobuf applies', async (t) => {
  const receiver = await startReceiver(t);
  const r = await run(t, ['bulk', '1'], { ...fast, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.base, OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon' });
  assert.match(r.stderr, /OTEL_EXPORTER_OTLP_PROTOCOL/);
  assert.ok(receiver.requests.length >= 1);
  for (const q of receiver.requests) assert.equal(q.contentType, 'application/x-protobuf');
});

test('defaults of the specification: timeout 10 s, batch 512, queue 2048, delay 5 s, no compression', async (t) => {
  const r = await run(t, ['config'], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
  const c = r.lines.find((l) => 'otlp' in l);
  assert.ok(c.otlp, 'an endpoint variable turns OTLP export on');
  assert.equal(c.otlp.endpoint, 'http://127.0.0.1:4318/v1/traces');
  assert.equal(c.otlp.protocol, 'http/protobuf');
  assert.equal(c.otlp.timeout_ms, 10000);
  assert.equal(c.otlp.max_export_batch_size, 512);
  assert.equal(c.otlp.max_queue_size, 2048);
  assert.equal(c.otlp.schedule_delay_ms, 5000);
  assert.equal(c.otlp.gzip, false);
});

test('OTLP settings from the environment', async (t) => {
  const r = await run(t, ['config'], {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
    OTEL_EXPORTER_OTLP_TIMEOUT: 2500,
    OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    OTEL_BSP_SCHEDULE_DELAY: 250,
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 64,
    OTEL_BSP_MAX_QUEUE_SIZE: 128,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  });
  const c = r.lines.find((l) => 'otlp' in l).otlp;
  assert.equal(c.timeout_ms, 2500);
  assert.equal(c.gzip, true);
  assert.equal(c.schedule_delay_ms, 250);
  assert.equal(c.max_export_batch_size, 64);
  assert.equal(c.max_queue_size, 128);
  assert.equal(c.protocol, 'http/json');
});

test('no endpoint variable: no OTLP export', async (t) => {
  const r = await run(t, ['config'], {});
  assert.equal(r.lines.find((l) => 'otlp' in l).otlp, null);
});

test('a short program with OTLP configured exits cleanly (10 runs, no crash at exit)', async (t) => {
  const bad = [];
  for (let i = 0; i < 10; i++) {
    const { startScenario, scenarioEnv, tempDir } = await import('./helpers.mjs');
    const tmp = tempDir(t);
    const h = startScenario(t, ['config'], { env: scenarioEnv(tmp, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), cwd: tmp.dir });
    const r = await h.exited;
    if (r.code !== 0 || r.signal !== null) bad.push(`run ${i}: code ${r.code} signal ${r.signal}`);
  }
  assert.deepEqual(bad, []);
});
