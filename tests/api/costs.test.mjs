// Tokens and cost: model calls sent over OTLP by the OpenTelemetry JS SDK to a
// `flock dashboard` started with no store, read back from the HTTP API
// (traces, agents, models, prices) and from the file (tables traces and
// trace_models) with @duckdb/node-api. Prices come from the built-in table
// and from FLOCK_PRICES_FILE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startDashboard, api, getJson, waitUntil, tempDir, withDb } from './helpers.mjs';
import { withDbWritable } from '../support/node_harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const otel = createRequire(path.join(here, '..', 'otlp', 'package.json'));
const { BasicTracerProvider, BatchSpanProcessor } = otel('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = otel('@opentelemetry/resources');
const { trace, context, SpanKind } = otel('@opentelemetry/api');
const ProtoExporter = otel('@opentelemetry/exporter-trace-otlp-proto').OTLPTraceExporter;

// One workflow of a made-up LLM service: agents planner and writer, each
// with model calls (GenAI attributes as the semantic conventions name them).
// calls: [{agent, requested, answered?, input, output}]. Returns the trace id.
async function sendWorkflow(base, service, calls) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new BatchSpanProcessor(new ProtoExporter({ url: `${base}/v1/traces` }))],
  });
  const tracer = provider.getTracer('genai-app', '1.0.0');
  const root = tracer.startSpan('plan_trip');
  const rootCtx = trace.setSpan(context.active(), root);
  for (const c of calls) {
    const agent = tracer.startSpan('Agent.execute', { attributes: { 'agent.name': c.agent } }, rootCtx);
    const call = tracer.startSpan(
      'LLMEngine.call_model',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'agent.name': c.agent,
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': c.requested,
          ...(c.answered ? { 'gen_ai.response.model': c.answered } : {}),
          'gen_ai.usage.input_tokens': c.input,
          'gen_ai.usage.output_tokens': c.output,
        },
      },
      trace.setSpan(rootCtx, agent),
    );
    call.end();
    agent.end();
  }
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  return root.spanContext().traceId;
}

async function traceItem(base, traceId, spans) {
  return waitUntil(async () => {
    const l = await getJson(base, `/api/traces?q=${traceId}`);
    const item = l.items.find((i) => i.trace_id === traceId);
    return item && item.span_count >= spans ? item : null;
  }, `trace ${traceId} with ${spans} spans`);
}

const close = (a, b) => Math.abs(a - b) < 1e-9;

