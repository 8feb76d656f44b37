// Every error answer of the API: the 4xx status and a JSON {"error": "..."}
// whose message names what was wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, api, rawRequest, assertError, getJson } from './helpers.mjs';

const post = (s, p, json, headers = {}) => api(s.base, p, { method: 'POST', json, headers });

test('POST /api/artifacts: unknown type, schema mismatch, malformed JSON, missing fields, no JSON content type', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const before = (await getJson(s.base, '/api/artifacts')).total;

  await t.test('unknown type: 400 naming the type', async () => {
    assertError(await post(s, '/api/artifacts', { type: 'Dessert', payload: { dish: 'x', guests: 1 } }), 400, /unknown artifact type.*Dessert/i, 'unknown type');
  });

  await t.test('payload not fitting the schema: 400 naming the field', async () => {
    const cases = [
      [{ dish: 42, guests: 2 }, /dish/],
      [{ dish: 'soup' }, /guests/],
      [{ dish: 'soup', guests: 'two' }, /guests/],
      [{ dish: 'soup', guests: 2, wine: 'red' }, /wine/],
      ['soup', /object/i],
      [null, /./],
      [[1, 2], /object|array/i],
    ];
    for (const [payload, re] of cases) {
      const e = assertError(await post(s, '/api/artifacts', { type: 'Order', payload }), 400, re, `payload ${JSON.stringify(payload)}`);
      assert.match(e, /Order|payload|schema/i, `the message says the payload does not fit: ${e}`);
    }
  });

  await t.test('missing or mistyped fields of the envelope: 400 naming the field', async () => {
    assertError(await post(s, '/api/artifacts', { payload: { dish: 'x', guests: 1 } }), 400, /"?type"?/, 'no type');
    assertError(await post(s, '/api/artifacts', { type: 7, payload: {} }), 400, /"?type"?/, 'type not a string');
    assertError(await post(s, '/api/artifacts', { type: 'Order' }), 400, /payload/, 'no payload');
    assertError(await post(s, '/api/artifacts', { type: 'Order', payload: { dish: 'x', guests: 1 }, tags: 'hot' }), 400, /tags/, 'tags not an array');
    assertError(await post(s, '/api/artifacts', { type: 'Order', payload: { dish: 'x', guests: 1 }, tags: [1] }), 400, /tags/, 'tags not strings');
    assertError(await post(s, '/api/artifacts', { type: 'Order', payload: { dish: 'x', guests: 1 }, correlation_id: 5 }), 400, /correlation_id/, 'correlation_id not a string');
  });

  await t.test('malformed JSON and a body that is not an object: 400', async () => {
    const bad = async (body) =>
      api(s.base, '/api/artifacts', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    assertError(await bad('{"type": "Order", "payload": '), 400, /malformed JSON|parse/i, 'truncated JSON');
    assertError(await bad('not json at all'), 400, /malformed JSON|parse/i, 'not JSON');
    assertError(await bad(''), 400, /JSON|body/i, 'empty body');
    assertError(await bad('[1, 2]'), 400, /object/i, 'an array');
    assertError(await bad('"Order"'), 400, /object/i, 'a string');
    // Nested 100,000 deep: refused while parsing (walking it would overflow
    // a server thread's stack), and the server goes on.
    const deep = '['.repeat(100000) + ']'.repeat(100000);
    assertError(await bad(`{"type": "Order", "payload": ${deep}}`), 400, /deeper than 128/, 'deep payload');
    assertError(await api(s.base, '/api/traces/query', { method: 'POST', body: `{"sql": ${deep}}`, headers: { 'content-type': 'application/json' } }), 400, /deeper/, 'deep query body');
    assert.equal((await getJson(s.base, '/api/health')).status, 'ok');
  });

  await t.test('without Content-Type: application/json: 415', async () => {
    const body = JSON.stringify({ type: 'Order', payload: { dish: 'soup', guests: 2 } });
    assertError(
      await rawRequest(s.port, { method: 'POST', path: '/api/artifacts', body, headers: { 'content-length': Buffer.byteLength(body) } }),
      415,
      /Content-Type: application\/json/i,
      'no content type',
    );
    assertError(await api(s.base, '/api/artifacts', { method: 'POST', body, headers: { 'content-type': 'text/plain' } }), 415, /application\/json/, 'text/plain');
    assertError(
      await api(s.base, '/api/artifacts', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      /application\/json/,
      'a form',
    );
    // With a charset it is JSON all the same.
    const ok = await api(s.base, '/api/artifacts', { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8' } });
    assert.equal(ok.status, 201, ok.text);
  });

  await t.test('nothing was published by the refused requests', async () => {
    const after = await getJson(s.base, '/api/artifacts?type=Order&limit=1000');
    assert.equal(after.items.filter((a) => a.payload.dish === 'soup').length, 1, 'only the accepted request published');
    assert.ok(after.items.every((a) => a.payload.dish !== 'x'));
    assert.ok((await getJson(s.base, '/api/artifacts')).total >= before + 1);
  });
});

test('GET /api/traces and /api/artifacts: bad paging, numbers, times and status values are 400 naming the parameter', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const cases = [
    ['/api/traces?limit=0', /limit/],
    ['/api/traces?limit=1001', /limit/],
    ['/api/traces?limit=-1', /limit/],
    ['/api/traces?limit=ten', /limit/],
    ['/api/traces?limit=1.5', /limit/],
    ['/api/traces?offset=-1', /offset/],
    ['/api/traces?offset=x', /offset/],
    ['/api/traces?min_duration_ms=abc', /min_duration_ms/],
    ['/api/traces?min_duration_ms=-5', /min_duration_ms/],
    ['/api/traces?max_duration_ms=1e400', /max_duration_ms/],
    ['/api/traces?max_duration_ms=NaN', /max_duration_ms/],
    ['/api/traces?min_duration_ms=10&max_duration_ms=5', /min_duration_ms.*max_duration_ms|max_duration_ms.*min_duration_ms/],
    ['/api/traces?since=yesterday', /since/],
    ['/api/traces?since=2026-13-01T00:00:00Z', /since/],
    ['/api/traces?until=2026-01-01T25:00:00Z', /until/],
    ['/api/traces?until=12abc', /until/],
    ['/api/traces?since=99999999999999999999', /since/],
    ['/api/traces?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z', /since.*until|until.*since/],
    ['/api/traces?status=broken', /status/],
    ['/api/artifacts?limit=0', /limit/],
    ['/api/artifacts?limit=abc', /limit/],
    ['/api/artifacts?offset=-3', /offset/],
  ];
  for (const [p, re] of cases) assertError(await api(s.base, p), 400, re, p);
  // The bad value itself is quoted back.
  const e = assertError(await api(s.base, '/api/traces?limit=ten'), 400, /ten/, 'value quoted');
  assert.ok(e.length < 500);
});

test('GET /api/traces/{id}: 400 for a malformed id, 404 for an unknown one (also /otlp)', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  for (const id of ['abc', 'zz'.repeat(16), '0'.repeat(31), '0'.repeat(33), 'g'.repeat(32), '0af7651916cd43dd8448eb211c80319c0']) {
    assertError(await api(s.base, `/api/traces/${id}`), 400, /trace_id|trace id/i, `malformed ${id}`);
    assertError(await api(s.base, `/api/traces/${id}/otlp`), 400, /trace_id|trace id/i, `malformed ${id}/otlp`);
  }
  const unknown = '0af7651916cd43dd8448eb211c80319c';
  assertError(await api(s.base, `/api/traces/${unknown}`), 404, new RegExp(unknown), 'unknown id');
  assertError(await api(s.base, `/api/traces/${unknown}/otlp`), 404, new RegExp(unknown), 'unknown id /otlp');
});

test('unknown routes are 404, wrong methods 405, with a message naming the route', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  assertError(await api(s.base, '/api/nothing'), 404, /\/api\/nothing/, 'GET /api/nothing');
  assertError(await api(s.base, '/api/traces/stats/extra'), 400, /trace_id/, 'a path under /api/traces/ is an id');
  assertError(await api(s.base, '/api/traces', { method: 'DELETE' }), 405, /GET/, 'DELETE /api/traces');
  assertError(await api(s.base, '/api/traces/query'), 405, /POST/, 'GET /api/traces/query');
  assertError(await api(s.base, '/api/traces/clear'), 405, /POST/, 'GET /api/traces/clear');
  assertError(await api(s.base, '/api/agents', { method: 'POST', json: {} }), 405, /GET/, 'POST /api/agents');
  assertError(await api(s.base, '/api/artifacts', { method: 'PUT', json: {} }), 405, /GET|POST/, 'PUT /api/artifacts');
  assertError(await api(s.base, '/api/health', { method: 'POST', json: {} }), 405, /GET/, 'POST /api/health');
  // The store was not cleared by a GET.
  assert.ok((await getJson(s.base, '/api/traces')).total >= 1);
});

