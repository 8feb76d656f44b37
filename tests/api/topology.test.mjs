// The multi-process topology of docs/multi-process.md: one `flock dashboard`
// receives OTLP from two Flock programs and from a program that is not Flock
// (the OpenTelemetry JS SDK), and the three make one trace, joined through
// the W3C traceparent header the non-Flock program sends with its requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startDashboard, startDemo, assertStopped, api, getJson, storedSpans, waitUntil, tempDir } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const otel = createRequire(path.join(here, '..', 'otlp', 'package.json'));
const { BasicTracerProvider, SimpleSpanProcessor } = otel('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = otel('@opentelemetry/resources');
const { trace, context, SpanKind } = otel('@opentelemetry/api');
const ProtoExporter = otel('@opentelemetry/exporter-trace-otlp-proto').OTLPTraceExporter;

test('two Flock programs and a non-Flock OTel program export to one dashboard: one trace across three services', async (t) => {
  const tmp = tempDir(t);
  const hub = await startDashboard(t, path.join(tmp.dir, 'hub.duckdb'));
  // Each Flock program keeps no file of its own and exports to the hub.
  const kitchen = (name) =>
    startDemo(t, {
      runs: 0,
      extraEnv: { FLOCK_TRACE_FILE: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: hub.base, OTEL_SERVICE_NAME: name, FLOCK_TRACE_FLUSH_MS: '100' },
    });
  const [a, b] = await Promise.all([kitchen('kitchen-a'), kitchen('kitchen-b')]);

  // The front end: not Flock, the OpenTelemetry SDK. Its server span calls
  // both kitchens with its context in traceparent.
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'front-desk' }),
    spanProcessors: [new SimpleSpanProcessor(new ProtoExporter({ url: `${hub.base}/v1/traces` }))],
  });
  const tracer = provider.getTracer('front-desk', '1.0.0');
  const root = tracer.startSpan('POST /orders', { kind: SpanKind.SERVER });
  const traceId = root.spanContext().traceId;
  const ctx = trace.setSpan(context.active(), root);
  for (const [kitchen, dish] of [
    [a, 'pesto'],
    [b, 'margherita'],
  ]) {
    const call = tracer.startSpan(`order ${dish}`, { kind: SpanKind.CLIENT }, ctx);
    const sc = call.spanContext();
    const r = await api(kitchen.base, '/api/artifacts', {
      method: 'POST',
      json: { type: 'Order', payload: { dish, guests: 2 } },
      headers: { traceparent: `00-${sc.traceId}-${sc.spanId}-01` },
    });
    assert.equal(r.status, 201, r.text);
    call.end();
  }
  root.end();
  await provider.forceFlush();

  const item = await waitUntil(
    async () => {
      const l = await getJson(hub.base, `/api/traces?q=${traceId}`);
      const i = l.items.find((x) => x.trace_id === traceId);
      return i && ['front-desk', 'kitchen-a', 'kitchen-b'].every((s) => i.service_names.includes(s)) && i.agents.length > 0 ? i : null;
    },
    'one trace with spans of all three services',
    60000,
  );
  assert.equal(item.root_name, 'POST /orders', 'the front end started the trace');
  await provider.shutdown();
  assertStopped(await a.stop(), 'SIGTERM', 'kitchen-a');
  assertStopped(await b.stop(), 'SIGTERM', 'kitchen-b');

  // In the hub's file: the Flock spans hang under the front end's client
  // spans, each program's spans under its own resource.
  const spans = (await storedSpans(hub.db)).filter((s) => s.trace_id === traceId);
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const front = spans.filter((s) => s.resource?.service?.name === 'front-desk');
  assert.equal(front.length, 3, 'the server span and its two client spans');
  for (const name of ['kitchen-a', 'kitchen-b']) {
    const mine = spans.filter((s) => s.resource?.service?.name === name);
    assert.ok(mine.some((s) => s.name === 'Agent.execute'), `${name} ran agents in the trace`);
    const entry = mine.filter((s) => !mine.some((p) => p.span_id === s.parent_id));
    assert.ok(entry.length >= 1);
    for (const e of entry) {
      const parent = byId.get(e.parent_id);
      assert.ok(parent, `${name}'s first span has its parent in the trace`);
      assert.equal(parent.resource.service.name, 'front-desk');
      assert.match(parent.name, /^order /);
    }
  }
});
