// HTTP failures: 429 with Retry-After, 5xx, cut and refused connections are
// retried with back-off up to max_retries (each retry a "retry" event on the
// call span); other statuses are not; a hung server ends in the timeout; a
// huge answer is refused with a clear error. The program never crashes and
// the agent's error says what happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, startFake, allSpans, attr, callSpans, artifactsOf, PIZZA } from './helpers.mjs';
import { freePort } from './fake_openai.mjs';

const retryEvents = (span) => (span.events ?? []).filter((e) => e.name === 'retry');

test('429 with Retry-After: 2, then success: the engine waits at least 2 s and succeeds', async (t) => {
  const fake = await startFake(t);
  fake.script([
    { status: 429, headers: { 'Retry-After': '2' }, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } },
    { content: PIZZA },
  ]);
  const r = await run(t, fake, 'single');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [PIZZA]);
  assert.equal(fake.requests.length, 2);
  const gap = fake.requests[1].at - fake.requests[0].at;
  assert.ok(gap >= 1950, `Retry-After honoured: ${gap} ms between the attempts`);
  assert.ok(gap < 10000, `and not much longer: ${gap} ms`);
  assert.deepEqual(fake.requests[1].body, fake.requests[0].body, 'the same request again');

  const calls = callSpans(await allSpans(r.db));
  assert.equal(calls.length, 1, 'HTTP retries happen inside one call_model span');
  const c = calls[0];
  assert.equal(c.status_code, 'OK');
  assert.equal(attr(c.attributes, 'flock.llm.http_attempts'), 2);
  assert.equal(attr(c.attributes, 'http.response.status_code'), 200);
  const ev = retryEvents(c);
  assert.equal(ev.length, 1, 'one retry event');
  assert.equal(attr(ev[0].attributes, 'attempt'), 1);
  assert.equal(attr(ev[0].attributes, 'retry.delay_ms'), 2000);
  assert.match(attr(ev[0].attributes, 'error'), /429/);
  assert.match(attr(ev[0].attributes, 'error'), /Rate limit reached/);
});

test('500s then success within max_retries', async (t) => {
  const fake = await startFake(t);
  fake.script([{ status: 500 }, { status: 502, body: 'Bad Gateway' }, { status: 503 }, { content: PIZZA }]);
  const r = await run(t, fake, 'single', ['max_retries=3']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 4);
  // Exponential back-off: each wait at least half the doubling base (250 ms).
  const gaps = fake.requests.slice(1).map((q, i) => q.at - fake.requests[i].at);
  assert.ok(gaps[0] >= 100, `first back-off ${gaps[0]} ms`);
  assert.ok(gaps[2] >= 450, `third back-off ${gaps[2]} ms (base 1 s, full jitter from half)`);
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(attr(c.attributes, 'flock.llm.http_attempts'), 4);
  const ev = retryEvents(c);
  assert.deepEqual(ev.map((e) => attr(e.attributes, 'attempt')), [1, 2, 3]);
  assert.match(attr(ev[1].attributes, 'error'), /502/);
  assert.equal(c.status_code, 'OK');
});

test('500s past max_retries=2: the agent fails with the status and the attempt count', async (t) => {
  const fake = await startFake(t);
  fake.script([], { status: 500, body: { error: { message: 'The server had an error while processing your request.', type: 'server_error' } } });
  const r = await run(t, fake, 'single', ['max_retries=2']);
  assert.equal(fake.requests.length, 3, 'max_retries=2: three requests');
  assert.equal(r.summary.ok, false);
  const msg = r.summary.errors[0].message;
  assert.match(msg, /after 3 attempts/);
  assert.match(msg, /HTTP 500/);
  assert.match(msg, /The server had an error while processing your request/);
  assert.ok(msg.includes(`${fake.base}/chat/completions`), `the URL is named: ${msg}`);
  const calls = callSpans(await allSpans(r.db));
  assert.equal(calls.length, 1);
  assert.equal(calls[0].status_code, 'ERROR');
  assert.equal(attr(calls[0].attributes, 'http.response.status_code'), 500);
  assert.equal(retryEvents(calls[0]).length, 2);
  assert.ok((calls[0].events ?? []).some((e) => e.name === 'exception'), 'the exception is recorded on the call span');
});

test('a 401 is not retried: one request, a clear error', async (t) => {
  const fake = await startFake(t);
  fake.script([], { status: 401, body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } } });
  const r = await run(t, fake, 'single', ['max_retries=3']);
  assert.equal(fake.requests.length, 1);
  assert.match(r.summary.errors[0].message, /HTTP 401: Incorrect API key provided/);
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(c.status_code, 'ERROR');
  assert.equal(attr(c.attributes, 'http.response.status_code'), 401);
});

