// POST /api/traces/query: read-only, no files or network from SQL, one
// statement, bounded time (408 past 5 s) and rows (truncated past 10000).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDemo, api, assertError, getJson, withDb, storedSpans } from './helpers.mjs';

const query = (s, sql) => api(s.base, '/api/traces/query', { method: 'POST', json: { sql } });

test('SQL safety: files, network, extensions, ATTACH, COPY and every non-SELECT are refused; the file is untouched', async (t) => {
  const s = await startDemo(t, { runs: 2 });
  const before = await storedSpans(s.db);
  const out = (name) => path.join(s.dir, name);

  await t.test('file and network access from SQL: 403', async () => {
    fs.writeFileSync(out('secret.txt'), 'root:x:0:0:secret\n');
    fs.writeFileSync(path.join(path.dirname(s.db), 'secret.txt'), 'root:x:0:0:secret\n');
    const refused = [
      "SELECT * FROM read_text('/etc/passwd')",
      "SELECT content FROM read_text('/etc/passwd')",
      "SELECT * FROM read_csv('/etc/passwd')",
      "SELECT * FROM read_csv_auto('/etc/passwd')",
      "SELECT * FROM read_json('/etc/passwd')",
      "SELECT * FROM read_blob('/etc/hostname')",
      "SELECT * FROM read_parquet('/etc/passwd')",
      "SELECT * FROM glob('/etc/*')",
      "SELECT * FROM sniff_csv('/etc/passwd')",
      "SELECT * FROM '/etc/passwd.csv'", // replacement scan of a file name
      // A file next to the trace store is no more reachable than /etc.
      `SELECT * FROM read_text('${out('secret.txt')}')`,
      `SELECT * FROM read_csv('${path.join(path.dirname(s.db), 'secret.txt')}')`,
      "SELECT * FROM read_csv('https://example.com/x.csv')",
      "SELECT * FROM 'http://example.com/x.parquet'",
    ];
    for (const sql of refused) {
      const r = await query(s, sql);
      const e = assertError(r, 403, /Permission|not allowed|disabled|forbidden|refused/i, sql);
      assert.ok(!/root:x:0:0/.test(r.text), `${sql}: no file content in the answer`);
      assert.ok(e.length > 0);
    }
    // The scalar misuse of read_text is not an answer with the file either.
    const scalar = await query(s, "SELECT read_text('/etc/passwd')");
    assert.ok(scalar.status >= 400 && scalar.status < 500, `SELECT read_text(...): ${scalar.status}`);
    assert.ok(!/root:x:0:0/.test(scalar.text));
  });

  await t.test('ATTACH, COPY .. TO, EXPORT, INSTALL/LOAD and every non-SELECT statement: 403', async () => {
    const refused = [
      `ATTACH '${out('attached.duckdb')}' AS other`,
      `COPY spans TO '${out('copy.csv')}'`,
      `COPY (SELECT * FROM spans) TO '${out('copy2.parquet')}' (FORMAT parquet)`,
      `EXPORT DATABASE '${out('export')}'`,
      'INSTALL httpfs',
      'FORCE INSTALL httpfs',
      'LOAD httpfs',
      'DELETE FROM spans',
      'DROP TABLE spans',
      'DROP VIEW workflows',
      "UPDATE spans SET name = 'x'",
      "INSERT INTO spans (trace_id, span_id, name, start_time, end_time, duration_ms, status_code) VALUES ('a', 'b', 'c', 0, 0, 0, 'OK')",
      'CREATE TABLE stolen AS SELECT * FROM spans',
      'CREATE VIEW v AS SELECT 1',
      'ALTER TABLE spans ADD COLUMN x INT',
      'SET threads = 1',
      'SET enable_external_access = true',
      'RESET threads',
      'CHECKPOINT',
      'VACUUM',
      'BEGIN TRANSACTION',
      'DETACH spans',
      'CALL pragma_version()',
      'EXPLAIN SELECT 1',
    ];
    for (const sql of refused) assertError(await query(s, sql), 403, /SELECT|Permission|not allowed|disabled/i, sql);
    for (const f of ['attached.duckdb', 'copy.csv', 'copy2.parquet', 'export']) assert.ok(!fs.existsSync(out(f)), `${f} was not written`);
  });

  await t.test('two statements, bad SQL, unknown tables: 400 naming the problem', async () => {
    assertError(await query(s, 'SELECT 1; SELECT 2'), 400, /one statement|2 statements/i, 'two statements');
    assertError(await query(s, 'SELECT 1; DROP TABLE spans'), 400, /one statement|2 statements/i, 'SELECT then DROP');
    assertError(await query(s, 'SELEC 1'), 400, /syntax|Parser/i, 'a typo');
    assertError(await query(s, 'SELECT * FROM no_such_table'), 400, /no_such_table/, 'an unknown table');
    assertError(await query(s, 'SELECT no_such_column FROM spans'), 400, /no_such_column/, 'an unknown column');
    assertError(await query(s, '   '), 400, /empty/i, 'blank');
    // Breaking out of a wrapping subquery is a syntax error, not a second statement.
    for (const sql of ['SELECT 1) AS t; DROP TABLE spans; SELECT * FROM (SELECT 1', 'SELECT 1) t UNION ALL (SELECT 2']) {
      const r = await query(s, sql);
      assert.ok(r.status === 400 || r.status === 403, `${sql}: ${r.status} ${r.text}`);
    }
  });

  await t.test('the file is untouched by all of the above', async () => {
    const after = await storedSpans(s.db);
    assert.deepEqual(after.map((x) => x.span_id), before.map((x) => x.span_id));
    assert.deepEqual(after.map((x) => x.name), before.map((x) => x.name));
    const tables = await withDb(s.db, (q) => q("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"));
    assert.deepEqual(tables.map((x) => x.table_name), ['spans', 'trace_models', 'traces', 'workflows']);
  });

  await t.test('read-only queries of every form run: WITH, FROM-first, VALUES, DESCRIBE, SHOW, SUMMARIZE, a trailing ";"', async () => {
    for (const sql of [
      'WITH x AS (SELECT count(*) AS n FROM spans) SELECT n FROM x',
      'FROM spans SELECT count(*)',
      'VALUES (1), (2)',
      'DESCRIBE spans',
      'SHOW TABLES',
      'SUMMARIZE spans',
      'SELECT 1;',
      'SELECT 1 -- a trailing comment',
      'SELECT * FROM workflows',
      "SELECT current_setting('enable_external_access') AS ext",
    ]) {
      const r = await query(s, sql);
      assert.equal(r.status, 200, `${sql}: ${r.status} ${r.text.slice(0, 300)}`);
      assert.ok(Array.isArray(r.body.rows));
    }
    const ext = await query(s, "SELECT current_setting('enable_external_access') AS ext");
    assert.deepEqual(ext.body.rows, [[false]], 'external access is off for these queries');
    // Column types survive: BIGINT ns exactly, JSON as JSON.
    const r = await query(s, 'SELECT span_id, start_time, attributes FROM spans ORDER BY start_time, span_id');
    assert.deepEqual(r.body.columns, ['span_id', 'start_time', 'attributes']);
    assert.equal(r.body.row_count, before.length);
    for (const [i, [id, start, attrs]] of r.body.rows.entries()) {
      assert.equal(id, before[i].span_id);
      assert.equal(BigInt(start), before[i].start_time, 'start_time exact');
      const parsed = typeof attrs === 'string' ? JSON.parse(attrs) : attrs;
      assert.deepEqual(Object.keys(parsed).sort(), Object.keys(before[i].attributes).sort());
    }
  });

  await t.test('a comment after the final ";" is still one statement', async () => {
    const r = await query(s, 'SELECT 1 AS one; -- the end');
    assert.equal(r.status, 200, `"SELECT 1 AS one; -- the end": ${r.status} ${r.text}`);
    assert.deepEqual(r.body.rows, [[1]]);
  });

  await t.test('PRAGMA: answered (it reads) or refused as non-SELECT, not a syntax error in the server\'s own wrapper', async () => {
    for (const sql of ['PRAGMA version', 'PRAGMA database_list', 'PRAGMA show_tables']) {
      const r = await query(s, sql);
      if (r.status === 200) continue;
      assertError(r, 403, /SELECT/, sql);
      assert.doesNotMatch(r.body.error, /flock_user_query/, `${sql}: the message shows the server's wrapper`);
    }
  });
});

