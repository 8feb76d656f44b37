// Unit tests of web/src/llmCall.ts: which spans are model and tool calls,
// the facts of a call, the recorded GenAI messages, and the links between
// a model call and the Tool.execute spans of the calls it asked for (by
// call id when the answer was recorded, by position when it was not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importTs } from './load-ts.mjs';

const { isModelCall, isToolCall, modelCallFacts, parseMessages, toolCallsAsked, toolSpansOf, modelCallOf, responseSentBack } = await importTs('src/llmCall.ts');

let seq = 0;
const span = (name, attributes, { parent = 'engine', start, end } = {}) => {
  seq++;
  return { span_id: `s${seq}`, parent_id: parent, name, start_time: start ?? seq * 100, end_time: end ?? (start ?? seq * 100) + 50, status_code: 'OK', attributes };
};
const call = (attrs, opts) => span('LLMEngine.call_model', { gen_ai: { request: { model: 'gpt-4o-mini' }, ...attrs }, flock: { llm: { attempt: 1 } } }, opts);
const tool = (id, name, opts) => span('Tool.execute', { gen_ai: { operation: { name: 'execute_tool' }, tool: { name, call: { id } } } }, opts);
const answer = (...calls) =>
  JSON.stringify([{ role: 'assistant', parts: calls.map(([id, name, args]) => ({ type: 'tool_call', id, name, arguments: args })), finish_reason: 'tool_calls' }]);

test('model calls: any span naming a model or recording usage, whatever its name', () => {
  assert.ok(isModelCall(call({})));
  assert.ok(isModelCall(span('chat gpt-4o', { gen_ai: { response: { model: 'gpt-4o' } } })));
  assert.ok(isModelCall(span('openai.chat', { gen_ai: { usage: { input_tokens: 3 } } })));
  assert.ok(!isModelCall(span('Agent.execute', { agent: { name: 'chef' } })));
  assert.ok(!isModelCall(tool('c1', 'price_of')));
  assert.ok(isToolCall(tool('c1', 'price_of')));
  assert.ok(isToolCall(span('execute_tool x', { gen_ai: { operation: { name: 'execute_tool' } } })));
});

test('facts: the answering model counts, finish reasons as a list', () => {
  const f = modelCallFacts(call({ response: { model: 'gpt-4o-mini-2024-07-18', finish_reasons: ['stop'], id: 'r1' }, usage: { input_tokens: 120, output_tokens: 30 }, provider: { name: 'openai' } }));
  assert.equal(f.model, 'gpt-4o-mini-2024-07-18');
  assert.equal(f.requestModel, 'gpt-4o-mini');
  assert.equal(f.provider, 'openai');
  assert.deepEqual(f.finishReasons, ['stop']);
  assert.equal(f.inputTokens, 120);
  assert.equal(f.outputTokens, 30);
  assert.equal(f.attempt, 1);
  assert.equal(modelCallFacts(span('x', { gen_ai: { usage: { output_tokens: 1 } } })).model, 'unknown');
});

test('messages: the GenAI parts, the older {role, content} form, and what cannot be read', () => {
  const r = parseMessages(
    JSON.stringify([
      { role: 'system', parts: [{ type: 'text', content: 'be brief' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'price_of', arguments: { name: 'truffle' } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: '{"eur":4.5}' }] },
      { role: 'user', parts: [{ type: 'image', uri: 'x' }] },
    ]),
  );
  assert.deepEqual(r.messages.map((m) => m.role), ['system', 'assistant', 'tool', 'user']);
  assert.deepEqual(r.messages[0].parts, [{ type: 'text', content: 'be brief' }]);
  assert.deepEqual(r.messages[1].parts, [{ type: 'tool_call', id: 'c1', name: 'price_of', arguments: { name: 'truffle' } }]);
  assert.deepEqual(r.messages[2].parts, [{ type: 'tool_call_response', id: 'c1', response: '{"eur":4.5}' }]);
  assert.equal(r.messages[3].parts[0].type, 'other');
  assert.deepEqual(parseMessages([{ role: 'user', content: 'hi' }]).messages[0].parts, [{ type: 'text', content: 'hi' }]);
  assert.deepEqual(parseMessages('{not json'), { error: 'not JSON' });
  assert.deepEqual(parseMessages('{"role":"user"}'), { error: 'not a list of messages' });
  assert.equal(parseMessages(undefined), undefined);
  const out = parseMessages(answer(['c9', 'oven', { reason: 'x' }]));
  assert.equal(out.messages[0].finishReason, 'tool_calls');
});

test('links by call id: each asked call to its Tool.execute span, and back', () => {
  const c1 = call({ output: { messages: answer(['c1', 'price_of', {}], ['c2', 'oven', {}]) } }, { start: 100, end: 200 });
  const t1 = tool('c1', 'price_of', { start: 210 });
  const t2 = tool('c2', 'oven', { start: 215 });
  const c2 = call({ output: { messages: answer(['c1', 'price_of', {}]) } }, { start: 300, end: 400 }); // the id again, next round
  const t3 = tool('c1', 'price_of', { start: 410 });
  const spans = [c1, t1, t2, c2, t3];
  assert.deepEqual(toolCallsAsked(c1).map((c) => c.id), ['c1', 'c2']);
  assert.deepEqual(toolSpansOf(c1, spans), [t1, t2]);
  assert.deepEqual(toolSpansOf(c2, spans), [t3], 'a reused id goes to the call after this one');
  assert.equal(modelCallOf(t1, spans), c1);
  assert.equal(modelCallOf(t2, spans), c1);
  assert.equal(modelCallOf(t3, spans), c2);
});

test('links without content: the sibling tool spans between this call and the next', () => {
  const c1 = call({}, { start: 100, end: 200 });
  c1.attributes.flock.llm.tool_calls = 2;
  const t1 = tool('a', 'price_of', { start: 210 });
  const t2 = tool('b', 'oven', { start: 220 });
  const other = tool('z', 'elsewhere', { start: 230, parent: 'other-engine' });
  const c2 = call({}, { start: 300, end: 400 });
  const late = tool('c', 'nap', { start: 500 });
  const spans = [c1, t1, t2, other, c2, late];
  assert.deepEqual(toolSpansOf(c1, spans), [t1, t2]);
  assert.deepEqual(toolSpansOf(c2, spans), [], 'the final answer asked for nothing');
  assert.equal(modelCallOf(t2, spans), c1);
  assert.equal(modelCallOf(other, spans), undefined, 'not next to any call that asked');
  assert.equal(modelCallOf(late, spans), undefined);
});

test('what the model was told a tool returned: from the next call\'s conversation', () => {
  const told = (id, response) => JSON.stringify([{ role: 'tool', parts: [{ type: 'tool_call_response', id, response }] }]);
  const c1 = call({ output: { messages: answer(['c1', 'oven', {}]) } }, { start: 100 });
  const c2 = call({ input: { messages: told('c1', 'error: the tool failed: oven on fire') } }, { start: 300 });
  const c3 = call({ input: { messages: told('c1', 'a later round') } }, { start: 500 });
  assert.equal(responseSentBack(c1, 'c1', [c3, c2, c1]), 'error: the tool failed: oven on fire', 'the first call after it');
  assert.equal(responseSentBack(c1, 'c9', [c1, c2, c3]), undefined);
  assert.equal(responseSentBack(c3, 'c1', [c1, c2, c3]), undefined, 'nothing after the last call');
});
