// Faults: SIGKILL mid-run leaves a file that opens with every span flushed
// before the kill; SIGTERM and SIGINT lose nothing (open workflow spans end
// with status ERROR, every ended span is stored).
import test from 'node:test';
import assert from 'node:assert/strict';
import { tempDir, startScenario, scenarioEnv, allSpans, checkRows, subtree, sleep } from './helpers.mjs';

const ITERATION_NAMES = [
  'Flock.publish', 'Flock.run_until_idle', 'Flock.shutdown',
  'Agent.execute', 'Agent.execute',
  'OutputUtilityComponent.on_initialize', 'OutputUtilityComponent.on_initialize',
  'FunctionEngine.evaluate', 'FunctionEngine.evaluate',
  'OutputUtilityComponent.on_post_evaluate', 'OutputUtilityComponent.on_post_evaluate',
].sort();

function checkIterationComplete(spans, line) {
  const st = subtree(spans, line.span_id);
  assert.ok(st.length > 0, `iteration ${line.completed} (${line.span_id}) is stored`);
  assert.equal(st[0].name, 'iteration');
  assert.equal(st[0].status_code, 'OK');
  assert.deepEqual(st.slice(1).map((s) => s.name).sort(), ITERATION_NAMES, `iteration ${line.completed} has all its spans`);
}

for (const delayMs of [0, 37, 180]) {
  test(`SIGKILL mid-run (${delayMs} ms after a flush): the file opens with every span flushed before the kill`, async (t) => {
    const tmp = tempDir(t);
    const h = startScenario(t, ['long_running', '0', '1', '1'], { env: scenarioEnv(tmp.db), cwd: tmp.dir });
    await h.waitFor((l) => l.flushed_through >= 4, 90000);
    if (delayMs > 0) await sleep(delayMs);
    h.child.kill('SIGKILL');
    const r = await h.exited;
    assert.equal(r.signal, 'SIGKILL');
    const flushes = r.lines.filter((l) => l.flushed !== undefined);
    const last = flushes[flushes.length - 1];
    const spans = await allSpans(tmp.db);
    checkRows(spans);
    assert.ok(spans.length >= last.flushed, `${spans.length} stored >= ${last.flushed} reported flushed`);
    const completed = r.lines.filter((l) => l.completed !== undefined && l.completed <= last.flushed_through);
    assert.equal(completed.length, last.flushed_through + 1);
    for (const c of completed) checkIterationComplete(spans, c);
  });
}

for (const sig of ['SIGTERM', 'SIGINT']) {
  test(`${sig} loses nothing: ended spans are flushed, open workflows end with ERROR`, async (t) => {
    const tmp = tempDir(t);
    // No periodic flush: everything ended so far is only in memory when the
    // signal arrives.
    const h = startScenario(t, ['long_running', '0', '0', '3'], {
      env: scenarioEnv(tmp.db, { FLOCK_TRACE_FLUSH_MS: '600000' }),
      cwd: tmp.dir,
    });
    const outerLine = await h.waitFor((l) => l.outer_span_id, 60000);
    await h.waitFor((l) => l.completed >= 5, 90000);
    await sleep(20);
    // Iterations reported before the signal was sent ended before it.
    const before = h.lines().filter((l) => l.completed !== undefined);
    h.child.kill(sig);
    const r = await h.exited;
    assert.ok(r.signal === sig || (r.code !== null && r.code !== 0), `ended by ${sig} (code ${r.code}, signal ${r.signal})`);
    const spans = await allSpans(tmp.db);
    checkRows(spans);
    assert.ok(before.length >= 6);
    for (const c of before) checkIterationComplete(spans, c);
    const completed = r.lines.filter((l) => l.completed !== undefined);

    const outer = spans.find((s) => s.span_id === outerLine.outer_span_id);
    assert.ok(outer, 'the open outer workflow span is stored');
    assert.equal(outer.name, 'long_workflow');
    assert.equal(outer.status_code, 'ERROR');
    assert.match(outer.status_description, new RegExp(sig.replace('SIG', ''), 'i'));
    // Every iteration that started before the signal is stored: those that
    // ended before it are OK (one open at the signal is ended with ERROR, one
    // started after it may be either).
    const stored = spans.filter((x) => x.name === 'iteration');
    const done = new Set(before.map((c) => c.span_id));
    assert.ok(stored.length >= before.length);
    assert.ok(stored.length <= completed.length + 1, 'no iteration stored twice');
    for (const s of stored) {
      if (done.has(s.span_id)) assert.equal(s.status_code, 'OK');
      assert.equal(s.parent_id, outer.span_id);
    }

    assert.ok(spans.every((s) => s.trace_id === outer.trace_id));
  });
}
