// The DuckDB queries of docs/tracing-guide.md, run by an independent
// client over a store written by real programs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { runIn, tempDir, allSpans, withDb } from './helpers.mjs';

// Verbatim from the guide.
const GUIDE_FIND_ALL_WORKFLOWS = `
    SELECT
        trace_id,
        json_extract(attributes, '$.workflow.name') as workflow_name,
        COUNT(*) as span_count,
        MIN(start_time) as start_time,
        MAX(end_time) as end_time,
        (MAX(end_time) - MIN(start_time)) / 1000000.0 as duration_ms
    FROM spans
    WHERE json_extract(attributes, '$.flock.workflow') = 'true'
    GROUP BY trace_id
    ORDER BY start_time DESC
`;

const GUIDE_SLOWEST = `SELECT
    json_extract(attributes, '$.workflow.name') as workflow,
    AVG((end_time - start_time) / 1000000.0) as avg_duration_ms,
    COUNT(*) as executions
FROM spans
WHERE name LIKE '%workflow%'
  AND json_extract(attributes, '$.flock.workflow') = 'true'
GROUP BY workflow
ORDER BY avg_duration_ms DESC
LIMIT 10`;

const GUIDE_TROUBLESHOOT = `
    SELECT name, parent_id
    FROM spans
    WHERE trace_id = 'your_trace_id'
    ORDER BY start_time
`;

// The "find all workflow traces" query, corrected: one row per workflow
// trace, the span count and time range of the whole trace.
const CORRECTED_FIND_ALL_WORKFLOWS = `
    SELECT
        w.trace_id,
        json_extract_string(w.attributes, '$.workflow.name') AS workflow_name,
        COUNT(s.span_id) AS span_count,
        MIN(s.start_time) AS start_time,
        MAX(s.end_time) AS end_time,
        (MAX(s.end_time) - MIN(s.start_time)) / 1000000.0 AS duration_ms
    FROM spans w
    JOIN spans s ON s.trace_id = w.trace_id
    WHERE json_extract(w.attributes, '$.flock.workflow') = 'true'
      AND w.parent_id IS NULL
    GROUP BY w.trace_id, workflow_name
    ORDER BY start_time DESC
`;

// One store with three pizza workflows, a chain workflow and a nested one.
async function buildStore(t) {
  const tmp = tempDir(t);
  const runs = [];
  for (const scenario of ['pizza', 'chain', 'pizza', 'nested', 'pizza']) {
    const r = await runIn(t, [scenario], {}, { tmp });
    const f = r.lines.find((l) => l.trace_id || l.outer);
    runs.push({ scenario, trace_id: f.trace_id ?? f.outer.trace_id, ended: r.lines.find((l) => l.done).ended });
  }
  return { tmp, runs };
}

test('the tracing guide queries over several workflows', async (t) => {
  const { tmp, runs } = await buildStore(t);
  const spans = await allSpans(tmp.db);
  assert.equal(spans.length, runs.reduce((a, r) => a + r.ended, 0), 'every run appended its spans');
  const spansOf = (trace) => spans.filter((s) => s.trace_id === trace);

  await withDb(tmp.db, async (q) => {
    // 1. As the guide writes it, DuckDB rejects it: a non-aggregated column
    //    outside GROUP BY.
    await assert.rejects(q(GUIDE_FIND_ALL_WORKFLOWS), (e) => {
      assert.match(e.message, /Binder Error/);
      assert.match(e.message, /GROUP BY/i);
      return true;
    });

    // 2. Corrected: one row per workflow trace, newest first.
    const rows = await q(CORRECTED_FIND_ALL_WORKFLOWS);
    const expectedOrder = [...runs].reverse();
    assert.deepEqual(rows.map((r) => r.trace_id), expectedOrder.map((r) => r.trace_id));
    const names = { pizza: 'pizza_workflow', chain: 'content_workflow', nested: 'outer_workflow' };
    for (const row of rows) {
      const run = runs.find((r) => r.trace_id === row.trace_id);
      assert.equal(row.workflow_name, names[run.scenario]);
      const own = spansOf(row.trace_id);
      assert.equal(row.span_count, BigInt(own.length));
      assert.equal(row.start_time, own.reduce((m, s) => (s.start_time < m ? s.start_time : m), own[0].start_time));
      assert.equal(row.end_time, own.reduce((m, s) => (s.end_time > m ? s.end_time : m), own[0].end_time));
      assert.ok(row.duration_ms > 0);
    }

    // 3. The workflows view: one row per workflow span (the nested run has two).
    const view = await q('SELECT * FROM workflows ORDER BY start_time');
    assert.deepEqual(Object.keys(view[0]), ['trace_id', 'workflow_name', 'start_time', 'end_time', 'duration_ms', 'span_count', 'status']);
    const wfSpans = spans.filter((s) => s.attributes.flock && s.attributes.flock.workflow === true);
    assert.equal(view.length, wfSpans.length);
    assert.equal(view.length, runs.length + 1, 'one per run plus the nested inner_task');
    for (const v of view) {
      const w = wfSpans.find((s) => s.trace_id === v.trace_id && s.start_time === v.start_time);
      assert.ok(w, `workflow span of view row ${v.workflow_name}`);
      assert.equal(v.workflow_name, w.attributes.workflow.name);
      assert.equal(v.end_time, w.end_time);
      assert.equal(v.duration_ms, w.duration_ms);
      assert.equal(v.status, 'OK');
      assert.equal(v.span_count, BigInt(spansOf(v.trace_id).length));
    }
    assert.deepEqual(view.map((v) => v.workflow_name).sort(),
      ['content_workflow', 'inner_task', 'outer_workflow', 'pizza_workflow', 'pizza_workflow', 'pizza_workflow']);

    // 4. Find Slowest Workflows, verbatim: workflow names containing
    //    "workflow", grouped by name.
    const slow = await q(GUIDE_SLOWEST);
    const byName = Object.fromEntries(slow.map((r) => [r.workflow, r]));
    assert.deepEqual(Object.keys(byName).sort(), ['"content_workflow"', '"outer_workflow"', '"pizza_workflow"']);
    assert.equal(byName['"pizza_workflow"'].executions, 3n);
    assert.equal(byName['"content_workflow"'].executions, 1n);
    const pizzaRoots = wfSpans.filter((s) => s.name === 'pizza_workflow');
    const avg = pizzaRoots.reduce((a, s) => a + Number(s.end_time - s.start_time) / 1e6, 0) / pizzaRoots.length;
    assert.ok(Math.abs(byName['"pizza_workflow"'].avg_duration_ms - avg) < 1e-6);
    for (let i = 1; i < slow.length; i++) assert.ok(slow[i - 1].avg_duration_ms >= slow[i].avg_duration_ms);

    // 5. Troubleshooting "Nested Traces Not Visible", verbatim with a real id.
    const nestedRun = runs.find((r) => r.scenario === 'nested');
    const rowsT = await q(GUIDE_TROUBLESHOOT.replace('your_trace_id', nestedRun.trace_id));
    const own = spansOf(nestedRun.trace_id);
    assert.equal(rowsT.length, own.length);
    assert.deepEqual(rowsT[0], { name: 'outer_workflow', parent_id: null });
    const inner = own.find((s) => s.name === 'inner_task');
    const outer = own.find((s) => s.name === 'outer_workflow');
    assert.ok(rowsT.some((r) => r.name === 'inner_task' && r.parent_id === outer.span_id));
    assert.ok(rowsT.filter((r) => r.parent_id === inner.span_id).length >= 2);
    assert.deepEqual(rowsT.map((r) => r.name).sort(), own.map((s) => s.name).sort());
  });
});
