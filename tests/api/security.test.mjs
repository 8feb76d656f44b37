// Auth (FLOCK_API_TOKEN), the refusal to serve a non-loopback address without
// a token, CORS (FLOCK_API_CORS_ORIGINS, never "*"), the Host check of a
// loopback server (DNS rebinding), and the security headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, spawnDemo, tempDir, api, rawRequest, assertError, getJson, openEvents } from './helpers.mjs';

const TOKEN = 'k7-Fq9_tokenValue.for-tests';

// Every route but /api/health, with a request that succeeds given the token.
function routes(traceId) {
  return [
    ['GET', '/api/agents'],
    ['GET', '/api/artifact-types'],
    ['GET', '/api/artifacts'],
    ['GET', '/api/traces'],
    ['GET', `/api/traces/${traceId}`],
    ['GET', `/api/traces/${traceId}/otlp`],
    ['GET', '/api/traces/services'],
    ['GET', '/api/traces/stats'],
    ['GET', '/api/workflows/stats'],
    ['GET', '/api/services/stats'],
    ['GET', '/api/dependencies'],
    ['POST', '/api/traces/query', { sql: 'SELECT count(*) FROM spans' }],
    ['POST', '/api/artifacts', { type: 'Order', payload: { dish: 'soup', guests: 1 } }],
  ];
}

async function firstTraceId(s, token) {
  return (await getJson(s.base, '/api/traces?limit=1', { token })).items[0].trace_id;
}

