// Failures in the trace: an agent that throws, traced_run's callable form
// and RAII form unwound by an exception, the cascade limit, and values the
// store must not let through as they are (huge strings, invalid UTF-8).
import test from 'node:test';
import assert from 'node:assert/strict';
import { runIn, allSpans, withDb, buildTree, shape, checkRows, checkConnected, attr, exceptionEvent } from './helpers.mjs';

test('an agent that throws: ERROR span with an exception event, RunReport error, others go on', async (t) => {
  const r = await runIn(t, ['agent_error']);
  const f = r.lines.find((l) => l.trace_id);
  assert.equal(f.reviews, 1, 'the agent after the good one still ran');
  assert.equal(f.on_error_calls, 1);
  assert.equal(f.report.executions, 3);
  assert.equal(f.report.errors.length, 1);
  const err = f.report.errors[0];
  assert.equal(err.agent, 'bad');
  assert.match(err.exception_type, /runtime_error/);
  assert.equal(err.message, 'oven on fire');
  assert.equal(err.trace_id, f.trace_id);

  const spans = await allSpans(r.db);
  checkRows(spans);
  checkConnected(spans);
  assert.ok(spans.every((s) => s.trace_id === f.trace_id));
  const execs = spans.filter((s) => s.name === 'Agent.execute');
  const byAgent = Object.fromEntries(execs.map((s) => [attr(s.attributes, 'agent.name'), s]));
  const bad = byAgent.bad;
  assert.equal(bad.span_id, err.span_id, 'the report points at the failing span');
  assert.equal(bad.status_code, 'ERROR');
  assert.match(bad.status_description, /oven on fire/);
  const ev = exceptionEvent(bad);
  assert.ok(ev, 'exception event on Agent.execute');
  assert.match(attr(ev.attributes, 'exception.type'), /runtime_error/);
  assert.equal(attr(ev.attributes, 'exception.message'), 'oven on fire');
  assert.equal(typeof ev.timestamp === 'number' || typeof ev.timestamp === 'string' || typeof ev.timestamp === 'bigint', true);

  const badKids = spans.filter((s) => s.parent_id === bad.span_id);
  const evalSpan = badKids.find((s) => s.name === 'FunctionEngine.evaluate');
  assert.equal(evalSpan.status_code, 'ERROR', 'the hook that threw is ERROR');
  assert.match(attr(exceptionEvent(evalSpan).attributes, 'exception.message'), /oven on fire/);
  assert.ok(badKids.some((s) => s.name === 'ErrorWatcher.on_error'), 'the on_error hook has its span');
  assert.ok(!badKids.some((s) => s.name === 'OutputUtilityComponent.on_post_evaluate'), 'nothing after the failure');

  assert.equal(byAgent.good.status_code, 'OK');
  assert.equal(byAgent.after.status_code, 'OK');
  assert.equal(byAgent.after.parent_id, byAgent.good.span_id);
  assert.equal(spans.filter((s) => s.status_code === 'ERROR').length, 2, 'only the failing execution and its hook');
  const rui = spans.find((s) => s.name === 'Flock.run_until_idle');
  assert.equal(attr(rui.attributes, 'flock.agent_errors'), 1);
});

test('traced_run(name, fn): the exception is recorded on the workflow span and rethrown', async (t) => {
  const r = await runIn(t, ['fn_exception']);
  const f = r.lines.find((l) => l.trace_id);
  assert.equal(f.caught, true, 'rethrown with its own type');
  assert.equal(f.message, 'bad input data');
  assert.equal(f.returned, 42, 'the callable form returns its value');
  const spans = await allSpans(r.db);
  checkRows(spans);
  checkConnected(spans);
  const roots = buildTree(spans);
  assert.deepEqual(roots.map((n) => n.span.name), ['risky_operation', 'returns_value']);
  const risky = roots[0];
  assert.equal(risky.span.span_id, f.span_id);
  assert.equal(risky.span.trace_id, f.trace_id);
  assert.equal(risky.span.status_code, 'ERROR');
  assert.match(risky.span.status_description, /bad input data/);
  const ev = exceptionEvent(risky.span);
  assert.ok(ev);
  assert.match(attr(ev.attributes, 'exception.type'), /invalid_argument/);
  assert.equal(attr(ev.attributes, 'exception.message'), 'bad input data');
  assert.deepEqual(risky.children.map((c) => c.span.name), ['Flock.publish', 'Flock.run_until_idle']);
  assert.equal(roots[1].span.status_code, 'OK');
  assert.equal(exceptionEvent(roots[1].span), undefined);
  assert.equal(roots[1].span.attributes.flock.workflow, true);
});

test('RAII traced_run unwound by an exception ends with status ERROR; the context is restored', async (t) => {
  const r = await runIn(t, ['raii_exception']);
  const f = r.lines.find((l) => l.trace_id);
  assert.equal(f.caught, true);
  assert.equal(f.context_cleared, true, 'no current span after the scope');
  assert.notEqual(f.after_trace_id, f.trace_id);
  const spans = await allSpans(r.db);
  checkRows(spans);
  checkConnected(spans);
  const wf = spans.find((s) => s.span_id === f.span_id);
  assert.equal(wf.name, 'raii_workflow');
  assert.equal(wf.status_code, 'ERROR');
  assert.equal(spans.filter((s) => s.trace_id === f.trace_id).length, 8, 'the workflow and its 7 spans');
  const after = spans.find((s) => s.span_id === f.after_span_id);
  assert.equal(after.parent_id, null, 'a later traced_run is a new root');
  assert.equal(after.trace_id, f.after_trace_id);
  assert.equal(after.status_code, 'OK');
});

