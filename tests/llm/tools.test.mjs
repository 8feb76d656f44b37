// Tools (AgentBuilder::with_tool): the tools' definitions in the request
// (the In types' schemas, strict where strict mode can say them), the call
// loop (one call, parallel calls in order, bounded concurrency), errors fed
// back to the model as the tool's message (bad arguments, a throwing tool,
// hostile answers), the round limit, streamed tool calls, and the
// Tool.execute spans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, startFake, allSpans, attr, named, callSpans, artifactsOf, PIZZA } from './helpers.mjs';

const TOOL_NAMES = ['price_of', 'forecast', 'oven', 'nap', 'basket'];

// The tools a request offered, by name.
const offered = (req) => Object.fromEntries((req.body.tools ?? []).map((t) => [t.function.name, t]));
// The tool messages of a request, in order.
const toolMessages = (req) => req.body.messages.filter((m) => m.role === 'tool');
const lastAssistant = (req) => req.body.messages.filter((m) => m.role === 'assistant').at(-1);

test('one tool call: the result goes back to the model, which then answers', async (t) => {
  const fake = await startFake(t);
  fake.script([
    { toolCalls: [{ id: 'call_price_1', name: 'price_of', arguments: { name: 'truffle' } }], usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 } },
    { content: PIZZA, usage: { prompt_tokens: 130, completion_tokens: 40, total_tokens: 170 } },
  ]);
  const r = await run(t, fake, 'tools');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [PIZZA]);
  assert.deepEqual(r.summary.tool_log, [{ tool: 'price_of', args: { name: 'truffle' } }]);

  assert.equal(fake.requests.length, 2);
  const [first, second] = fake.requests;
  assert.deepEqual(Object.keys(offered(first)).sort(), [...TOOL_NAMES].sort());
  assert.equal(offered(first).price_of.type, 'function');
  assert.equal(offered(first).price_of.function.description, 'The price of one topping in EUR');
  assert.ok(first.body.response_format, 'the answer is still asked for as JSON');
  assert.deepEqual(second.body.tools, first.body.tools, 'the tools are offered in every round');
  // The conversation goes on: the assistant's calls, then one tool message per call.
  assert.equal(second.body.messages.length, 4);
  const assistant = second.body.messages[2];
  assert.equal(assistant.role, 'assistant');
  assert.equal(assistant.content, null);
  assert.deepEqual(assistant.tool_calls, [{ id: 'call_price_1', type: 'function', function: { name: 'price_of', arguments: '{"name":"truffle"}' } }]);
  const toolMsg = second.body.messages[3];
  assert.deepEqual(Object.keys(toolMsg).sort(), ['content', 'role', 'tool_call_id']);
  assert.equal(toolMsg.role, 'tool');
  assert.equal(toolMsg.tool_call_id, 'call_price_1');
  assert.deepEqual(JSON.parse(toolMsg.content), { item: 'truffle', eur: 4.5 }, 'the result as JSON');

  const spans = await allSpans(r.db);
  const calls = callSpans(spans);
  assert.equal(calls.length, 2);
  // Every round's tokens count.
  assert.deepEqual(calls.map((c) => attr(c.attributes, 'gen_ai.usage.input_tokens')), [100, 130]);
  assert.deepEqual(calls.map((c) => attr(c.attributes, 'gen_ai.usage.output_tokens')), [10, 40]);
  assert.deepEqual(calls.map((c) => attr(c.attributes, 'gen_ai.response.finish_reasons')), [['tool_calls'], ['stop']]);
  assert.equal(attr(calls[0].attributes, 'flock.llm.tool_calls'), 1);
  assert.deepEqual(calls.map((c) => c.status_code), ['OK', 'OK']);

  const [exec] = named(spans, 'Tool.execute');
  assert.ok(exec, 'a Tool.execute span');
  assert.equal(named(spans, 'Tool.execute').length, 1);
  assert.equal(attr(exec.attributes, 'gen_ai.operation.name'), 'execute_tool');
  assert.equal(attr(exec.attributes, 'gen_ai.tool.name'), 'price_of');
  assert.equal(attr(exec.attributes, 'gen_ai.tool.call.id'), 'call_price_1');
  assert.equal(attr(exec.attributes, 'gen_ai.tool.type'), 'function');
  assert.equal(attr(exec.attributes, 'agent.name'), 'chef');
  assert.equal(exec.status_code, 'OK');
  // Under the engine's span, between the two model calls.
  const [evaluate] = named(spans, 'LLMEngine.evaluate');
  assert.equal(exec.parent_id, evaluate.span_id, 'Tool.execute is a child of LLMEngine.evaluate');
  assert.ok(exec.start_time >= calls[0].end_time && exec.end_time <= calls[1].start_time, 'the tool runs between the rounds');
  // The tool's own span is its child.
  const [lookup] = named(spans, 'PriceBook.lookup');
  assert.equal(lookup.parent_id, exec.span_id);
  // No content without record_content.
  assert.equal(attr(exec.attributes, 'gen_ai.tool.call.arguments'), undefined);
  assert.equal(attr(exec.attributes, 'gen_ai.tool.call.result'), undefined);
  assert.ok(!JSON.stringify(exec.attributes).includes('truffle'), 'no arguments on the span');
});

