// Shutdown never waits out a model: the Flock's destructor and SIGTERM abort
// a call in flight (a hung server, a stalled stream, a long Retry-After) at
// once, the call span ends as ERROR, and nothing is retried afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, startFake, startScenario, scenarioEnv, tempDir, llmEnv, allSpans, spansWhen, callSpans, named, sleep } from './helpers.mjs';

async function destroyWhileHung(t, answer, args = []) {
  const fake = await startFake(t);
  fake.script([], answer);
  const r = await run(t, fake, 'destroy', ['wait_ms=1500', ...args]);
  assert.equal(fake.requests.length, 1, 'one request, no retry after the abort');
  assert.ok(fake.requests[0].at < r.summary.destroy_started_at_ms, 'the call was in flight when the Flock was destroyed');
  assert.ok(r.summary.destroy_ms < 5000, `the destructor aborted the call: it took ${r.summary.destroy_ms} ms`);
  assert.equal(r.summary.artifacts_before_destroy.filter((a) => a.type === 'Pizza').length, 0);
  const spans = await allSpans(r.db);
  const calls = callSpans(spans);
  assert.equal(calls.length, 1, 'the call span was ended and stored');
  assert.equal(calls[0].status_code, 'ERROR');
  assert.match(calls[0].status_description ?? '', /cancel|abort|shut/i);
  const [exec] = named(spans, 'Agent.execute');
  assert.ok(exec, 'the agent span was ended and stored');
  assert.equal(exec.status_code, 'ERROR');
  return r;
}

test('the Flock destructor aborts a call to a hung server (timeout 120 s)', async (t) => {
  await destroyWhileHung(t, { hang: true });
});

test('the Flock destructor aborts a stalled stream', async (t) => {
  await destroyWhileHung(t, { content: '{"name": "slow", "toppings": []', stall: 3 }, ['stream=true']);
});

test('the Flock destructor cuts a long Retry-After wait short', async (t) => {
  const fake = await startFake(t);
  fake.script([{ status: 429, headers: { 'Retry-After': '30' } }], { hang: true });
  const r = await run(t, fake, 'destroy', ['wait_ms=1500']);
  assert.equal(fake.requests.length, 1, 'the retry was never sent');
  assert.ok(r.summary.destroy_ms < 5000, `destroyed in ${r.summary.destroy_ms} ms`);
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(c.status_code, 'ERROR');
  assert.equal((c.events ?? []).filter((e) => e.name === 'retry').length, 1);
});

async function sigtermWhileHung(t, answer, args = []) {
  const fake = await startFake(t);
  fake.script([], answer);
  const tmp = tempDir(t);
  const h = startScenario(t, ['sigterm', ...args], { env: scenarioEnv(tmp, llmEnv(fake)), cwd: tmp.dir, timeoutMs: 60000 });
  await h.waitFor((l) => l.published === true);
  await fake.waitFor((f) => f.requests.length === 1, 30000, 'the model call');
  await sleep(300);
  const sent = Date.now();
  h.child.kill('SIGTERM');
  const r = await h.exited;
  const took = Date.now() - sent;
  assert.ok(took < 8000, `the program ended ${took} ms after SIGTERM`);
  assert.equal(r.signal, 'SIGTERM', `ended by the signal's default action (code ${r.code})\nstderr:\n${r.stderr}`);
  assert.equal(fake.requests.length, 1, 'no retry after the abort');
  const spans = await spansWhen(tmp.db, (s) => callSpans(s).length === 1);
  const calls = callSpans(spans);
  assert.equal(calls.length, 1, `the call span was flushed; have ${spans.map((s) => s.name).join(', ')}`);
  assert.equal(calls[0].status_code, 'ERROR');
  return { r, spans };
}

test('SIGTERM aborts a call to a hung server and the spans are flushed', async (t) => {
  await sigtermWhileHung(t, { hang: true });
});

test('SIGTERM aborts a stalled stream', async (t) => {
  await sigtermWhileHung(t, { content: '{"name": "slow"', stall: 2 }, ['stream=true']);
});
