// The trace a real program writes: schema, tree shape, ids, attributes, for
// the quick-start program of docs/tracing-guide.md, a chain with a fan-out, nested and untraced runs,
// custom components and FLOCK_AUTO_WORKFLOW_TRACE.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  runIn, allSpans, withDb, buildTree, shape, checkRows, checkConnected, attr, HEX32, HEX16,
} from './helpers.mjs';

const EXPECTED_COLUMNS = [
  ['trace_id', 'VARCHAR', 'NO'],
  ['span_id', 'VARCHAR', 'NO'],
  ['parent_id', 'VARCHAR', 'YES'],
  ['name', 'VARCHAR', 'NO'],
  ['service', 'VARCHAR', 'YES'],
  ['operation', 'VARCHAR', 'YES'],
  ['kind', 'VARCHAR', 'YES'],
  ['start_time', 'BIGINT', 'NO'],
  ['end_time', 'BIGINT', 'NO'],
  ['duration_ms', 'DOUBLE', 'NO'],
  ['status_code', 'VARCHAR', 'NO'],
  ['status_description', 'VARCHAR', 'YES'],
  ['attributes', 'JSON', 'YES'],
  ['events', 'JSON', 'YES'],
  ['links', 'JSON', 'YES'],
  ['resource', 'JSON', 'YES'],
  ['created_at', 'TIMESTAMP', 'YES'],
];

// One agent execution of a function engine: the hooks that run.
const fnAgent = ['Agent.execute', ['OutputUtilityComponent.on_initialize', 'FunctionEngine.evaluate', 'OutputUtilityComponent.on_post_evaluate']];

test('the quick-start program: table spans exactly as docs/trace-store.md', async (t) => {
  const r = await runIn(t, ['pizza']);
  await withDb(r.db, async (q) => {
    const cols = await q('DESCRIBE spans');
    assert.deepEqual(
      cols.map((c) => [c.column_name, c.column_type, c.null]),
      EXPECTED_COLUMNS,
    );
    // No key and no index: span ids are kept unique by the writer.
    const keyed = cols.filter((c) => c.key !== null && c.key !== undefined && c.key !== '').map((c) => c.column_name);
    assert.deepEqual(keyed, []);
    const [{ indexes }] = await q("SELECT count(*) AS indexes FROM duckdb_indexes() WHERE table_name = 'spans'");
    assert.equal(indexes, 0n);
    const created = cols.find((c) => c.column_name === 'created_at');
    assert.match(String(created.default), /current_timestamp|now\(\)/i);
    // created_at is filled by the default.
    const [{ n }] = await q('SELECT count(*) AS n FROM spans WHERE created_at IS NULL');
    assert.equal(n, 0n);
  });
});

test('the quick-start program: the hierarchy of the tracing guide, ids, attributes, status', async (t) => {
  const r = await runIn(t, ['pizza']);
  const facts = r.lines.find((l) => l.trace_id);
  assert.equal(facts.pizzas, 1);
  assert.deepEqual(facts.pizza, { name: 'Truffle', toppings: ['truffle', 'mozzarella'], size_cm: 30 });
  assert.match(facts.trace_id, HEX32);
  assert.match(facts.span_id, HEX16);
  const done = r.lines.find((l) => l.done);
  assert.equal(done.dropped, 0);
  assert.equal(done.lost, 0);

  const spans = await allSpans(r.db);
  checkRows(spans);
  checkConnected(spans);
  assert.equal(spans.length, done.ended, 'every ended span is stored');
  assert.ok(spans.every((s) => s.trace_id === facts.trace_id), 'one trace for the whole workflow');

  const roots = buildTree(spans);
  assert.equal(roots.length, 1);
  assert.deepEqual(shape(roots[0]), [
    'pizza_workflow',
    [
      ['Flock.publish', [fnAgent]],
      ['Flock.run_until_idle', ['Flock.shutdown']],
    ],
  ]);

  const root = roots[0].span;
  assert.equal(root.span_id, facts.span_id);
  assert.equal(root.parent_id, null);
  assert.equal(root.status_code, 'OK');
  assert.equal(root.kind, 'INTERNAL');
  assert.equal(root.attributes.flock.workflow, true);
  assert.equal(root.attributes.workflow.name, 'pizza_workflow');
  assert.equal(root.attributes.pipeline.version, '2.0');
  assert.equal(root.attributes.dataset.size, 10000);
  for (const s of spans) assert.equal(s.status_code, 'OK', `${s.name} is OK`);

  const exec = spans.find((s) => s.name === 'Agent.execute');
  assert.equal(attr(exec.attributes, 'agent.name'), 'pizza_master');
  const publish = spans.find((s) => s.name === 'Flock.publish');
  assert.ok(attr(exec.attributes, 'correlation_id'), 'Agent.execute carries correlation_id');
  assert.equal(attr(exec.attributes, 'correlation_id'), attr(publish.attributes, 'correlation_id'));
  assert.equal(attr(exec.attributes, 'output.type'), 'Pizza');
  assert.deepEqual(JSON.parse(attr(exec.attributes, 'output.value')), facts.pizza);
  // The input artifact is on the span.
  assert.match(JSON.stringify(exec.attributes), /something with truffles/);

  // The guide's JSON paths, run by DuckDB.
  await withDb(r.db, async (q) => {
    const rows = await q(`SELECT span_id, json_extract_string(attributes, '$.workflow.name') AS wf,
                                 json_extract(attributes, '$.pipeline.version') AS v,
                                 json_extract(attributes, '$.dataset.size')::BIGINT AS size
                          FROM spans WHERE json_extract(attributes, '$.flock.workflow') = 'true'`);
    assert.deepEqual(rows, [{ span_id: facts.span_id, wf: 'pizza_workflow', v: '"2.0"', size: 10000n }]);
    const agents = await q(`SELECT json_extract_string(attributes, '$.agent.name') AS a FROM spans WHERE name = 'Agent.execute'`);
    assert.deepEqual(agents, [{ a: 'pizza_master' }]);
  });
});