test('POST /api/traces/query: malformed bodies are 400/415 naming the problem', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  assertError(await post(s, '/api/traces/query', {}), 400, /sql/, 'no sql');
  assertError(await post(s, '/api/traces/query', { sql: 42 }), 400, /sql/, 'sql not a string');
  assertError(await post(s, '/api/traces/query', { sql: '' }), 400, /empty/i, 'empty sql');
  assertError(
    await api(s.base, '/api/traces/query', { method: 'POST', body: '{"sql": ', headers: { 'content-type': 'application/json' } }),
    400,
    /malformed JSON|parse/i,
    'malformed JSON',
  );
  const body = JSON.stringify({ sql: 'SELECT 1' });
  assertError(
    await rawRequest(s.port, { method: 'POST', path: '/api/traces/query', body, headers: { 'content-length': Buffer.byteLength(body) } }),
    415,
    /application\/json/,
    'no content type',
  );
});

test('a body over the size bound: 413 with a JSON error', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const big = JSON.stringify({ type: 'Order', payload: { dish: 'x'.repeat(17 * 1024 * 1024), guests: 1 } });
  const r = await api(s.base, '/api/artifacts', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 413, `${r.status} ${r.text.slice(0, 200)}`);
  assertError(r, 413, /large|size|bytes|limit/i, 'a 17 MB body');
  assert.equal((await api(s.base, '/api/health')).status, 200, 'the server keeps answering');
});