test('FLOCK_API_TOKEN set: every route but /api/health needs Authorization: Bearer <token>', async (t) => {
  const s = await startDemo(t, { runs: 1, extraEnv: { FLOCK_API_TOKEN: TOKEN } });
  const traceId = await firstTraceId(s, TOKEN);
  const spansBefore = (await getJson(s.base, '/api/traces/stats', { token: TOKEN })).total_spans;

  await t.test('/api/health is open', async () => {
    const r = await api(s.base, '/api/health');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ok' });
  });

  await t.test('without a token: 401 naming the header, with WWW-Authenticate', async () => {
    for (const [method, p, json] of [...routes(traceId), ['POST', '/api/traces/clear', {}], ['GET', '/api/nothing']]) {
      const r = await api(s.base, p, { method, json });
      assertError(r, 401, /Authorization: Bearer/, `${method} ${p}`);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/, `${method} ${p}: WWW-Authenticate`);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    }
  });

  await t.test('a wrong token, another scheme, a prefix or an extension of the token: 401', async () => {
    const wrong = [
      'Bearer wrong',
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Bearer  ${TOKEN}`,
      `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`,
      TOKEN,
      'Bearer ',
    ];
    for (const auth of wrong) {
      for (const [method, p, json] of routes(traceId)) {
        const r = await api(s.base, p, { method, json, headers: { authorization: auth } });
        const e = assertError(r, 401, /token|Bearer/i, `${method} ${p} with '${auth}'`);
        assert.ok(!e.includes(TOKEN), 'the message does not reveal the token');
      }
    }
  });

  await t.test('a refused clear deletes nothing', async () => {
    const r = await api(s.base, '/api/traces/clear', { method: 'POST', json: {}, headers: { authorization: 'Bearer nope' } });
    assert.equal(r.status, 401);
    const after = (await getJson(s.base, '/api/traces/stats', { token: TOKEN })).total_spans;
    assert.ok(after >= spansBefore, `spans kept (${spansBefore} -> ${after})`);
  });

  await t.test('the right token: 200/201 on every route', async () => {
    for (const [method, p, json] of routes(traceId)) {
      const r = await api(s.base, p, { method, json, token: TOKEN });
      assert.equal(r.status, method === 'POST' && p === '/api/artifacts' ? 201 : 200, `${method} ${p}: ${r.status} ${r.text.slice(0, 200)}`);
    }
  });

  await t.test('/api/events: 401 without the token, a stream with it', async () => {
    const no = await openEvents(t, s.base);
    assert.equal(no.status, 401);
    await no.done;
    const bad = await openEvents(t, s.base, { token: 'nope' });
    assert.equal(bad.status, 401);
    await bad.done;
    const ok = await openEvents(t, s.base, { token: TOKEN });
    assert.equal(ok.status, 200);
    await ok.waitFor((e) => e.event === 'hello', 'hello with the token');
  });
});

test('FLOCK_API_TOKEN unset on loopback: no Authorization needed, any Authorization ignored', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const traceId = await firstTraceId(s);
  for (const [method, p, json] of routes(traceId)) {
    for (const headers of [{}, { authorization: 'Bearer whatever' }]) {
      const r = await api(s.base, p, { method, json, headers });
      assert.equal(r.status, method === 'POST' && p === '/api/artifacts' ? 201 : 200, `${method} ${p} ${JSON.stringify(headers)}: ${r.text.slice(0, 200)}`);
    }
  }
});

test('a non-loopback --host without FLOCK_API_TOKEN: exit 1, a message naming FLOCK_API_TOKEN, never serving', async (t) => {
  for (const [host, extraEnv] of [
    ['0.0.0.0', {}],
    ['0.0.0.0', { FLOCK_API_TOKEN: '' }],
    ['::', {}],
  ]) {
    const tmp = tempDir(t);
    const h = spawnDemo(t, ['--port', '0', '--db', tmp.db, '--runs', '1', '--host', host], { tmp, extraEnv });
    const r = await h.exited;
    assert.equal(r.signal, null, `--host ${host}: killed (${r.signal}), it did not exit by itself\nstdout:\n${r.stdout}`);
    assert.equal(r.code, 1, `--host ${host} ${JSON.stringify(extraEnv)}: exit ${r.code}\nstderr:\n${r.stderr}`);
    assert.match(r.stderr, /FLOCK_API_TOKEN/, `--host ${host}: the message names FLOCK_API_TOKEN`);
    assert.doesNotMatch(r.stdout, /dashboard at/, 'it never announced a URL');
  }
});

test('a non-loopback --host with FLOCK_API_TOKEN serves, with the token required (tested via 127.0.0.1)', async (t) => {
  const s = await startDemo(t, { runs: 1, host: '0.0.0.0', extraEnv: { FLOCK_API_TOKEN: TOKEN } });
  assert.match(s.printedUrl, /^http:\/\/0\.0\.0\.0:\d+\/$/);
  assert.equal((await api(s.base, '/api/health')).status, 200);
  assertError(await api(s.base, '/api/traces'), 401, /Bearer/, 'no token');
  assertError(await api(s.base, '/api/traces', { token: 'x' }), 401, /token/, 'wrong token');
  const list = await getJson(s.base, '/api/traces', { token: TOKEN });
  assert.equal(list.total, 1);
  const pub = await api(s.base, '/api/artifacts', { method: 'POST', json: { type: 'Order', payload: { dish: 'soup', guests: 1 } }, token: TOKEN });
  assert.equal(pub.status, 201, pub.text);
});

test('CORS: Access-Control-Allow-Origin only for an origin listed in FLOCK_API_CORS_ORIGINS, never "*"', async (t) => {
  const s = await startDemo(t, { runs: 1, extraEnv: { FLOCK_API_CORS_ORIGINS: 'http://allowed.test:5173, https://also.test' } });
  for (const origin of ['http://allowed.test:5173', 'https://also.test']) {
    for (const p of ['/api/health', '/api/traces', '/api/nothing']) {
      const r = await api(s.base, p, { headers: { origin } });
      assert.equal(r.headers.get('access-control-allow-origin'), origin, `${origin} ${p}`);
      assert.match(r.headers.get('vary') ?? '', /Origin/i, `${origin} ${p}: Vary: Origin`);
    }
    const pre = await rawRequest(s.port, {
      method: 'OPTIONS',
      path: '/api/artifacts',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });
    assert.ok(pre.status === 204 || pre.status === 200, `preflight from ${origin}: ${pre.status}`);
    assert.equal(pre.headers.get('access-control-allow-origin'), origin);
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/i);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /content-type/i);
  }
  for (const origin of ['http://evil.test', 'http://allowed.test', 'http://allowed.test:5173.evil.test', 'null', '*']) {
    const r = await api(s.base, '/api/traces', { headers: { origin } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), null, `no ACAO for ${origin}`);
    const pre = await rawRequest(s.port, { method: 'OPTIONS', path: '/api/traces', headers: { origin, 'access-control-request-method': 'GET' } });
    assert.notEqual(pre.headers.get('access-control-allow-origin'), origin, `preflight from ${origin} is not allowed`);
    assert.ok(pre.status >= 400, `preflight from ${origin}: ${pre.status}`);
  }
});

test('CORS: "*" in FLOCK_API_CORS_ORIGINS allows nobody', async (t) => {
  const s = await startDemo(t, { runs: 1, extraEnv: { FLOCK_API_CORS_ORIGINS: '*' } });
  for (const origin of ['http://evil.test', 'http://localhost:5173']) {
    const r = await api(s.base, '/api/traces', { headers: { origin } });
    assert.equal(r.headers.get('access-control-allow-origin'), null, origin);
  }
});

test('Host check on a loopback server: a non-loopback Host is 403 (DNS rebinding), loopback names pass', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  for (const host of ['127.0.0.1', `127.0.0.1:${s.port}`, `localhost:${s.port}`, 'localhost', `[::1]:${s.port}`, `LOCALHOST:${s.port}`]) {
    const r = await rawRequest(s.port, { path: '/api/traces', headers: { host } });
    assert.equal(r.status, 200, `Host: ${host}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  for (const host of ['evil.example', `evil.example:${s.port}`, `attacker.test:${s.port}`, `localhost.evil.example:${s.port}`, '192.168.1.10', `[2001:db8::1]:${s.port}`]) {
    for (const p of ['/api/traces', '/api/health', '/api/events']) {
      const r = await rawRequest(s.port, { path: p, headers: { host } });
      assertError(r, 403, /Host|loopback/, `Host: ${host} ${p}`);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    }
  }
  // Not a refused preflight either.
  const pub = await rawRequest(s.port, {
    method: 'POST',
    path: '/api/artifacts',
    headers: { host: 'evil.example', 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'Order', payload: { dish: 'evil', guests: 1 } }),
  });
  assert.equal(pub.status, 403);
  const orders = await getJson(s.base, '/api/artifacts?type=Order&limit=1000');
  assert.ok(orders.items.every((a) => a.payload.dish !== 'evil'), 'the refused publish did not happen');
});

test('Host check: a name that only starts like a loopback address is not loopback (127.0.0.1.evil.example)', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  // A rebinding domain such as 127.0.0.1.attacker.example resolves to the
  // attacker first, then to 127.0.0.1; its Host header must be refused.
  for (const host of [`127.0.0.1.evil.example:${s.port}`, `127.attacker.example:${s.port}`, '127.0.0.1.nip.io']) {
    const r = await rawRequest(s.port, { path: '/api/traces', headers: { host } });
    assertError(r, 403, /Host|loopback/, `Host: ${host}`);
  }
});
