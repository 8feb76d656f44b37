// LLM observability in the dashboard, over real LLM engine spans: the
// scenario program of tests/llm (FLOCK_LLM_SCENARIOS) asks the loopback fake
// OpenAI server (tests/llm/fake_openai.mjs) three times into one trace file,
// which `flock dashboard FILE` then serves:
//   tools   chef, model openai/gpt-4o-mini (answered by a dated snapshot, so
//           priced), content recorded: two tool calls (price_of, and oven
//           which throws), then the answer
//   single  pizza_master, model openai/my-finetune-7b: no price (unknown)
//   single  pizza_master, gpt-4o-mini, content recording off
// Checked in Chromium against the API and against what the fake was sent
// and answered: tokens and cost in the trace list, the timeline's header,
// the per-model and per-agent tables, and the model-call view (facts, chat
// transcript, tool calls linked both ways to their Tool.execute spans).
// The last test sends another program's GenAI spans over OTLP (POST
// /v1/traces) to an empty store: other span names, the same views.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, openBrowser, openDashboard, screenshot, serveTraceFile, traceRow, waitUntil, waitUrl } from './helpers.mjs';
import { run, startFake, tempDir, PIZZA } from '../llm/helpers.mjs';

// before/after of the whole file: one data set for every test.
const cleanups = [];
const fileScope = { after: (fn) => cleanups.push(fn) };
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

const PRICED = 'gpt-4o-mini-2024-07-18';
const UNPRICED = 'my-finetune-7b';
const CALLS = [
  { id: 'call_price_1', name: 'price_of', arguments: { name: 'truffle' } },
  { id: 'call_oven_1', name: 'oven', arguments: { reason: 'the dough is too wet' } },
];
const usage = (i, o) => ({ prompt_tokens: i, completion_tokens: o, total_tokens: i + o });

let data; // { server, traces: {tools, unpriced, silent}, requests: {tools, unpriced, silent}, prices }

before(async () => {
  const fake = await startFake(fileScope);
  const tmp = tempDir(fileScope);
  const env = { FLOCK_LLM_RECORD_CONTENT: 'true', OTEL_SERVICE_NAME: 'pizzeria' };
  const runScripted = async (answers, scenario, args) => {
    const from = fake.requests.length;
    fake.script(answers);
    const r = await run(fileScope, fake, scenario, args, { env, tmp });
    assert.equal(r.summary.ok, true, JSON.stringify(r.summary.errors));
    return fake.requests.slice(from);
  };
  const requests = {};
  requests.tools = await runScripted(
    [
      { toolCalls: CALLS, model: PRICED, usage: usage(812, 47) },
      { content: PIZZA, model: PRICED, usage: usage(1034, 61) },
    ],
    'tools',
    ['model=openai/gpt-4o-mini', 'idea=a truffle pizza'],
  );
  requests.unpriced = await runScripted([{ content: PIZZA, model: UNPRICED, usage: usage(300, 40) }], 'single', ['model=openai/my-finetune-7b', 'idea=a cheap pizza']);
  requests.silent = await runScripted([{ content: PIZZA, model: PRICED, usage: usage(200, 20) }], 'single', ['model=openai/gpt-4o-mini', 'record_content=false', 'idea=a quiet pizza']);
  assert.equal(requests.tools.length, 2);

  const server = await serveTraceFile(fileScope, tmp.db, { dir: tmp.dir });
  const list = (await server.api('/api/traces?limit=100')).json;
  // Each run leaves its publish (the agent and its model calls) and its
  // Flock.run_until_idle (no model call) as two traces.
  const withCalls = list.items.filter((i) => i.models.length > 0);
  assert.equal(withCalls.length, 3, `one trace with model calls per run: ${JSON.stringify(list.items.map((i) => [i.root_name, i.models]))}`);
  // Each run's trace: the one whose spans carry its idea.
  const traces = {};
  for (const item of withCalls) {
    const spans = (await server.api(`/api/traces/${item.trace_id}`)).json.spans;
    const text = JSON.stringify(spans);
    const key = text.includes('a truffle pizza') ? 'tools' : text.includes('a cheap pizza') ? 'unpriced' : text.includes('a quiet pizza') ? 'silent' : undefined;
    assert.ok(key && !traces[key], `trace ${item.trace_id} belongs to one run`);
    traces[key] = { item, spans };
  }
  const prices = (await server.api('/api/prices')).json;
  data = { server, traces, requests, prices };
});

