// The API key never leaves the Authorization header: not in any span (every
// column of every row, as text), not on stdout or stderr, not in the errors
// the program sees, even when the server echoes the key back in its error
// bodies, and with content recording on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  run, startFake, allSpans, spansAsText, attr, callSpans, API_KEY, PIZZA, startScenario, scenarioEnv, tempDir, llmEnv,
} from './helpers.mjs';

// The key in its own right and in the forms an echo takes.
const FORMS = [API_KEY, API_KEY.slice(3), Buffer.from(API_KEY).toString('base64')];

async function assertNoKey(r, fake, what, { bodies = true } = {}) {
  // The request did carry it (the test is not vacuous).
  assert.ok(fake.requests.length >= 1, `${what}: the fake was asked`);
  for (const q of fake.requests) assert.equal(q.headers.authorization, `Bearer ${API_KEY}`);
  if (bodies) for (const q of fake.requests) assert.ok(!q.raw.includes(API_KEY), `${what}: the key is not in the request body`);
  const text = await spansAsText(r.db);
  assert.ok(text.length > 0, `${what}: spans were stored`);
  const raw = fs.readFileSync(r.db).toString('latin1');
  for (const k of FORMS) {
    assert.ok(!text.includes(k), `${what}: the key is in a span:\n${text.split('\n').filter((l) => l.includes(k)).join('\n')}`);
    assert.ok(!raw.includes(k), `${what}: the key is in the bytes of the DuckDB file`);
    assert.ok(!r.stdout.includes(k), `${what}: the key is on stdout:\n${r.stdout}`);
    assert.ok(!r.stderr.includes(k), `${what}: the key is on stderr:\n${r.stderr}`);
  }
  return text;
}

const echo = (status, prefix) => (req) => ({
  status,
  body: { error: { message: `${prefix}: got header '${req.headers.authorization}' and key ${API_KEY}`, type: 'invalid_request_error' } },
});

test('a 401 echoing the key (non-retryable): scrubbed from the error, spans, stdout, stderr', async (t) => {
  const fake = await startFake(t);
  fake.script([], echo(401, 'Incorrect API key provided'));
  const r = await run(t, fake, 'single', [], { env: { FLOCK_LLM_RECORD_CONTENT: 'true' } });
  assert.equal(r.summary.ok, false);
  const msg = r.summary.errors[0].message;
  assert.match(msg, /HTTP 401: Incorrect API key provided/, 'the rest of the server message is kept');
  assert.match(msg, /\[redacted\]/, 'the echoed key is replaced');
  const text = await assertNoKey(r, fake, '401');
  assert.match(text, /\[redacted\]/);
});

