// Three LLM agents chained under one traced_run: one trace, the workflow span
// at its root, each agent's model call under its own Agent.execute, and each
// agent under the one whose output triggered it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, startFake, allSpans, attr, named, callSpans, ancestors, userPayload, artifactsOf, HEX32, HEX16 } from './helpers.mjs';

test('chef -> critic -> editor under traced_run: one trace, a parent chain through every agent', async (t) => {
  const fake = await startFake(t);
  const pizza = { name: 'Chain Pizza', toppings: ['basil'], size_cm: 30, crust: null };
  const review = { verdict: 'excellent', score: 9 };
  const summary = { text: 'An excellent basil pizza.' };
  // Answer by the schema asked for, whatever order the calls come in.
  fake.script([], (req) => ({ content: { Pizza: pizza, Review: review, Summary: summary }[req.body.response_format.json_schema.name] }));
  const r = await run(t, fake, 'chain3', ['traced=llm_chain', 'corr=corr-chain-1']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [pizza]);
  assert.deepEqual(artifactsOf(r.summary, 'Review').map((a) => a.payload), [review]);
  assert.deepEqual(artifactsOf(r.summary, 'Summary').map((a) => a.payload), [summary]);
  assert.deepEqual(r.summary.artifacts.map((a) => a.produced_by).sort(), ['chef', 'critic', 'editor', 'external']);

  // The model saw each agent's input; later agents see the earlier artifacts.
  assert.equal(fake.requests.length, 3);
  const byName = Object.fromEntries(fake.requests.map((q) => [q.body.response_format.json_schema.name, q]));
  assert.deepEqual(userPayload(byName.Review).input, [{ type: 'Pizza', payload: pizza }]);
  assert.deepEqual(userPayload(byName.Summary).input, [{ type: 'Review', payload: review }]);
  assert.deepEqual(userPayload(byName.Summary).context.map((c) => c.produced_by).sort(), ['chef', 'external']);

  const traceId = r.summary.trace_id;
  assert.match(traceId, HEX32);
  const spans = await allSpans(r.db);
  const [wf] = spans.filter((s) => s.span_id === r.summary.workflow_span_id);
  assert.ok(wf, 'the workflow span is stored');
  assert.equal(wf.parent_id, null, 'the workflow span is the root');
  assert.equal(attr(wf.attributes, 'flock.workflow'), true);
  assert.equal(attr(wf.attributes, 'workflow.name'), 'llm_chain');
  for (const s of spans) assert.equal(s.trace_id, traceId, `${s.name} is in the workflow's trace`);
  assert.equal(new Set(spans.map((s) => s.trace_id)).size, 1, 'one trace');
  assert.equal(named(spans, 'LLMEngine.evaluate').length, 3);
  assert.equal(named(spans, 'LLMEngine.fetch_conversation_context').length, 3);

  const calls = callSpans(spans);
  assert.equal(calls.length, 3);
  const callOf = Object.fromEntries(calls.map((c) => [attr(c.attributes, 'agent.name'), c]));
  assert.deepEqual(Object.keys(callOf).sort(), ['chef', 'critic', 'editor']);
  for (const c of calls) {
    assert.match(c.span_id, HEX16);
    assert.equal(c.kind, 'CLIENT');
    assert.equal(c.status_code, 'OK');
  }

  // editor's call -> its evaluate -> its Agent.execute -> ... critic ... chef ... -> workflow.
  const chain = ancestors(spans, callOf.editor);
  const names = chain.map((s) => s.name);
  assert.equal(chain.at(-1).span_id, wf.span_id, `the chain ends at the workflow span: ${names.join(' <- ')}`);
  assert.deepEqual(names.slice(0, 3), ['LLMEngine.call_model', 'LLMEngine.evaluate', 'Agent.execute']);
  const agents = chain.filter((s) => s.name === 'Agent.execute').map((s) => attr(s.attributes, 'agent.name'));
  assert.deepEqual(agents, ['editor', 'critic', 'chef'], `each agent under the one that triggered it: ${names.join(' <- ')}`);
  for (const who of ['chef', 'critic']) {
    const [evaluate] = ancestors(spans, callOf[who]).slice(1, 2);
    assert.equal(evaluate.name, 'LLMEngine.evaluate');
    const exec = spans.find((s) => s.span_id === evaluate.parent_id);
    assert.equal(attr(exec.attributes, 'agent.name'), who);
  }
  // Children start after their parents and end before the workflow does.
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  for (const s of spans) {
    if (!s.parent_id) continue;
    const p = byId.get(s.parent_id);
    assert.ok(p, `the parent of ${s.name} is stored`);
    assert.ok(s.start_time >= p.start_time, `${s.name} starts after ${p.name}`);
  }
  for (const c of calls) assert.ok(c.end_time <= wf.end_time, 'model calls end inside the workflow');
});

test('without traced_run: each top-level publish is its own root trace', async (t) => {
  const fake = await startFake(t);
  const r = await run(t, fake, 'context');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const spans = await allSpans(r.db);
  const calls = callSpans(spans);
  assert.equal(calls.length, 2);
  assert.notEqual(calls[0].trace_id, calls[1].trace_id, 'two publishes, two traces');
  for (const c of calls) assert.equal(ancestors(spans, c).at(-1).name, 'Flock.publish');
});
