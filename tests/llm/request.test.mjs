// The request the engine sends and the artifacts and spans its answer becomes:
// URL, auth header, model, messages (system prompt from the agent, the input
// artifact as JSON text), the output type's JSON Schema in its strict form,
// options in the body and on the span; the default engine of a Flock with a
// model; the GenAI attributes of LLMEngine.call_model read back from the
// DuckDB file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  run, startFake, allSpans, attr, named, callSpans, userPayload, systemPrompt, artifactsOf, ancestors, PIZZA, API_KEY,
  HEX16,
} from './helpers.mjs';

test('the request: POST /v1/chat/completions, bearer key, model, messages, strict JSON Schema', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA }]);
  const r = await run(t, fake, 'single');
  assert.equal(fake.requests.length, 1, 'one model call');
  const req = fake.requests[0];
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/v1/chat/completions');
  assert.equal(req.headers.authorization, `Bearer ${API_KEY}`);
  assert.match(req.headers['content-type'], /^application\/json/);
  assert.equal(req.parseError, null, 'the body is JSON');
  const b = req.body;
  assert.equal(b.model, 'gpt-4o', 'the provider prefix is not part of the model name sent');
  assert.equal(b.messages.length, 2);
  assert.deepEqual(b.messages.map((m) => m.role), ['system', 'user']);
  const sys = systemPrompt(req);
  assert.match(sys, /^You are the agent "pizza_master"/);
  assert.match(sys, /Turns an idea into a pizza/, 'the agent description is in the system prompt');
  assert.match(sys, /Pizza/);
  assert.deepEqual(userPayload(req), { input: [{ type: 'Idea', payload: { description: 'something with truffles' } }] },
    'the user message is the input artifact as JSON text, no context for a first artifact');
  assert.equal(b.stream, undefined, 'not streamed by default');
  assert.equal(b.stream_options, undefined);
  assert.equal(b.temperature, undefined, 'no temperature unless set');
  assert.equal(b.max_tokens, undefined, 'no max_tokens unless set');

  // The structured-output request: OpenAI's strict form of Pizza's schema.
  assert.equal(b.response_format.type, 'json_schema');
  const js = b.response_format.json_schema;
  assert.equal(js.name, 'Pizza');
  assert.match(js.name, /^[A-Za-z0-9_-]{1,64}$/, 'a name OpenAI accepts');
  assert.equal(js.strict, true);
  const s = js.schema;
  assert.equal(s.type, 'object');
  assert.equal(s.additionalProperties, false);
  assert.deepEqual([...s.required].sort(), ['crust', 'name', 'size_cm', 'toppings'], 'strict mode: every property required');
  assert.deepEqual(s.properties.name, { type: 'string' });
  assert.deepEqual(s.properties.size_cm, { type: 'integer' });
  assert.deepEqual(s.properties.toppings, { type: 'array', items: { type: 'string' } });
  assert.deepEqual([...s.properties.crust.type].sort(), ['null', 'string'], 'an optional field becomes a union with null');
  assert.equal(s.properties.crust.nullable, undefined, 'no "nullable" keyword (not JSON Schema) in strict mode');
  assert.ok(!JSON.stringify(s).includes('"nullable"'));

  // The answer became the agent's artifact.
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const pizzas = artifactsOf(r.summary, 'Pizza');
  assert.equal(pizzas.length, 1);
  assert.deepEqual(pizzas[0].payload, PIZZA);
  assert.equal(pizzas[0].produced_by, 'pizza_master');
  assert.equal(pizzas[0].correlation_id, 'corr-single');
});