const attr = (attrs, dotted) => dotted.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), attrs);
const callsOf = (spans) => spans.filter((s) => s.name === 'LLMEngine.call_model').sort((a, b) => a.start_time - b.start_time);
const toolSpan = (spans, id) => spans.find((s) => s.name === 'Tool.execute' && attr(s.attributes, 'gen_ai.tool.call.id') === id);
const usd = (v) => (v === null ? 'unknown' : String(v));
// The price the server's rule gives a dated snapshot of a table entry.
const priceOf = (model) => data.prices.models[model] ?? data.prices.models[model.replace(/-\d{4}-\d{2}-\d{2}$/, '')] ?? null;
const round6 = (v) => Math.round(v * 1e6) / 1e6;
// Text that holds JSON compares as the value it spells.
const asValue = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

async function browse(t, route) {
  const b = await openBrowser(t);
  await openDashboard(b.page, data.server, route);
  return b;
}

test('trace list: tokens and cost as GET /api/traces gives them; "unknown" naming the unpriced model', async (t) => {
  const { page, problems } = await browse(t, '#/traces');
  const list = (await data.server.api('/api/traces?limit=100')).json.items;
  for (const item of list) {
    const row = traceRow(page, item.trace_id);
    await row.waitFor();
    const tokens = row.locator('[data-testid="trace-tokens"]');
    assert.equal(await tokens.getAttribute('data-input'), String(item.input_tokens));
    assert.equal(await tokens.getAttribute('data-output'), String(item.output_tokens));
    const cost = row.locator('[data-testid="trace-cost"]');
    assert.equal(await cost.getAttribute('data-usd'), usd(item.cost_usd), `cost of ${item.trace_id}`);
    const title = (await cost.getAttribute('title')) ?? '';
    for (const m of item.models) assert.ok(title.includes(m.model), `the tooltip names ${m.model}`);
    if (item.models.length === 0) {
      assert.equal(item.cost_usd, 0);
      assert.equal((await cost.textContent()).trim(), '–', 'no model call: nothing to price');
      assert.equal((await tokens.textContent()).trim(), '–');
    } else if (item.cost_usd === null) {
      assert.equal((await cost.textContent()).trim(), 'unknown');
      assert.match(title, new RegExp(`no price for ${UNPRICED}`));
    } else assert.match(await cost.textContent(), /^\$\d/);
  }
  // What the fake answered, summed and priced by the table in force.
  const { tools, unpriced } = data.traces;
  assert.equal(tools.item.input_tokens, 812 + 1034);
  assert.equal(tools.item.output_tokens, 47 + 61);
  const p = priceOf(PRICED);
  assert.ok(p, `${PRICED} is priced by the table in force`);
  assert.equal(tools.item.cost_usd, round6((1846 * p.input_per_million + 108 * p.output_per_million) / 1e6));
  assert.equal(unpriced.item.cost_usd, null);
  assert.deepEqual(unpriced.item.models.map((m) => m.model), [UNPRICED]);
  assert.equal((await traceRow(page, unpriced.item.trace_id).locator('[data-testid="trace-tokens"]').textContent()).replace(/\s+/g, ' ').trim(), '300 → 40');
  await screenshot(page, 'llm-trace-list-tokens-cost');
  assertNoProblems(problems);
});