test('5xx echoing the key, retried, then success: retry events scrubbed', async (t) => {
  const fake = await startFake(t);
  fake.script([echo(500, 'upstream failed'), echo(503, 'overloaded')], { content: PIZZA });
  const r = await run(t, fake, 'single', ['record_content=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  await assertNoKey(r, fake, '5xx retries');
  const [c] = callSpans(await allSpans(r.db));
  const retries = (c.events ?? []).filter((e) => e.name === 'retry');
  assert.equal(retries.length, 2);
  for (const e of retries) assert.match(attr(e.attributes, 'error'), /\[redacted\]/);
});

test('5xx echoing the key past max_retries: the final error scrubbed', async (t) => {
  const fake = await startFake(t);
  fake.script([], echo(502, 'bad gateway'));
  const r = await run(t, fake, 'single', ['max_retries=1']);
  assert.equal(r.summary.ok, false);
  assert.match(r.summary.errors[0].message, /after 2 attempts: HTTP 502: bad gateway/);
  await assertNoKey(r, fake, '5xx failure');
});

test('a response_format 400 echoing the key: the fallback event scrubbed', async (t) => {
  const fake = await startFake(t);
  fake.script([echo(400, "'response_format' json_schema unsupported"), echo(400, 'response_format json_object unsupported')], { content: PIZZA });
  const r = await run(t, fake, 'single', ['record_content=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 3);
  await assertNoKey(r, fake, 'fallback');
});

test('a stream error chunk echoing the key', async (t) => {
  const fake = await startFake(t);
  fake.script([], { sse: [{ error: { message: `stream broke for key ${API_KEY}`, type: 'server_error' } }] });
  const r = await run(t, fake, 'single', ['stream=true', 'max_retries=0']);
  assert.equal(r.summary.ok, false);
  assert.match(r.summary.errors[0].message, /stream broke for key \[redacted\]/);
  await assertNoKey(r, fake, 'stream error');
});

test('the key given as LlmOptions::api_key is scrubbed the same way', async (t) => {
  const fake = await startFake(t);
  fake.script([], echo(401, 'bad key'));
  const r = await run(t, fake, 'single', [`api_key=${API_KEY}`], { env: { OPENAI_API_KEY: 'sk-other-env-key-0000' } });
  assert.equal(r.summary.ok, false);
  await assertNoKey(r, fake, 'api_key option');
});

test('a successful run with content recording and streaming: no key anywhere', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: 'not json' }], { auto: true });
  const r = await run(t, fake, 'chain3', ['record_content=true', 'stream=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  await assertNoKey(r, fake, 'chain3');
});

// The engine records the answer text itself (flock.llm.invalid_answer, and
// gen_ai.output.messages when recording): a server that echoes the request's
// headers into the answer must not get the key onto a span either.
test('a server echoing the key inside the answer text: not on the engine spans', async (t) => {
  const fake = await startFake(t);
  fake.script([(req) => ({ content: `debug echo: ${req.headers.authorization}` })], { content: PIZZA });
  const r = await run(t, fake, 'single', ['record_content=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 2);
  // (the retry sends the echoed answer back to the same server: not a leak)
  await assertNoKey(r, fake, 'echo in the answer', { bodies: false });
});

// A key of the length OpenAI's project keys have, for the pages below.
const LONG_KEY = 'sk-proj-Fl0ckT3stK3yAbCdEfGhIjKlMnOpQrStUvWxYz01234';

// The first run of 8 characters of key that text holds, else null: any such
// run is too much of the key.
function keyRun(text, key) {
  for (let i = 0; i + 8 <= key.length; i++) if (text.includes(key.slice(i, i + 8))) return key.slice(i, i + 8);
  return null;
}

// A non-JSON 401 page (a proxy's) that echoes `echoed` at byte `at`.
function htmlPage(echoed, at) {
  const head = '<html><head><title>401 Authorization Required</title></head><body><h1>401 Authorization Required</h1><p>';
  const lead = `${head}This server could not verify that you are authorized. `.padEnd(at - 'Credentials: '.length, '.') + 'Credentials: ';
  assert.equal(lead.length, at);
  return `${lead}${echoed}</p><hr><center>nginx</center></body></html>`;
}

// Runs `single` against the page with the HTTP API served, collecting the
// live events until the program exits; then checks no run of the key reached
// the error, the events, stdout, stderr, the spans or the file's bytes.
async function assertPageScrubbed(t, page) {
  assert.equal(LONG_KEY.length, 51);
  const fake = await startFake(t);
  fake.script([], { status: 401, body: page, headers: { 'Content-Type': 'text/html' } });
  const tmp = tempDir(t);
  const h = startScenario(t, ['single', 'serve=true'], {
    env: scenarioEnv(tmp, llmEnv(fake, { OPENAI_API_KEY: LONG_KEY, FLOCK_LLM_RECORD_CONTENT: 'true' })),
    cwd: tmp.dir,
  });
  const { serving } = await h.waitFor((l) => typeof l.serving === 'string');
  const res = await fetch(new URL('/api/events', serving));
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let events = '';
  await reader.read();  // the hello frame: subscribed
  fs.writeFileSync(path.join(tmp.dir, 'go'), '');
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch {
      break;  // the program ended, and its server with it
    }
    if (chunk.done) break;
    events += decoder.decode(chunk.value, { stream: true });
  }
  const r = await h.exited;
  assert.equal(r.code, 0, r.stderr);
  const summary = r.lines.find((l) => l.scenario === 'single');
  assert.equal(summary.ok, false);
  assert.equal(fake.requests[0].headers.authorization, `Bearer ${LONG_KEY}`);
  const msg = summary.errors[0].message;
  assert.match(msg, /HTTP 401: <html>/, 'the page is the error');
  assert.match(msg, /\[redacted\]/, 'the echo is replaced');
  assert.equal(keyRun(msg, LONG_KEY), null, `the error holds a run of the key:\n${msg}`);
  assert.match(events, /agent_failed/, 'the failure was a live event');
  assert.equal(keyRun(events, LONG_KEY), null, `a live event holds a run of the key:\n${events}`);
  assert.equal(keyRun(r.stdout, LONG_KEY), null, 'stdout holds a run of the key');
  assert.equal(keyRun(r.stderr, LONG_KEY), null, 'stderr holds a run of the key');
  const text = await spansAsText(tmp.db);
  assert.match(text, /HTTP 401: <html>/, 'the spans record the failure');
  assert.equal(keyRun(text, LONG_KEY), null, 'a span holds a run of the key');
  assert.equal(keyRun(fs.readFileSync(tmp.db).toString('latin1'), LONG_KEY), null, 'the file holds a run of the key');
}

// The error keeps 300 bytes of a page that is not JSON: a key echoed at byte
// 266 used to be cut to 34 characters before the redaction, which looked for
// the whole key only.
test('a non-JSON 401 page echoing the key across the 300-byte cut: no run of it anywhere', async (t) => {
  await assertPageScrubbed(t, htmlPage(LONG_KEY, 266));
});

test('a non-JSON 401 page echoing 20 characters of the key: no run of it anywhere', async (t) => {
  await assertPageScrubbed(t, htmlPage(LONG_KEY.slice(20, 40), 200));
});
