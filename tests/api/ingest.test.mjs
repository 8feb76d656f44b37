// POST /v1/traces: `flock dashboard` as an OTLP/HTTP receiver. The senders
// are the OpenTelemetry JavaScript SDK's own exporters (protobuf, and JSON
// with gzip; tests/otlp/node_modules) and a second Flock program exporting
// over OTLP; what they sent is read back from the trace file with
// @duckdb/node-api, from the HTTP API and from the live stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  finishedStore,
  startDashboard,
  startDemo,
  assertStopped,
  api,
  getJson,
  openEvents,
  storedSpans,
  waitUntil,
  assertError,
  tempDir,
} from './helpers.mjs';
import { withDbWritable } from '../support/node_harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const otel = createRequire(path.join(here, '..', 'otlp', 'package.json'));
const { BasicTracerProvider, SimpleSpanProcessor } = otel('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = otel('@opentelemetry/resources');
const { trace, context, SpanStatusCode, SpanKind } = otel('@opentelemetry/api');
const ProtoExporter = otel('@opentelemetry/exporter-trace-otlp-proto').OTLPTraceExporter;
const JsonExporter = otel('@opentelemetry/exporter-trace-otlp-http').OTLPTraceExporter;

// A dashboard over a store that the demo has written (one workflow).
async function dashboard(t, opts = {}) {
  const tmp = await finishedStore(t, { runs: 1 });
  return startDashboard(t, tmp.db, opts);
}

// Spans of one made-up service sent through exporter: a server span with a
// child that fails. Returns their ids as the SDK gave them.
async function sendCheckout(exporter, service) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('checkout-lib', '3.1.0');
  const root = tracer.startSpan('POST /checkout', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'cart.items': 3 } });
  const ctx = trace.setSpan(context.active(), root);
  const child = tracer.startSpan('charge card', { attributes: { 'payment.provider': 'acme', 'retry.allowed': true } }, ctx);
  child.addEvent('declined', { 'decline.code': 'insufficient_funds' });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  child.end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  // The SDK starts a span at Date.now() (whole ms) and ends it a performance.now()
  // duration later, so a child may end up to 1 ms after its parent: the check
  // is that the stored times are exactly those the SDK sent.
  const ns = ([s, n]) => BigInt(s) * 1_000_000_000n + BigInt(n);
  return {
    traceId: root.spanContext().traceId,
    rootId: root.spanContext().spanId,
    childId: child.spanContext().spanId,
    times: {
      root: [ns(root.startTime), ns(root.endTime)],
      child: [ns(child.startTime), ns(child.endTime)],
    },
  };
}

async function spansOfTrace(db, traceId, count) {
  return waitUntil(
    async () => {
      const rows = (await storedSpans(db)).filter((s) => s.trace_id === traceId);
      return rows.length >= count ? rows : null;
    },
    `${count} spans of ${traceId} in the file`,
  );
}

function assertCheckout(rows, ids, service) {
  assert.equal(rows.length, 2, 'both spans stored, once each');
  const root = rows.find((r) => r.span_id === ids.rootId);
  const child = rows.find((r) => r.span_id === ids.childId);
  assert.ok(root && child, 'the span ids the SDK gave');
  assert.equal(root.parent_id, null);
  assert.equal(child.parent_id, ids.rootId);
  assert.equal(root.name, 'POST /checkout');
  assert.equal(root.kind, 'SERVER');
  assert.equal(root.service, service, 'the sender service.name is the span service');
  assert.equal(root.operation, 'POST /checkout');
  assert.equal(root.resource.service.name, service, 'the sender resource is kept');
  assert.equal(root.resource.deployment.environment, 'test');
  assert.equal(root.attributes.http.request.method, 'POST');
  assert.equal(Number(root.attributes.cart.items), 3);
  assert.equal(root.attributes.otel.scope.name, 'checkout-lib', 'the instrumentation scope is kept');
  assert.equal(root.attributes.otel.scope.version, '3.1.0');
  assert.equal(child.status_code, 'ERROR');
  assert.equal(child.status_description, 'card declined');
  assert.equal(child.attributes.retry.allowed, true);
  assert.equal(child.events.length, 1);
  assert.equal(child.events[0].name, 'declined');
  assert.deepEqual([BigInt(root.start_time), BigInt(root.end_time)], ids.times.root, 'root times as sent');
  assert.deepEqual([BigInt(child.start_time), BigInt(child.end_time)], ids.times.child, 'child times as sent');
}

