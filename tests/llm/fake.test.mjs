// The fake server itself, checked with the official OpenAI JavaScript client
// (tests/llm/node_modules, installed by tests/llm/install.sh): its answers are
// real chat completions (plain and streamed), its errors real API errors, its
// cut streams really cut. What the engine tests assert therefore holds for
// an OpenAI-compatible server, not only for this fake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startFake, sampleFor } from './fake_openai.mjs';
import { API_KEY, PIZZA } from './helpers.mjs';

const require = createRequire(import.meta.url);
let OpenAI;
try {
  OpenAI = require('openai').OpenAI;
} catch (e) {
  throw new Error(`the openai package is missing: run tests/llm/install.sh (scripts/install-deps.sh does): ${e.message}`);
}

const schema = {
  type: 'object',
  properties: { name: { type: 'string' }, toppings: { type: 'array', items: { type: 'string' } }, size_cm: { type: 'integer' }, crust: { type: ['string', 'null'] } },
  required: ['name', 'toppings', 'size_cm', 'crust'],
  additionalProperties: false,
};
const request = {
  model: 'gpt-4o',
  messages: [{ role: 'system', content: 'Answer in JSON.' }, { role: 'user', content: '{"input":[]}' }],
  response_format: { type: 'json_schema', json_schema: { name: 'Pizza', schema, strict: true } },
};
const client = (fake) => new OpenAI({ baseURL: fake.base, apiKey: API_KEY, maxRetries: 0, timeout: 10000 });

test('a plain answer is a chat completion the OpenAI client reads (and parses against the schema)', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA, id: 'chatcmpl-x1', usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 } }, { content: PIZZA }]);
  const res = await client(fake).chat.completions.create(request);
  assert.equal(res.id, 'chatcmpl-x1');
  assert.equal(res.object, 'chat.completion');
  assert.equal(res.choices[0].message.role, 'assistant');
  assert.deepEqual(JSON.parse(res.choices[0].message.content), PIZZA);
  assert.equal(res.choices[0].finish_reason, 'stop');
  assert.deepEqual(res.usage, { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 });
  // What the client sent, as the fake recorded it.
  const q = fake.requests[0];
  assert.equal(q.path, '/v1/chat/completions');
  assert.equal(q.headers.authorization, `Bearer ${API_KEY}`);
  assert.deepEqual(q.body.response_format, request.response_format);

  const parsed = await client(fake).chat.completions.parse(request);
  assert.deepEqual(parsed.choices[0].message.parsed, PIZZA);
});

test('a streamed answer is an SSE stream the client assembles, with the usage chunk', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA, chunkSize: 3, usage: { prompt_tokens: 9, completion_tokens: 8, total_tokens: 17 } }, { content: PIZZA }]);
  const stream = await client(fake).chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let usage = null;
  let finish = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks += 1;
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    const c = chunk.choices[0];
    if (c?.delta?.content) text += c.delta.content;
    if (c?.finish_reason) finish = c.finish_reason;
  }
  assert.ok(chunks > 5, `several chunks (${chunks})`);
  assert.deepEqual(JSON.parse(text), PIZZA);
  assert.equal(finish, 'stop');
  assert.deepEqual(usage, { prompt_tokens: 9, completion_tokens: 8, total_tokens: 17 });

  // The client's own accumulator agrees.
  const runner = client(fake).chat.completions.stream({ ...request, stream_options: { include_usage: true } });
  const final = await runner.finalChatCompletion();
  assert.deepEqual(JSON.parse(final.choices[0].message.content), PIZZA);
  assert.equal(final.choices[0].finish_reason, 'stop');
});