test('tokens and cost per trace, agent and model from OTLP spans; the file holds them too', async (t) => {
  const tmp = tempDir(t);
  const db = path.join(tmp.dir, 'hub.duckdb');
  const d = await startDashboard(t, db);
  const id = await sendWorkflow(d.base, 'trip-planner', [
    { agent: 'planner', requested: 'gpt-4o', answered: 'gpt-4o-2024-08-06', input: 1000, output: 200 },
    { agent: 'planner', requested: 'gpt-4o', answered: 'gpt-4o-2024-08-06', input: 3000, output: 800 },
    { agent: 'writer', requested: 'openai/gpt-4o-mini', input: 2000000, output: 1000000 },
  ]);
  const item = await traceItem(d.base, id, 7);
  assert.equal(item.input_tokens, 2004000);
  assert.equal(item.output_tokens, 1001000);
  // gpt-4o: 2.50 / 10.00 per million; gpt-4o-mini: 0.15 / 0.60 (built-in table).
  const gpt4o = (4000 * 2.5 + 1000 * 10) / 1e6;
  const mini = 2 * 0.15 + 1 * 0.6;
  assert.ok(close(item.cost_usd, gpt4o + mini), `cost ${item.cost_usd}`);
  const byModel = Object.fromEntries(item.models.map((m) => [m.model, m]));
  assert.deepEqual(Object.keys(byModel).sort(), ['gpt-4o-2024-08-06', 'openai/gpt-4o-mini']);
  assert.equal(byModel['gpt-4o-2024-08-06'].calls, 2);
  assert.equal(byModel['gpt-4o-2024-08-06'].price.as_of, '2024-10-01', 'a dated snapshot is priced as its model');
  assert.ok(close(byModel['openai/gpt-4o-mini'].cost_usd, mini), 'the provider prefix is stripped');

  const agents = Object.fromEntries((await getJson(d.base, '/api/agents/stats')).agents.map((a) => [a.agent_name, a]));
  assert.equal(agents.planner.runs, 2);
  assert.equal(agents.planner.input_tokens, 4000);
  assert.ok(close(agents.planner.cost_usd, gpt4o));
  assert.ok(close(agents.writer.cost_usd, mini));

  const models = (await getJson(d.base, '/api/models/stats')).models;
  const m4o = models.find((m) => m.model === 'gpt-4o-2024-08-06');
  assert.equal(m4o.calls, 2);
  assert.equal(m4o.traces, 1);
  assert.equal(m4o.errors, 0);
  assert.ok(typeof m4o.p95_ms === 'number');

  const prices = await getJson(d.base, '/api/prices');
  assert.equal(prices.currency, 'USD');
  assert.equal(prices.source, 'built-in defaults');
  for (const [name, p] of Object.entries(prices.models)) {
    assert.match(p.as_of, /^\d{4}-\d\d-\d\d$/, `${name} is dated`);
  }

  // The file: traces' token sums and trace_models' rows, read by DuckDB's
  // Node client.
  await withDb(db, async (q) => {
    const [row] = await q(`SELECT input_tokens, output_tokens, services FROM traces WHERE trace_id = '${id}'`);
    assert.equal(Number(row.input_tokens), 2004000);
    assert.equal(Number(row.output_tokens), 1001000);
    const rows = await q(`SELECT model, calls, input_tokens, output_tokens FROM trace_models WHERE trace_id = '${id}' ORDER BY model`);
    assert.deepEqual(
      rows.map((r) => [r.model, Number(r.calls), Number(r.input_tokens), Number(r.output_tokens)]),
      [
        ['gpt-4o-2024-08-06', 2, 4000, 1000],
        ['openai/gpt-4o-mini', 1, 2000000, 1000000],
      ],
    );
  });
});

test('an unknown model shows its tokens with cost null (unknown), never a guess; a trace with it has no total', async (t) => {
  const tmp = tempDir(t);
  const d = await startDashboard(t, path.join(tmp.dir, 'hub.duckdb'));
  const id = await sendWorkflow(d.base, 'local-llm', [
    { agent: 'planner', requested: 'gpt-4o-mini', input: 100, output: 10 },
    { agent: 'writer', requested: 'my-finetune-7b', input: 500, output: 50 },
  ]);
  const item = await traceItem(d.base, id, 5);
  assert.equal(item.input_tokens, 600);
  assert.equal(item.cost_usd, null, 'part of the trace has no price');
  const unknown = item.models.find((m) => m.model === 'my-finetune-7b');
  assert.equal(unknown.input_tokens, 500);
  assert.equal(unknown.cost_usd, null);
  assert.equal(unknown.price, null);
  const agents = Object.fromEntries((await getJson(d.base, '/api/agents/stats')).agents.map((a) => [a.agent_name, a]));
  assert.equal(agents.writer.cost_usd, null);
  assert.equal(agents.writer.output_tokens, 50);
  assert.ok(close(agents.planner.cost_usd, (100 * 0.15 + 10 * 0.6) / 1e6));
});