test('the tools\' parameters are the In types\' schemas: strict where strict mode allows, else as they are', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA }]);
  const r = await run(t, fake, 'tools');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const tools = offered(fake.requests[0]);
  const schemas = r.summary.tool_schemas;
  // All fields required: strict mode changes nothing.
  for (const name of ['price_of', 'oven', 'nap']) {
    assert.deepEqual(tools[name].function.parameters, schemas[name], `${name}: the In type's schema`);
    assert.equal(tools[name].function.strict, true, `${name} is strict`);
  }
  // An optional field: nullable as a union with null, and required (strict mode).
  const place = schemas.forecast;
  assert.equal(place.properties.country.nullable, true);
  assert.deepEqual(tools.forecast.function.parameters, {
    ...place,
    properties: { city: place.properties.city, country: { type: ['string', 'null'] } },
    required: ['city', 'country'],
  });
  assert.equal(tools.forecast.function.strict, true);
  // A map cannot be strict: sent as registered, strict false.
  assert.deepEqual(tools.basket.function.parameters, schemas.basket);
  assert.equal(tools.basket.function.strict, false);
});

test('parallel calls in one answer run concurrently (at most max_parallel_tool_calls), answered in the calls\' order', async (t) => {
  const fake = await startFake(t);
  const naps = [300, 50, 250, 100, 200, 30].map((ms, i) => ({ id: `call_nap_${i}`, name: 'nap', arguments: { ms, tag: `nap-${i}` } }));
  fake.script([{ toolCalls: naps }, { content: PIZZA }]);
  const r = await run(t, fake, 'tools', ['max_parallel_tool_calls=3']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(r.summary.tool_log.length, 6);
  assert.ok(r.summary.max_concurrent <= 3, `at most 3 at once (${r.summary.max_concurrent})`);
  assert.ok(r.summary.max_concurrent >= 2, `concurrently (${r.summary.max_concurrent})`);
  const msgs = toolMessages(fake.requests[1]);
  assert.deepEqual(msgs.map((m) => m.tool_call_id), naps.map((n) => n.id), 'one tool message per call, in order');
  assert.deepEqual(msgs.map((m) => JSON.parse(m.content).tag), naps.map((n) => n.arguments.tag));
  assert.deepEqual(lastAssistant(fake.requests[1]).tool_calls.map((c) => c.id), naps.map((n) => n.id));

  const spans = await allSpans(r.db);
  const execs = named(spans, 'Tool.execute');
  assert.equal(execs.length, 6);
  assert.deepEqual(execs.map((s) => attr(s.attributes, 'gen_ai.tool.call.id')).sort(), naps.map((n) => n.id).sort());
  const [evaluate] = named(spans, 'LLMEngine.evaluate');
  for (const s of execs) assert.equal(s.parent_id, evaluate.span_id);
});

test('the default runs at most 4 calls at once', async (t) => {
  const fake = await startFake(t);
  const naps = Array.from({ length: 8 }, (_, i) => ({ id: `n${i}`, name: 'nap', arguments: { ms: 150, tag: `t${i}` } }));
  fake.script([{ toolCalls: naps }, { content: PIZZA }]);
  const r = await run(t, fake, 'tools');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.ok(r.summary.max_concurrent <= 4 && r.summary.max_concurrent >= 2, `max concurrent ${r.summary.max_concurrent}`);
});

test('invalid arguments are fed back as the tool\'s error; the model corrects them', async (t) => {
  const fake = await startFake(t);
  fake.script([
    {
      toolCalls: [
        { id: 'c_bad_field', name: 'price_of', arguments: { nme: 'truffle' } },
        { id: 'c_not_json', name: 'price_of', arguments: '{"name": "tru' },
        { id: 'c_wrong_type', name: 'nap', arguments: { ms: 'long', tag: 'x' } },
      ],
    },
    { toolCalls: [{ id: 'c_good', name: 'price_of', arguments: { name: 'basil' } }] },
    { content: PIZZA },
  ]);
  const r = await run(t, fake, 'tools');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.deepEqual(r.summary.tool_log, [{ tool: 'price_of', args: { name: 'basil' } }], 'only the valid call ran');
  const msgs = toolMessages(fake.requests[1]);
  assert.deepEqual(msgs.map((m) => m.tool_call_id), ['c_bad_field', 'c_not_json', 'c_wrong_type']);
  assert.match(msgs[0].content, /^error: .*Topping.*(missing required field 'name'|unknown field 'nme')/);
  assert.match(msgs[1].content, /^error: .*not valid JSON/);
  assert.match(msgs[2].content, /^error: .*Nap.*\$\.ms: expected an integer/);
  const good = toolMessages(fake.requests[2]).at(-1);
  assert.equal(good.tool_call_id, 'c_good');
  assert.deepEqual(JSON.parse(good.content), { item: 'basil', eur: 1.25 });

  const execs = named(await allSpans(r.db), 'Tool.execute');
  assert.equal(execs.length, 4);
  const byId = Object.fromEntries(execs.map((s) => [attr(s.attributes, 'gen_ai.tool.call.id'), s]));
  for (const id of ['c_bad_field', 'c_not_json', 'c_wrong_type']) {
    assert.equal(byId[id].status_code, 'ERROR', `${id} is an error`);
    assert.equal(attr(byId[id].attributes, 'error.type'), 'invalid_arguments');
  }
  assert.equal(byId.c_good.status_code, 'OK');
  assert.equal(attr(byId.c_good.attributes, 'flock.llm.tool_round'), 2);
});

test('a throwing tool: its error goes back to the model, the agent goes on', async (t) => {
  const fake = await startFake(t);
  fake.script([{ toolCalls: [{ id: 'c_oven', name: 'oven', arguments: { reason: 'too hot "really"' } }] }, { content: PIZZA }]);
  const r = await run(t, fake, 'tools');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const [msg] = toolMessages(fake.requests[1]);
  assert.equal(msg.tool_call_id, 'c_oven');
  assert.match(msg.content, /^error: /);
  assert.ok(msg.content.includes('oven on fire: too hot "really"'), msg.content);
  const [exec] = named(await allSpans(r.db), 'Tool.execute');
  assert.equal(exec.status_code, 'ERROR');
  assert.match(exec.status_description, /oven on fire/);
  const ev = (exec.events ?? []).find((e) => e.name === 'exception');
  assert.ok(ev, 'an exception event');
  assert.equal(attr(ev.attributes, 'exception.type'), 'std::runtime_error');
});

test('past max_tool_rounds the agent fails with a clear error', async (t) => {
  const fake = await startFake(t);
  let n = 0;
  fake.script([], () => ({ toolCalls: [{ id: `c${n++}`, name: 'price_of', arguments: { name: 'basil' } }] }));
  const r = await run(t, fake, 'tools', ['max_tool_rounds=2']);
  assert.equal(r.summary.ok, false);
  assert.equal(r.summary.errors.length, 1);
  assert.match(r.summary.errors[0].message, /still asks for tools after 2 rounds.*max_tool_rounds = 2/);
  assert.equal(fake.requests.length, 3, 'two rounds answered, the third ask fails');
  assert.equal(r.summary.tool_log.length, 2);
  const spans = await allSpans(r.db);
  const calls = callSpans(spans);
  assert.equal(calls.length, 3);
  assert.equal(calls[2].status_code, 'ERROR');
  assert.match(calls[2].status_description, /max_tool_rounds/);
  assert.equal(named(spans, 'Tool.execute').length, 2);
});

test('the default round limit is 8', async (t) => {
  const fake = await startFake(t);
  fake.script([], () => ({ toolCalls: [{ name: 'price_of', arguments: { name: 'basil' } }] }));
  const r = await run(t, fake, 'tools');
  assert.equal(r.summary.ok, false);
  assert.match(r.summary.errors[0].message, /after 8 rounds/);
  assert.equal(fake.requests.length, 9);
});

test('max_tool_rounds=0: no tools are offered', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA }]);
  const r = await run(t, fake, 'tools', ['max_tool_rounds=0']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests[0].body.tools, undefined);
});

