// Prompt and answer on the spans only on opt-in: off by default,
// on with LlmOptions::record_content or FLOCK_LLM_RECORD_CONTENT=true (the
// option wins over the variable). When on, gen_ai.input.messages and
// gen_ai.output.messages hold the conversation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, startFake, allSpans, attr, callSpans, PIZZA } from './helpers.mjs';

// Distinctive text in the prompt and in the answer.
const PROMPT_CANARY = 'idea-canary-4417 with truffles';
const ANSWER = { ...PIZZA, name: 'answer-canary-8812' };

// The LLMEngine spans (Agent.execute carries the artifacts by design).
async function engineSpans(db) {
  return (await allSpans(db)).filter((s) => s.name.startsWith('LLMEngine.'));
}

function assertNoContent(spans, what) {
  for (const s of spans) {
    assert.equal(attr(s.attributes, 'gen_ai.input.messages'), undefined, `${what}: no gen_ai.input.messages on ${s.name}`);
    assert.equal(attr(s.attributes, 'gen_ai.output.messages'), undefined, `${what}: no gen_ai.output.messages on ${s.name}`);
    const text = JSON.stringify([s.attributes, s.events, s.status_description]);
    assert.ok(!text.includes('idea-canary-4417'), `${what}: the prompt is not on ${s.name}`);
    assert.ok(!text.includes('answer-canary-8812'), `${what}: the answer is not on ${s.name}`);
  }
}

function recorded(call) {
  const input = attr(call.attributes, 'gen_ai.input.messages');
  const output = attr(call.attributes, 'gen_ai.output.messages');
  assert.equal(typeof input, 'string', 'gen_ai.input.messages is recorded (JSON text)');
  assert.equal(typeof output, 'string', 'gen_ai.output.messages is recorded (JSON text)');
  return { input: JSON.parse(input), output: JSON.parse(output) };
}

// The text of a recorded message in either shape ({content} or {parts}).
const textOf = (m) => m.content ?? (m.parts ?? []).map((p) => p.content).join('');

test('content recording is off by default: no prompt, no answer on the engine spans', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: ANSWER }]);
  const r = await run(t, fake, 'single', [`idea=${PROMPT_CANARY}`]);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const spans = await engineSpans(r.db);
  assert.equal(callSpans(spans).length, 1);
  assertNoContent(spans, 'default');
});

test('record_content=true: the prompt and the answer are on the call span', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: ANSWER }]);
  const r = await run(t, fake, 'single', [`idea=${PROMPT_CANARY}`, 'record_content=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const [c] = callSpans(await engineSpans(r.db));
  const { input, output } = recorded(c);
  const sent = fake.requests[0].body.messages;
  assert.equal(input.length, sent.length, 'every message sent');
  input.forEach((m, i) => {
    assert.equal(m.role, sent[i].role);
    assert.equal(textOf(m), sent[i].content);
  });
  assert.match(textOf(input[1]), /idea-canary-4417/);
  assert.equal(output.length, 1);
  assert.equal(output[0].role, 'assistant');
  assert.deepEqual(JSON.parse(textOf(output[0])), ANSWER);
});

test('FLOCK_LLM_RECORD_CONTENT=true turns recording on; record_content=false overrides it', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: ANSWER }]);
  const on = await run(t, fake, 'single', [`idea=${PROMPT_CANARY}`], { env: { FLOCK_LLM_RECORD_CONTENT: 'true' } });
  assert.equal(on.summary.ok, true, JSON.stringify(on.summary.errors));
  const [c] = callSpans(await engineSpans(on.db));
  assert.match(textOf(recorded(c).input[1]), /idea-canary-4417/);

  const fake2 = await startFake(t);
  fake2.script([{ content: ANSWER }]);
  const off = await run(t, fake2, 'single', [`idea=${PROMPT_CANARY}`, 'record_content=false'], { env: { FLOCK_LLM_RECORD_CONTENT: 'true' } });
  assert.equal(off.summary.ok, true, JSON.stringify(off.summary.errors));
  assertNoContent(await engineSpans(off.db), 'record_content=false over the variable');
});

test('FLOCK_LLM_RECORD_CONTENT=false and an unparsable value keep it off (the latter with a warning)', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: ANSWER }]);
  const off = await run(t, fake, 'single', [`idea=${PROMPT_CANARY}`], { env: { FLOCK_LLM_RECORD_CONTENT: 'false' } });
  assertNoContent(await engineSpans(off.db), 'false');

  const fake2 = await startFake(t);
  fake2.script([{ content: ANSWER }]);
  const bad = await run(t, fake2, 'single', [`idea=${PROMPT_CANARY}`], { env: { FLOCK_LLM_RECORD_CONTENT: 'perhaps' } });
  assertNoContent(await engineSpans(bad.db), 'unparsable');
  assert.match(bad.stderr, /FLOCK_LLM_RECORD_CONTENT/, 'a warning names the variable');
});

test('recorded retries: each call span holds the conversation it sent', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: 'no json here' }, { content: ANSWER }]);
  const r = await run(t, fake, 'single', ['record_content=true']);
  const calls = callSpans(await engineSpans(r.db));
  assert.equal(calls.length, 2);
  assert.equal(recorded(calls[0]).input.length, 2);
  assert.equal(recorded(calls[1]).input.length, 4);
  assert.equal(textOf(recorded(calls[0]).output[0]), 'no json here');
});

test('streamed answers are recorded too', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: ANSWER, chunkSize: 3 }]);
  const r = await run(t, fake, 'single', ['record_content=true', 'stream=true']);
  const [c] = callSpans(await engineSpans(r.db));
  assert.deepEqual(JSON.parse(textOf(recorded(c).output[0])), ANSWER);
});

// OpenTelemetry GenAI semantic conventions: gen_ai.input.messages is a list
// of {role, parts: [{type: "text", content}]}, gen_ai.output.messages a list
// of {role, parts, finish_reason}; tools reading these attributes expect
// that shape, not OpenAI's request messages.
test('recorded messages follow the OpenTelemetry GenAI message schema (role, parts, finish_reason)', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: ANSWER }]);
  const r = await run(t, fake, 'single', ['record_content=true']);
  const [c] = callSpans(await engineSpans(r.db));
  const { input, output } = recorded(c);
  const sent = fake.requests[0].body.messages;
  input.forEach((m, i) => {
    assert.equal(m.role, sent[i].role);
    assert.ok(Array.isArray(m.parts), `input message ${i} has parts: ${JSON.stringify(m)}`);
    assert.deepEqual(m.parts, [{ type: 'text', content: sent[i].content }]);
  });
  assert.equal(output[0].role, 'assistant');
  assert.ok(Array.isArray(output[0].parts), `output message has parts: ${JSON.stringify(output[0])}`);
  assert.equal(output[0].parts[0].type, 'text');
  assert.deepEqual(JSON.parse(output[0].parts[0].content), ANSWER);
  assert.equal(output[0].finish_reason, 'stop');
});
