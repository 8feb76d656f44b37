// Delivery faults: receiver down at start, down in the middle (and back),
// 503/502/504 then 200, 429 and Retry-After, slow answers, 400, partial
// success, a full queue. Every case: the program exits by itself within its
// timeout, the DuckDB file holds every span, and the OTLP counters of the
// final stats line add up to what the receiver saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { createRequire } from 'node:module';
import { startReceiver, freePort, Receiver } from './receiver.mjs';
import { run, startScenario, finished, scenarioEnv, tempDir, otlpEnv, storedSpans, assertSameSpans, otlpStats } from './helpers.mjs';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');
const ExportTraceServiceResponse = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

// All spans of the run in one OTLP batch, sent by the final flush: the
// request count is then known exactly.
const oneBatch = (receiverOrBase, extra = {}) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: typeof receiverOrBase === 'string' ? receiverOrBase : receiverOrBase.base,
  OTEL_BSP_SCHEDULE_DELAY: 600000,
  FLOCK_TRACE_FLUSH_MS: 100,
  ...extra,
});

// Every span is accounted for exactly once.
function assertAccounted(o, ended) {
  assert.equal(o.spans_sent + o.spans_dropped + o.spans_rejected, ended,
    `sent ${o.spans_sent} + dropped ${o.spans_dropped} + rejected ${o.spans_rejected} = ended ${ended}`);
}

async function fileComplete(r) {
  const rows = await storedSpans(r.db);
  assert.equal(rows.length, r.final.stats.ended, 'the DuckDB file holds every span ended');
  assert.equal(r.final.stats.lost, 0, 'the DuckDB exporter lost nothing');
  return rows;
}

test('receiver down at start: the batch is retried, then dropped and counted; the file is complete', async (t) => {
  const port = await freePort();
  const r = await run(t, ['workflow'], oneBatch(`http://127.0.0.1:${port}`, { OTEL_EXPORTER_OTLP_TIMEOUT: 2000 }));
  const rows = await fileComplete(r);
  const o = otlpStats(r.final);
  assert.equal(o.spans_sent, 0);
  assert.equal(o.spans_dropped, rows.length, 'every span is counted as dropped');
  assertAccounted(o, rows.length);
  assert.ok(o.retries >= 1, 'a connection error is retried');
  assert.equal(o.requests, o.retries + 1, 'one batch: every retry is one more request');
  assert.match(r.stderr, /OTLP/i, 'the failure is reported on stderr');
});

async function longRun(t, receiver, extra = {}) {
  const tmp = tempDir(t);
  const stop = path.join(tmp.dir, 'stop');
  const env = scenarioEnv(tmp, otlpEnv(receiver, { OTEL_EXPORTER_OTLP_TIMEOUT: 2000, ...extra }));
  const h = startScenario(t, ['long', stop, '120', '100'], { env, cwd: tmp.dir, timeoutMs: 240000 });
  return { h, tmp, stop };
}

test('receiver down in the middle: agents go on, what cannot be sent is dropped and counted', async (t) => {
  const receiver = await startReceiver(t);
  const { h, tmp, stop } = await longRun(t, receiver);
  await receiver.waitFor((rc) => rc.spans.some((s) => s.name === 'iteration'), 90000, 'the first iteration span');
  await receiver.stop();
  const downAt = Math.max(-1, ...h.lines().filter((l) => 'completed' in l).map((l) => l.completed));
  // The workflows keep running while the collector is gone.
  await h.waitFor((l) => l.completed === downAt + 5, 120000);
  fs.writeFileSync(stop, '');
  const r = { ...(await finished(h, 'long')), ...tmp };
  const rows = await fileComplete(r);
  const ids = new Set(rows.map((x) => x.span_id));
  for (const l of r.lines.filter((x) => 'completed' in x)) assert.ok(ids.has(l.span_id), `iteration ${l.completed} is in the file`);
  const o = otlpStats(r.final);
  const received = new Set(receiver.spans.map((s) => s.spanId));
  assert.ok(o.spans_sent >= 1, 'spans were sent before the receiver went down');
  assert.ok(o.spans_sent <= received.size, 'spans_sent never exceeds what the receiver got');
  assert.ok(o.spans_dropped >= 1, 'spans after the fall are dropped');
  assert.ok(o.retries >= 1, 'the dead receiver was retried');
  assertAccounted(o, rows.length);
  for (const s of receiver.spans) assert.ok(ids.has(s.spanId), 'what was sent is also in the file');
});