test('an agent without tools sends no tools', async (t) => {
  const fake = await startFake(t);
  fake.script([{ content: PIZZA }]);
  const r = await run(t, fake, 'single');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests[0].body.tools, undefined);
  assert.ok(!('tools' in fake.requests[0].body));
});

test('hostile tool calls become the calls\' errors, never a crash', async (t) => {
  const fake = await startFake(t);
  const huge = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
  fake.script([
    {
      toolCalls: [
        { id: 'h_unknown', name: 'launch_missiles', arguments: {} },
        { id: 'h_dup', name: 'price_of', arguments: { name: 'olive' } },
        { id: 'h_dup', name: 'price_of', arguments: { name: 'caper' } },
        { id: 'h_huge', name: 'price_of', arguments: huge },
        { raw: { id: 'h_noname', type: 'function', function: { arguments: '{}' } } },
        { raw: { type: 'function', function: { name: 'price_of', arguments: '{"name":"anchovy"}' } } },
        { raw: 'not an object' },
        { raw: { id: 'h_argobj', type: 'function', function: { name: 'price_of', arguments: { name: 'onion' } } } },
        { id: 'h_bad_name', name: 'x'.repeat(5000), arguments: {} },
      ],
    },
    { content: PIZZA },
  ]);
  const r = await run(t, fake, 'tools');
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.deepEqual(r.summary.tool_log.map((c) => c.args.name).sort(), ['anchovy', 'olive', 'onion']);
  const second = fake.requests[1];
  const msgs = toolMessages(second);
  const calls = lastAssistant(second).tool_calls;
  assert.equal(msgs.length, calls.length, 'one tool message per echoed call');
  assert.deepEqual(msgs.map((m) => m.tool_call_id), calls.map((c) => c.id));
  const byId = (id) => msgs.filter((m) => m.tool_call_id === id);
  assert.match(byId('h_unknown')[0].content, /^error: there is no tool named 'launch_missiles'; the tools are: price_of, forecast, oven, nap, basket/);
  assert.equal(byId('h_dup').length, 2);
  assert.equal(JSON.parse(byId('h_dup')[0].content).item, 'olive');
  assert.match(byId('h_dup')[1].content, /^error: .*id 'h_dup'/);
  assert.match(byId('h_huge')[0].content, /^error: the arguments are too large \(\d+ bytes; at most 1048576\)/);
  assert.ok(calls.find((c) => c.id === 'h_huge').function.arguments.length < 10000, 'huge arguments go back cut');
  assert.match(byId('h_noname')[0].content, /^error: the call names no function/);
  const made = msgs.find((m) => m.tool_call_id.startsWith('call_flock_'));
  assert.ok(made, 'a call without an id gets one');
  assert.equal(JSON.parse(made.content).item, 'anchovy');
  assert.equal(JSON.parse(byId('h_argobj')[0].content).item, 'onion');
  const badName = calls.find((c) => c.id === 'h_bad_name');
  assert.ok(badName.function.name.length < 400, 'a huge name goes back cut');
  assert.match(byId('h_bad_name')[0].content, /^error: there is no tool named 'x{100}\.\.\.\[cut, 5000 bytes\]'/);
  for (const m of msgs) assert.ok(m.content.length < 5000, 'errors are bounded');
});

