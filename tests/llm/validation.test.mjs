// Answers that cannot be used: not JSON, not fitting the schema, a refusal.
// The engine asks again with its own answer and the error; after
// max_invalid_retries the agent fails with a message saying so, and every
// refused answer is kept on its ERROR call span (flock.llm.invalid_answer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, startFake, allSpans, attr, named, callSpans, artifactsOf, PIZZA } from './helpers.mjs';

test('invalid JSON, then a valid answer: asked again with the error; first call span ERROR, second OK', async (t) => {
  const fake = await startFake(t);
  const bad = 'Sure! The pizza is a truffle one, size 32.';
  fake.script([{ content: bad }, { content: PIZZA }]);
  const r = await run(t, fake, 'single');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [PIZZA]);
  assert.equal(fake.requests.length, 2);

  const [first, second] = fake.requests.map((q) => q.body);
  assert.equal(first.messages.length, 2);
  assert.equal(second.messages.length, 4, 'the retry carries the conversation so far');
  assert.deepEqual(second.messages.slice(0, 2), first.messages, 'same system and user messages');
  assert.deepEqual(second.messages[2], { role: 'assistant', content: bad }, 'the unusable answer as the assistant turn');
  assert.equal(second.messages[3].role, 'user');
  assert.match(second.messages[3].content, /^That answer cannot be used: /);
  assert.match(second.messages[3].content, /not valid JSON/);
  assert.deepEqual(second.response_format, first.response_format, 'still the strict schema');

  const spans = await allSpans(r.db);
  const calls = callSpans(spans);
  assert.equal(calls.length, 2, 'one call_model span per model call');
  const [evaluate] = named(spans, 'LLMEngine.evaluate');
  for (const c of calls) assert.equal(c.parent_id, evaluate.span_id);
  assert.equal(calls[0].status_code, 'ERROR');
  assert.match(calls[0].status_description, /not valid JSON/);
  assert.equal(attr(calls[0].attributes, 'flock.llm.invalid_answer'), bad, 'the raw answer is kept on the span');
  assert.equal(attr(calls[0].attributes, 'flock.llm.attempt'), 1);
  assert.equal(calls[1].status_code, 'OK');
  assert.equal(attr(calls[1].attributes, 'flock.llm.attempt'), 2);
  assert.equal(attr(calls[1].attributes, 'flock.llm.invalid_answer'), undefined);
  assert.equal(evaluate.status_code, 'OK', 'the engine succeeded in the end');
});

