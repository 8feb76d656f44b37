// POST /api/traces/clear (counts, then empty, then writing again) and SIGTERM
// (spans published through the API just before it are in the file after).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startDemo, api, getJson, storedSpans, waitUntil, rawRequest, withDb, assertStopped } from './helpers.mjs';

const publish = (s, json) => api(s.base, '/api/artifacts', { method: 'POST', json });

test('POST /api/traces/clear: deleted_count = the spans stored, then every list is empty; new spans are stored again', async (t) => {
  const s = await startDemo(t, { runs: 3 });
  const stats = await getJson(s.base, '/api/traces/stats');
  const inFile = (await storedSpans(s.db)).length;
  assert.equal(stats.total_spans, inFile);
  assert.ok(inFile > 0);

  const r = await api(s.base, '/api/traces/clear', { method: 'POST', json: {} });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.body).sort(), ['deleted_count', 'error', 'success']);
  assert.equal(r.body.success, true);
  assert.equal(r.body.deleted_count, inFile, 'every stored span was deleted');
  assert.equal(r.body.error, '');

  assert.deepEqual(await getJson(s.base, '/api/traces'), { items: [], total: 0 });
  const after = await getJson(s.base, '/api/traces/stats');
  assert.equal(after.total_spans, 0);
  assert.equal(after.total_traces, 0);
  assert.equal(after.services_count, 0);
  assert.equal(after.oldest_trace, null);
  assert.equal(after.newest_trace, null);
  assert.deepEqual(await getJson(s.base, '/api/traces/services'), { services: [], operations: [] });
  assert.deepEqual(await getJson(s.base, '/api/workflows/stats'), { workflows: [] });
  assert.deepEqual(await getJson(s.base, '/api/dependencies'), { by: 'agent', edges: [] });
  assert.equal((await storedSpans(s.db)).length, 0, 'the file is empty');
  // The blackboard is not the trace store: the artifacts stay.
  assert.ok((await getJson(s.base, '/api/artifacts')).total > 0);

  // A second clear deletes nothing.
  const again = await api(s.base, '/api/traces/clear', { method: 'POST', json: {} });
  assert.deepEqual(again.body, { success: true, deleted_count: 0, error: '' });

  // The program keeps tracing into the cleared file.
  const p = await publish(s, { type: 'Order', payload: { dish: 'pesto', guests: 2 }, correlation_id: 'after-clear' });
  assert.equal(p.status, 201, p.text);
  const list = await waitUntil(async () => {
    const b = await getJson(s.base, '/api/traces?correlation_id=after-clear');
    return b.total === 1 && b.items[0].span_count >= 3 + 1 ? b : null;
  }, 'the new trace after the clear');
  assert.equal(list.items[0].root_name, 'Flock.publish');
  // Let the agents finish, then the counts agree again.
  const settled = await waitUntil(async () => {
    const a = await getJson(s.base, '/api/traces/stats');
    const b = await getJson(s.base, '/api/traces/stats');
    return a.total_spans === b.total_spans && (await getJson(s.base, '/api/artifacts?correlation_id=after-clear')).total === 4 ? b : null;
  }, 'the new run to finish');
  const third = await api(s.base, '/api/traces/clear', { method: 'POST', json: {} });
  assert.equal(third.body.success, true);
  assert.ok(third.body.deleted_count >= settled.total_spans, `deleted ${third.body.deleted_count}, stored ${settled.total_spans}`);
  const fileCount = await withDb(s.db, (q) => q('SELECT count(*) AS n FROM spans'));
  assert.ok(Number(fileCount[0].n) <= 1, 'empty again (at most a span that ended meanwhile)');
});

