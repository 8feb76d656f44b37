// Table traces against table spans, read back with the Node DuckDB client
// after every kind of write: ordinary runs, a root that arrives after its
// children (late spans, in a later batch), TTL deleting part of a trace,
// clearing, and an older store (no traces table, three extra indexes) that a
// program opens for writing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runIn, withDb, withDbWritable } from './helpers.mjs';

const DAY_NS = 86_400_000_000_000n;

// What table traces must hold, computed here from the span rows.
async function expectedFromSpans(db) {
  const spans = await withDb(db, (q) =>
    q(`SELECT trace_id, span_id, parent_id, name, service, start_time, end_time, status_code, status_description,
              json_extract_string(attributes, '$.agent.name') AS agent,
              json_extract_string(attributes, '$.flock.workflow') AS wf,
              json_extract_string(attributes, '$.workflow.name') AS wf_name,
              TRY_CAST(json_extract_string(attributes, '$.gen_ai.usage.input_tokens') AS BIGINT) AS in_tok,
              TRY_CAST(json_extract_string(attributes, '$.gen_ai.usage.output_tokens') AS BIGINT) AS out_tok,
              json_extract_string(resource, '$.service.name') AS service_name
       FROM spans ORDER BY start_time, span_id`));
  const byTrace = new Map();
  for (const s of spans) {
    if (!byTrace.has(s.trace_id)) byTrace.set(s.trace_id, []);
    byTrace.get(s.trace_id).push(s);
  }
  const out = new Map();
  for (const [id, list] of byTrace) {
    const first = (l) => l.reduce((a, b) => (b.start_time < a.start_time ? b : a));
    const roots = list.filter((s) => s.parent_id === null);
    const workflows = list.filter((s) => s.wf === 'true');
    const errors = list.filter((s) => s.status_code === 'ERROR');
    const start = list.reduce((m, s) => (s.start_time < m ? s.start_time : m), list[0].start_time);
    const end = list.reduce((m, s) => (s.end_time > m ? s.end_time : m), list[0].end_time);
    out.set(id, {
      root_name: first(roots.length ? roots : list).name,
      workflow_name: workflows.length ? first(workflows).wf_name : null,
      start_time: start,
      end_time: end,
      span_count: BigInt(list.length),
      error_count: BigInt(errors.length),
      status: errors.length ? 'ERROR' : 'OK',
      services: [...new Set(list.map((s) => s.service).filter((x) => x !== null))].sort(),
      agents: [...new Set(list.map((s) => s.agent).filter((x) => x !== null))].sort(),
      error_message: errors.length ? first(errors).status_description : null,
      input_tokens: list.reduce((n, s) => n + (s.in_tok ?? 0n), 0n),
      output_tokens: list.reduce((n, s) => n + (s.out_tok ?? 0n), 0n),
      service_names: [...new Set(list.map((s) => s.service_name).filter((x) => x !== null))].sort(),
    });
  }
  return out;
}

async function assertAgrees(db, what) {
  const expected = await expectedFromSpans(db);
  const rows = await withDb(db, (q) =>
    q(`SELECT trace_id, root_name, workflow_name, start_time, end_time, duration_ms, span_count, error_count, status,
              services::VARCHAR AS services, agents::VARCHAR AS agents, error_message, input_tokens, output_tokens,
              service_names::VARCHAR AS service_names
       FROM traces ORDER BY trace_id`));
  assert.equal(rows.length, expected.size, `${what}: one row per trace (${rows.length} rows, ${expected.size} traces)`);
  for (const r of rows) {
    const e = expected.get(r.trace_id);
    assert.ok(e, `${what}: traces has ${r.trace_id}, spans does not`);
    const got = { ...r, services: JSON.parse(r.services), agents: JSON.parse(r.agents),
                  service_names: JSON.parse(r.service_names) };
    for (const k of Object.keys(e)) assert.deepEqual(got[k], e[k], `${what}: ${r.trace_id} ${k}`);
    assert.ok(Math.abs(r.duration_ms - Number(e.end_time - e.start_time) / 1e6) < 1e-6, `${what}: duration_ms`);
  }
  return rows.length;
}