test('FLOCK_PRICES_FILE adds, replaces and removes prices; a bad file is reported and the defaults stay', async (t) => {
  const tmp = tempDir(t);
  const prices = path.join(tmp.dir, 'prices.json');
  fs.writeFileSync(
    prices,
    JSON.stringify({
      currency: 'USD',
      models: {
        'my-finetune-7b': { input_per_million: 1, output_per_million: 2, as_of: '2026-11-01' },
        'gpt-4o-mini': { input_per_million: 10, output_per_million: 20, as_of: '2026-11-02' },
        'gpt-4o': null,
      },
    }),
  );
  const d = await startDashboard(t, path.join(tmp.dir, 'hub.duckdb'), { extraEnv: { FLOCK_PRICES_FILE: prices } });
  const id = await sendWorkflow(d.base, 'priced', [
    { agent: 'a', requested: 'my-finetune-7b', input: 1000000, output: 1000000 },
    { agent: 'b', requested: 'gpt-4o-mini', input: 1000000, output: 0 },
    { agent: 'c', requested: 'gpt-4o', input: 1, output: 1 },
  ]);
  const item = await traceItem(d.base, id, 7);
  const byModel = Object.fromEntries(item.models.map((m) => [m.model, m]));
  assert.equal(byModel['my-finetune-7b'].cost_usd, 3);
  assert.equal(byModel['gpt-4o-mini'].cost_usd, 10);
  assert.equal(byModel['gpt-4o-mini'].price.as_of, '2026-11-02');
  assert.equal(byModel['gpt-4o'].cost_usd, null, 'removed by the file');
  const table = await getJson(d.base, '/api/prices');
  assert.match(table.source, /prices\.json/);
  assert.equal(table.models['gpt-4o'], null, 'listed as removed');
  assert.equal(table.models['gpt-4.1'].input_per_million, 2, 'the other defaults stay');
  assert.match((await getJson(d.base, '/api/config')).prices.source, /prices\.json/);

  for (const [bad, why] of [
    ['{"models": {"x": {"input_per_million": -1, "output_per_million": 1, "as_of": "2026-01-01"}}}', /between 0 and/],
    ['{"models": {"x": {"input_per_million": 1, "output_per_million": 1}}}', /as_of/],
    ['{"models": [1, 2]}', /models/],
    ['not json', /not JSON/],
    ['{"currency": "EUR", "models": {}}', /USD/],
  ]) {
    fs.writeFileSync(prices, bad);
    const b = await startDashboard(t, path.join(tmp.dir, 'other.duckdb'), { extraEnv: { FLOCK_PRICES_FILE: prices } });
    const p = await getJson(b.base, '/api/prices');
    assert.equal(p.source, 'built-in defaults', bad);
    assert.equal(p.models['gpt-4o'].input_per_million, 2.5);
    const r = await b.stop();
    assert.match(r.stderr, /FLOCK_PRICES_FILE ignored/, bad);
    assert.match(r.stderr, why, bad);
  }
});

// A store of an earlier version: a trace with one model call is written,
// then `downgrade` (SQL) takes the file back to that version's shape; a
// dashboard reads it, and migrates it when the next spans (second) arrive.
async function earlierStore(t, downgrade, first, second) {
  const tmp = tempDir(t);
  const db = path.join(tmp.dir, 'hub.duckdb');
  let d = await startDashboard(t, db);
  const id = await sendWorkflow(d.base, 'old', [{ agent: 'a', ...first }]);
  await traceItem(d.base, id, 3);
  await d.stop();
  await withDbWritable(db, async (q) => {
    for (const sql of downgrade) await q(sql);
  });
  d = await startDashboard(t, db);
  const before = await traceItem(d.base, id, 3);
  const id2 = await sendWorkflow(d.base, 'old', [{ agent: 'a', ...second }]);
  const after = await traceItem(d.base, id2, 3);
  await d.stop();
  return { db, id, id2, before, after };
}