test('schema-violating answers until the limit: the agent fails; every call span ERROR with the raw answer', async (t) => {
  const fake = await startFake(t);
  const wrong = [
    { name: 'Margherita', toppings: 'tomato', size_cm: 30, crust: null }, // toppings not an array
    { name: 'Margherita', toppings: ['tomato'], size_cm: 'large', crust: null }, // size_cm not an integer
    { name: 'Margherita', toppings: ['tomato'], crust: null }, // size_cm missing
  ];
  fake.script(wrong.map((w) => ({ content: w })), { content: PIZZA });
  const r = await run(t, fake, 'single', ['max_invalid_retries=2']);
  assert.equal(fake.requests.length, 3, 'max_invalid_retries=2: three answers in all');
  assert.equal(r.summary.ok, false);
  assert.equal(artifactsOf(r.summary, 'Pizza').length, 0, 'nothing published');
  assert.equal(r.summary.errors.length, 1);
  const err = r.summary.errors[0];
  assert.equal(err.agent, 'pizza_master');
  assert.match(err.message, /the model's answer does not fit Pizza after 3 attempts: /);
  assert.match(err.message, /size_cm/, 'the last problem is named');

  // The error messages fed back name the field.
  assert.match(fake.requests[1].body.messages.at(-1).content, /toppings/);
  assert.match(fake.requests[2].body.messages.at(-1).content, /size_cm/);
  assert.equal(fake.requests[2].body.messages.length, 6, 'two rounds of assistant answer + error');

  const spans = await allSpans(r.db);
  const calls = callSpans(spans);
  assert.equal(calls.length, 3);
  calls.forEach((c, i) => {
    assert.equal(c.status_code, 'ERROR', `call ${i + 1} is ERROR`);
    assert.ok(c.status_description, 'with a message');
    assert.deepEqual(JSON.parse(attr(c.attributes, 'flock.llm.invalid_answer')), wrong[i], `call ${i + 1} keeps its raw answer`);
    assert.equal(attr(c.attributes, 'flock.llm.attempt'), i + 1);
  });
  const [evaluate] = named(spans, 'LLMEngine.evaluate');
  assert.equal(evaluate.status_code, 'ERROR');
  const [exec] = named(spans, 'Agent.execute');
  assert.equal(exec.status_code, 'ERROR');
  assert.match(exec.status_description ?? '', /does not fit Pizza/);
  const ex = (exec.events ?? []).find((e) => e.name === 'exception');
  assert.ok(ex, 'an exception event on Agent.execute');
  assert.match(JSON.stringify(ex), /does not fit Pizza after 3 attempts/);
});

test('max_invalid_retries=1: two answers, then the agent fails', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: 'nope' }, { content: '{"name": 3}' }], { content: PIZZA });
  const r = await run(t, fake, 'single', ['max_invalid_retries=1']);
  assert.equal(fake.requests.length, 2);
  assert.equal(r.summary.ok, false);
  assert.match(r.summary.errors[0].message, /does not fit Pizza after 2 attempts/);
  const calls = callSpans(await allSpans(r.db));
  assert.equal(calls.length, 2);
  assert.equal(attr(calls[1].attributes, 'flock.llm.invalid_answer'), '{"name": 3}');
});

test('max_invalid_retries=0: one answer only', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: '[1, 2, 3]' }], { content: PIZZA });
  const r = await run(t, fake, 'single', ['max_invalid_retries=0']);
  assert.equal(fake.requests.length, 1);
  assert.match(r.summary.errors[0].message, /does not fit Pizza after 1 attempts?: .*object/);
});

test('an empty answer and an answer cut at the token limit are named as such', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: '' }, { content: '{"name": "Trun', finishReason: 'length' }, { content: PIZZA }]);
  const r = await run(t, fake, 'single');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 3);
  assert.match(fake.requests[1].body.messages.at(-1).content, /empty/);
  assert.match(fake.requests[2].body.messages.at(-1).content, /token limit/);
  const calls = callSpans(await allSpans(r.db));
  assert.deepEqual(attr(calls[1].attributes, 'gen_ai.response.finish_reasons'), ['length']);
  assert.match(calls[1].status_description, /token limit/);
});

test('a refusal is an unusable answer: asked again, then the agent fails naming the refusal', async (t) => {
  const fake = await startFake(t);
  fake.script([], { refusal: 'I cannot help with pizzas.' });
  const r = await run(t, fake, 'single', ['max_invalid_retries=1']);
  assert.equal(fake.requests.length, 2);
  assert.equal(r.summary.ok, false);
  assert.match(r.summary.errors[0].message, /refused: I cannot help with pizzas/);
  const calls = callSpans(await allSpans(r.db));
  for (const c of calls) assert.equal(c.status_code, 'ERROR');
});

test('extra fields the schema forbids are refused', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: { ...PIZZA, price: 12 } }, { content: PIZZA }]);
  const r = await run(t, fake, 'single');
  assert.equal(fake.requests.length, 2);
  assert.match(fake.requests[1].body.messages.at(-1).content, /price/);
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [PIZZA]);
});

test('a 200 whose body is not a chat completion fails the agent clearly', async (t) => {
  const fake = await startFake(t);
  fake.script([{ json: { hello: 'world' } }], { json: { hello: 'world' } });
  const r = await run(t, fake, 'single', ['max_retries=0']);
  assert.equal(r.summary.ok, false);
  assert.match(r.summary.errors[0].message, /no choices/);
  const calls = callSpans(await allSpans(r.db));
  assert.ok(calls.length >= 1);
  assert.equal(calls.at(-1).status_code, 'ERROR');
});