test('ordinary runs: workflows, failures, nesting, many threads', async (t) => {
  const first = await runIn(t, ['pizza']);
  for (const args of [['agent_error'], ['nested'], ['components'], ['threads', '6', '4']]) {
    await runIn(t, args, {}, { tmp: { dir: first.dir, db: first.db } });
  }
  const n = await assertAgrees(first.db, 'after five programs');
  assert.ok(n >= 10, `${n} traces`);
  const failed = await withDb(first.db, (q) => q("SELECT count(*) AS n FROM traces WHERE status = 'ERROR' AND error_message IS NOT NULL"));
  assert.ok(failed[0].n > 0n, 'a failed trace names its first error');
});

test('a root that ends after its children were written: the row is merged, not doubled', async (t) => {
  // Each iteration is flushed on its own; the outer workflow span (the
  // root) ends last, in a later batch than every child.
  const r = await runIn(t, ['long_running', '2', '1', '1']);
  await assertAgrees(r.db, 'after late spans');
  const outer = JSON.parse(r.stdout.split('\n').find((l) => l.includes('outer_trace_id'))).outer_trace_id;
  const row = await withDb(r.db, (q) => q(`SELECT root_name, workflow_name FROM traces WHERE trace_id = '${outer}'`));
  assert.deepEqual(row, [{ root_name: 'long_workflow', workflow_name: 'long_workflow' }]);
});

test('TTL deletes part of a trace: its row is summed again from what is left', async (t) => {
  const r = await runIn(t, ['pizza']);
  // Make the earliest half of one trace's spans ten days old.
  const [victim] = await withDb(r.db, (q) => q('SELECT trace_id, span_count FROM traces ORDER BY span_count DESC LIMIT 1'));
  await withDbWritable(r.db, async (q) => {
    await q(`UPDATE spans SET start_time = start_time - ${10n * DAY_NS}
             WHERE span_id IN (SELECT span_id FROM spans WHERE trace_id = '${victim.trace_id}'
                               ORDER BY start_time LIMIT ${Number(victim.span_count) / 2})`);
  });
  await runIn(t, ['untraced', '1'], { FLOCK_TRACE_TTL_DAYS: '1' }, { tmp: { dir: r.dir, db: r.db } });
  await assertAgrees(r.db, 'after TTL');
  const left = await withDb(r.db, (q) => q(`SELECT span_count FROM traces WHERE trace_id = '${victim.trace_id}'`));
  assert.ok(left.length === 0 || left[0].span_count < victim.span_count, 'the trace lost its old spans');
});

test('clearing leaves both tables empty, and the next run fills both', async (t) => {
  const r = await runIn(t, ['pizza']);
  const cleared = await runIn(t, ['clear', r.db], {}, { tmp: { dir: r.dir, db: r.db } });
  assert.match(cleared.stdout, /"success":true/);
  assert.equal(await assertAgrees(r.db, 'after clear'), 0);
  await runIn(t, ['nested'], {}, { tmp: { dir: r.dir, db: r.db } });
  assert.ok((await assertAgrees(r.db, 'after clear and a new run')) > 0);
});

test('a store of an earlier version gets table traces from its spans, keeps every span, loses the extra indexes', async (t) => {
  const r = await runIn(t, ['pizza']);
  const before = await withDb(r.db, (q) => q('SELECT count(*) AS n FROM spans'));
  // What earlier versions wrote: no traces table, three more indexes.
  await withDbWritable(r.db, async (q) => {
    await q('DROP VIEW workflows');
    await q('DROP TABLE traces');
    await q('CREATE INDEX idx_spans_trace_id ON spans (trace_id)');
    await q('CREATE INDEX idx_spans_start_time ON spans (start_time)');
    await q('CREATE INDEX idx_spans_name ON spans (name)');
    await q(`CREATE VIEW workflows AS SELECT trace_id FROM spans`);
  });
  await runIn(t, ['nested'], {}, { tmp: { dir: r.dir, db: r.db } });
  const after = await withDb(r.db, (q) => q('SELECT count(*) AS n FROM spans'));
  assert.ok(after[0].n > before[0].n, 'the old spans are kept and the new ones added');
  await assertAgrees(r.db, 'after migration');
  const indexes = await withDb(r.db, (q) => q("SELECT index_name FROM duckdb_indexes() WHERE table_name = 'spans'"));
  assert.deepEqual(indexes, []);
  const cols = await withDb(r.db, (q) => q("SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'workflows'"));
  assert.equal(cols[0].n, 7n, 'the workflows view is the current one');
});
