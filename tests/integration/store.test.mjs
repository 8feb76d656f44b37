// The trace store's life cycle: Flock::clear_traces and FLOCK_TRACE_TTL_DAYS.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runIn, runScenario, scenarioEnv, tempDir, withDb, withDbWritable, allSpans, duckdb } from './helpers.mjs';

const DAY_NS = 86400n * 1000000000n;

async function count(db) {
  return withDb(db, async (q) => (await q('SELECT count(*) AS n FROM spans'))[0].n);
}

// Runs the clear scenario on a path (no trace file of its own).
async function clear(t, cwd, dbArg) {
  const env = scenarioEnv('/nonexistent/never-used.duckdb', { FLOCK_TRACE_FILE: 'false' });
  const r = await runScenario(t, dbArg === undefined ? ['clear'] : ['clear', dbArg], { env, cwd });
  return r.lines[0];
}

test('clear_traces deletes every span, reports the count, and shrinks the file to a fresh store', async (t) => {
  const tmp = tempDir(t);
  const r = await runIn(t, ['bulk', '300'], {}, { tmp, timeoutMs: 300000 });
  const n = await count(tmp.db);
  assert.equal(n, BigInt(r.lines.find((l) => l.done).ended));
  assert.ok(n > 3000n);
  const bigSize = fs.statSync(tmp.db).size;

  // A fresh store, made by the library: TTL at start creates the schema, no span.
  const fresh = tempDir(t);
  await runIn(t, ['untraced', '0'], { FLOCK_TRACE_TTL_DAYS: '1' }, { tmp: fresh });
  assert.ok(fs.existsSync(fresh.db), 'the TTL pass at start creates the store');
  assert.equal(await count(fresh.db), 0n);
  const freshSize = fs.statSync(fresh.db).size;
  assert.ok(bigSize > freshSize, `the bulk store (${bigSize}) is bigger than a fresh one (${freshSize})`);

  const res = await clear(t, tmp.dir, tmp.db);
  assert.deepEqual(res, { success: true, deleted_count: Number(n), error: '' });
  const after = fs.statSync(tmp.db).size;
  assert.ok(after <= freshSize, `after clearing the file (${after} bytes) is no bigger than a fresh store (${freshSize})`);
  assert.ok(!fs.existsSync(tmp.db + '.wal') || fs.statSync(tmp.db + '.wal').size === 0);

  await withDb(tmp.db, async (q) => {
    assert.equal((await q('SELECT count(*) AS n FROM spans'))[0].n, 0n);
    assert.equal((await q('SELECT count(*) AS n FROM workflows'))[0].n, 0n);
    const cols = await q('DESCRIBE spans');
    assert.equal(cols.length, 17);
  });

  // The store goes on working; a second clear counts only the new spans.
  const again = await runIn(t, ['pizza'], {}, { tmp });
  const ended = again.lines.find((l) => l.done).ended;
  assert.equal(await count(tmp.db), BigInt(ended));
  assert.deepEqual(await clear(t, tmp.dir, tmp.db), { success: true, deleted_count: ended, error: '' });

  // Default path: .flock/traces.duckdb under the working directory.
  await runIn(t, ['pizza'], {}, { tmp });
  const d = await clear(t, tmp.dir);
  assert.equal(d.success, true);
  assert.equal(d.deleted_count, ended);
  assert.equal(await count(tmp.db), 0n);
});