test('SQL time limit: a query over 5 s is cancelled with 408; the server keeps answering meanwhile and after', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const t0 = Date.now();
  const slow = query(s, 'SELECT sum(hash(a.range * b.range)) FROM range(100000) a, range(100000) b');
  let slowDone = false;
  slow.then(() => (slowDone = true), () => (slowDone = true));
  // While it runs, other requests are served.
  const health = await api(s.base, '/api/health');
  assert.equal(health.status, 200);
  const list = await api(s.base, '/api/traces');
  assert.equal(list.status, 200, list.text);
  assert.equal(slowDone, false, 'other requests were answered while the slow query ran');
  const r = await slow;
  const elapsed = Date.now() - t0;
  assertError(r, 408, /5000 ms|5 s|longer than|time/i, 'slow query');
  assert.ok(elapsed >= 4500, `cancelled after the limit, not before (${elapsed} ms)`);
  assert.ok(elapsed < 20000, `cancelled soon after the limit (${elapsed} ms)`);
  const after = await query(s, 'SELECT count(*) AS n FROM spans');
  assert.equal(after.status, 200, after.text);
  assert.ok(Number(after.body.rows[0][0]) > 0);
});

test('SQL row limit: 10000 rows at most, truncated: true past it', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const exact = await query(s, 'SELECT range AS i FROM range(10000)');
  assert.equal(exact.status, 200);
  assert.equal(exact.body.row_count, 10000);
  assert.equal(exact.body.rows.length, 10000);
  assert.equal(exact.body.truncated, false);
  for (const n of [10001, 25000]) {
    const r = await query(s, `SELECT range AS i FROM range(${n}) ORDER BY i`);
    assert.equal(r.status, 200);
    assert.equal(r.body.truncated, true, `${n} rows: truncated`);
    assert.equal(r.body.row_count, 10000);
    assert.equal(r.body.rows.length, 10000);
    assert.deepEqual(r.body.rows[0], [0]);
    assert.deepEqual(r.body.rows[9999], [9999], 'the first 10000 rows, in order');
  }
  const small = await query(s, 'SELECT range FROM range(3)');
  assert.deepEqual(small.body, { columns: ['range'], rows: [[0], [1], [2]], row_count: 3, truncated: false });
  // A user LIMIT below the bound is kept.
  const limited = await query(s, 'SELECT range FROM range(50000) LIMIT 7');
  assert.equal(limited.body.row_count, 7);
  assert.equal(limited.body.truncated, false);
  assert.ok((await getJson(s.base, '/api/health')).status === 'ok');
});
