// GET /api/traces/{id}/otlp: an OTLP/JSON ExportTraceServiceRequest. Checked
// field by field against the OTLP/JSON rules (tests/otlp/receiver.mjs), then
// converted to protobuf with the OpenTelemetry JavaScript SDK's generated
// protobufjs code (@opentelemetry/otlp-transformer, tests/otlp/node_modules),
// encoded, decoded, and compared with the DuckDB rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startDemo, api, storedSpans, summarize } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const otlpDir = path.join(here, '..', 'otlp');
const rootJs = path.join(otlpDir, 'node_modules', '@opentelemetry', 'otlp-transformer', 'build', 'src', 'generated', 'root.js');
const haveOtel = fs.existsSync(rootJs);

// Nested stored attributes -> OTLP's flat dotted keys.
function flatten(obj, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(obj ?? {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v, key, out);
    else out[key] = v;
  }
  return out;
}
const norm = (v) => (typeof v === 'bigint' ? Number(v) : Array.isArray(v) ? v.map(norm) : v);

// OTLP/JSON ids are hex; protobufjs' fromObject takes bytes as base64.
function jsonToProtoObject(req) {
  const b64 = (hex) => Buffer.from(hex, 'hex').toString('base64');
  const copy = structuredClone(req);
  for (const rs of copy.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        s.traceId = b64(s.traceId);
        s.spanId = b64(s.spanId);
        if (s.parentSpanId) s.parentSpanId = b64(s.parentSpanId);
        for (const l of s.links ?? []) {
          l.traceId = b64(l.traceId);
          l.spanId = b64(l.spanId);
        }
      }
    }
  }
  return copy;
}

test('GET /api/traces/{id}/otlp: a valid OTLP/JSON ExportTraceServiceRequest with the stored spans', { skip: haveOtel ? false : 'tests/otlp/node_modules is missing: run tests/otlp/install.sh' }, async (t) => {
  const { decodeJson, decodeProtobuf } = await import('../otlp/receiver.mjs');
  const require = createRequire(rootJs);
  const root = require(rootJs);
  const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

  const s = await startDemo(t, { runs: 2 });
  const traces = summarize(await storedSpans(s.db));
  assert.equal(traces.length, 2);
  for (const tr of traces) {
    const r = await api(s.base, `/api/traces/${tr.trace_id}/otlp`);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');

    // 1. The OTLP/JSON rules, field by field.
    const spans = decodeJson(Buffer.from(r.text));
    assert.equal(spans.length, tr.span_count, 'every stored span, once');

    // 2. Through the SDK's protobuf message: fromObject, verify, encode, decode.
    const obj = jsonToProtoObject(JSON.parse(r.text));
    const msg = ExportTraceServiceRequest.fromObject(obj);
    assert.equal(ExportTraceServiceRequest.verify(msg), null, 'verifies as an ExportTraceServiceRequest');
    const viaProto = decodeProtobuf(ExportTraceServiceRequest.encode(msg).finish());
    assert.deepEqual(
      viaProto.map((x) => [x.traceId, x.spanId, x.parentSpanId, x.name, x.kind, x.startTimeUnixNano, x.endTimeUnixNano, x.status.code]),
      spans.map((x) => [x.traceId, x.spanId, x.parentSpanId, x.name, x.kind, x.startTimeUnixNano, x.endTimeUnixNano, x.status.code]),
      'the protobuf round trip gives the same spans',
    );

    // 3. The same spans as the DuckDB rows.
    const byId = new Map(spans.map((x) => [x.spanId, x]));
    const kinds = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };
    const codes = { UNSET: 0, OK: 1, ERROR: 2 };
    for (const row of tr.spans) {
      const o = byId.get(row.span_id);
      assert.ok(o, `${row.name} ${row.span_id} is in the OTLP request`);
      assert.equal(o.traceId, row.trace_id);
      assert.equal(o.parentSpanId, row.parent_id ?? '', `parent of ${row.name}`);
      assert.equal(o.name, row.name);
      assert.equal(o.kind, kinds[row.kind], `kind of ${row.name}`);
      assert.equal(o.startTimeUnixNano, row.start_time, `start of ${row.name}`);
      assert.equal(o.endTimeUnixNano, row.end_time, `end of ${row.name}`);
      assert.equal(o.status.code, codes[row.status_code], `status of ${row.name}`);
      if (row.status_code === 'ERROR') assert.equal(o.status.message, row.status_description ?? '');
      const flat = flatten(row.attributes);
      assert.deepEqual(Object.keys(o.attributes).sort(), Object.keys(flat).sort(), `attribute keys of ${row.name}`);
      for (const [k, v] of Object.entries(flat)) assert.deepEqual(norm(o.attributes[k]), norm(v), `${row.name} ${k}`);
      assert.deepEqual(o.events.map((e) => e.name), (row.events ?? []).map((e) => e.name), `events of ${row.name}`);
      assert.equal(o.resource['service.name'], flatten(row.resource)['service.name'], 'resource service.name');
      assert.equal(o.scope.name, 'flock');
    }
    const wf = spans.find((x) => x.parentSpanId === '');
    assert.equal(wf.attributes['workflow.name'], 'dinner_service');
    assert.equal(wf.attributes['flock.workflow'], true);
    assert.equal(wf.attributes.note, '<img src=x onerror=alert(1)>');
    if (tr.error_count > 0) {
      const failed = spans.find((x) => x.name === 'Agent.execute' && x.status.code === 2);
      assert.equal(failed.attributes['agent.name'], 'sommelier');
      const ex = failed.events.find((e) => e.name === 'exception');
      assert.ok(ex, 'the exception event');
      assert.match(String(ex.attributes['exception.message']), /wine cellar is locked/);
    }
  }
});
