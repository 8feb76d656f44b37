// A hub's store against spans it must leave out or clamp: a span sent again
// (with another end time, or in the same batch sent twice) and token counts
// whose sum passes int64. The store is kept with everything else in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDashboard, assertStopped, api, getJson, tempDir, waitUntil, withDb, sleep } from './helpers.mjs';

function span(traceId, spanId, endMs, attributes = []) {
  return {
    traceId,
    spanId,
    name: 'work',
    kind: 1,
    startTimeUnixNano: String(BigInt(endMs - 5) * 1000000n),
    endTimeUnixNano: String(BigInt(endMs) * 1000000n),
    attributes,
  };
}

async function post(base, spans) {
  const body = {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'batch-faults' } }] },
      scopeSpans: [{ scope: { name: 't' }, spans }],
    }],
  };
  const r = await api(base, '/v1/traces', { method: 'POST', json: body });
  assert.equal(r.status, 200, r.text);
}

const asideFiles = (dir) => fs.readdirSync(dir).filter((n) => n.includes('.unusable-'));

test('a span sent again, with another end time or in the same batch sent twice, is stored once and not lost', async (t) => {
  const tmp = tempDir(t);
  const db = path.join(tmp.dir, 'hub.duckdb');
  const hub = await startDashboard(t, db, { extraEnv: { FLOCK_TRACE_FLUSH_MS: '20' } });
  const traceId = randomBytes(16).toString('hex');
  const repeated = randomBytes(8).toString('hex');
  const now = Date.now();
  await post(hub.base, [span(traceId, repeated, now)]);
  await waitUntil(async () => (await getJson(hub.base, '/api/traces/stats')).total_spans >= 1, 'the first span stored');
  await sleep(1000);
  // The same id, another end time, amid 299 new spans.
  const others = Array.from({ length: 299 }, (_, i) => span(traceId, randomBytes(8).toString('hex'), now + 10 + i));
  others.splice(150, 0, span(traceId, repeated, now + 900));
  await post(hub.base, others);
  await waitUntil(async () => (await getJson(hub.base, '/api/traces/stats')).total_spans >= 300, '300 spans stored', 30000);
  // The same OTLP batch again (a sender's retry), then one more span to
  // know when the writer has gone past it.
  await post(hub.base, others);
  await post(hub.base, [span(traceId, randomBytes(8).toString('hex'), now + 2000)]);
  await waitUntil(async () => (await getJson(hub.base, '/api/traces/stats')).total_spans >= 301, '301 spans stored', 30000);
  await sleep(300);
  const listed = await getJson(hub.base, `/api/traces?q=${traceId}`);
  assert.equal(listed.items[0].span_count, 301);
  const stats = await getJson(hub.base, '/api/traces/stats');
  assertStopped(await hub.stop(), 'SIGTERM', 'the hub');
  assert.deepEqual(asideFiles(tmp.dir), [], `the store was moved aside:\n${hub.h.stderr}`);
  assert.doesNotMatch(hub.h.stderr, /not a usable trace store/);
  assert.doesNotMatch(hub.h.stderr, /refused/, 'a repeat is not a refused span');
  assert.equal(stats.total_spans, 301, JSON.stringify(stats));
  await withDb(db, async (q) => {
    assert.equal(Number((await q('SELECT count(*) AS n FROM spans'))[0].n), 301);
    const [{ n }] = await q('SELECT count(*) AS n FROM (SELECT DISTINCT trace_id, span_id FROM spans)');
    assert.equal(Number(n), 301, 'one row per (trace_id, span_id)');
    const [{ e }] = await q(`SELECT end_time AS e FROM spans WHERE span_id = '${repeated}'`);
    assert.equal(e, BigInt(now) * 1000000n, 'the first copy is the one kept');
  });
});

test('token counts past int64 saturate in the store and the API; the cost is never negative', async (t) => {
  const tmp = tempDir(t);
  const db = path.join(tmp.dir, 'hub.duckdb');
  const hub = await startDashboard(t, db, { extraEnv: { FLOCK_TRACE_FLUSH_MS: '20' } });
  const traceId = randomBytes(16).toString('hex');
  const call = (i) => span(traceId, randomBytes(8).toString('hex'), Date.now() + i, [
    { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
    { key: 'gen_ai.usage.input_tokens', value: { intValue: '9000000000000000000' } },
    { key: 'gen_ai.usage.output_tokens', value: { intValue: '-7' } },
  ]);
  await post(hub.base, [call(0), call(1)]); // summed in one batch
  await waitUntil(async () => (await getJson(hub.base, '/api/traces/stats')).total_spans >= 2, 'two spans stored');
  await post(hub.base, [call(2)]); // merged into the stored row
  const item = await waitUntil(async () => {
    const l = await getJson(hub.base, `/api/traces?q=${traceId}`);
    return l.items[0]?.span_count === 3 ? l.items[0] : null;
  }, 'three spans in the trace');
  assert.equal(BigInt(item.input_tokens), 9223372036854775807n, 'held at the largest int64');
  assert.equal(BigInt(item.output_tokens), 0n, 'a negative count counts as 0');
  assert.ok(item.cost_usd === null || item.cost_usd >= 0, `cost ${item.cost_usd}`);
  const models = await getJson(hub.base, '/api/models/stats');
  for (const m of models.models ?? []) assert.ok(m.cost_usd === null || m.cost_usd >= 0, `${m.model}: cost ${m.cost_usd}`);
  assertStopped(await hub.stop(), 'SIGTERM', 'the hub');
  assert.deepEqual(asideFiles(tmp.dir), [], hub.h.stderr);
});
