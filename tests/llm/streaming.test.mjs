// stream: true — the request asks for SSE with usage, the `data:` chunks are
// put together into the answer (content deltas, id, model, finish reason, the
// final usage chunk), a stream cut before its end is retried like a cut
// connection, an error chunk fails the call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, startFake, allSpans, attr, callSpans, artifactsOf, PIZZA } from './helpers.mjs';

test('a streamed answer: stream + include_usage in the request, chunks joined into the artifact, usage on the span', async (t) => {
  const fake = await startFake(t);
  const pizza = { name: 'Crème brûlée ✓ pizza', toppings: ['crème', 'brûlée', 'ü'], size_cm: 28, crust: 'thin' };
  fake.script([{ content: pizza, chunkSize: 1, id: 'chatcmpl-stream-9', model: 'gpt-4o-2024-08-06', usage: { prompt_tokens: 77, completion_tokens: 66, total_tokens: 143 } }]);
  const r = await run(t, fake, 'single', ['stream=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const req = fake.requests[0];
  assert.equal(req.body.stream, true);
  assert.deepEqual(req.body.stream_options, { include_usage: true });
  assert.match(req.headers.accept ?? '', /text\/event-stream/);
  assert.equal(req.body.response_format.type, 'json_schema', 'streaming keeps the structured output');
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [pizza], 'one-character chunks (multi-byte text) joined');

  const [c] = callSpans(await allSpans(r.db));
  assert.equal(c.status_code, 'OK');
  assert.equal(attr(c.attributes, 'gen_ai.response.id'), 'chatcmpl-stream-9');
  assert.equal(attr(c.attributes, 'gen_ai.response.model'), 'gpt-4o-2024-08-06');
  assert.equal(attr(c.attributes, 'gen_ai.usage.input_tokens'), 77, 'from the final usage chunk');
  assert.equal(attr(c.attributes, 'gen_ai.usage.output_tokens'), 66);
  assert.deepEqual(attr(c.attributes, 'gen_ai.response.finish_reasons'), ['stop']);
  assert.equal(attr(c.attributes, 'http.response.status_code'), 200);
  assert.equal(attr(c.attributes, 'flock.llm.http_attempts'), 1);
});

test('a stream cut mid-way (socket destroyed after some chunks) is retried and then succeeds', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA, cut: 4 }, { content: PIZZA, cut: 1 }], { content: PIZZA });
  const r = await run(t, fake, 'single', ['stream=true', 'max_retries=3']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 3);
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [PIZZA], 'partial text of cut streams is dropped');
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(attr(c.attributes, 'flock.llm.http_attempts'), 3);
  assert.equal((c.events ?? []).filter((e) => e.name === 'retry').length, 2);
});

test('a stream cut every time: failure after max_retries with a clear message', async (t) => {
  const fake = await startFake(t);
  fake.script([], { content: PIZZA, cut: 3 });
  const r = await run(t, fake, 'single', ['stream=true', 'max_retries=1']);
  assert.equal(fake.requests.length, 2);
  assert.equal(r.summary.ok, false);
  assert.match(r.summary.errors[0].message, /after 2 attempts/);
});

test('a stream that ends cleanly before any finish reason or [DONE] is retried', async (t) => {
  const fake = await startFake(t);
  const partial = JSON.stringify(PIZZA);
  const chunk = (content) => ({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] });
  fake.script([{ sse: [chunk(partial.slice(0, 10))] }], { content: PIZZA });
  const r = await run(t, fake, 'single', ['stream=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 2, 'the short stream counted as cut');
});

test('a stream with its finish reason but no [DONE] is accepted', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA, noDone: true }]);
  const r = await run(t, fake, 'single', ['stream=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 1);
});

test('an error chunk in the stream fails the call with the server message', async (t) => {
  const fake = await startFake(t);
  fake.script([], { sse: [{ error: { message: 'The model is overloaded mid-stream', type: 'server_error' } }] });
  const r = await run(t, fake, 'single', ['stream=true', 'max_retries=0']);
  assert.equal(r.summary.ok, false);
  assert.match(r.summary.errors[0].message, /overloaded mid-stream/);
  const [c] = callSpans(await allSpans(r.db));
  assert.equal(c.status_code, 'ERROR');
});

test('an invalid streamed answer is asked again (streamed too) with the error', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: '{"name": "no toppings"}' }, { content: PIZZA }]);
  const r = await run(t, fake, 'single', ['stream=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 2);
  assert.equal(fake.requests[1].body.stream, true);
  assert.equal(fake.requests[1].body.messages[2].content, '{"name": "no toppings"}');
  const calls = callSpans(await allSpans(r.db));
  assert.equal(calls[0].status_code, 'ERROR');
  assert.equal(attr(calls[0].attributes, 'flock.llm.invalid_answer'), '{"name": "no toppings"}');
});

test('a streamed refusal fails like a plain one', async (t) => {
  const fake = await startFake(t);
  fake.script([], { refusal: 'No.' });
  const r = await run(t, fake, 'single', ['stream=true', 'max_invalid_retries=0']);
  assert.equal(r.summary.ok, false);
  assert.match(r.summary.errors[0].message, /refused: No\./);
});

test('SSE with CRLF line ends, comment lines and event: fields (proxies) is read', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA, crlf: true, comments: true, chunkSize: 5 }]);
  const r = await run(t, fake, 'single', ['stream=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 1);
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [PIZZA]);
});

test('streamed requests are retried on 429 (Retry-After) like plain ones', async (t) => {
  const fake = await startFake(t);
  fake.script([{ status: 429, headers: { 'Retry-After': '1' } }, { content: PIZZA }]);
  const r = await run(t, fake, 'single', ['stream=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests.length, 2);
  assert.ok(fake.requests[1].at - fake.requests[0].at >= 950);
  assert.equal(fake.requests[1].body.stream, true);
});