test('receiver down in the middle and back: delivery resumes on the same endpoint', async (t) => {
  const receiver = await startReceiver(t);
  const port = receiver.port;
  const { h, tmp, stop } = await longRun(t, receiver, { OTEL_EXPORTER_OTLP_TIMEOUT: 1000 });
  await receiver.waitFor((rc) => rc.spans.some((s) => s.name === 'iteration'), 90000, 'the first iteration span');
  await receiver.stop();
  // Down: the port cuts every connection at once, so the test can see that
  // the exporter tried (and failed) while the collector was gone.
  const attempts = await resettingListener(port);
  await attempts.waitFor(1, 120000);
  await attempts.close();
  const back = await new Receiver().start(port);
  t.after(() => back.stop());
  const upAt = Math.max(...h.lines().filter((l) => 'completed' in l).map((l) => l.completed));
  // An iteration that ends after the receiver is back reaches it.
  const later = await h.waitFor((l) => l.completed === upAt + 2, 120000);
  await back.waitFor((rc) => rc.spans.some((s) => s.spanId === later.span_id), 120000, `iteration ${later.completed}`);
  fs.writeFileSync(stop, '');
  const r = { ...(await finished(h, 'long')), ...tmp };
  const rows = await fileComplete(r);
  const o = otlpStats(r.final);
  assertAccounted(o, rows.length);
  assert.ok(o.retries >= 1);
  const received = new Set([...receiver.spans, ...back.spans].map((s) => s.spanId));
  assert.ok(o.spans_sent <= received.size);
  assert.ok(back.spans.length >= 1);
});