test('timeline header: the trace\'s tokens, cost and one entry per model', async (t) => {
  const { page, problems } = await browse(t, `#/trace/${data.traces.tools.item.trace_id}`);
  for (const key of ['tools', 'unpriced']) {
    const { item } = data.traces[key];
    await page.goto(data.server.base + `#/trace/${item.trace_id}`);
    const usage = page.locator('[data-testid="trace-usage"]');
    await usage.waitFor();
    const tokens = usage.locator('[data-testid="trace-usage-tokens"]');
    assert.equal(await tokens.getAttribute('data-input'), String(item.input_tokens));
    assert.equal(await tokens.getAttribute('data-output'), String(item.output_tokens));
    assert.equal(await usage.locator('[data-testid="trace-usage-cost"]').getAttribute('data-usd'), usd(item.cost_usd));
    const shown = await usage.locator('[data-testid="trace-usage-model"]').evaluateAll((els) => els.map((e) => ({ ...e.dataset })));
    assert.deepEqual(
      shown.map(({ model, calls, input, output, usd: u }) => ({ model, calls, input, output, usd: u })),
      item.models.map((m) => ({ model: m.model, calls: String(m.calls), input: String(m.input_tokens), output: String(m.output_tokens), usd: usd(m.cost_usd) })),
    );
    if (key === 'tools') {
      assert.deepEqual(item.models.map((m) => [m.model, m.calls]), [[PRICED, 2]]);
      await screenshot(page, 'llm-timeline-header-usage');
    } else {
      assert.equal((await usage.locator('[data-testid="trace-usage-cost"]').textContent()).trim(), 'unknown');
      await screenshot(page, 'llm-timeline-header-unknown-cost');
    }
  }
  assertNoProblems(problems);
});