test('the SDK protobuf exporter: spans land in the served file with their resource and scope, in /api/traces and on the live stream', async (t) => {
  const d = await dashboard(t);
  const ev = await openEvents(t, d.base);
  await ev.waitFor((e) => e.event === 'hello', 'hello');
  const ids = await sendCheckout(new ProtoExporter({ url: `${d.base}/v1/traces` }), 'node-checkout');
  assertCheckout(await spansOfTrace(d.db, ids.traceId, 2), ids, 'node-checkout');

  const list = await getJson(d.base, '/api/traces?service=node-checkout');
  assert.equal(list.total, 1);
  assert.equal(list.items[0].trace_id, ids.traceId);
  assert.equal(list.items[0].root_name, 'POST /checkout');
  assert.equal(list.items[0].status, 'ERROR');
  assert.deepEqual(list.items[0].service_names, ['node-checkout']);
  const live = await ev.waitFor((e) => e.event === 'span' && e.data.span_id === ids.childId, 'the received span on /api/events');
  assert.equal(live.data.trace_id, ids.traceId);
  // The demo's own trace is still there, untouched.
  assert.equal((await getJson(d.base, '/api/traces')).total, 2);
});

test('the SDK JSON exporter with gzip, and a bearer token from OTEL_EXPORTER_OTLP_HEADERS', async (t) => {
  const d = await dashboard(t, { args: ['--host', '0.0.0.0'], extraEnv: { FLOCK_API_TOKEN: 'ingest-token' } });
  const headers = { 'content-type': 'application/json' };
  assertError(await api(d.base, '/v1/traces', { method: 'POST', body: '{}', headers }), 401, /token/i, 'no token');
  // The exporter reads the token from the environment, as any OTLP sender does.
  process.env.OTEL_EXPORTER_OTLP_HEADERS = 'Authorization=Bearer ingest-token';
  let exporter;
  try {
    exporter = new JsonExporter({ url: `${d.base}/v1/traces`, compression: 'gzip' });
  } finally {
    delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
  }
  const ids = await sendCheckout(exporter, 'node-json');
  assertCheckout(await spansOfTrace(d.db, ids.traceId, 2), ids, 'node-json');
});

test('partial success: a span with a bad id is rejected and counted, the others of the request are kept', async (t) => {
  const d = await dashboard(t);
  const traceId = randomBytes(16).toString('hex');
  const good = { traceId, spanId: randomBytes(8).toString('hex'), name: 'good', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000001000000000' };
  const req = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'mixed' } }] },
        scopeSpans: [{ spans: [good, { ...good, spanId: 'not-hex', name: 'bad' }, { ...good, spanId: '0000000000000000', name: 'zero' }] }],
      },
    ],
  };
  const r = await api(d.base, '/v1/traces', { method: 'POST', json: req });
  assert.equal(r.status, 200, r.text);
  assert.equal(Number(r.body.partialSuccess.rejectedSpans), 2);
  assert.match(r.body.partialSuccess.errorMessage, /spanId|id/);
  const rows = await spansOfTrace(d.db, traceId, 1);
  assert.deepEqual(rows.map((s) => s.name), ['good']);
  // Everything accepted: no partialSuccess at all.
  const again = await api(d.base, '/v1/traces', { method: 'POST', json: { resourceSpans: [] } });
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, {});
});

test('hostile bodies: wrong type 415, undecodable 400, a gzip bomb 413, bad gzip 400, GET 405; the server keeps serving and the file keeps its spans', async (t) => {
  const d = await dashboard(t);
  const before = (await storedSpans(d.db)).length;
  const post = (body, headers) => api(d.base, '/v1/traces', { method: 'POST', body, headers });
  assertError(await post('x', { 'content-type': 'text/plain' }), 415, /application\/x-protobuf/, 'text/plain');
  assertError(await post('{"resourceSpans": 7}', { 'content-type': 'application/json' }), 400, /OTLP/, 'wrong JSON shape');
  assertError(await post('not json', { 'content-type': 'application/json' }), 400, /OTLP/, 'not JSON');
  const pb = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), { 'content-type': 'application/x-protobuf' });
  assert.equal(pb.status, 400, 'a truncated protobuf message');
  assert.equal(pb.headers.get('content-type'), 'application/x-protobuf', 'a protobuf client gets a google.rpc.Status');
  assert.match(pb.text, /ExportTraceServiceRequest/);
  const bomb = zlib.gzipSync(Buffer.alloc(80 << 20));
  assert.ok(bomb.length < 1 << 20);
  assertError(await post(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' }), 413, /inflates/, 'gzip bomb');
  assertError(await post(Buffer.from('not gzip'), { 'content-type': 'application/json', 'content-encoding': 'gzip' }), 400, /gzip/, 'bad gzip');
  assertError(await post('{}', { 'content-type': 'application/json', 'content-encoding': 'br' }), 415, /br/, 'brotli');
  assertError(await api(d.base, '/v1/traces'), 405, /POST/, 'GET');
  const deep = `{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":${nest(2000)}}]},"scopeSpans":[]}]}`;
  const r = await post(deep, { 'content-type': 'application/json' });
  assert.ok(r.status === 200 || r.status === 400, `a 2000-deep value: ${r.status} ${r.text}`);
  assert.equal((await getJson(d.base, '/api/health')).status, 'ok');
  assert.equal((await storedSpans(d.db)).length, before, 'nothing was lost or added');
});