test('a hung server: timeout 1500 ms ends the call with a timeout error', async (t) => {
  const fake = await startFake(t);
  fake.script([], { hang: true });
  const r = await run(t, fake, 'single', ['timeout_ms=1500', 'max_retries=0']);
  assert.equal(fake.requests.length, 1);
  assert.equal(r.summary.ok, false);
  assert.match(r.summary.errors[0].message, /time(d)? ?out/i);
  assert.ok(r.summary.elapsed_ms >= 1400, `waited for the timeout: ${r.summary.elapsed_ms} ms`);
  assert.ok(r.summary.elapsed_ms < 8000, `and not much longer: ${r.summary.elapsed_ms} ms`);
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(c.status_code, 'ERROR');
  assert.match(c.status_description ?? '', /time(d)? ?out/i);
});

test('a hung server with retries: each attempt times out, then success', async (t) => {
  const fake = await startFake(t);
  fake.script([{ hang: true }, { hang: true }], { content: PIZZA });
  const r = await run(t, fake, 'single', ['timeout_ms=1500', 'max_retries=2']);
  assert.equal(fake.requests.length, 3);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.ok(r.summary.elapsed_ms >= 3000, `two timeouts: ${r.summary.elapsed_ms} ms`);
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(attr(c.attributes, 'flock.llm.http_attempts'), 3);
  assert.equal(retryEvents(c).length, 2);
});

test('a connection cut in the middle of the answer is retried', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA, cut: true }], { content: PIZZA });
  const r = await run(t, fake, 'single');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 2);
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(attr(c.attributes, 'flock.llm.http_attempts'), 2);
  assert.equal(retryEvents(c).length, 1);
});

test('connection refused: retried max_retries times, then a clear error', async (t) => {
  const fake = await startFake(t);
  const port = await freePort();
  const r = await run(t, fake, 'single', [`base_url=http://127.0.0.1:${port}/v1`, 'max_retries=2']);
  assert.equal(r.summary.ok, false);
  const msg = r.summary.errors[0].message;
  assert.match(msg, /after 3 attempts/);
  assert.match(msg, /connect/i);
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(retryEvents(c).length, 2);
  assert.equal(attr(c.attributes, 'server.port'), port);
});

test('a huge answer (20 MB): a clear error, no crash, bounded memory', async (t) => {
  const fake = await startFake(t);
  fake.script([], { hugeBytes: 20 * 1024 * 1024 });
  const r = await run(t, fake, 'single', ['max_retries=1']);
  assert.equal(r.summary.ok, false);
  const msg = r.summary.errors[0].message;
  assert.match(msg, /larger than \d+ bytes/, msg);
  assert.ok(msg.length < 2000, 'the error does not carry the answer');
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(c.status_code, 'ERROR');
  assert.ok(JSON.stringify([c.attributes, c.events, c.status_description]).length < 100000, 'the span does not carry the answer');
});

test('Retry-After as an HTTP date is honoured too', async (t) => {
  const fake = await startFake(t);
  fake.script([(req) => ({ status: 503, headers: { 'Retry-After': new Date(Date.now() + 3000).toUTCString() } }), { content: PIZZA }]);
  const r = await run(t, fake, 'single');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const gap = fake.requests[1].at - fake.requests[0].at;
  assert.ok(gap >= 1900, `waited until the date (second precision): ${gap} ms`);
  assert.ok(gap < 10000, `${gap} ms`);
});

test('429 past max_retries: the agent fails naming the rate limit', async (t) => {
  const fake = await startFake(t);
  fake.script([], { status: 429, headers: { 'Retry-After': '0' }, body: { error: { message: 'Rate limit reached for gpt-4o', type: 'requests' } } });
  const r = await run(t, fake, 'single', ['max_retries=2']);
  assert.equal(fake.requests.length, 3);
  assert.match(r.summary.errors[0].message, /after 3 attempts: HTTP 429: Rate limit reached for gpt-4o/);
});

test('a base URL without /v1 (404): not retried, the error names the URL asked', async (t) => {
  const fake = await startFake(t);
  const base = fake.base.replace(/\/v1$/, '');
  const r = await run(t, fake, 'single', [`base_url=${base}`]);
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0].path, '/chat/completions');
  assert.equal(r.summary.ok, false);
  const msg = r.summary.errors[0].message;
  assert.match(msg, /HTTP 404/);
  assert.ok(msg.includes(`${base}/chat/completions`), msg);
});
