// Servers without (strict) structured output: a 400 naming response_format or
// json_schema makes the engine ask again with JSON mode ({type: json_object})
// and the schema spelled out in the system prompt; a second such 400 drops
// response_format altogether. Other 400s are not fallbacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, startFake, allSpans, attr, callSpans, systemPrompt, artifactsOf, PIZZA } from './helpers.mjs';

const refuseSchema = {
  status: 400,
  body: {
    error: {
      message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
      type: 'invalid_request_error',
      param: 'response_format',
      code: null,
    },
  },
};
const refuseJsonMode = {
  status: 400,
  body: { error: { message: 'json_object response_format is not supported by this server', type: 'invalid_request_error' } },
};

// The schema the system prompt spells out, parsed.
function promptSchema(req) {
  const sys = systemPrompt(req);
  const m = sys.match(/JSON Schema:\n(.*)\n/);
  assert.ok(m, `the system prompt carries the schema:\n${sys}`);
  return JSON.parse(m[1]);
}

test('400 on json_schema: asked again in JSON mode with the schema in the system prompt', async (t) => {
  const fake = await startFake(t);
  fake.script([refuseSchema, { content: PIZZA }]);
  const r = await run(t, fake, 'single');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [PIZZA]);
  assert.equal(fake.requests.length, 2);
  const [a, b] = fake.requests;
  assert.equal(a.body.response_format.type, 'json_schema');
  assert.deepEqual(b.body.response_format, { type: 'json_object' });
  assert.doesNotMatch(systemPrompt(a), /JSON Schema:/, 'no schema in the prompt while the server takes it');
  const schema = promptSchema(b);
  assert.deepEqual(schema, a.body.response_format.json_schema.schema, 'the same schema, in the prompt');
  assert.match(systemPrompt(b), /JSON/, 'JSON mode needs the word JSON in the messages');
  assert.equal(b.body.messages.length, 2, 'the refused request is not part of the conversation');

  const calls = callSpans(await allSpans(r.db));
  assert.equal(calls.length, 2);
  assert.equal(calls[0].status_code, 'ERROR');
  assert.match(calls[0].status_description, /response_format/);
  assert.equal(attr(calls[0].attributes, 'flock.llm.response_format'), 'json_schema');
  assert.equal(attr(calls[0].attributes, 'http.response.status_code'), 400);
  assert.ok((calls[0].events ?? []).some((e) => e.name === 'response_format refused'));
  assert.equal(calls[1].status_code, 'OK');
  assert.equal(attr(calls[1].attributes, 'flock.llm.response_format'), 'json_object');
});

test('a second 400 on json_object: asked again with no response_format at all', async (t) => {
  const fake = await startFake(t);
  fake.script([refuseSchema, refuseJsonMode, { content: '```json\n' + JSON.stringify(PIZZA) + '\n```' }]);
  const r = await run(t, fake, 'single');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 3);
  const c = fake.requests[2];
  assert.equal(c.body.response_format, undefined, 'no response_format');
  assert.deepEqual(promptSchema(c), fake.requests[0].body.response_format.json_schema.schema);
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [PIZZA]);
  const calls = callSpans(await allSpans(r.db));
  assert.deepEqual(calls.map((s) => attr(s.attributes, 'flock.llm.response_format')), ['json_schema', 'json_object', 'none']);
  assert.deepEqual(calls.map((s) => s.status_code), ['ERROR', 'ERROR', 'OK']);
});

test('after the fallback, an invalid answer is asked again in the lowered format', async (t) => {
  const fake = await startFake(t);
  fake.script([refuseSchema, { content: 'not json' }, { content: PIZZA }]);
  const r = await run(t, fake, 'single');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 3);
  assert.deepEqual(fake.requests[2].body.response_format, { type: 'json_object' });
  assert.equal(fake.requests[2].body.messages.length, 4);
});

test('the fallback does not use up the invalid-answer budget', async (t) => {
  const fake = await startFake(t);
  fake.script([refuseSchema, refuseJsonMode, { content: PIZZA }]);
  const r = await run(t, fake, 'single', ['max_invalid_retries=0']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 3);
});

test('a 400 even without response_format: the agent fails with the server message', async (t) => {
  const fake = await startFake(t);
  fake.script([refuseSchema, refuseJsonMode], { status: 400, body: { error: { message: 'response_format: still unhappy', type: 'invalid_request_error' } } });
  const r = await run(t, fake, 'single');
  assert.equal(fake.requests.length, 3, 'no endless fallback loop');
  assert.equal(r.summary.ok, false);
  assert.match(r.summary.errors[0].message, /HTTP 400: response_format: still unhappy/);
});

test('a 400 about something else is not a fallback: one request, the agent fails', async (t) => {
  const fake = await startFake(t);
  fake.script([], { status: 400, body: { error: { message: "This model's maximum context length is 128000 tokens.", type: 'invalid_request_error', code: 'context_length_exceeded' } } });
  const r = await run(t, fake, 'single');
  assert.equal(fake.requests.length, 1);
  assert.match(r.summary.errors[0].message, /HTTP 400: This model's maximum context length/);
});