test('a runaway cascade stops at FlockOptions::max_agent_iterations', async (t) => {
  const r = await runIn(t, ['cascade', '25'], {}, { timeoutMs: 60000 });
  const f = r.lines.find((l) => l.trace_id);
  assert.equal(f.report.iteration_limit_reached, true);
  assert.equal(f.report.executions, 25);
  assert.equal(f.report.ok, false);
  assert.ok(f.report.errors.some((e) => /max_agent_iterations/.test(e.message)), 'a clear error names the limit');
  assert.match(r.stderr, /max_agent_iterations/);
  const spans = await allSpans(r.db);
  checkRows(spans);
  checkConnected(spans);
  const execs = spans.filter((s) => s.name === 'Agent.execute');
  assert.equal(execs.length, 25);
  assert.ok(execs.every((s) => s.trace_id === f.trace_id));
  // ping -> pong -> ping ...: a chain of 25 executions, each the child of the previous.
  const root = buildTree(spans.filter((s) => s.trace_id === f.trace_id))[0];
  let depth = 0;
  let node = root.children.find((c) => c.span.name === 'Flock.publish');
  for (;;) {
    const next = node.children.find((c) => c.span.name === 'Agent.execute');
    if (!next) break;
    depth++;
    node = next;
  }
  assert.equal(depth, 25);
  const rui = spans.find((s) => s.name === 'Flock.run_until_idle');
  assert.equal(rui.status_code, 'ERROR');
});

test('huge attributes are truncated with a marker; invalid UTF-8 still gives valid JSON', async (t) => {
  const r = await runIn(t, ['huge']);
  const f = r.lines.find((l) => l.trace_id);
  await withDb(r.db, async (q) => {
    const [{ bad }] = await q(`SELECT count(*) AS bad FROM spans WHERE NOT json_valid(attributes) OR NOT json_valid(events)
                                 OR NOT json_valid(links) OR NOT json_valid(resource)`);
    assert.equal(bad, 0n, 'every JSON column is valid JSON');
  });
  const spans = await allSpans(r.db);
  checkRows(spans);
  checkConnected(spans);
  const wf = spans.find((s) => s.span_id === f.span_id);
  assert.equal(wf.name, 'bad\uFFFDname', 'an invalid byte in a name becomes U+FFFD');
  const a = wf.attributes;
  const big = attr(a, 'big.text');
  assert.ok(big.length < 100000, `big.text cut (${big.length} chars)`);
  assert.match(big, /^x+/);
  assert.match(big, /truncated/i, 'the cut is marked');
  assert.ok(attr(a, 'flock.truncated_values_count') >= 2, 'big.text and the long list element are counted');
  assert.equal(attr(a, 'bad.utf8'), 'ok\uFFFD\uFFFDend');
  const list = attr(a, 'list.values');
  assert.equal(list[0], 'a');
  assert.ok(list[1].length < 20000 && /truncated/i.test(list[1]));
  assert.equal(attr(a, 'flag'), true);
  assert.equal(attr(a, 'ratio'), 0.25);
  assert.deepEqual(attr(a, 'counts'), [1, 2, 3]);
  // A key that is both a value and a prefix keeps both retrievable.
  assert.equal(a.agent.name, 'child-of-prefix');
  assert.ok(Object.values(a.agent).includes('value-and-prefix'), JSON.stringify(a.agent));
  const ev = wf.events.find((e) => e.name === 'checkpoint');
  assert.equal(attr(ev.attributes, 'stage'), 'one');
  assert.equal(attr(ev.attributes, 'bytes'), 7);
  await withDb(r.db, async (q) => {
    const [row] = await q(`SELECT json_extract_string(attributes, '$.bad.utf8') AS b,
                                  json_extract(attributes, '$.flock.truncated_values_count')::INT AS n
                           FROM spans WHERE span_id = '${f.span_id}'`);
    assert.equal(row.b, 'ok\uFFFD\uFFFDend');
    assert.ok(row.n >= 2);
  });

  // A 50,000-byte artifact must not land whole on Agent.execute either.
  const execs = spans.filter((s) => s.name === 'Agent.execute');
  assert.equal(execs.length, 2);
  const small = execs.find((s) => /caf/.test(JSON.stringify(s.attributes)));
  assert.ok(small, 'the execution with an invalid UTF-8 payload is stored');
  assert.match(String(attr(small.attributes, 'input.value')), /caf\uFFFD\(/, 'invalid bytes become U+FFFD');
  assert.equal(small.status_code, 'OK');
  const exec = execs.find((s) => s !== small);
  const input = String(attr(exec.attributes, 'input.value'));
  assert.ok(input.length < 50000, `input.value is capped (it is ${input.length} chars)`);
  assert.match(input, /truncated/i);
  assert.ok(attr(exec.attributes, 'flock.truncated_values_count') >= 1);
});