test('clear_traces on a missing, unreadable or busy file: success false with a message, no exception', async (t) => {
  const tmp = tempDir(t);
  const missing = path.join(tmp.dir, 'nope', 'traces.duckdb');
  const m = await clear(t, tmp.dir, missing);
  assert.equal(m.success, false);
  assert.equal(m.deleted_count, 0);
  assert.ok(m.error.length > 0);
  assert.ok(m.error.includes(missing), `the message names the file: ${m.error}`);
  assert.ok(!fs.existsSync(missing), 'clear does not create a store');

  const garbage = path.join(tmp.dir, 'garbage.duckdb');
  fs.writeFileSync(garbage, 'this is not a DuckDB database\n'.repeat(100));
  const before = fs.readFileSync(garbage);
  const g = await clear(t, tmp.dir, garbage);
  assert.equal(g.success, false);
  assert.equal(g.deleted_count, 0);
  assert.ok(g.error.length > 0);
  assert.deepEqual(fs.readFileSync(garbage), before, 'an unreadable file is left alone');

  // A DuckDB file without a spans table is not a trace store.
  const other = path.join(tmp.dir, 'other.duckdb');
  await withDbWritable(other, async (q) => q('CREATE TABLE t (x INT); INSERT INTO t VALUES (1)'));
  const o = await clear(t, tmp.dir, other);
  assert.equal(o.success, false);
  assert.ok(o.error.length > 0);
  await withDb(other, async (q) => assert.equal((await q('SELECT count(*) AS n FROM t'))[0].n, 1n));

  // Held open by another process (this one): refused, nothing deleted.
  await runIn(t, ['pizza'], {}, { tmp });
  const n = await count(tmp.db);
  const instance = await duckdb.DuckDBInstance.create(tmp.db, { access_mode: 'READ_ONLY' });
  let busy;
  try {
    busy = await clear(t, tmp.dir, tmp.db);
  } finally {
    instance.closeSync();
  }
  assert.equal(busy.success, false);
  assert.ok(busy.error.length > 0);
  assert.equal(await count(tmp.db), n, 'nothing deleted while the file was held');
});

test('FLOCK_TRACE_TTL_DAYS deletes stored spans older than the limit at start', async (t) => {
  const tmp = tempDir(t);
  await runIn(t, ['pizza'], {}, { tmp });
  const original = await allSpans(tmp.db);
  // Old rows, written by this independent client: copies of the real ones
  // moved 30 days and 2 days into the past. Their ids end in a non-hex
  // suffix, so a copy can never collide with a random original id.
  await withDbWritable(tmp.db, async (q) => {
    await q('CREATE TEMP TABLE orig AS SELECT * FROM spans');
    for (const [suffix, days] of [['x3', 30n], ['x2', 2n]]) {
      await q(`INSERT INTO spans
               SELECT substr(trace_id, 1, 30) || '${suffix}', substr(span_id, 1, 14) || '${suffix}',
                      CASE WHEN parent_id IS NULL THEN NULL ELSE substr(parent_id, 1, 14) || '${suffix}' END,
                      name, service, operation, kind, start_time - ${days * DAY_NS}, end_time - ${days * DAY_NS},
                      duration_ms, status_code, status_description, attributes, events, links, resource, created_at
               FROM orig`);
    }
  });
  assert.equal(await count(tmp.db), BigInt(original.length * 3));

  const r = await runIn(t, ['pizza'], { FLOCK_TRACE_TTL_DAYS: '7' }, { tmp });
  const fresh = r.lines.find((l) => l.trace_id).trace_id;
  const spans = await allSpans(tmp.db);
  const nowNs = BigInt(Date.now()) * 1000000n;
  assert.ok(spans.every((s) => nowNs - s.start_time < 7n * DAY_NS), 'nothing older than 7 days is left');
  assert.equal(spans.filter((s) => s.span_id.endsWith('x3')).length, 0, 'the 30-day-old copies are gone');
  const twoDays = spans.filter((s) => nowNs - s.start_time > DAY_NS);
  assert.equal(twoDays.length, original.length, 'the 2-day-old copies stay');
  for (const s of original) assert.ok(spans.some((x) => x.span_id === s.span_id), 'the first run stays');
  assert.equal(spans.filter((s) => s.trace_id === fresh).length, r.lines.find((l) => l.done).ended, 'the new run is stored');

  // Fractional days, and a run that records no span at all: still applied at start.
  await runIn(t, ['untraced', '1'], { FLOCK_TRACE_TTL_DAYS: '0.5', FLOCK_AUTO_TRACE: 'false' }, { tmp });
  const left = await allSpans(tmp.db);
  assert.ok(left.length > 0);
  assert.ok(left.every((s) => nowNs - s.start_time < DAY_NS / 2n), 'the 2-day-old copies are gone');
  assert.equal(left.length, original.length * 2, 'both recent runs stay');
});