test('the spans: LLMEngine.evaluate with fetch_conversation_context and one call_model (CLIENT, GenAI attributes)', async (t) => {
  const fake = await startFake(t);
  fake.script([
    {
      content: PIZZA,
      id: 'chatcmpl-abc123',
      model: 'gpt-4o-2024-11-20',
      usage: { prompt_tokens: 123, completion_tokens: 45, total_tokens: 168 },
    },
  ]);
  const r = await run(t, fake, 'single');
  const spans = await allSpans(r.db);
  const [evaluate] = named(spans, 'LLMEngine.evaluate');
  assert.ok(evaluate, `an LLMEngine.evaluate span; have ${spans.map((s) => s.name).join(', ')}`);
  assert.equal(evaluate.status_code, 'OK');
  const [exec] = named(spans, 'Agent.execute');
  assert.equal(evaluate.parent_id, exec.span_id, 'the engine hook is a child of Agent.execute');
  assert.equal(attr(exec.attributes, 'agent.name'), 'pizza_master');
  assert.equal(attr(exec.attributes, 'output.type'), 'Pizza');
  assert.deepEqual(JSON.parse(attr(exec.attributes, 'output.value')), PIZZA);

  const fetch = named(spans, 'LLMEngine.fetch_conversation_context');
  assert.equal(fetch.length, 1);
  assert.equal(fetch[0].parent_id, evaluate.span_id);
  assert.equal(attr(fetch[0].attributes, 'correlation_id'), 'corr-single');
  assert.equal(attr(fetch[0].attributes, 'context.artifact_count'), 0);

  const calls = callSpans(spans);
  assert.equal(calls.length, 1);
  const c = calls[0];
  assert.equal(c.parent_id, evaluate.span_id, 'call_model is a child of LLMEngine.evaluate');
  assert.equal(c.trace_id, evaluate.trace_id);
  assert.match(c.span_id, HEX16);
  assert.equal(c.kind, 'CLIENT');
  assert.equal(c.status_code, 'OK');
  assert.equal(c.service, 'LLMEngine');
  assert.equal(c.operation, 'call_model');
  const a = c.attributes;
  assert.equal(attr(a, 'gen_ai.operation.name'), 'chat');
  assert.equal(attr(a, 'gen_ai.provider.name'), 'openai');
  assert.equal(attr(a, 'gen_ai.request.model'), 'gpt-4o');
  assert.equal(attr(a, 'gen_ai.response.model'), 'gpt-4o-2024-11-20');
  assert.equal(attr(a, 'gen_ai.response.id'), 'chatcmpl-abc123');
  assert.equal(attr(a, 'gen_ai.usage.input_tokens'), 123);
  assert.equal(attr(a, 'gen_ai.usage.output_tokens'), 45);
  assert.deepEqual(attr(a, 'gen_ai.response.finish_reasons'), ['stop']);
  assert.equal(attr(a, 'server.address'), '127.0.0.1');
  assert.equal(attr(a, 'server.port'), fake.port);
  assert.equal(attr(a, 'http.response.status_code'), 200);
  assert.equal(attr(a, 'flock.llm.attempt'), 1);
  assert.equal(attr(a, 'flock.llm.http_attempts'), 1);
  assert.equal(attr(a, 'gen_ai.input.messages'), undefined, 'no prompt recorded by default');
  assert.equal(attr(a, 'gen_ai.output.messages'), undefined, 'no answer recorded by default');
  assert.equal(attr(a, 'gen_ai.request.temperature'), undefined);
  assert.equal(attr(a, 'gen_ai.request.max_tokens'), undefined);
  assert.deepEqual(c.events ?? [], [], 'no retry events');

  // DuckDB JSON paths on the nested attributes, as a user would query them.
  const { withDb } = await import('./helpers.mjs');
  const rows = await withDb(r.db, (q) =>
    q(`SELECT json_extract(attributes, '$.gen_ai.usage.input_tokens')::INTEGER AS inp,
              json_extract(attributes, '$.gen_ai.usage.output_tokens')::INTEGER AS outp,
              json_extract_string(attributes, '$.gen_ai.request.model') AS model
       FROM spans WHERE name = 'LLMEngine.call_model'`));
  assert.deepEqual(rows, [{ inp: 123, outp: 45, model: 'gpt-4o' }]);

  // The parent chain reaches the publish that started it all.
  const chain = ancestors(spans, c).map((s) => s.name);
  assert.deepEqual(chain, ['LLMEngine.call_model', 'LLMEngine.evaluate', 'Agent.execute', 'Flock.publish']);
});

test('options: temperature and max_tokens go into the body and onto the span', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA }]);
  const r = await run(t, fake, 'single', ['temperature=0.25', 'max_tokens=321']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const b = fake.requests[0].body;
  assert.equal(b.temperature, 0.25);
  assert.equal(b.max_tokens, 321);
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(attr(c.attributes, 'gen_ai.request.temperature'), 0.25);
  assert.equal(attr(c.attributes, 'gen_ai.request.max_tokens'), 321);
});

test('LlmOptions::model overrides the Flock model; provider/model split; the provider is on the span', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA }]);
  const r = await run(t, fake, 'single', ['model=acme/mini-7b', 'flock_model=openai/gpt-4o']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests[0].body.model, 'mini-7b');
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(attr(c.attributes, 'gen_ai.provider.name'), 'acme');
  assert.equal(attr(c.attributes, 'gen_ai.request.model'), 'mini-7b');
});

