// Several model calls at once (one agent, max_concurrency 3, six inputs):
// each answer goes to the artifact of its own input, each call span under its
// own Agent.execute, and retries of one call do not disturb the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, startFake, allSpans, attr, callSpans, ancestors, userPayload, artifactsOf } from './helpers.mjs';

// A pizza named after the idea it was asked for.
const answerFor = (req) => {
  const idea = userPayload(req).input[0].payload.description;
  return { name: `pizza for ${idea}`, toppings: [idea], size_cm: 30, crust: null };
};

test('six ideas, max_concurrency 3: calls overlap, every answer lands on its own input', async (t) => {
  const fake = await startFake(t);
  fake.script([], (req) => ({ content: answerFor(req), delayMs: 400 }));
  const r = await run(t, fake, 'single', ['count=6', 'max_concurrency=3', 'corr=conc']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 6);
  assert.ok(fake.maxInflight >= 2, `calls ran in parallel (at most ${fake.maxInflight} at once)`);
  assert.ok(fake.maxInflight <= 3, `max_concurrency respected (${fake.maxInflight} at once)`);
  const pizzas = artifactsOf(r.summary, 'Pizza');
  assert.equal(pizzas.length, 6);
  for (const p of pizzas) {
    const i = p.correlation_id.split('-').at(-1);
    assert.equal(p.payload.name, `pizza for something with truffles #${i}`, `the pizza of ${p.correlation_id} answers its own idea`);
  }
  const spans = await allSpans(r.db);
  const calls = callSpans(spans);
  assert.equal(calls.length, 6);
  const execs = new Set();
  for (const c of calls) {
    const exec = ancestors(spans, c).find((s) => s.name === 'Agent.execute');
    execs.add(exec.span_id);
    assert.equal(exec.trace_id, c.trace_id);
    assert.equal(c.status_code, 'OK');
  }
  assert.equal(execs.size, 6, 'each call under its own Agent.execute');
});

test('concurrent calls with 503s and invalid answers mixed in: all end well', async (t) => {
  const fake = await startFake(t);
  // Per idea: a 503 first, then an unusable answer, then the pizza.
  const seen = new Map();
  fake.script([], (req) => {
    const idea = userPayload(req).input[0].payload.description;
    const n = (seen.get(idea) ?? 0) + 1;
    seen.set(idea, n);
    if (n === 1) return { status: 503, delayMs: 50 };
    if (n === 2) return { content: 'garbage', delayMs: 50 };
    return { content: answerFor(req), delayMs: 100 };
  });
  const r = await run(t, fake, 'single', ['count=6', 'max_concurrency=3', 'corr=mix']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const pizzas = artifactsOf(r.summary, 'Pizza');
  assert.equal(pizzas.length, 6);
  for (const p of pizzas) {
    const i = p.correlation_id.split('-').at(-1);
    assert.equal(p.payload.name, `pizza for something with truffles #${i}`);
  }
  assert.equal(fake.requests.length, 18, 'three requests per idea');
  const calls = callSpans(await allSpans(r.db));
  assert.equal(calls.length, 12, 'two model calls per idea (the 503 is retried inside the first)');
  assert.equal(calls.filter((c) => c.status_code === 'OK').length, 6);
  for (const c of calls.filter((x) => x.status_code === 'ERROR')) assert.equal(attr(c.attributes, 'flock.llm.invalid_answer'), 'garbage');
});