test('a store without trace_models (an earlier version) is priced from its spans; a writer adds the table', async (t) => {
  const s = await earlierStore(
    t,
    ['DROP TABLE trace_models', 'ALTER TABLE traces DROP COLUMN models'],
    { requested: 'gpt-4o', input: 1000000, output: 0 },
    { requested: 'gpt-4o', input: 0, output: 1000000 },
  );
  assert.equal(s.before.cost_usd, 2.5, 'read through a view over the spans');
  assert.equal(s.after.cost_usd, 10, 'a writer migrates the store: the next spans received add the table back');
  await withDb(s.db, async (q) => {
    const rows = await q('SELECT trace_id, input_tokens, output_tokens FROM trace_models ORDER BY input_tokens');
    assert.equal(rows.length, 2, 'both traces, the earlier one rebuilt from its spans');
  });
});

// One OTLP/JSON request with one model-call span of traceId.
async function postModelCall(base, traceId, model, input, output) {
  const span = {
    traceId,
    spanId: randomBytes(8).toString('hex'),
    name: 'LLMEngine.call_model',
    kind: 3,
    startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
    endTimeUnixNano: String(BigInt(Date.now() + 5) * 1_000_000n),
    attributes: [
      { key: 'gen_ai.request.model', value: { stringValue: model } },
      { key: 'gen_ai.usage.input_tokens', value: { intValue: String(input) } },
      { key: 'gen_ai.usage.output_tokens', value: { intValue: String(output) } },
    ],
  };
  const body = {
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'late' } }] }, scopeSpans: [{ scope: { name: 't' }, spans: [span] }] }],
  };
  const r = await api(base, '/v1/traces', { method: 'POST', json: body });
  assert.equal(r.status, 200, r.text);
}

test('model calls of one trace arriving in separate requests add up per model in the list and in the file', async (t) => {
  const tmp = tempDir(t);
  const db = path.join(tmp.dir, 'hub.duckdb');
  const d = await startDashboard(t, db, { extraEnv: { FLOCK_TRACE_FLUSH_MS: '20' } });
  const id = randomBytes(16).toString('hex');
  await postModelCall(d.base, id, 'gpt-4o', 1000000, 0);
  await traceItem(d.base, id, 1); // stored: the next ones merge into the row
  await postModelCall(d.base, id, 'gpt-4o', 0, 1000000);
  await postModelCall(d.base, id, 'my-local-model', 10, 20);
  const item = await traceItem(d.base, id, 3);
  assert.deepEqual(
    item.models.map((m) => [m.model, m.calls, m.input_tokens, m.output_tokens]),
    [['gpt-4o', 2, 1000000, 1000000], ['my-local-model', 1, 10, 20]],
    'most tokens first',
  );
  assert.equal(item.models[0].cost_usd, 12.5, 'gpt-4o: 2.50 in + 10.00 out per million');
  assert.equal(item.models[1].cost_usd, null, 'an unknown model is not guessed');
  assert.equal(item.cost_usd, null, 'so the total is unknown too');
  await d.stop();
  await withDb(db, async (q) => {
    const [row] = await q(`SELECT models FROM traces WHERE trace_id = '${id}'`);
    const models = JSON.parse(row.models);
    assert.deepEqual(models.map((m) => [m.model, m.calls]), [['gpt-4o', 2], ['my-local-model', 1]]);
  });
});

test('a store whose traces table has no models column (the previous version) is priced through a view; a writer adds and fills the column', async (t) => {
  const s = await earlierStore(
    t,
    ['ALTER TABLE traces DROP COLUMN models'],
    { requested: 'gpt-4o', input: 2000000, output: 0 },
    { requested: 'gpt-4o-mini', input: 1000000, output: 0 },
  );
  assert.equal(s.before.cost_usd, 5, 'read through a view over spans and trace_models');
  assert.equal(s.after.cost_usd, 0.15);
  const { id, id2 } = s;
  await withDb(s.db, async (q) => {
    const rows = await q(`SELECT trace_id, models FROM traces WHERE trace_id IN ('${id}', '${id2}')`);
    assert.equal(rows.length, 2);
    for (const r of rows) {
      assert.ok(r.models !== null, `models filled for ${r.trace_id}, the earlier trace too`);
      assert.equal(JSON.parse(r.models).length, 1);
    }
  });
});