test('a chain of three agents and a fan-out is a chain of spans', async (t) => {
  const r = await runIn(t, ['chain']);
  const facts = r.lines.find((l) => l.trace_id);
  assert.equal(facts.report.executions, 5);
  assert.deepEqual(facts.report.errors, []);
  assert.equal(facts.poems, 1);
  assert.equal(facts.tweets, 1);
  const spans = await allSpans(r.db);
  checkRows(spans);
  checkConnected(spans);
  assert.equal(spans.length, r.lines.find((l) => l.done).ended);
  assert.ok(spans.every((s) => s.trace_id === facts.trace_id));
  const roots = buildTree(spans);
  assert.equal(roots.length, 1);
  assert.equal(roots[0].span.span_id, facts.span_id);

  // writer -> editor -> publisher -> {poet, tweeter}: each Agent.execute is a
  // child of the execution that published its input.
  const execs = spans.filter((s) => s.name === 'Agent.execute');
  const byAgent = Object.fromEntries(execs.map((s) => [attr(s.attributes, 'agent.name'), s]));
  assert.deepEqual(Object.keys(byAgent).sort(), ['editor', 'poet', 'publisher', 'tweeter', 'writer']);
  const publish = spans.filter((s) => s.name === 'Flock.publish');
  assert.equal(publish.length, 1);
  assert.equal(publish[0].parent_id, facts.span_id);
  assert.equal(byAgent.writer.parent_id, publish[0].span_id);
  assert.equal(byAgent.editor.parent_id, byAgent.writer.span_id);
  assert.equal(byAgent.publisher.parent_id, byAgent.editor.span_id);
  assert.equal(byAgent.poet.parent_id, byAgent.publisher.span_id);
  assert.equal(byAgent.tweeter.parent_id, byAgent.publisher.span_id);
  for (const s of execs) {
    assert.equal(attr(s.attributes, 'correlation_id'), 'corr-chain-1', `correlation_id of ${attr(s.attributes, 'agent.name')}`);
    const kids = spans.filter((c) => c.parent_id === s.span_id && c.name !== 'Agent.execute').map((c) => c.name);
    assert.deepEqual(kids.sort(), [...fnAgent[1]].sort(), `hooks of ${attr(s.attributes, 'agent.name')}`);
  }
  assert.equal(attr(byAgent.editor.attributes, 'output.type'), 'Review');
  assert.equal(JSON.parse(attr(byAgent.editor.attributes, 'output.value')).text, 'review of draft of blackboards');
  const rui = spans.filter((s) => s.name === 'Flock.run_until_idle');
  assert.equal(rui.length, 1);
  assert.equal(rui[0].parent_id, facts.span_id);
  assert.deepEqual(spans.filter((s) => s.parent_id === rui[0].span_id).map((s) => s.name), ['Flock.shutdown']);
});