test('streamed tool calls (stream=true): assembled from the deltas', async (t) => {
  const fake = await startFake(t);
  fake.script([
    {
      toolCalls: [
        { id: 'call_s1', name: 'price_of', arguments: { name: 'truffle' } },
        { id: 'call_s2', name: 'forecast', arguments: { city: 'Napoli', country: 'IT' } },
      ],
      chunkSize: 3,
    },
    { content: PIZZA, chunkSize: 5 },
  ]);
  const r = await run(t, fake, 'tools', ['stream=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  assert.equal(fake.requests[0].body.stream, true);
  assert.deepEqual(r.summary.tool_log.map((c) => c.tool).sort(), ['forecast', 'price_of']);
  const msgs = toolMessages(fake.requests[1]);
  assert.deepEqual(msgs.map((m) => m.tool_call_id), ['call_s1', 'call_s2']);
  assert.deepEqual(JSON.parse(msgs[1].content), { city: 'Napoli', sky: 'sunny' });
  assert.deepEqual(lastAssistant(fake.requests[1]).tool_calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]), [
    ['price_of', { name: 'truffle' }],
    ['forecast', { city: 'Napoli', country: 'IT' }],
  ]);
  assert.deepEqual(artifactsOf(r.summary, 'Pizza').map((a) => a.payload), [PIZZA]);
});