test('statistics: the per-model table equals GET /api/models/stats, sorts, says where prices come from; agents\' cost', async (t) => {
  const { page, problems } = await browse(t, '#/stats');
  const stats = (await data.server.api('/api/models/stats')).json;
  assert.deepEqual(stats.models.map((m) => m.model).sort(), [PRICED, UNPRICED].sort());
  const table = page.locator('[data-testid="model-stats"]');
  await table.locator('[data-testid="model-stats-row"]').nth(stats.models.length - 1).waitFor();
  assert.equal(await table.locator('[data-testid="model-stats-row"]').count(), stats.models.length);
  for (const m of stats.models) {
    const row = table.locator(`[data-testid="model-stats-row"][data-model="${m.model}"]`);
    const cells = (await row.locator('td').allTextContents()).map((s) => s.trim());
    assert.equal(cells[0], m.model);
    assert.deepEqual(cells.slice(1, 6), [m.calls, m.traces, m.errors, m.input_tokens.toLocaleString('en-US'), m.output_tokens.toLocaleString('en-US')].map(String));
    assert.equal(await row.locator('[data-testid="model-cost"]').getAttribute('data-usd'), usd(m.cost_usd));
    const price = await row.locator('[data-testid="model-price"]').textContent();
    if (m.price) assert.ok(price.includes(`$${m.price.input_per_million}`) && price.includes(`$${m.price.output_per_million}`) && price.includes(`as of ${m.price.as_of}`), price);
    else assert.equal(price.trim(), 'unknown');
    for (const k of ['p50', 'p95', 'p99']) assert.equal(await row.locator(`[data-testid="model-${k}"]`).getAttribute('data-ms'), String(m[`${k}_ms`]));
  }
  const priced = stats.models.find((m) => m.model === PRICED);
  assert.equal(priced.calls, 3, 'two calls of the tools run, one of the silent run');
  assert.equal(priced.traces, 2);
  assert.equal(stats.models.find((m) => m.model === UNPRICED).cost_usd, null);
  // Where the prices come from.
  assert.equal(await page.locator('[data-testid="model-prices-source"]').textContent(), data.prices.source);
  assert.match(await page.locator('[data-testid="model-prices-note"]').textContent(), /unknown/);
  // Sorting: by calls (largest first), then by cost (an unknown cost last either way).
  const order = () => table.locator('[data-testid="model-stats-row"]').evaluateAll((els) => els.map((e) => e.dataset.model));
  await table.locator('th[data-sort-key="calls"] button').click();
  assert.deepEqual(await order(), [...stats.models].sort((a, b) => b.calls - a.calls).map((m) => m.model));
  await table.locator('th[data-sort-key="cost"] button').click();
  assert.equal((await order()).at(-1), UNPRICED);
  await table.locator('th[data-sort-key="cost"] button').click();
  assert.equal((await order()).at(-1), UNPRICED, 'unknown stays last');

  // Agents: cost as GET /api/agents/stats gives it; pizza_master used the unpriced model once.
  const agents = (await data.server.api('/api/agents/stats')).json.agents;
  for (const a of agents) {
    const cost = page.locator(`[data-testid="agent-stats"] [data-testid="agent-stats-row"][data-agent="${a.agent_name}"] [data-testid="agent-cost"]`);
    assert.equal(await cost.getAttribute('data-usd'), usd(a.cost_usd), a.agent_name);
  }
  assert.equal(agents.find((a) => a.agent_name === 'pizza_master').cost_usd, null);
  assert.equal(agents.find((a) => a.agent_name === 'chef').cost_usd, data.traces.tools.item.cost_usd);
  assert.match(await page.locator('[data-testid="agent-stats-row"][data-agent="pizza_master"] [data-testid="agent-cost"]').getAttribute('title'), new RegExp(UNPRICED));
  await page.locator('[data-testid="model-stats"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'llm-stats-models-and-agent-cost');
  assertNoProblems(problems);
});

test('model-call view: facts, cost, the conversation as a transcript, tool calls linked both ways', async (t) => {
  const { spans, item } = data.traces.tools;
  const [first, second] = callsOf(spans);
  assert.ok(first && second);
  const { page, problems } = await browse(t, `#/trace/${item.trace_id}?span=${first.span_id}`);
  const view = page.locator('[data-testid="json-viewer"] [data-testid="llm-call"]');
  await view.waitFor();
  // Facts as the span recorded them and as the fake answered.
  assert.equal(await view.locator('[data-testid="llm-request-model"]').textContent(), attr(first.attributes, 'gen_ai.request.model'));
  assert.equal(await view.locator('[data-testid="llm-response-model"]').textContent(), PRICED);
  assert.equal(await view.locator('[data-testid="llm-provider"]').textContent(), attr(first.attributes, 'gen_ai.provider.name'));
  assert.equal(await view.locator('[data-testid="llm-tokens"]').getAttribute('data-input'), '812');
  assert.equal(await view.locator('[data-testid="llm-tokens"]').getAttribute('data-output'), '47');
  const p = priceOf(PRICED);
  await view.locator('[data-testid="llm-cost"]').waitFor();
  assert.equal(await view.locator('[data-testid="llm-cost"]').getAttribute('data-usd'), String(round6((812 * p.input_per_million + 47 * p.output_per_million) / 1e6)));
  assert.match(await view.locator('[data-testid="llm-price"]').textContent(), new RegExp(`as of ${p.as_of}`));
  assert.equal(await view.locator('[data-testid="llm-finish"]').textContent(), 'tool_calls');
  assert.match(await view.locator('[data-testid="llm-attempt"]').textContent(), /tool round 0/);

  // The transcript: the messages the fake received, then the answer it sent.
  const sent = data.requests.tools[0].body.messages;
  const input = view.locator('[data-testid="chat-message"][data-direction="input"]');
  assert.deepEqual(await input.evaluateAll((els) => els.map((e) => e.dataset.role)), sent.map((m) => m.role));
  for (let i = 0; i < sent.length; i++) {
    const text = await input.nth(i).locator('[data-testid="chat-text"]').textContent();
    assert.deepEqual(asValue(text), asValue(sent[i].content), `message ${i} (${sent[i].role})`);
  }
  const asked = view.locator('[data-testid="chat-message"][data-direction="output"] [data-testid="chat-tool-call"]');
  assert.deepEqual(await asked.evaluateAll((els) => els.map((e) => e.dataset.callId)), CALLS.map((c) => c.id));
  for (let i = 0; i < CALLS.length; i++) assert.deepEqual(JSON.parse(await asked.nth(i).locator('[data-testid="chat-tool-arguments"]').textContent()), CALLS[i].arguments);
  // Rendered as text: nothing the model said became markup.
  assert.equal(await view.locator('[data-testid="llm-transcript"] script, [data-testid="llm-transcript"] img').count(), 0);
  await view.locator('[data-testid="chat-message"][data-direction="output"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'llm-call-transcript');

  // Tool calls: name, arguments, and the result the model got back.
  const toolMsgs = data.requests.tools[1].body.messages.filter((m) => m.role === 'tool');
  const entries = view.locator('[data-testid="llm-tool-call"]');
  assert.deepEqual(await entries.evaluateAll((els) => els.map((e) => [e.dataset.callId, e.dataset.tool])), CALLS.map((c) => [c.id, c.name]));
  for (const c of CALLS) {
    const e = view.locator(`[data-testid="llm-tool-call"][data-call-id="${c.id}"]`);
    assert.deepEqual(JSON.parse(await e.locator('[data-testid="llm-tool-arguments"]').textContent()), c.arguments);
    const back = toolMsgs.find((m) => m.tool_call_id === c.id);
    assert.deepEqual(asValue(await e.locator('[data-testid="llm-tool-result"]').textContent()), asValue(back.content), `${c.name}: what the model got back`);
  }
  const ovenSpan = toolSpan(spans, 'call_oven_1');
  assert.equal(ovenSpan.status_code, 'ERROR', 'the oven tool throws');
  assert.equal(await view.locator('[data-testid="llm-tool-call"][data-call-id="call_oven_1"] .badge.error').textContent(), attr(ovenSpan.attributes, 'error.type'));
  await view.locator('[data-testid="llm-tool-calls"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'llm-call-tool-calls');

  // Call -> tool span, and back.
  await view.locator('[data-testid="llm-tool-call"][data-call-id="call_oven_1"] [data-testid="llm-tool-link"]').click();
  await waitUrl(page, new RegExp(`span=${ovenSpan.span_id}`));
  const tool = page.locator(`[data-testid="json-viewer"][data-span-id="${ovenSpan.span_id}"] [data-testid="tool-call"]`);
  await tool.waitFor();
  assert.equal(await page.locator(`[data-testid="span-row"][data-span-id="${ovenSpan.span_id}"].selected`).count(), 1, 'selected in the waterfall');
  assert.equal(await tool.locator('[data-testid="tool-name"]').textContent(), 'oven');
  assert.deepEqual(JSON.parse(await tool.locator('[data-testid="tool-arguments"]').textContent()), CALLS[1].arguments);
  assert.match(await tool.locator('[data-testid="tool-error"]').textContent(), new RegExp(attr(ovenSpan.attributes, 'error.type')));
  assert.equal(await tool.locator('[data-testid="tool-result"]').textContent(), toolMsgs.find((m) => m.tool_call_id === 'call_oven_1').content, 'what the model was told');
  assert.equal(await tool.locator('[data-testid="tool-asked-by"]').getAttribute('data-target-span-id'), first.span_id);
  await screenshot(page, 'llm-tool-span-asked-by');
  await tool.locator('[data-testid="tool-asked-by"]').click();
  await waitUrl(page, new RegExp(`span=${first.span_id}`));
  await page.locator(`[data-testid="json-viewer"][data-span-id="${first.span_id}"] [data-testid="llm-call"]`).waitFor();
  // The link in the transcript goes to the same span.
  await page.locator('[data-testid="chat-tool-call"][data-call-id="call_price_1"] [data-testid="chat-tool-link"]').click();
  const priceSpan = toolSpan(spans, 'call_price_1');
  await waitUrl(page, new RegExp(`span=${priceSpan.span_id}`));
  await page.locator(`[data-testid="json-viewer"][data-span-id="${priceSpan.span_id}"] [data-testid="tool-asked-by"][data-target-span-id="${first.span_id}"]`).waitFor();

  // The second call: the tool results in its conversation, the answer as text.
  await page.goto(data.server.base + `#/trace/${item.trace_id}?span=${second.span_id}`);
  const view2 = page.locator(`[data-testid="json-viewer"][data-span-id="${second.span_id}"] [data-testid="llm-call"]`);
  await view2.waitFor();
  const results = await view2.locator('[data-testid="chat-tool-result"]').evaluateAll((els) => els.map((e) => e.dataset.callId));
  assert.deepEqual(results, toolMsgs.map((m) => m.tool_call_id));
  const answer = view2.locator('[data-testid="chat-message"][data-direction="output"] [data-testid="chat-text"]');
  assert.deepEqual(JSON.parse(await answer.textContent()), PIZZA, 'the answer the fake sent');
  assert.equal(await view2.locator('[data-testid="llm-finish"]').textContent(), 'stop');
  assert.equal(await view2.locator('[data-testid="llm-tool-calls"]').count(), 0, 'the answer asked for no tool');
  assertNoProblems(problems);
});

test('model-call view: "unknown" cost for an unpriced model; a note when content was not recorded', async (t) => {
  const [cheap] = callsOf(data.traces.unpriced.spans);
  const { page, problems } = await browse(t, `#/trace/${data.traces.unpriced.item.trace_id}?span=${cheap.span_id}`);
  const view = page.locator('[data-testid="llm-call"]');
  await view.locator('[data-testid="llm-cost"]').waitFor();
  assert.equal(await view.locator('[data-testid="llm-response-model"]').textContent(), UNPRICED);
  assert.equal((await view.locator('[data-testid="llm-cost"]').textContent()).trim(), 'unknown');
  assert.equal(await view.locator('[data-testid="llm-cost"]').getAttribute('data-usd'), 'unknown');
  assert.match(await view.locator('[data-testid="llm-price"]').textContent(), new RegExp(`no price for ${UNPRICED}`));
  assert.equal(await view.locator('[data-testid="llm-transcript"]').count(), 1, 'content was recorded');
  await screenshot(page, 'llm-call-unpriced');

  const [quiet] = callsOf(data.traces.silent.spans);
  assert.equal(attr(quiet.attributes, 'gen_ai.input.messages'), undefined, 'record_content=false records no messages');
  await page.goto(data.server.base + `#/trace/${data.traces.silent.item.trace_id}?span=${quiet.span_id}`);
  const silent = page.locator(`[data-testid="json-viewer"][data-span-id="${quiet.span_id}"] [data-testid="llm-call"]`);
  await silent.locator('[data-testid="llm-content-off"]').waitFor();
  assert.match(await silent.locator('[data-testid="llm-content-off"]').textContent(), /FLOCK_LLM_RECORD_CONTENT=true/);
  assert.equal(await silent.locator('[data-testid="llm-transcript"]').count(), 0);
  assert.equal(await silent.locator('[data-testid="llm-tokens"]').getAttribute('data-input'), '200');
  assert.notEqual(await silent.locator('[data-testid="llm-cost"]').getAttribute('data-usd'), 'unknown');
  await silent.locator('[data-testid="llm-content-off"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'llm-call-content-off');
  assertNoProblems(problems);
});

// ---- GenAI spans of another program, received over OTLP ----

const kv = (key, value) => ({
  key,
  value:
    typeof value === 'string'
      ? { stringValue: value }
      : Number.isInteger(value)
        ? { intValue: String(value) }
        : Array.isArray(value)
          ? { arrayValue: { values: value.map((v) => ({ stringValue: v })) } }
          : { doubleValue: value },
});

test('GenAI spans from another program (OTLP): any span naming a model is a model call; its tool call links both ways', async (t) => {
  const tmp = tempDir(t);
  const server = await serveTraceFile(t, `${tmp.dir}/foreign.duckdb`, { dir: tmp.dir });
  const traceId = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const ids = ['a1a1a1a1a1a1a1a1', 'b2b2b2b2b2b2b2b2', 'c3c3c3c3c3c3c3c3'];
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const at = (ms) => String(t0 + BigInt(ms * 1e6));
  const input = [
    { role: 'system', parts: [{ type: 'text', content: 'You plan trips.' }] },
    { role: 'user', parts: [{ type: 'text', content: 'Two days in Lyon?' }] },
  ];
  const output = [{ role: 'assistant', parts: [{ type: 'tool_call', id: 'tc-weather', name: 'weather', arguments: { city: 'Lyon' } }], finish_reason: 'tool_calls' }];
  const spans = [
    { traceId, spanId: ids[0], name: 'POST /plan', kind: 2, startTimeUnixNano: at(0), endTimeUnixNano: at(50), attributes: [] },
    {
      traceId,
      spanId: ids[1],
      parentSpanId: ids[0],
      name: 'chat gpt-4o',
      kind: 3,
      startTimeUnixNano: at(1),
      endTimeUnixNano: at(30),
      attributes: [
        kv('gen_ai.operation.name', 'chat'),
        kv('gen_ai.provider.name', 'openai'),
        kv('gen_ai.request.model', 'gpt-4o'),
        kv('gen_ai.response.model', 'gpt-4o-2024-08-06'),
        kv('gen_ai.response.finish_reasons', ['tool_calls']),
        kv('gen_ai.usage.input_tokens', 500),
        kv('gen_ai.usage.output_tokens', 120),
        kv('gen_ai.input.messages', JSON.stringify(input)),
        kv('gen_ai.output.messages', JSON.stringify(output)),
      ],
    },
    {
      traceId,
      spanId: ids[2],
      parentSpanId: ids[0],
      name: 'execute_tool weather',
      kind: 1,
      startTimeUnixNano: at(31),
      endTimeUnixNano: at(40),
      attributes: [kv('gen_ai.operation.name', 'execute_tool'), kv('gen_ai.tool.name', 'weather'), kv('gen_ai.tool.call.id', 'tc-weather'), kv('gen_ai.tool.call.result', '{"sky":"sunny"}')],
    },
  ];
  const body = { resourceSpans: [{ resource: { attributes: [kv('service.name', 'trip-planner')] }, scopeSpans: [{ scope: { name: 'genai-test' }, spans }] }] };
  const res = await fetch(new URL('/v1/traces', server.base), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.text());
  const list = await waitUntil(async () => {
    const r = (await server.api('/api/traces')).json;
    return r.items.some((i) => i.trace_id === traceId && i.span_count === 3) && r;
  }, 30_000, 'the three OTLP spans are stored');
  const item = list.items.find((i) => i.trace_id === traceId);
  assert.deepEqual(item.models.map((m) => [m.model, m.calls, m.input_tokens, m.output_tokens]), [['gpt-4o-2024-08-06', 1, 500, 120]]);
  assert.notEqual(item.cost_usd, null, 'a snapshot of gpt-4o is priced');

  const { page, problems } = await openBrowser(t);
  await openDashboard(page, server, '#/traces');
  assert.equal(await traceRow(page, traceId).locator('[data-testid="trace-cost"]').getAttribute('data-usd'), usd(item.cost_usd));
  await page.goto(server.base + `#/trace/${traceId}?span=${ids[1]}`);
  const view = page.locator(`[data-testid="json-viewer"][data-span-id="${ids[1]}"] [data-testid="llm-call"]`);
  await view.locator('[data-testid="llm-cost"]').waitFor();
  assert.equal(await view.locator('[data-testid="llm-request-model"]').textContent(), 'gpt-4o');
  assert.equal(await view.locator('[data-testid="llm-response-model"]').textContent(), 'gpt-4o-2024-08-06');
  assert.equal(await view.locator('[data-testid="llm-cost"]').getAttribute('data-usd'), usd(item.cost_usd), 'the browser prices one call as the server prices the trace');
  assert.deepEqual(await view.locator('[data-testid="chat-message"]').evaluateAll((els) => els.map((e) => `${e.dataset.direction}:${e.dataset.role}`)), ['input:system', 'input:user', 'output:assistant']);
  assert.deepEqual(await view.locator('[data-testid="chat-text"]').allTextContents(), input.map((m) => m.parts[0].content));
  const entry = view.locator('[data-testid="llm-tool-call"][data-call-id="tc-weather"]');
  assert.deepEqual(JSON.parse(await entry.locator('[data-testid="llm-tool-arguments"]').textContent()), { city: 'Lyon' });
  assert.deepEqual(JSON.parse(await entry.locator('[data-testid="llm-tool-result"]').textContent()), { sky: 'sunny' });
  await screenshot(page, 'llm-otlp-foreign-model-call');
  await entry.locator('[data-testid="llm-tool-link"]').click();
  await waitUrl(page, new RegExp(`span=${ids[2]}`));
  const back = page.locator(`[data-testid="json-viewer"][data-span-id="${ids[2]}"] [data-testid="tool-asked-by"]`);
  assert.equal(await back.getAttribute('data-target-span-id'), ids[1]);
  await back.click();
  await waitUrl(page, new RegExp(`span=${ids[1]}`));
  assertNoProblems(problems);
});