// A value nested depth arrays deep, as text (JSON.stringify itself overflows on it).
function nest(depth) {
  return '{"arrayValue":{"values":['.repeat(depth) + '{"stringValue":"leaf"}' + ']}}'.repeat(depth);
}

test('a Flock program exports over OTLP to the dashboard of another process: its workflows land in the dashboard file under its service name', async (t) => {
  const d = await dashboard(t);
  const tmp = tempDir(t);
  const worker = await startDemo(t, {
    runs: 2,
    tmp,
    extraEnv: { FLOCK_TRACE_FILE: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: d.base, OTEL_SERVICE_NAME: 'kitchen-a', FLOCK_TRACE_FLUSH_MS: '100' },
  });
  const list = await waitUntil(
    async () => {
      const l = await getJson(d.base, '/api/traces?service=kitchen-a');
      return l.total >= 2 ? l : null;
    },
    "the worker's 2 workflows in the dashboard",
    60000,
  );
  assertStopped(await worker.stop(), 'SIGTERM', 'the worker');
  for (const item of list.items) {
    assert.deepEqual(item.service_names, ['kitchen-a']);
    assert.ok(item.workflow_name, 'a traced workflow');
    assert.ok(item.agents.length >= 1, 'agents recorded');
  }
  const spans = (await storedSpans(d.db)).filter((s) => s.resource?.service?.name === 'kitchen-a');
  assert.ok(spans.some((s) => s.name === 'Agent.execute'), 'agent spans arrived');
  assert.ok(spans.every((s) => s.attributes.otel?.scope === undefined || typeof s.attributes.otel.scope.name === 'string'));
});

test('Flock::serve() receives OTLP too: the spans land in the program\'s own trace file next to its own', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const ids = await sendCheckout(new ProtoExporter({ url: `${s.base}/v1/traces` }), 'beside-the-program');
  assertCheckout(await spansOfTrace(s.db, ids.traceId, 2), ids, 'beside-the-program');
  const mine = (await storedSpans(s.db)).filter((x) => x.trace_id !== ids.traceId);
  assert.ok(mine.some((x) => x.name === 'Agent.execute'), "the program's own spans are there too");
});

test('past the writer\'s byte bound (the file held by another process) ingest answers 503 with Retry-After, and nothing accepted is lost', async (t) => {
  const tmp = tempDir(t);
  const db = path.join(tmp.dir, 'held.duckdb');
  const d = await startDashboard(t, db, { extraEnv: { FLOCK_TRACE_MAX_QUEUE_BYTES: '1048576', FLOCK_TRACE_FLUSH_MS: '50' } });
  // One span first creates the store, then an outside writer holds it.
  const first = randomBytes(16).toString('hex');
  const span = (traceId, i) => ({
    traceId,
    spanId: randomBytes(8).toString('hex'),
    name: `s${i}`,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000001000000000',
    attributes: [{ key: 'blob', value: { stringValue: 'x'.repeat(8000) } }],
  });
  const send = (traceId, n) =>
    api(d.base, '/v1/traces', {
      method: 'POST',
      json: { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: Array.from({ length: n }, (_, i) => span(traceId, i)) }] }] },
    });
  assert.equal((await send(first, 1)).status, 200);
  await spansOfTrace(db, first, 1);
  const traceId = randomBytes(16).toString('hex');
  let accepted = 0;
  let refused = null;
  await withDbWritable(db, async () => {
    for (let k = 0; k < 40 && !refused; k++) {
      const r = await send(traceId, 20); // about 160 KB of values a request
      if (r.status === 200) accepted += 20;
      else refused = r;
    }
  });
  assert.ok(refused, 'the byte bound was reached');
  assert.equal(refused.status, 503, refused.text);
  assert.equal(refused.headers.get('retry-after'), '1');
  assert.match(refused.body.error, /queue is full/);
  assert.ok(accepted > 0);
  // Released: every accepted span reaches the file.
  const rows = await spansOfTrace(db, traceId, accepted);
  assert.equal(rows.length, accepted);
});
