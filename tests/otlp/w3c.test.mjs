// W3C Trace Context against the OpenTelemetry JavaScript propagator
// (@opentelemetry/core W3CTraceContextPropagator): JS injects -> flock
// extracts and continues the trace -> flock injects -> JS extracts; and
// malformed headers, judged by flock and by the JS propagator alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startReceiver } from './receiver.mjs';
import { run, tempDir, otlpEnv, storedSpans, assertSameSpans } from './helpers.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { W3CTraceContextPropagator, TraceState } = require('@opentelemetry/core');
const { context, trace, ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, TraceFlags, isSpanContextValid } = api;
const propagator = new W3CTraceContextPropagator();

function jsInject(spanContext) {
  const carrier = {};
  propagator.inject(trace.setSpanContext(context.active(), spanContext), carrier, defaultTextMapSetter);
  return carrier;
}

function jsExtract(carrier) {
  const sc = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
  return sc && isSpanContextValid(sc) ? sc : null;
}

const randomHex = (bytes) => crypto.randomBytes(bytes).toString('hex');

for (const sampled of [true]) {
  test(`round trip (${sampled ? 'sampled' : 'not sampled'}): JS injects, flock continues the trace, flock injects, JS extracts`, async (t) => {
    const jsTrace = randomHex(16);
    const jsSpan = randomHex(8);
    const carrier = jsInject({
      traceId: jsTrace,
      spanId: jsSpan,
      traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
      isRemote: false,
      traceState: new TraceState('vendor=abc,rojo=00f067aa0ba902b7'),
    });
    assert.equal(carrier.traceparent, `00-${jsTrace}-${jsSpan}-${sampled ? '01' : '00'}`);
    const tracestate = carrier.tracestate;
    assert.ok(tracestate.includes('vendor=abc') && tracestate.includes('rojo=00f067aa0ba902b7'));

    const receiver = await startReceiver(t);
    const r = await run(t, ['remote'], otlpEnv(receiver, {
      FLOCK_TEST_TRACEPARENT: carrier.traceparent,
      FLOCK_TEST_TRACESTATE: tracestate,
    }));
    const facts = r.lines.find((l) => 'extracted' in l);
    assert.ok(facts, 'the scenario printed its facts');

    // flock extracted what JS injected.
    assert.ok(facts.extracted, 'flock extracted the context');
    assert.equal(facts.extracted.trace_id, jsTrace);
    assert.equal(facts.extracted.span_id, jsSpan);
    assert.equal(facts.extracted.sampled, sampled);
    assert.equal(facts.extracted.remote, true);
    assert.equal(facts.extracted.tracestate, tracestate);
    assert.equal(facts.extracted.traceparent_out, carrier.traceparent, 'format_traceparent gives the header back');

    // The workflow continues the JS trace: same trace id, parent = the JS span.
    assert.equal(facts.trace_id, jsTrace);
    assert.notEqual(facts.span_id, jsSpan);
    const rows = await storedSpans(r.db);
    const wf = rows.find((x) => x.span_id === facts.span_id);
    assert.ok(wf, 'the workflow span is in the file');
    assert.equal(wf.parent_id, jsSpan, 'stored with the remote parent');
    for (const x of rows) assert.equal(x.trace_id, jsTrace, `${x.name} is in the JS trace`);
    if (sampled) {
      assertSameSpans(receiver.spans, rows);
      const ws = receiver.spans.find((s) => s.spanId === facts.span_id);
      assert.equal(ws.parentSpanId, jsSpan, 'OTLP parentSpanId is the JS span id');
      assert.equal(ws.traceState, tracestate, 'OTLP traceState carries the incoming tracestate');
      for (const s of receiver.spans) assert.equal(s.traceId, jsTrace);
    }

    // flock injects: the workflow span as parent, tracestate carried.
    const out = facts.outgoing;
    assert.match(out.traceparent, new RegExp(`^00-${jsTrace}-${facts.span_id}-0[01]$`));
    if (sampled) assert.ok(out.traceparent.endsWith('-01'), 'a sampled trace stays sampled');
    assert.equal(out.tracestate, tracestate);
    assert.deepEqual(facts.outgoing_explicit, out, 'inject with the run context gives the same headers');

    // JS extracts what flock injected.
    const back = jsExtract(out);
    assert.ok(back, 'JS accepts the traceparent flock produced');
    assert.equal(back.traceId, jsTrace);
    assert.equal(back.spanId, facts.span_id);
    assert.equal(back.isRemote, true);
    assert.equal(back.traceState.serialize(), tracestate);

    // From inside an agent: the agent's span is the parent, same trace.
    assert.ok(facts.from_agent.length >= 1, 'the agent ran');
    const ids = new Set(rows.map((x) => x.span_id));
    for (const h of facts.from_agent) {
      assert.ok(h.traceparent, 'inject_trace_context inside an agent adds traceparent');
      const sc = jsExtract(h);
      assert.ok(sc, `JS accepts ${h.traceparent}`);
      assert.equal(sc.traceId, jsTrace);
      assert.ok(ids.has(sc.spanId), 'the parent named inside the agent is a stored span of the trace');
      assert.equal(h.tracestate, tracestate, 'tracestate reaches the agent');
    }
    assert.deepEqual(facts.after_run, {}, 'no current span after the run: nothing injected');
  });
}

