// The HTTP transport under hostile clients, against the real
// flock_dashboard_demo: slow headers, a flood of connections, oversized
// heads and bodies, and stopping with streams and idle connections open.
// Waits are generous: they tell "answered" from "never answered".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startDemo, api, assertStopped, openEvents, sleep } from './helpers.mjs';

// A raw connection: send bytes, collect everything until the server closes.
function connect(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const c = { sock, data: '', closed: false };
    c.ended = new Promise((res) => sock.on('close', () => {
      c.closed = true;
      res(c.data);
    }));
    sock.setEncoding('latin1');
    sock.on('data', (d) => (c.data += d));
    sock.on('error', () => {});
    sock.once('connect', () => resolve(c));
    sock.once('error', reject);
  });
}

function withTimeout(p, ms, what) {
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms))),
  ]);
}

const statusOf = (raw) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? 0);
const bodyOf = (raw) => raw.slice(raw.indexOf('\r\n\r\n') + 4);
const headerOf = (raw, name) =>
  new RegExp(`\\r\\n${name}: ([^\\r]*)\\r\\n`, 'i').exec(raw.slice(0, raw.indexOf('\r\n\r\n') + 2))?.[1] ?? null;

function assertJsonError(raw, status, re, what) {
  assert.equal(statusOf(raw), status, `${what}: ${raw.slice(0, 300)}`);
  assert.match(headerOf(raw, 'content-type') ?? '', /^application\/json/, `${what}: JSON`);
  assert.equal(headerOf(raw, 'x-content-type-options'), 'nosniff', `${what}: nosniff`);
  const body = JSON.parse(bodyOf(raw));
  assert.deepEqual(Object.keys(body), ['error'], `${what}: only "error"`);
  assert.match(body.error, re, `${what}: the message names the problem`);
}

test('slow headers: 40 clients dripping a byte a second do not keep others from being served, and get 408 at the deadline', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const slow = await Promise.all(Array.from({ length: 40 }, () => connect(s.port)));
  const head = 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: ' + 'a'.repeat(100);
  let i = 0;
  const drip = setInterval(() => {
    for (const c of slow) if (!c.closed) c.sock.write(head[i % head.length]);
    i++;
  }, 1000);
  t.after(() => clearInterval(drip));
  await sleep(1500);
  const r = await api(s.base, '/api/health', { timeoutMs: 10000 });
  assert.equal(r.status, 200, 'a normal client is answered while the slow ones drip');
  // The header deadline is 10 s in total, not per byte.
  const answers = await withTimeout(Promise.all(slow.map((c) => c.ended)), 30000, 'the slow clients closed');
  clearInterval(drip);
  for (const raw of answers) assertJsonError(raw, 408, /time|arrive/i, 'a slow client');
});

test('500 simultaneous connections are all answered: served, or 503 with Retry-After', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const conns = await Promise.all(Array.from({ length: 500 }, () => connect(s.port)));
  for (const c of conns) c.sock.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  const answers = await withTimeout(Promise.all(conns.map((c) => c.ended)), 60000, '500 answers');
  const counts = {};
  for (const raw of answers) {
    const st = statusOf(raw);
    counts[st] = (counts[st] ?? 0) + 1;
    if (st === 503) {
      assertJsonError(raw, 503, /busy/i, 'a refused client');
      assert.equal(headerOf(raw, 'retry-after'), '1');
    } else {
      assert.equal(st, 200, raw.slice(0, 300));
    }
  }
  assert.ok((counts[200] ?? 0) > 0, `some served: ${JSON.stringify(counts)}`);
  // And the server is fine afterwards.
  assert.equal((await api(s.base, '/api/health')).status, 200);
});

test('a 100 MB Content-Length is refused with 413 before any of the body is sent', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const c = await connect(s.port);
  c.sock.write('POST /api/artifacts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n');
  const raw = await withTimeout(c.ended, 20000, 'the 413');
  assertJsonError(raw, 413, /larger than the server accepts/, '100 MB announced');
  assert.equal(headerOf(raw, 'connection'), 'close');
});

test('headers over 64 KiB: 431; a request that is no HTTP: 400', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const big = await connect(s.port);
  big.sock.write(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`);
  assertJsonError(await withTimeout(big.ended, 20000, 'the 431'), 431, /headers are larger/, 'big headers');
  const junk = await connect(s.port);
  junk.sock.write('HELLO THERE\r\n\r\n');
  assertJsonError(await withTimeout(junk.ended, 20000, 'the 400'), 400, /malformed/, 'not HTTP');
});

test('SIGTERM with an event stream and an idle keep-alive connection open: the server stops cleanly', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const events = await openEvents(t, s.base);
  assert.equal(events.status, 200);
  const idle = await connect(s.port);
  idle.sock.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await withTimeout(
    (async () => {
      while (!idle.data.includes('{"status":"ok"}')) await sleep(20);
    })(),
    20000,
    'the keep-alive answer',
  );
  const r = await withTimeout(s.stop(), 30000, 'the exit after SIGTERM');
  assertStopped(r, 'SIGTERM');
  await withTimeout(idle.ended, 5000, 'the idle connection closed');
});