test('an agent without an engine gets the LLM engine from DEFAULT_MODEL when the Flock has no model', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA }]);
  const r = await run(t, fake, 'single', ['flock_model='], { env: { DEFAULT_MODEL: 'openai/gpt-4o-mini' } });
  assert.equal(r.summary.model, 'openai/gpt-4o-mini');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0].body.model, 'gpt-4o-mini');
  assert.deepEqual(artifactsOf(r.summary, 'Pizza')[0].payload, PIZZA);
});

test('LLM engine without any model: the agent fails with a clear message, no request', async (t) => {
  const fake = await startFake(t);
  const r = await run(t, fake, 'single', ['engine=explicit', 'flock_model=none']);
  assert.equal(fake.requests.length, 0);
  assert.equal(r.summary.ok, false);
  assert.equal(r.summary.errors.length, 1);
  assert.match(r.summary.errors[0].message, /no model/i);
  assert.equal(artifactsOf(r.summary, 'Pizza').length, 0);
});

test('LlmOptions::base_url and api_key are used instead of the environment', async (t) => {
  const fake = await startFake(t);
  const other = await startFake(t);
  other.script([{ content: PIZZA }]);
  const r = await run(t, fake, 'single', [`base_url=${other.base}/`, 'api_key=sk-option-key-1']);
  assert.equal(fake.requests.length, 0, 'OPENAI_BASE_URL is not used');
  assert.equal(other.requests.length, 1);
  assert.equal(other.requests[0].path, '/v1/chat/completions', 'a trailing slash of base_url is not doubled');
  assert.equal(other.requests[0].headers.authorization, 'Bearer sk-option-key-1');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
});

test('an answer wrapped in a code fence or prose is still read', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: 'Here you go:\n```json\n' + JSON.stringify(PIZZA) + '\n```\nEnjoy!' }]);
  const r = await run(t, fake, 'single');
  assert.equal(fake.requests.length, 1, 'accepted on the first answer');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.deepEqual(artifactsOf(r.summary, 'Pizza')[0].payload, PIZZA);
});

test('model names: no provider means OpenAI; a model name may itself contain slashes', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA }, { content: PIZZA }]);
  const plain = await run(t, fake, 'single', ['flock_model=gpt-4o-mini']);
  assert.equal(plain.summary.ok, true, JSON.stringify(plain.summary.errors));
  assert.equal(fake.requests[0].body.model, 'gpt-4o-mini');
  assert.equal(attr(callSpans(await allSpans(plain.db))[0].attributes, 'gen_ai.provider.name'), 'openai');

  const routed = await run(t, fake, 'single', ['flock_model=openrouter/meta-llama/llama-3.1-8b-instruct']);
  assert.equal(routed.summary.ok, true, JSON.stringify(routed.summary.errors));
  assert.equal(fake.requests[1].body.model, 'meta-llama/llama-3.1-8b-instruct');
  const [c] = callSpans(await allSpans(routed.db));
  assert.equal(attr(c.attributes, 'gen_ai.provider.name'), 'openrouter');
  assert.equal(attr(c.attributes, 'gen_ai.request.model'), 'meta-llama/llama-3.1-8b-instruct');
});

test('a provider with no default address and no OPENAI_BASE_URL: a clear error, no request', async (t) => {
  const fake = await startFake(t);
  const r = await run(t, fake, 'single', ['flock_model=acme/model-x'], { env: { OPENAI_BASE_URL: undefined } });
  assert.equal(fake.requests.length, 0);
  assert.equal(r.summary.ok, false);
  assert.match(r.summary.errors[0].message, /acme/);
  assert.match(r.summary.errors[0].message, /OPENAI_BASE_URL/);
});

test('a minimal completion (no id, no model, no usage) is read; no made-up GenAI values', async (t) => {
  const fake = await startFake(t);
  fake.script([{ json: { choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(PIZZA) }, finish_reason: 'stop' }] } }]);
  const r = await run(t, fake, 'single');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.deepEqual(artifactsOf(r.summary, 'Pizza')[0].payload, PIZZA);
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(attr(c.attributes, 'gen_ai.usage.input_tokens'), undefined, 'no usage: no token counts');
  assert.equal(attr(c.attributes, 'gen_ai.usage.output_tokens'), undefined);
  const id = attr(c.attributes, 'gen_ai.response.id');
  assert.ok(id === undefined || id !== '', 'no empty gen_ai.response.id');
});