test('an unsampled incoming traceparent (flags 00): nothing exported, the decision and trace travel on', async (t) => {
  const jsTrace = randomHex(16);
  const jsSpan = randomHex(8);
  const carrier = jsInject({ traceId: jsTrace, spanId: jsSpan, traceFlags: TraceFlags.NONE, isRemote: false, traceState: new TraceState('vendor=abc') });
  const receiver = await startReceiver(t);
  const r = await run(t, ['remote'], otlpEnv(receiver, { FLOCK_TEST_TRACEPARENT: carrier.traceparent, FLOCK_TEST_TRACESTATE: carrier.tracestate }));
  const facts = r.lines.find((l) => 'extracted' in l);
  assert.ok(facts.extracted, 'flock extracted the context');
  assert.equal(facts.extracted.sampled, false);
  // Parent-based sampling (the OpenTelemetry default): descendants of an
  // unsampled parent are not sampled, so nothing reaches the collector.
  assert.equal(receiver.spans.length, 0, 'no span of an unsampled trace is exported');
  const out = facts.outgoing;
  const back = jsExtract(out);
  assert.ok(back, `JS accepts ${out.traceparent}`);
  assert.equal(back.traceId, jsTrace, 'the trace id travels on');
  assert.equal(back.traceFlags & 1, 0, 'the not-sampled decision travels on');
  assert.equal(back.traceState.serialize(), 'vendor=abc');
  // The OpenTelemetry SDK specification (Sampling, "SDK Span creation"):
  // "Generate a new span ID for the Span, independently of the sampling
  // decision" -- the outgoing parent-id names this service's span, not the
  // caller's.
  assert.notEqual(facts.span_id, jsSpan, 'the (non-recording) workflow span has its own span id');
  assert.notEqual(back.spanId, jsSpan, 'the outgoing traceparent does not repeat the caller span id');
});

