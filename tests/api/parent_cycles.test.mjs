// Hostile parent links sent over OTLP to `flock dashboard`: spans whose
// parent chain loops (two spans that are each other's parent, a span that is
// its own parent) with many spans below them, and a parent chain deeper than
// any real one. /api/dependencies answers in linear time with every agent
// execution charged, the JSON routes (the spans, the OTLP form) keep every
// span, and `flock traces show` prints the looping spans as flagged roots
// instead of dropping them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startDashboard, cli, api, getJson, waitUntil, tempDir } from './helpers.mjs';

const T0 = 1700000000000000000n;
const hex = (n) => randomBytes(n).toString('hex');

// One OTLP/JSON span: started i ms after T0, lasting a second.
function span(traceId, spanId, parentSpanId, name, i, attrs = {}) {
  const start = T0 + BigInt(i) * 1000000n;
  return {
    traceId,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 1000000000n),
    attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } })),
  };
}

const request = (spans) => ({
  resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hostile' } }] }, scopeSpans: [{ spans }] }],
});

async function send(base, spans) {
  const r = await api(base, '/v1/traces', { method: 'POST', json: request(spans) });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, {}, 'every span accepted');
}

test('parent cycles and a 10,050-deep chain: /api/dependencies charges every agent, the JSON routes and `flock traces show` keep every span', async (t) => {
  const tmp = tempDir(t);
  fs.mkdirSync(path.dirname(tmp.db), { recursive: true });
  const d = await startDashboard(t, tmp.db);

  // 20,000 agent executions under a two-span cycle, in one request.
  const looped = hex(16);
  const [a, b] = [hex(8), hex(8)];
  const many = [span(looped, a, b, 'A', 0), span(looped, b, a, 'B', 1)];
  for (let i = 0; i < 20000; i++) many.push(span(looped, hex(8), a, 'Agent.execute', 2 + i, { 'agent.name': 'looped' }));
  await send(d.base, many);

  // A small trace of both kinds of loop, for the tree.
  const small = hex(16);
  const [sa, sb, self] = [hex(8), hex(8), hex(8)];
  await send(d.base, [
    span(small, sa, sb, 'cycle.a', 0),
    span(small, sb, sa, 'cycle.b', 1),
    span(small, hex(8), sa, 'under.a.1', 2),
    span(small, hex(8), sa, 'under.a.2', 3),
    span(small, self, self, 'own.parent', 4),
    span(small, hex(8), self, 'under.own', 5),
  ]);

  // An agent execution 10,050 spans below its workflow.
  const deep = hex(16);
  const chain = [span(deep, hex(8), null, 'deep_flow', 0, { 'workflow.name': 'deep_flow' })];
  for (let i = 1; i <= 10050; i++) chain.push(span(deep, hex(8), chain[i - 1].spanId, 'step', i));
  chain.push(span(deep, hex(8), chain[10050].spanId, 'Agent.execute', 10051, { 'agent.name': 'deep' }));
  await send(d.base, chain);

  const total = many.length + 6 + chain.length;
  await waitUntil(async () => (await getJson(d.base, '/api/traces/stats')).total_spans === total, `${total} spans stored`);

  const edges = (await getJson(d.base, '/api/dependencies')).edges;
  assert.deepEqual(edges.find((e) => e.child === 'looped'), { parent: 'external', child: 'looped', calls: 20000, errors: 0 },
    'the executions under the cycle are charged to no one, each once');
  assert.deepEqual(edges.find((e) => e.child === 'deep'), { parent: 'deep_flow', child: 'deep', calls: 1, errors: 0 },
    'the workflow at the top of the deep chain is found');
  for (const by of ['service', 'operation']) assert.ok(Array.isArray((await getJson(d.base, `/api/dependencies?by=${by}`)).edges));

  // The JSON route keeps the looping spans as they were sent.
  const smallJson = await getJson(d.base, `/api/traces/${small}`);
  assert.equal(smallJson.spans.length, 6);
  assert.equal(smallJson.spans.find((s) => s.name === 'own.parent').parent_id, self);
  assert.equal((await getJson(d.base, `/api/traces/${looped}`)).spans.length, 20002);
  const otlp = await getJson(d.base, `/api/traces/${small}/otlp`);
  const sent = otlp.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((sc) => sc.spans));
  assert.equal(sent.length, 6, 'the OTLP form of the trace keeps them too');

  await d.stop();
  const show = await cli(t, ['traces', 'show', small, tmp.db]);
  assert.equal(show.code, 0, show.stderr);
  assert.equal(show.stdout,
    'cycle.a (1000.00ms) (parent cycle) <- ROOT\n' +
    '├─ under.a.1 (1000.00ms)\n' +
    '└─ under.a.2 (1000.00ms)\n' +
    'cycle.b (1000.00ms) (parent cycle) <- ROOT\n' +
    'own.parent (1000.00ms) (parent cycle) <- ROOT\n' +
    '└─ under.own (1000.00ms)\n');

  const big = await cli(t, ['traces', 'show', looped, tmp.db]);
  assert.equal(big.code, 0, big.stderr);
  const lines = big.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 20002, 'every span, once');
  assert.deepEqual(lines.filter((l) => l.includes('(parent cycle)')), ['A (1000.00ms) (parent cycle) <- ROOT', 'B (1000.00ms) (parent cycle) <- ROOT']);
  assert.equal(lines.filter((l) => l.includes('Agent.execute [looped]')).length, 20000);
});