test('scripted errors are API errors the client understands (status, message, Retry-After)', async (t) => {
  const fake = await startFake(t);
  fake.script([
    { status: 429, headers: { 'Retry-After': '7' }, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } },
    { status: 400, body: { error: { message: "Invalid parameter: 'response_format'", type: 'invalid_request_error', param: 'response_format' } } },
  ]);
  await assert.rejects(client(fake).chat.completions.create(request), (e) => {
    assert.equal(e.status, 429);
    assert.match(e.message, /Rate limit reached/);
    assert.equal(e.headers.get('retry-after'), '7');
    assert.equal(e.constructor.name, 'RateLimitError');
    return true;
  });
  await assert.rejects(client(fake).chat.completions.create(request), (e) => {
    assert.equal(e.status, 400);
    assert.equal(e.param, 'response_format');
    return true;
  });
});

test('a refusal reads as message.refusal', async (t) => {
  const fake = await startFake(t);
  fake.script([{ refusal: 'I cannot.' }]);
  const res = await client(fake).chat.completions.create(request);
  assert.equal(res.choices[0].message.refusal, 'I cannot.');
  assert.equal(res.choices[0].message.content, null);
});

test('a cut stream and a hung server are failures for the client too', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA, cut: 3 }, { hang: true }]);
  const stream = await client(fake).chat.completions.create({ ...request, stream: true });
  await assert.rejects(async () => {
    for await (const chunk of stream) void chunk;
  }, 'the cut stream raises');
  const quick = new OpenAI({ baseURL: fake.base, apiKey: API_KEY, maxRetries: 0, timeout: 500 });
  await assert.rejects(quick.chat.completions.create(request), /timed out|timeout/i);
});

test('auto answers fit the schema of the request', async (t) => {
  const fake = await startFake(t);
  const res = await client(fake).chat.completions.parse(request);
  assert.deepEqual(res.choices[0].message.parsed, sampleFor(schema));
  assert.deepEqual(Object.keys(res.choices[0].message.parsed).sort(), ['crust', 'name', 'size_cm', 'toppings']);
});

test('tool calls (plain and streamed) are what the client reads as message.tool_calls', async (t) => {
  const fake = await startFake(t);
  const toolCalls = [
    { id: 'call_a', name: 'price_of', arguments: { name: 'truffle' } },
    { id: 'call_b', name: 'forecast', arguments: { city: 'Napoli', country: null } },
  ];
  const expected = [
    { id: 'call_a', type: 'function', function: { name: 'price_of', arguments: '{"name":"truffle"}' } },
    { id: 'call_b', type: 'function', function: { name: 'forecast', arguments: '{"city":"Napoli","country":null}' } },
  ];
  fake.script([{ toolCalls }, { toolCalls, chunkSize: 4 }]);
  const tools = [
    { type: 'function', function: { name: 'price_of', parameters: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false }, strict: true } },
    { type: 'function', function: { name: 'forecast', parameters: { type: 'object', properties: { city: { type: 'string' }, country: { type: ['string', 'null'] } }, required: ['city', 'country'], additionalProperties: false }, strict: true } },
  ];
  const plain = await client(fake).chat.completions.create({ ...request, tools });
  assert.equal(plain.choices[0].finish_reason, 'tool_calls');
  assert.equal(plain.choices[0].message.content, null);
  assert.deepEqual(plain.choices[0].message.tool_calls, expected);
  assert.deepEqual(fake.requests[0].body.tools, tools);

  // The client's stream accumulator puts the deltas back together.
  const runner = client(fake).chat.completions.stream({ ...request, tools, stream_options: { include_usage: true } });
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(
    final.choices[0].message.tool_calls.map((c) => ({ id: c.id, type: c.type, function: { name: c.function.name, arguments: c.function.arguments } })),
    expected,
  );
  // The tool messages of the next request are accepted like any message.
  const next = await client(fake).chat.completions.create({
    ...request,
    tools,
    messages: [...request.messages, plain.choices[0].message, ...expected.map((c) => ({ role: 'tool', tool_call_id: c.id, content: '{"ok":true}' }))],
  });
  assert.equal(next.object, 'chat.completion');
});
