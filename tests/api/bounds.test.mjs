// What one request, or many at once, may cost the server (docs/http-api.md,
// "Server limits"): JSON bodies parse in one pass with bounds on nesting and
// values, bodies being read share one budget, event streams are bounded,
// body framing and Host are read strictly, and an OTLP request the trace
// queue could never take is refused before its spans are built. Every
// refusal is a JSON error naming the bound, and the server goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import zlib from 'node:zlib';
import { finishedStore, startDashboard, api, assertError, getJson, openEvents, waitUntil } from './helpers.mjs';

async function dashboard(t) {
  const tmp = await finishedStore(t, { runs: 1 });
  return startDashboard(t, tmp.db);
}

const query = (d, body) =>
  api(d.base, '/api/traces/query', { method: 'POST', body, headers: { 'content-type': 'application/json' } });

// `{"sql":"SELECT 1","pad":[{},{},...]}` with n empty objects.
function padded(n) {
  return `{"sql":"SELECT 1","pad":[${'{},'.repeat(n - 1)}{}]}`;
}

// Bytes written as given on a fresh connection; resolves with everything the
// server sent until it closed (latin1 text).
function rawExchange(port, bytes) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    sock.setTimeout(30000, () => sock.destroy(new Error('no close within 30 s')));
    sock.on('data', (d) => (data = Buffer.concat([data, d])));
    sock.on('error', reject);
    sock.on('close', () => resolve(data.toString('latin1')));
    sock.write(bytes);
  });
}

const statusOf = (text) => Number((text.match(/^HTTP\/1\.[01] (\d{3})/) ?? [])[1]);
const errorOf = (text) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error;

test('JSON bodies parse in one pass: 8 bodies of 600,000 empty objects at once are all answered, and /api/health; past 1,000,000 values 413, past 128 levels 400', async (t) => {
  const d = await dashboard(t);
  // With a parser callback this took minutes a body (quadratic) and held
  // every handler thread; now each is one pass.
  const body = padded(600000);
  const answers = await Promise.all([...Array(8)].map(() => query(d, body)));
  for (const r of answers) {
    // Four queries run at once; a fifth that meets them is told to retry.
    if (r.status === 503) assertError(r, 503, /queries/, 'a fifth query at once');
    else assert.deepEqual([r.status, r.body.rows], [200, [[1]]], r.text);
  }
  assert.ok(answers.some((r) => r.status === 200));
  assert.equal((await getJson(d.base, '/api/health')).status, 'ok');
  assertError(await query(d, padded(1000000)), 413, /more than 1000000 values/, 'a million and three values');
  const deep = `{"sql":"SELECT 1","pad":${'['.repeat(129)}${']'.repeat(129)}}`;
  assertError(await query(d, deep), 400, /deeper than 128 levels/, '129 levels');
  const ok = await api(d.base, '/api/traces/query', { method: 'POST', json: { sql: 'SELECT 2 AS n' } });
  assert.deepEqual(ok.body.rows, [[2]]);
});

test('event streams: past 16 open at once 503 with Retry-After naming the bound; health answers; closing one frees its place', async (t) => {
  const d = await dashboard(t);
  const open = [];
  for (let i = 0; i < 16; i++) {
    const ev = await openEvents(t, d.base);
    assert.equal(ev.status, 200, `stream ${i + 1}`);
    await ev.waitFor((e) => e.event === 'hello', `hello on stream ${i + 1}`);
    open.push(ev);
  }
  const refused = await openEvents(t, d.base);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '1');
  await refused.done;
  assert.match(JSON.parse(refused.text).error, /too many open event streams \(at most 16 at once\)/);
  assert.equal((await getJson(d.base, '/api/health')).status, 'ok');
  await open.pop().close();
  // The server notices the client left within a second or so.
  const again = await waitUntil(async () => {
    const ev = await openEvents(t, d.base);
    if (ev.status === 200) return ev;
    await ev.close();
    return null;
  }, 'a stream once one was closed');
  await again.waitFor((e) => e.event === 'hello');
});