test('record_content=true: arguments and result on Tool.execute, tool calls in the recorded messages', async (t) => {
  const fake = await startFake(t);
  fake.script([{ toolCalls: [{ id: 'call_rc', name: 'price_of', arguments: { name: 'truffle-canary' } }] }, { content: PIZZA }]);
  const r = await run(t, fake, 'tools', ['record_content=true']);
  assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
  const spans = await allSpans(r.db);
  const [exec] = named(spans, 'Tool.execute');
  assert.deepEqual(JSON.parse(attr(exec.attributes, 'gen_ai.tool.call.arguments')), { name: 'truffle-canary' });
  assert.deepEqual(JSON.parse(attr(exec.attributes, 'gen_ai.tool.call.result')), { item: 'truffle-canary', eur: 1.25 });
  const calls = callSpans(spans);
  const out = JSON.parse(attr(calls[0].attributes, 'gen_ai.output.messages'));
  assert.equal(out[0].finish_reason, 'tool_calls');
  assert.deepEqual(out[0].parts, [{ type: 'tool_call', id: 'call_rc', name: 'price_of', arguments: { name: 'truffle-canary' } }]);
  const input = JSON.parse(attr(calls[1].attributes, 'gen_ai.input.messages'));
  const last = input.at(-1);
  assert.equal(last.role, 'tool');
  assert.equal(last.parts.length, 1);
  assert.equal(last.parts[0].type, 'tool_call_response');
  assert.equal(last.parts[0].id, 'call_rc');
  assert.deepEqual(JSON.parse(last.parts[0].response), { item: 'truffle-canary', eur: 1.25 });
  assert.equal(input.at(-2).role, 'assistant');
});

test('FLOCK_LLM_RECORD_CONTENT=true records tool content; the default does not', async (t) => {
  const fake = await startFake(t);
  fake.script([{ toolCalls: [{ name: 'oven', arguments: { reason: 'secret-canary' } }] }, { content: PIZZA }]);
  const on = await run(t, fake, 'tools', [], { env: { FLOCK_LLM_RECORD_CONTENT: 'true' } });
  const [execOn] = named(await allSpans(on.db), 'Tool.execute');
  assert.deepEqual(JSON.parse(attr(execOn.attributes, 'gen_ai.tool.call.arguments')), { reason: 'secret-canary' });
  assert.equal(attr(execOn.attributes, 'gen_ai.tool.call.result'), undefined, 'a failed call has no result');

  const fake2 = await startFake(t);
  fake2.script([{ toolCalls: [{ name: 'price_of', arguments: { name: 'secret-canary' } }] }, { content: PIZZA }]);
  const off = await run(t, fake2, 'tools');
  const spans = await allSpans(off.db);
  for (const s of spans.filter((x) => x.name === 'Tool.execute' || x.name.startsWith('LLMEngine.'))) {
    assert.ok(!JSON.stringify(s.attributes).includes('secret-canary'), `no tool content on ${s.name}`);
  }
});

test('tool(): names OpenAI would refuse and a second tool of the same name throw', async (t) => {
  const fake = await startFake(t);
  const r = await run(t, fake, 'tool_api');
  const refused = r.summary.refused;
  for (const k of ['bad_name', 'empty_name', 'long_name']) assert.match(refused[k], /must be 1 to 64 of the characters/);
  assert.match(refused.duplicate, /agent 'chef' already has a tool named 'price_of'/);
  assert.equal(refused.ok_name, 'a-Z_09');
  assert.equal(refused.input_type, 'Topping');
  assert.equal(fake.requests.length, 0);
});
