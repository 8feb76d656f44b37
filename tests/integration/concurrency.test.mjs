// Concurrency: many threads each running their own workflows (shared Flock
// and one Flock per thread) with no cross-talk between traces, and an
// outside read-only reader while the program runs.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  runIn, tempDir, startScenario, scenarioEnv, allSpans, withDb, checkRows, checkConnected, attr, subtree, sleep,
} from './helpers.mjs';

const NAMES_PER_WORKFLOW = [
  'Flock.publish', 'Flock.run_until_idle', 'Flock.shutdown',
  'Agent.execute', 'Agent.execute',
  'OutputUtilityComponent.on_initialize', 'OutputUtilityComponent.on_initialize',
  'FunctionEngine.evaluate', 'FunctionEngine.evaluate',
  'OutputUtilityComponent.on_post_evaluate', 'OutputUtilityComponent.on_post_evaluate',
].sort();

function checkNoCrossTalk(spans, lines, nthreads, iterations) {
  const runs = lines.filter((l) => l.correlation_id);
  assert.equal(runs.length, nthreads * iterations, 'every workflow reported');
  assert.equal(new Set(runs.map((r) => r.trace_id)).size, runs.length, 'one trace per workflow');
  const byTrace = new Map();
  for (const s of spans) {
    if (!byTrace.has(s.trace_id)) byTrace.set(s.trace_id, []);
    byTrace.get(s.trace_id).push(s);
  }
  assert.equal(byTrace.size, runs.length, 'no span outside the workflows');
  for (const run of runs) {
    const own = byTrace.get(run.trace_id);
    assert.ok(own, `trace of ${run.correlation_id} stored`);
    const roots = own.filter((s) => s.parent_id === null);
    assert.equal(roots.length, 1);
    assert.equal(roots[0].span_id, run.span_id);
    assert.equal(roots[0].name, `thread_workflow_${run.correlation_id}`);
    assert.equal(attr(roots[0].attributes, 'thread.index'), run.thread);
    assert.equal(attr(roots[0].attributes, 'iteration'), run.iteration);
    assert.deepEqual(own.filter((s) => s !== roots[0]).map((s) => s.name).sort(), NAMES_PER_WORKFLOW,
      `exactly its own spans in ${run.correlation_id}`);
    for (const s of own) {
      const c = attr(s.attributes, 'correlation_id');
      if (c !== undefined) assert.equal(c, run.correlation_id, `${s.name} belongs to ${run.correlation_id}`);
    }
    for (const s of own.filter((x) => x.name === 'Agent.execute')) {
      assert.match(JSON.stringify(s.attributes), new RegExp(`"tag\\\\?"?:\\\\?"${run.correlation_id}`), 'its own input');
    }
    assert.equal(subtree(own, run.span_id).length, own.length, 'the trace is one tree');
  }
}

for (const mode of ['shared', 'separate']) {
  test(`many threads, ${mode === 'shared' ? 'one shared Flock' : 'one Flock each'}: no cross-talk between traces`, async (t) => {
    const nthreads = 8;
    const iterations = 6;
    const r = await runIn(t, ['threads', String(nthreads), String(iterations), mode], {}, { timeoutMs: 300000 });
    const done = r.lines.find((l) => l.done);
    assert.equal(done.dropped, 0);
    assert.equal(done.lost, 0);
    const spans = await allSpans(r.db);
    assert.equal(spans.length, done.ended, 'every ended span is stored');
    checkRows(spans);
    checkConnected(spans);
    checkNoCrossTalk(spans, r.lines, nthreads, iterations);
  });
}

test('an outside read-only reader opens the file while the program runs, and sees it grow', async (t) => {
  const tmp = tempDir(t);
  const h = startScenario(t, ['long_running', '6', '1', '2'], {
    env: scenarioEnv(tmp.db, { FLOCK_TRACE_FLUSH_MS: '100' }),
    cwd: tmp.dir,
  });
  await h.waitFor((l) => l.flushed > 0, 60000);
  const counts = [];
  let exited = false;
  h.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + 60000;
  while (!exited && Date.now() < deadline) {
    const n = await withDb(tmp.db, async (q) => (await q('SELECT count(*) AS n FROM spans'))[0].n);
    if (!exited) counts.push(n);
    await sleep(150);
  }
  const r = await h.exited;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(counts.length >= 3, `read ${counts.length} times while the program ran`);
  for (let i = 1; i < counts.length; i++) assert.ok(counts[i] >= counts[i - 1], 'rows never disappear');
  assert.ok(counts[counts.length - 1] > counts[0], `rows grow while the program runs: ${counts.join(',')}`);

  const done = r.lines.find((l) => l.done);
  assert.equal(done.dropped, 0);
  assert.equal(done.lost, 0);
  const spans = await allSpans(tmp.db);
  assert.equal(spans.length, done.ended, 'no span missing after the reader let go');
  checkRows(spans);
  checkConnected(spans);
  const completed = r.lines.filter((l) => l.completed !== undefined);
  assert.ok(completed.length >= 2);
  for (const c of completed) {
    const st = subtree(spans, c.span_id);
    assert.deepEqual(st.slice(1).map((s) => s.name).sort(), NAMES_PER_WORKFLOW, `iteration ${c.completed} complete`);
  }
  const outer = spans.filter((s) => s.name === 'long_workflow');
  assert.equal(outer.length, 1);
  assert.equal(outer[0].status_code, 'OK');
});
