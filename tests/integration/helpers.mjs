// Helpers of the integration tests: the shared Node harness
// (tests/support/node_harness.mjs) set up for flock_scenarios, plus the
// integration-only checks of the DuckDB trace store (span rows, trees).
import assert from 'node:assert/strict';
import { attr, createHarness, duckdb, sleep, withDb, withDbWritable, HEX32, HEX16 } from '../support/node_harness.mjs';

export { attr, duckdb, sleep, withDb, withDbWritable, HEX32, HEX16 };

export const { scenarioBinary, tempDir, scenarioEnv, startScenario } = createHarness({
  binaryVar: 'FLOCK_SCENARIOS',
  binaryName: 'flock_scenarios',
  tmpPrefix: 'flock-it-',
  timeoutMs: 120000,
  waitForMs: 60000,
  // scenarioEnv(dbPath, extra): the trace file path itself.
});

// Runs a scenario to completion and checks it exited cleanly.
export async function runScenario(t, args, opts = {}) {
  const h = startScenario(t, args, opts);
  const r = await h.exited;
  if (opts.allowFailure !== true) {
    assert.equal(r.signal, null, `scenario ${args.join(' ')} died of ${r.signal}\nstderr:\n${r.stderr}`);
    assert.equal(r.code, 0, `scenario ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  return r;
}

// Runs a scenario in a fresh temp dir with the trace file on; returns the
// result and the paths.
export async function runIn(t, args, extraEnv = {}, opts = {}) {
  const tmp = opts.tmp ?? tempDir(t);
  const r = await runScenario(t, args, { env: scenarioEnv(tmp.db, extraEnv), cwd: tmp.dir, ...opts });
  return { ...r, ...tmp };
}

// Every span of the store, with attributes/events/links/resource parsed.
export async function allSpans(dbPath) {
  return withDb(dbPath, async (q) => {
    const rows = await q('SELECT * FROM spans ORDER BY start_time, span_id');
    return rows.map(parseSpan);
  });
}

export function parseSpan(r) {
  const j = (v) => (v === null || v === undefined ? v : JSON.parse(v));
  return { ...r, attributes: j(r.attributes), events: j(r.events), links: j(r.links), resource: j(r.resource) };
}


// Builds the tree of one trace: { span, children: [...] } sorted by start.
export function buildTree(spans) {
  const byId = new Map(spans.map((s) => [s.span_id, { span: s, children: [] }]));
  const roots = [];
  for (const node of byId.values()) {
    const p = node.span.parent_id;
    if (p !== null && byId.has(p)) byId.get(p).children.push(node);
    else roots.push(node);
  }
  const order = (a, b) => (a.span.start_time < b.span.start_time ? -1 : a.span.start_time > b.span.start_time ? 1 : 0);
  const sortRec = (n) => {
    n.children.sort(order);
    n.children.forEach(sortRec);
  };
  roots.sort(order);
  roots.forEach(sortRec);
  return roots;
}

// A tree as nested [name, [children...]] for exact comparison.
export function shape(node) {
  return node.children.length === 0 ? node.span.name : [node.span.name, node.children.map(shape)];
}

// Every span of the subtree under span_id (inclusive).
export function subtree(spans, spanId) {
  const kids = new Map();
  for (const s of spans) {
    if (!kids.has(s.parent_id)) kids.set(s.parent_id, []);
    kids.get(s.parent_id).push(s);
  }
  const root = spans.find((s) => s.span_id === spanId);
  if (!root) return [];
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(kids.get(out[i].span_id) ?? []));
  return out;
}

// Checks every span's ids and basic row invariants.
export function checkRows(spans) {
  const ids = new Set();
  for (const s of spans) {
    assert.match(s.trace_id, HEX32, `trace_id of ${s.name}`);
    assert.notEqual(s.trace_id, '0'.repeat(32));
    assert.match(s.span_id, HEX16, `span_id of ${s.name}`);
    assert.notEqual(s.span_id, '0'.repeat(16));
    if (s.parent_id !== null) {
      assert.match(s.parent_id, HEX16, `parent_id of ${s.name}`);
      assert.notEqual(s.parent_id, '0'.repeat(16));
      assert.notEqual(s.parent_id, s.span_id);
    }
    assert.ok(!ids.has(s.span_id), `span_id ${s.span_id} is unique`);
    ids.add(s.span_id);
    assert.equal(typeof s.start_time, 'bigint');
    assert.ok(s.end_time >= s.start_time, `${s.name} ends after it starts`);
    const expectMs = Number(s.end_time - s.start_time) / 1e6;
    assert.ok(Math.abs(s.duration_ms - expectMs) < 1e-3, `duration_ms of ${s.name}: ${s.duration_ms} vs ${expectMs}`);
    assert.ok(['UNSET', 'OK', 'ERROR'].includes(s.status_code), `status_code ${s.status_code}`);
    assert.ok(['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'].includes(s.kind), `kind ${s.kind}`);
    const dot = s.name.indexOf('.');
    if (dot > 0) {
      assert.equal(s.service, s.name.slice(0, dot), `service of ${s.name}`);
      assert.equal(s.operation, s.name.slice(dot + 1), `operation of ${s.name}`);
    }
  }
  // Start times are wall-clock nanoseconds since the epoch (this day).
  const nowNs = BigInt(Date.now()) * 1000000n;
  for (const s of spans) {
    const ageNs = nowNs - s.start_time;
    assert.ok(ageNs > -3600n * 1000000000n && ageNs < 86400n * 1000000000n, `${s.name} start_time is ns since the epoch`);
  }
}

// Parent links stay inside the store: every parent_id names a stored span of
// the same trace.
export function checkConnected(spans) {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  for (const s of spans) {
    if (s.parent_id === null) continue;
    const p = byId.get(s.parent_id);
    assert.ok(p, `parent ${s.parent_id} of ${s.name} is stored`);
    assert.equal(p.trace_id, s.trace_id, `${s.name} shares its parent's trace`);
    assert.ok(s.start_time >= p.start_time, `${s.name} starts after its parent ${p.name}`);
  }
}

export function exceptionEvent(span) {
  return (span.events ?? []).find((e) => e.name === 'exception');
}