// A listener that accepts and immediately resets every connection; counts them.
async function resettingListener(port) {
  let count = 0;
  const waiters = [];
  const server = net.createServer((sock) => {
    count++;
    sock.resetAndDestroy();
    for (const w of waiters.splice(0)) if (count >= w.n) w.resolve(); else waiters.push(w);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    get count() {
      return count;
    },
    waitFor(n, ms) {
      if (count >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no connection attempt within ${ms} ms`)), ms);
        waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
      });
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

for (const status of [503, 502, 504]) {
  test(`${status} twice, then 200: retried, delivered once, counted`, async (t) => {
    const receiver = await startReceiver(t);
    receiver.respond([{ status }, { status }]);
    const r = await run(t, ['workflow'], oneBatch(receiver));
    const rows = await fileComplete(r);
    assert.equal(receiver.requests.length, 3, 'two refused attempts and one accepted');
    assert.deepEqual(receiver.requests.map((q) => q.answered), [status, status, 200]);
    for (const q of receiver.requests) {
      assert.equal(q.error, null);
      assert.deepEqual(q.spans.map((s) => s.spanId).sort(), rows.map((x) => x.span_id).sort(), 'each attempt carries the whole batch');
    }
    assertSameSpans(receiver.requests[2].spans, rows);
    const o = otlpStats(r.final);
    assert.equal(o.retries, 2);
    assert.equal(o.requests, 3);
    assert.equal(o.spans_sent, rows.length);
    assert.equal(o.spans_dropped, 0);
    assertAccounted(o, rows.length);
  });
}

for (const [status, seconds] of [[503, 1], [429, 2]]) {
  test(`${status} with Retry-After: ${seconds} is honoured, then delivered`, async (t) => {
    const receiver = await startReceiver(t);
    receiver.respond([{ status, headers: { 'Retry-After': String(seconds) } }]);
    const r = await run(t, ['workflow'], oneBatch(receiver));
    const rows = await fileComplete(r);
    assert.equal(receiver.requests.length, 2);
    // A lower bound only: waiting at least what the server asked for.
    const gap = receiver.requests[1].at - receiver.requests[0].at;
    assert.ok(gap >= seconds * 1000 - 100, `the retry came ${gap} ms later, Retry-After asked for ${seconds} s`);
    const o = otlpStats(r.final);
    assert.equal(o.retries, 1);
    assert.equal(o.spans_sent, rows.length);
    assertAccounted(o, rows.length);
  });
}

test('400: not retried, counted as rejected; the file is complete', async (t) => {
  const receiver = await startReceiver(t);
  receiver.respond([], { status: 400, body: 'bad request from the test' });
  const r = await run(t, ['workflow'], oneBatch(receiver));
  const rows = await fileComplete(r);
  assert.equal(receiver.requests.length, 1, 'a 400 is not retried');
  const o = otlpStats(r.final);
  assert.equal(o.retries, 0);
  assert.equal(o.requests, 1);
  assert.equal(o.spans_sent, 0);
  assert.equal(o.spans_rejected, rows.length);
  assertAccounted(o, rows.length);
  assert.match(r.stderr, /400/, 'the refusal is reported');
});

for (const protocol of ['http/protobuf', 'http/json']) {
  test(`partial success over ${protocol}: the rejected spans are counted`, async (t) => {
    const receiver = await startReceiver(t);
    const body = protocol === 'http/json'
      ? JSON.stringify({ partialSuccess: { rejectedSpans: '2', errorMessage: 'two spans too many' } })
      : Buffer.from(ExportTraceServiceResponse.encode({ partialSuccess: { rejectedSpans: 2, errorMessage: 'two spans too many' } }).finish());
    receiver.respond([{ status: 200, body }]);
    const r = await run(t, ['workflow'], oneBatch(receiver, { OTEL_EXPORTER_OTLP_PROTOCOL: protocol }));
    const rows = await fileComplete(r);
    const o = otlpStats(r.final);
    assert.equal(receiver.requests.length, 1);
    assert.equal(o.spans_rejected, 2);
    assert.equal(o.spans_sent, rows.length - 2);
    assert.equal(o.retries, 0, 'a partial success is not retried');
    assertAccounted(o, rows.length);
  });
}

test('a slow receiver never holds up the agents; everything arrives once it answers', async (t) => {
  const receiver = await startReceiver(t);
  receiver.respond([], { status: 200, hold: true });
  const { h, tmp, stop } = await longRun(t, receiver, { OTEL_EXPORTER_OTLP_TIMEOUT: 600000, OTEL_BSP_EXPORT_TIMEOUT: 600000 });
  await receiver.waitFor((rc) => rc.requests.length >= 1, 90000, 'the first request');
  const at = Math.max(-1, ...h.lines().filter((l) => 'completed' in l).map((l) => l.completed));
  // While the first request is unanswered, workflows keep completing.
  await h.waitFor((l) => l.completed === at + 5, 120000);
  assert.equal(receiver.requests.length, 1, 'the exporter waits for its answer (no second request meanwhile)');
  receiver.respond([], { status: 200 });
  receiver.release();
  fs.writeFileSync(stop, '');
  const r = { ...(await finished(h, 'long')), ...tmp };
  const rows = await fileComplete(r);
  assertSameSpans(receiver.spans, rows);
  const o = otlpStats(r.final);
  assert.equal(o.retries, 0);
  assert.equal(o.spans_sent, rows.length);
  assertAccounted(o, rows.length);
});

test('an answer slower than OTEL_EXPORTER_OTLP_TIMEOUT is a timeout: retried, then delivered', async (t) => {
  const receiver = await startReceiver(t);
  receiver.respond([{ status: 200, delayMs: 4000 }]);
  const r = await run(t, ['workflow'], oneBatch(receiver, { OTEL_EXPORTER_OTLP_TIMEOUT: 500 }));
  const rows = await fileComplete(r);
  assert.equal(receiver.requests.length, 2, 'the timed-out request and its retry');
  const o = otlpStats(r.final);
  assert.equal(o.retries, 1);
  assert.equal(o.requests, 2);
  assert.equal(o.spans_sent, rows.length);
  assertAccounted(o, rows.length);
});

test('OTEL_BSP_MAX_QUEUE_SIZE: a full queue drops spans and counts them; the file keeps them all', async (t) => {
  const receiver = await startReceiver(t);
  receiver.respond([], { status: 200, hold: true });
  const tmp = tempDir(t);
  const env = scenarioEnv(tmp, otlpEnv(receiver, {
    OTEL_BSP_MAX_QUEUE_SIZE: 10,
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 5,
    OTEL_EXPORTER_OTLP_TIMEOUT: 600000,
    OTEL_BSP_EXPORT_TIMEOUT: 600000,
  }));
  const h = startScenario(t, ['bulk', '40'], { env, cwd: tmp.dir });
  await receiver.waitFor((rc) => rc.requests.length >= 1, 90000, 'the first request');
  await h.waitFor((l) => l.workflows === 40, 120000);
  receiver.respond([], { status: 200 });
  receiver.release();
  const r = { ...(await finished(h, 'bulk')), ...tmp };
  const rows = await fileComplete(r);
  const o = otlpStats(r.final);
  assert.ok(o.spans_dropped >= 1, `spans were dropped (${o.spans_dropped})`);
  assert.equal(o.spans_sent, receiver.spans.length);
  assert.equal(o.retries, 0);
  assertAccounted(o, rows.length);
  assert.match(r.stderr, /queue/i, 'the drop is reported');
});