test('without an incoming traceparent flock starts its own trace and JS extracts it', async (t) => {
  const r = await run(t, ['remote'], {});
  const facts = r.lines.find((l) => 'extracted' in l);
  assert.equal(facts.extracted, null);
  assert.equal(facts.outgoing.tracestate, undefined, 'no tracestate without one coming in');
  const sc = jsExtract(facts.outgoing);
  assert.ok(sc);
  assert.equal(sc.traceId, facts.trace_id);
  assert.equal(sc.spanId, facts.span_id);
  const rows = await storedSpans(r.db);
  assert.equal(rows.find((x) => x.span_id === facts.span_id).parent_id, null, 'a root');
});

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';
// [traceparent, tracestate, valid per the W3C specification]
const CASES = [
  [`00-${T}-${S}-01`, '', true],
  [`00-${T}-${S}-00`, '', true],
  [`00-${T}-${S}-09`, '', true],
  [`00-${T}-${S}-01`, 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE', true],
  [`cc-${T}-${S}-01`, '', true],
  [`cc-${T}-${S}-01-what-the-future-will-be-like`, '', true],
  [`ff-${T}-${S}-01`, '', false],
  [`00-${T.slice(1)}-${S}-01`, '', false],
  [`00-${T}0-${S}-01`, '', false],
  [`00-${T}-${S.slice(1)}-01`, '', false],
  [`00-${T}-${S}0-01`, '', false],
  [`00-${T.toUpperCase()}-${S}-01`, '', false],
  [`00-${T}-${S.toUpperCase()}-01`, '', false],
  [`0A-${T}-${S}-01`, '', false],
  [`00-${T}-${S}-0A`, '', false],
  [`00-${'0'.repeat(32)}-${S}-01`, '', false],
  [`00-${T}-${'0'.repeat(16)}-01`, '', false],
  [`00-${T}-${S}-01-extra`, '', false],
  [`00-${T}-${S}-01-`, '', false],
  [`cc-${T}-${S}-01extra`, '', false],
  [`00-${T}-${S}-1`, '', false],
  [`00-${T}-${S}-0g`, '', false],
  [`00_${T}_${S}_01`, '', false],
  [`00-${T}-${S}-0é`, '', false],
  [`zz-${T}-${S}-01`, '', false],
  ['', '', false],
  ['garbage', '', false],
  ['-'.repeat(55), '', false],
  ['x'.repeat(10000), '', false],
  [`00-${T}-${S}`, '', false],
];

test('malformed traceparent headers are ignored, never a crash; flock and the JS propagator agree', async (t) => {
  const tmp = tempDir(t);
  const file = path.join(tmp.dir, 'cases.json');
  fs.writeFileSync(file, JSON.stringify(CASES.map(([traceparent, tracestate]) => ({ traceparent, tracestate }))));
  const r = await run(t, ['parse', file], {}, { tmp });
  assert.ok(r.lines.some((l) => l.parsed_all === CASES.length), 'every case was parsed');
  const results = r.lines.filter((l) => 'case' in l);
  assert.equal(results.length, CASES.length);
  const failures = [];
  CASES.forEach(([tp, ts, valid], i) => {
    const got = results.find((x) => x.case === i);
    const js = jsExtract(ts ? { traceparent: tp, tracestate: ts } : { traceparent: tp });
    const label = JSON.stringify(tp.length > 80 ? `${tp.slice(0, 60)}...(${tp.length})` : tp);
    if ((js !== null) !== valid) failures.push(`the JS propagator disagrees with the test's expectation on ${label}`);
    if ((got.parsed !== null) !== valid) failures.push(`parse_traceparent(${label}) is ${got.parsed ? 'accepted' : 'rejected'}, expected ${valid ? 'accepted' : 'rejected'}`);
    if ((got.extracted !== null) !== valid) failures.push(`extract_trace_context(${label}) is ${got.extracted ? 'accepted' : 'rejected'}, expected ${valid ? 'accepted' : 'rejected'}`);
    if (valid && got.parsed && js) {
      if (got.parsed.trace_id !== js.traceId) failures.push(`${label}: trace id ${got.parsed.trace_id} vs JS ${js.traceId}`);
      if (got.parsed.span_id !== js.spanId) failures.push(`${label}: span id ${got.parsed.span_id} vs JS ${js.spanId}`);
      if (got.parsed.sampled !== ((js.traceFlags & 1) === 1)) failures.push(`${label}: sampled ${got.parsed.sampled} vs JS flags ${js.traceFlags}`);
      if (got.parsed.remote !== true) failures.push(`${label}: an extracted context is remote`);
      if (ts && got.parsed.tracestate !== js.traceState?.serialize()) failures.push(`${label}: tracestate ${got.parsed.tracestate} vs JS ${js.traceState?.serialize()}`);
      // What flock would send on: version 00, the same ids, parsed back by JS.
      const again = jsExtract({ traceparent: got.parsed.traceparent_out });
      if (!got.parsed.traceparent_out.startsWith('00-')) failures.push(`${label}: flock sends version 00, got ${got.parsed.traceparent_out}`);
      if (!again || again.traceId !== js.traceId || again.spanId !== js.spanId) failures.push(`${label}: JS cannot read back ${got.parsed.traceparent_out}`);
    }
  });
  assert.deepEqual(failures, []);
});

test('a malformed tracestate is dropped; the traceparent still counts', async (t) => {
  const tmp = tempDir(t);
  const file = path.join(tmp.dir, 'cases.json');
  const bad = ['BAD=1', 'key', 'a=1,a=2', 'k=v=w', `${'a'.repeat(300)}=1`, Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')];
  fs.writeFileSync(file, JSON.stringify(bad.map((tracestate) => ({ traceparent: `00-${T}-${S}-01`, tracestate }))));
  const r = await run(t, ['parse', file], {}, { tmp });
  const results = r.lines.filter((l) => 'case' in l);
  assert.equal(results.length, bad.length);
  for (const res of results) {
    assert.ok(res.parsed, `traceparent accepted with tracestate ${JSON.stringify(bad[res.case])}`);
    assert.equal(res.parsed.trace_id, T);
    assert.equal(res.parsed.tracestate, null, `tracestate ${JSON.stringify(bad[res.case])} is dropped`);
    assert.equal(res.parsed.tracestate_out, '');
  }
});