test('bodies being read share 64 MiB: 30 clients announcing 15 MiB each, and past the budget they are told at once to retry', async (t) => {
  const d = await dashboard(t);
  const head = `POST /api/traces/query HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\nContent-Type: application/json\r\nContent-Length: ${15 << 20}\r\n\r\n`;
  const answers = [];
  const socks = [];
  t.after(() => socks.forEach((s) => s.destroy()));
  for (let i = 0; i < 30; i++) {
    const sock = net.connect(d.port, '127.0.0.1');
    socks.push(sock);
    let data = '';
    sock.on('data', (b) => (data += b.toString('latin1')));
    sock.on('end', () => answers.push(data)); // every answer here closes the connection
    sock.on('error', () => {});
    sock.write(head);
    sock.write('{"sql":"'); // a start of the body; the rest never comes
  }
  // Four bodies fit (60 MiB); the other 26 are refused without waiting for them.
  await waitUntil(() => answers.length >= 26, '26 refusals', 30000);
  for (const a of answers) {
    assert.equal(statusOf(a), 503, a);
    assert.match(a, /\r\nRetry-After: 1\r\n/i);
    assert.match(errorOf(a), /busy reading other request bodies \(64 MiB at once, all clients together\)/);
  }
  assert.equal((await getJson(d.base, '/api/health')).status, 'ok');
  socks.forEach((s) => s.destroy());
  // Their shares come back when they leave.
  await waitUntil(async () => (await query(d, '{"sql":"SELECT 3"}')).status === 200, 'a query after they left');
});

test('framing and Host are read strictly: Transfer-Encoding other than chunked or beside Content-Length is 400 and closes; Host with a loopback prefix is 403', async (t) => {
  const d = await dashboard(t);
  const host = `127.0.0.1:${d.port}`;
  const next = `GET /api/health HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
  for (const [te, re] of [
    ['Transfer-Encoding: xchunked\r\nContent-Length: 18\r\n', /both Transfer-Encoding and Content-Length/],
    ['Transfer-Encoding: xchunked\r\n', /'xchunked' is not supported/],
    ['Transfer-Encoding: chunked, gzip\r\n', /Transfer-Encoding/],
  ]) {
    const text = await rawExchange(d.port, `POST /api/traces/query HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n${te}\r\n{"sql":"SELECT 1"}${next}`);
    assert.equal(statusOf(text), 400, text);
    assert.equal(text.indexOf('HTTP/1.1', 1), -1, `the request after it was answered: ${text}`);
    assert.match(text, /\r\nConnection: close\r\n/i);
    assert.match(errorOf(text), re);
  }
  for (const bad of ['[::1].evil.example', `127.0.0.1:${d.port}@evil.example`, `localhost:${d.port}.evil.example`]) {
    const text = await rawExchange(d.port, `GET /api/health HTTP/1.1\r\nHost: ${bad}\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf(text), 403, `${bad}: ${text}`);
    assert.match(errorOf(text), /not a loopback name/);
  }
  for (const good of [host, `[::1]:${d.port}`, 'localhost']) {
    const text = await rawExchange(d.port, `GET /api/health HTTP/1.1\r\nHost: ${good}\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf(text), 200, `${good}: ${text}`);
  }
});

// A protobuf length-delimited field: tag byte, varint length, payload.
function field(tag, payload) {
  const len = [];
  for (let v = payload.length; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      len.push(v);
      break;
    }
    len.push((v % 128) | 128);
  }
  return Buffer.concat([Buffer.from([tag, ...len]), payload]);
}

test('OTLP: a request the trace queue could never take is 413 naming the bound, before its spans are built (8 KiB of gzip holding 4 M empty spans included)', async (t) => {
  const d = await dashboard(t);
  const post = (body, headers) => api(d.base, '/v1/traces', { method: 'POST', body, headers });
  // 4,194,304 empty Span messages (2 bytes each): 8 MiB inflated.
  const spans = Buffer.alloc(2 * 4194304);
  for (let i = 0; i < spans.length; i += 2) spans[i] = 0x12;
  const request = field(0x0a, field(0x12, spans));
  const gz = zlib.gzipSync(request, { level: 9 });
  assert.ok(gz.length < 64 << 10, `${gz.length} bytes of gzip`);
  for (let k = 0; k < 3; k++) {
    const r = await post(gz, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    assert.equal(r.status, 413, r.text);
    assert.equal(r.headers.get('retry-after'), null, 'a retry would not help');
    assert.match(r.text, /holds 4194304 spans; at most 262144 fit in the trace queue/);
  }
  // The same in OTLP/JSON: 300,000 spans.
  const json = `{"resourceSpans":[{"scopeSpans":[{"spans":[${'{},'.repeat(299999)}{}]}]}]}`;
  assertError(await post(json, { 'content-type': 'application/json' }), 413, /holds 300000 spans; at most 262144/, 'JSON');
  // A request within the bounds is taken as ever.
  const one = {
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'ok', startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }],
  };
  const r = await api(d.base, '/v1/traces', { method: 'POST', json: one });
  assert.equal(r.status, 200, r.text);
  assert.equal((await getJson(d.base, '/api/health')).status, 'ok');
});
