// The decoded trace: a workflow of agents (a chain and a failure) exported
// over OTLP/HTTP to a real receiver on 127.0.0.1 that decodes it with the
// OpenTelemetry JavaScript packages (protobuf) or the OTLP/JSON rules (JSON),
// for both protocols with gzip on and off; compared with the DuckDB file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from './receiver.mjs';
import { run, otlpEnv, storedSpans, assertSameSpans, assertWellFormed, otlpStats } from './helpers.mjs';

const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };
const STATUS = { UNSET: 0, OK: 1, ERROR: 2 };

const matrix = [
  { protocol: 'http/protobuf', gzip: false },
  { protocol: 'http/protobuf', gzip: true },
  { protocol: 'http/json', gzip: false },
  { protocol: 'http/json', gzip: true },
];

for (const { protocol, gzip } of matrix) {
  test(`workflow trace over ${protocol}, gzip ${gzip ? 'on' : 'off'}: decoded spans match the program and the DuckDB file`, async (t) => {
    const receiver = await startReceiver(t);
    const extra = { OTEL_EXPORTER_OTLP_PROTOCOL: protocol };
    if (gzip) extra.OTEL_EXPORTER_OTLP_COMPRESSION = 'gzip';
    const r = await run(t, ['workflow'], otlpEnv(receiver, extra));
    const facts = r.lines.find((l) => l.trace_id);
    assert.ok(facts, 'the scenario printed its facts');
    assert.equal(facts.errors, 1, 'the saboteur failed');

    // Every request: the right path, content type and encoding, decoded without error.
    assert.ok(receiver.requests.length >= 1, 'the receiver got at least one request');
    for (const req of receiver.requests) {
      assert.equal(req.error, null, `request decoded: ${req.error}`);
      assert.equal(req.method, 'POST');
      assert.equal(req.path, '/v1/traces');
      assert.equal(req.contentType, protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
      assert.equal(req.contentEncoding, gzip ? 'gzip' : '', 'Content-Encoding');
      assert.ok(req.headers['user-agent'], 'a User-Agent header is sent (OTLP exporters SHOULD)');
    }
    const spans = receiver.spans;
    assertWellFormed(spans);

    // The same spans as the DuckDB file, and as the counters say.
    const rows = await storedSpans(r.db);
    assertSameSpans(spans, rows);
    const o = otlpStats(r.final);
    assert.equal(r.final.stats.ended, rows.length, 'the DuckDB file has every span');
    assert.equal(o.spans_sent, spans.length, 'spans_sent = spans the receiver decoded');
    assert.equal(o.requests, receiver.requests.length, 'requests = requests the receiver saw');
    assert.equal(o.retries, 0);
    assert.equal(o.spans_dropped, 0);
    assert.equal(o.spans_rejected, 0);

    // One trace; parentage.
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const rootSpan = byId.get(facts.span_id);
    assert.ok(rootSpan, 'the workflow span was exported');
    assert.equal(rootSpan.traceId, facts.trace_id);
    assert.equal(rootSpan.parentSpanId, '', 'the workflow span is a root');
    for (const s of spans) {
      assert.equal(s.traceId, facts.trace_id, `${s.name} is in the workflow's trace`);
      if (s !== rootSpan) assert.ok(byId.has(s.parentSpanId), `${s.name}'s parent ${s.parentSpanId} was exported`);
    }
    assert.equal(rootSpan.name, 'otlp_workflow');
    assert.equal(rootSpan.kind, KIND.INTERNAL);
    assert.equal(rootSpan.flags & 0xff, 1, 'W3C trace flags: sampled');

    // Attributes of every type, decoded with their OTLP types.
    const a = rootSpan.attributes;
    assert.equal(a['flock.workflow'], true);
    assert.equal(a['workflow.name'], 'otlp_workflow');
    assert.equal(a['attr.bool'], true);
    assert.equal(a['attr.int'], 10000n, 'int64 stays an integer (intValue)');
    assert.equal(a['attr.int_negative'], -42n);
    assert.equal(a['attr.int_big'], 9007199254740993n, '2^53+1 survives: no double on the way');
    assert.equal(typeof a['attr.double'], 'number', 'a double is a doubleValue');
    assert.equal(a['attr.double'], 3.25);
    assert.equal(a['attr.string'], 'héllo ✓');
    assert.deepEqual(a['attr.bool_array'], [true, false, true]);
    assert.deepEqual(a['attr.int_array'], [1n, -2n, 3000000000n]);
    assert.deepEqual(a['attr.double_array'], [0.5, -1.25]);
    assert.deepEqual(a['attr.string_array'], ['a', 'b c']);
    assert.ok(!Object.keys(a).some((k) => k.endsWith('#duplicate')), 'no attribute key repeated');

    // Events with attributes, inside the span's time.
    const checkpoint = rootSpan.events.find((e) => e.name === 'checkpoint');
    assert.ok(checkpoint, 'the checkpoint event was exported');
    assert.deepEqual(checkpoint.attributes, { stage: 'one', bytes: 7n, ok: true, ratio: 0.5, tags: ['x', 'y'] });
    assert.ok(checkpoint.timeUnixNano >= rootSpan.startTimeUnixNano && checkpoint.timeUnixNano <= rootSpan.endTimeUnixNano);
    const bare = rootSpan.events.find((e) => e.name === 'no_attributes');
    assert.ok(bare);
    assert.deepEqual(bare.attributes, {});

    // Status ERROR with its message.
    assert.equal(rootSpan.status.code, STATUS.ERROR);
    assert.equal(rootSpan.status.message, 'workflow failed on purpose');

    // Kinds.
    const client = byId.get(facts.client_span_id);
    assert.ok(client, 'the CLIENT span was exported');
    assert.equal(client.name, 'Http.call');
    assert.equal(client.kind, KIND.CLIENT);
    assert.equal(client.parentSpanId, rootSpan.spanId);
    assert.equal(client.status.code, STATUS.OK);
    assert.equal(client.attributes['http.request.method'], 'POST');
    const producer = byId.get(facts.producer_span_id);
    assert.ok(producer, 'the PRODUCER span was exported');
    assert.equal(producer.kind, KIND.PRODUCER);

    // Agents: a chain (writer -> editor) and a failure (saboteur).
    const exec = spans.filter((s) => s.name === 'Agent.execute');
    const agent = (name) => exec.find((s) => s.attributes['agent.name'] === name);
    for (const n of ['writer', 'editor', 'saboteur']) assert.ok(agent(n), `Agent.execute of ${n} was exported`);
    const isAncestor = (anc, s) => {
      for (let p = byId.get(s.parentSpanId); p; p = byId.get(p.parentSpanId)) if (p === anc) return true;
      return false;
    };
    assert.ok(isAncestor(agent('writer'), agent('editor')), 'editor runs under writer (a chain of spans)');
    assert.ok(isAncestor(rootSpan, agent('writer')), 'writer runs under the workflow');
    const bad = agent('saboteur');
    assert.equal(bad.status.code, STATUS.ERROR, 'the failed agent has status ERROR');
    const exc = bad.events.find((e) => e.name === 'exception');
    assert.ok(exc, 'the failure is an exception event');
    assert.equal(exc.attributes['exception.message'], 'saboteur refuses the draft');
    assert.match(String(exc.attributes['exception.type']), /runtime_error/);
    assert.equal(agent('writer').status.code === STATUS.ERROR, false, 'the writer did not fail');
    assert.ok(spans.some((s) => s.name === 'Flock.publish'));

    // Resource and scope, the same for every span.
    for (const s of spans) {
      assert.equal(s.resource['service.name'], 'unknown_service:flock_otlp_scenarios', 'default service.name');
      assert.equal(s.resource['telemetry.sdk.language'], 'cpp');
      assert.equal(typeof s.resource['telemetry.sdk.name'], 'string');
      assert.ok(s.resource['telemetry.sdk.name'].length > 0);
      assert.equal(typeof s.resource['telemetry.sdk.version'], 'string');
      assert.ok(s.resource['telemetry.sdk.version'].length > 0);
      assert.ok(s.scope.name.length > 0, 'the instrumentation scope has a name');
    }

    // OTLP/JSON on the wire: the raw body keeps the spec's encodings.
    if (protocol === 'http/json') {
      const req = receiver.requests.find((q) => q.json?.resourceSpans?.[0]?.scopeSpans?.[0]?.spans?.some((s) => s.spanId === facts.span_id));
      assert.ok(req, 'the request with the workflow span');
      const raw = req.json.resourceSpans[0].scopeSpans[0].spans.find((s) => s.spanId === facts.span_id);
      assert.equal(raw.traceId, facts.trace_id, 'traceId is the lowercase hex string');
      assert.equal(typeof raw.kind, 'number');
      assert.equal(raw.status.code, 2);
      assert.match(raw.startTimeUnixNano, /^[0-9]{19}$/, 'startTimeUnixNano is a decimal string');
      const attr = (k) => raw.attributes.find((x) => x.key === k).value;
      assert.deepEqual(attr('attr.int'), { intValue: '10000' });
      assert.deepEqual(attr('attr.int_big'), { intValue: '9007199254740993' });
      assert.deepEqual(attr('attr.double'), { doubleValue: 3.25 });
      assert.deepEqual(attr('attr.bool'), { boolValue: true });
      assert.deepEqual(attr('attr.int_array'), { arrayValue: { values: [{ intValue: '1' }, { intValue: '-2' }, { intValue: '3000000000' }] } });
      assert.ok(!('parentSpanId' in raw) || raw.parentSpanId === '', 'a root has no parent id');
    }
  });
}

test('OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (percent-decoded) make the resource', async (t) => {
  const receiver = await startReceiver(t);
  await run(t, ['bulk', '2'], otlpEnv(receiver, {
    OTEL_SERVICE_NAME: 'pizza-service',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=staging,team.name=blue%20team,service.name=ignored,odd=a%2Cb%3Dc',
  }));
  assert.ok(receiver.spans.length > 0);
  for (const s of receiver.spans) {
    assert.equal(s.resource['service.name'], 'pizza-service', 'OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES');
    assert.equal(s.resource['deployment.environment'], 'staging');
    assert.equal(s.resource['team.name'], 'blue team');
    assert.equal(s.resource.odd, 'a,b=c');
    assert.equal(s.resource['telemetry.sdk.language'], 'cpp');
  }
});

test('service.name from OTEL_RESOURCE_ATTRIBUTES when OTEL_SERVICE_NAME is not set', async (t) => {
  const receiver = await startReceiver(t);
  await run(t, ['bulk', '1'], otlpEnv(receiver, { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' }));
  assert.ok(receiver.spans.length > 0);
  for (const s of receiver.spans) assert.equal(s.resource['service.name'], 'from-attrs');
});

for (const bad of ['team=blue,broken', 'team=%ZZ']) {
  test(`a malformed OTEL_RESOURCE_ATTRIBUTES (${bad}) is discarded whole, with a warning`, async (t) => {
    const receiver = await startReceiver(t);
    const r = await run(t, ['bulk', '1'], otlpEnv(receiver, { OTEL_RESOURCE_ATTRIBUTES: bad }));
    assert.match(r.stderr, /OTEL_RESOURCE_ATTRIBUTES/, 'the warning names the variable');
    assert.ok(receiver.spans.length > 0, 'spans are still exported');
    for (const s of receiver.spans) {
      assert.equal(s.resource.team, undefined, 'no attribute of the malformed value is kept');
      assert.equal(s.resource['service.name'], 'unknown_service:flock_otlp_scenarios');
    }
  });
}

test('OTEL_BSP_MAX_EXPORT_BATCH_SIZE bounds every request; all spans arrive once', async (t) => {
  const receiver = await startReceiver(t);
  const r = await run(t, ['bulk', '30'], otlpEnv(receiver, { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 5 }));
  const rows = await storedSpans(r.db);
  for (const req of receiver.requests) {
    assert.equal(req.error, null);
    assert.ok(req.spans.length >= 1 && req.spans.length <= 5, `a request carries ${req.spans.length} spans`);
  }
  assertSameSpans(receiver.spans, rows);
  const o = otlpStats(r.final);
  assert.ok(receiver.requests.length >= Math.ceil(rows.length / 5));
  assert.equal(o.requests, receiver.requests.length);
  assert.equal(o.spans_sent, rows.length);
});

for (const value of ['true', 'TRUE']) {
  test(`OTEL_SDK_DISABLED=${value}: nothing is sent`, async (t) => {
    const receiver = await startReceiver(t);
    const r = await run(t, ['bulk', '3'], otlpEnv(receiver, { OTEL_SDK_DISABLED: value }));
    assert.equal(receiver.requests.length, 0, 'no request reached the receiver');
    assert.equal(r.final.otlp, null, 'no OTLP exporter');
  });
}

for (const value of ['false', '1']) {
  test(`OTEL_SDK_DISABLED=${value} does not disable (only true does)`, async (t) => {
    const receiver = await startReceiver(t);
    const r = await run(t, ['bulk', '2'], otlpEnv(receiver, { OTEL_SDK_DISABLED: value }));
    assert.ok(receiver.spans.length > 0, 'spans were exported');
    assert.equal(otlpStats(r.final).spans_sent, receiver.spans.length);
  });
}