test('nested traced_run: a child workflow span in the same trace', async (t) => {
  const r = await runIn(t, ['nested']);
  const f = r.lines.find((l) => l.outer);
  assert.equal(f.inner.trace_id, f.outer.trace_id);
  assert.notEqual(f.inner.span_id, f.outer.span_id);
  const spans = await allSpans(r.db);
  checkRows(spans);
  checkConnected(spans);
  assert.ok(spans.every((s) => s.trace_id === f.outer.trace_id));
  const roots = buildTree(spans);
  assert.equal(roots.length, 1);
  assert.deepEqual(shape(roots[0]), [
    'outer_workflow',
    [
      ['Flock.publish', [fnAgent]],
      ['inner_task', [['Flock.publish', [fnAgent]], ['Flock.run_until_idle', ['Flock.shutdown']]]],
      ['Flock.run_until_idle', ['Flock.shutdown']],
    ],
  ]);
  const inner = spans.find((s) => s.span_id === f.inner.span_id);
  assert.equal(inner.name, 'inner_task');
  assert.equal(inner.parent_id, f.outer.span_id);
  assert.equal(inner.attributes.flock.workflow, true);
  assert.equal(inner.attributes.workflow.name, 'inner_task');
  await withDb(r.db, async (q) => {
    const wf = await q(`SELECT json_extract_string(attributes, '$.workflow.name') AS n, parent_id IS NULL AS root
                        FROM spans WHERE json_extract(attributes, '$.flock.workflow') = 'true' ORDER BY start_time`);
    assert.deepEqual(wf, [{ n: 'outer_workflow', root: true }, { n: 'inner_task', root: false }]);
  });
});

test('without traced_run each top-level publish and run_until_idle is its own root', async (t) => {
  const r = await runIn(t, ['untraced', '2']);
  const spans = await allSpans(r.db);
  checkRows(spans);
  checkConnected(spans);
  const roots = buildTree(spans);
  assert.deepEqual(roots.map(shape), [
    ['Flock.publish', [fnAgent]],
    ['Flock.run_until_idle', ['Flock.shutdown']],
    ['Flock.publish', [fnAgent]],
    ['Flock.run_until_idle', ['Flock.shutdown']],
  ]);
  assert.equal(new Set(roots.map((n) => n.span.trace_id)).size, 4, 'four separate traces');
  assert.ok(spans.every((s) => attr(s.attributes, 'flock.workflow') === undefined), 'no workflow span');
});

test('FLOCK_AUTO_WORKFLOW_TRACE=true: publish..run_until_idle becomes one workflow trace', async (t) => {
  const r = await runIn(t, ['untraced', '2'], { FLOCK_AUTO_WORKFLOW_TRACE: 'true' });
  const spans = await allSpans(r.db);
  checkRows(spans);
  checkConnected(spans);
  const roots = buildTree(spans);
  assert.equal(roots.length, 2, 'one root per round');
  for (const root of roots) {
    assert.equal(root.span.attributes.flock.workflow, true);
    assert.equal(typeof attr(root.span.attributes, 'workflow.name'), 'string');
    assert.deepEqual(shape(root)[1], [['Flock.publish', [fnAgent]], ['Flock.run_until_idle', ['Flock.shutdown']]]);
    assert.equal(root.span.status_code, 'OK');
  }
  assert.notEqual(roots[0].span.trace_id, roots[1].span.trace_id);
  const corr = roots.map((n) => attr(n.children[0].span.attributes, 'correlation_id'));
  assert.deepEqual(corr, ['corr-untraced-0', 'corr-untraced-1']);
  await withDb(r.db, async (q) => {
    const [{ n }] = await q(`SELECT count(*) AS n FROM spans WHERE json_extract(attributes, '$.flock.workflow') = 'true'`);
    assert.equal(n, 2n);
  });
});

test('custom components: one span per overridden hook, in hook order', async (t) => {
  const r = await runIn(t, ['components']);
  const f = r.lines.find((l) => l.trace_id);
  assert.deepEqual(f.draft, { text: 'SHOUT', n: 1 });
  const spans = await allSpans(r.db);
  checkRows(spans);
  checkConnected(spans);
  const exec = spans.find((s) => s.name === 'Agent.execute');
  const hooks = spans.filter((s) => s.parent_id === exec.span_id);
  hooks.sort((a, b) => (a.start_time < b.start_time ? -1 : a.start_time > b.start_time ? 1 : 0));
  assert.deepEqual(hooks.map((s) => s.name), [
    'OutputUtilityComponent.on_initialize',
    'AuditComponent.on_initialize',
    'UpperEngine.on_initialize',
    'AuditComponent.on_pre_consume',
    'AuditComponent.on_pre_evaluate',
    'QuietComponent.on_pre_evaluate',
    'UpperEngine.evaluate',
    'OutputUtilityComponent.on_post_evaluate',
    'AuditComponent.on_post_evaluate',
    'AuditComponent.on_post_publish',
    'AuditComponent.on_terminate',
  ]);
  for (let i = 1; i < hooks.length; i++) {
    assert.ok(hooks[i].start_time >= hooks[i - 1].end_time, `${hooks[i].name} runs after ${hooks[i - 1].name}`);
  }
  assert.ok(hooks.every((s) => s.status_code === 'OK'));
  assert.ok(!spans.some((s) => /on_error/.test(s.name)), 'no span for a hook that was not overridden');
});