test('POST /api/traces/clear is not a simple cross-site request: a text/plain POST from another origin deletes nothing', async (t) => {
  // A web page on any site can send a "simple" POST (no preflight) to
  // 127.0.0.1; it cannot read the answer (no CORS), but the side effect of
  // a clear would happen. The server must refuse it, as it refuses a
  // publish without Content-Type: application/json.
  const s = await startDemo(t, { runs: 1 });
  const before = (await getJson(s.base, '/api/traces/stats')).total_spans;
  assert.ok(before > 0);
  for (const [headers, body] of [
    [{ origin: 'http://evil.test', 'content-type': 'text/plain' }, '{}'],
    [{ origin: 'http://evil.test', 'content-type': 'application/x-www-form-urlencoded' }, 'a=1'],
    [{ origin: 'null', 'content-type': 'text/plain' }, ''],
  ]) {
    const r = await rawRequest(s.port, { method: 'POST', path: '/api/traces/clear', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, body });
    assert.ok(r.status >= 400, `cross-site clear ${JSON.stringify(headers)}: refused, got ${r.status} ${r.text}`);
    assert.equal(r.headers.get('access-control-allow-origin'), null);
  }
  assert.equal((await getJson(s.base, '/api/traces/stats')).total_spans, before, 'nothing was deleted');
});

test('SIGTERM: the spans of artifacts published through the API just before are in the file afterwards', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const ids = [];
  for (let i = 0; i < 6; i++) {
    const r = await publish(s, { type: 'Order', payload: { dish: `dish ${i}`, guests: 1 + i }, correlation_id: `sigterm-${i}` });
    assert.equal(r.status, 201, r.text);
    ids.push(r.body.id);
  }
  // No waiting for a flush: stop right after the last answer.
  s.h.child.kill('SIGTERM');
  assertStopped(await s.h.exited, 'SIGTERM', 'the demo');

  const spans = await storedSpans(s.db);
  const publishes = spans.filter((x) => x.name === 'Flock.publish');
  for (const [i, id] of ids.entries()) {
    const p = publishes.find((x) => x.attributes?.artifact?.id === id);
    assert.ok(p, `the Flock.publish span of artifact ${i} (${id}) is in the file`);
    assert.equal(p.attributes.correlation_id, `sigterm-${i}`);
    // Every agent run that began on it was recorded, ended, with its trace.
    const chef = spans.filter((x) => x.name === 'Agent.execute' && x.parent_id === p.span_id);
    for (const c of chef) {
      assert.equal(c.trace_id, p.trace_id);
      assert.ok(c.end_time >= c.start_time);
    }
  }
  // Every stored span's parent is stored too (no half-written trace), apart
  // from the roots.
  const byId = new Set(spans.map((x) => x.span_id));
  for (const x of spans) if (x.parent_id !== null) assert.ok(byId.has(x.parent_id), `parent of ${x.name} ${x.span_id} is stored`);
});

test('SIGINT stops the server too, with the seeded spans kept', async (t) => {
  const s = await startDemo(t, { runs: 2 });
  const before = (await getJson(s.base, '/api/traces/stats')).total_spans;
  s.h.child.kill('SIGINT');
  assertStopped(await s.h.exited, 'SIGINT', 'the demo');
  const spans = await storedSpans(s.db);
  assert.ok(spans.length >= before);
  assert.equal(new Set(spans.filter((x) => x.name === 'dinner_service').map((x) => x.trace_id)).size, 2);
});

test('SIGTERM with idle keep-alive connections (a browser\'s): the program still exits promptly, spans flushed', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  t.after(() => agent.destroy());
  const get = () =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: s.port, path: '/api/traces', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        })
        .on('error', reject);
    });
  assert.deepEqual(await Promise.all([get(), get(), get()]), [200, 200, 200]);
  const p = await publish(s, { type: 'Order', payload: { dish: 'late soup', guests: 1 }, correlation_id: 'keepalive' });
  assert.equal(p.status, 201);
  const t0 = Date.now();
  s.h.child.kill('SIGTERM');
  const r = await s.h.exited;
  const ms = Date.now() - t0;
  assertStopped(r, 'SIGTERM', 'the demo');
  const spans = await storedSpans(s.db);
  assert.ok(spans.some((x) => x.name === 'Flock.publish' && x.attributes?.artifact?.id === p.body.id), 'the last publish was flushed');
  assert.ok(ms < 2500, `exited ${ms} ms after SIGTERM: idle keep-alive connections must not hold up the shutdown (and the flush)`);
});
