// POST /api/traces/query calls only reviewed table functions: DuckDB's others
// change the instance (enable_logging, checkpoint), run SQL given as text or
// throw where nothing catches them. Every table function DuckDB lists is fed
// to the route and the server must answer each and stay up; functions that
// make a value as large as an argument says need a small constant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDemo, api, assertError, duckdb } from './helpers.mjs';

const query = (s, sql) => api(s.base, '/api/traces/query', { method: 'POST', json: { sql } });

// The server still answers, and its process is alive.
async function assertUp(s, what) {
  assert.equal(s.h.child.exitCode, null, `${what}: the server exited\n${s.h.stderr}`);
  assert.equal(s.h.child.signalCode, null, `${what}: the server died of a signal`);
  const r = await api(s.base, '/api/health');
  assert.equal(r.status, 200, `${what}: /api/health after it answered ${r.status}`);
}

// Every table function and table macro of this DuckDB, from an independent client.
async function tableFunctions() {
  const inst = await duckdb.DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  const r = await con.runAndReadAll(
    "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type IN ('table', 'table_macro') ORDER BY 1");
  return r.getRows().map((row) => row[0]);
}

// The reviewed list of docs/http-api.md.
const ALLOWED = new Set(['range', 'generate_series', 'unnest', 'repeat', 'repeat_row', 'json_each', 'json_tree',
  'summary', 'histogram', 'histogram_values', 'test_all_types', 'pg_timezone_names', 'icu_calendar_names',
  'duckdb_columns', 'duckdb_constraints', 'duckdb_databases', 'duckdb_dependencies', 'duckdb_functions',
  'duckdb_indexes', 'duckdb_keywords', 'duckdb_schemas', 'duckdb_sequences', 'duckdb_tables', 'duckdb_types',
  'duckdb_views', 'pragma_table_info', 'pragma_show', 'pragma_database_size', 'pragma_storage_info',
  'pragma_metadata_info', 'pragma_version', 'pragma_platform', 'pragma_collations']);

test('SQL table functions: each one DuckDB has is answered, the reviewed ones run, the others are 403, the server stays up', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const names = await tableFunctions();
  assert.ok(names.length > 50, `DuckDB lists ${names.length} table functions`);
  for (const name of ['enable_logging', 'checkpoint', 'query', 'read_text']) assert.ok(names.includes(name), name);
  for (const name of names) {
    // With no arguments most are a binder error; refused ones never get that far.
    const r = await query(s, `SELECT * FROM ${name}()`);
    assert.ok([200, 400, 403, 408].includes(r.status), `${name}(): ${r.status} ${r.text}`);
    if (!ALLOWED.has(name)) {
      assertError(r, 403, /not allowed/, `${name}()`);
    }
    await assertUp(s, `${name}()`);
  }
});

test('SQL table functions with the arguments that killed or changed the server: 403, nothing written or logged', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const logs = path.join(s.dir, 'duck-logs');
  const attacks = [
    `SELECT * FROM enable_logging(storage='file', storage_path='${logs}')`,
    "SELECT * FROM enable_logging(storage='stdout', level='trace')",
    "SELECT * FROM enable_logging()",
    "SELECT * FROM system.main.enable_logging(storage='stdout')",
    "SELECT * FROM ENABLE_LOGGING(storage='stdout')",
    "SELECT * FROM \"enable_logging\"(storage='stdout')",
    "SELECT * FROM checkpoint()",
    "SELECT * FROM force_checkpoint()",
    "SELECT * FROM truncate_duckdb_logs()",
    "SELECT * FROM duckdb_logs()",
    'SELECT * FROM duckdb_logs',
    'SELECT * FROM system.main.duckdb_logs',
    "SELECT * FROM query('SELECT 1')",
    "SELECT * FROM query_table('spans')",
    "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_secrets()",
    // Hidden in a subquery, a CTE, a set operation and a lateral join.
    "SELECT * FROM (SELECT * FROM enable_logging(storage='stdout'))",
    "WITH x AS (SELECT * FROM checkpoint()) SELECT * FROM x",
    "SELECT 1 UNION ALL SELECT * FROM force_checkpoint()",
    "SELECT * FROM range(1) r, LATERAL (SELECT * FROM query('SELECT 1'))",
    "SELECT (SELECT count(*) FROM enable_logging(storage='stdout'))",
    'PRAGMA enable_profiling',
    'PRAGMA force_checkpoint',
    "SELECT write_log('x')",
  ];
  for (const sql of attacks) {
    const r = await query(s, sql);
    assertError(r, 403, /not allowed|only SELECT/, sql);
    await assertUp(s, sql);
  }
  assert.ok(!fs.existsSync(logs), 'no DuckDB log folder was created');
  const out = s.h.stdout;
  assert.ok(!/enable_logging|QueryLog/i.test(out), 'nothing of DuckDB\'s log reached stdout');

  // The reviewed ones still work, PRAGMA and SHOW included.
  for (const sql of ["SELECT count(*) AS n FROM range(3)", "SELECT * FROM generate_series(1, 3)",
    "SELECT * FROM unnest([1, 2])", "SELECT key FROM json_each('{\"a\":1}')",
    "SELECT table_name FROM duckdb_tables()", "PRAGMA table_info('spans')", 'SHOW TABLES', 'DESCRIBE spans',
    "SELECT * FROM repeat('x', 3)", "SELECT name FROM pragma_table_info('spans')"]) {
    const r = await query(s, sql);
    assert.equal(r.status, 200, `${sql}: ${r.status} ${r.text}`);
  }
});

test('SQL size-making functions: a large or unknown size is refused before it runs; small constants work', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  const refused = [
    "SELECT repeat('x', 1500000000)",
    "SELECT repeat('x', 1.5e9::INTEGER)",
    "SELECT ('x').repeat(1500000000)",
    "SELECT repeat('x', n) FROM (SELECT 1500000000 AS n)",
    "SELECT length(lpad('a', 2000000000, 'b'))",
    "SELECT rpad('a', 2000000000, 'b')",
    "SELECT bar(1, 0, 1, 1e9)",
    "SELECT printf('%1000000000d', 1)",
    "SELECT format('{:>1000000000}', 'x')",
    "SELECT len(range(1000000000))",
    "SELECT list_resize([1], 1000000000)",
    "SELECT repeat([1, 2], 1000000000)",
    "SELECT length(repeat(repeat('x', 8000), 8000))",
    "SELECT repeat(name, 100) FROM spans",
    "SELECT lpad('a', 9000, 'b')",
  ];
  for (const sql of refused) {
    const r = await query(s, sql);
    assertError(r, 403, /size|width|more than|constant/, sql);
  }
  for (const [sql, want] of [["SELECT length(repeat('ab', 3)) AS n", 6], ["SELECT length(lpad('a', 5, 'b')) AS n", 5],
    ["SELECT length(repeat('x', least(t, 7))) AS n FROM (SELECT 1000000000 AS t)", 7],
    ["SELECT len(range(10)) AS n", 10], ["SELECT length(printf('%5d', 1)) AS n", 5]]) {
    const r = await query(s, sql);
    assert.equal(r.status, 200, `${sql}: ${r.status} ${r.text}`);
    assert.equal(Number(r.body.rows[0][0]), want, sql);
  }
  await assertUp(s, 'size-making functions');
});

test('SQL functions of extensions: said to be unavailable here, never advised to INSTALL', async (t) => {
  const s = await startDemo(t, { runs: 1 });
  for (const sql of ["SELECT st_point(1, 2)", "SELECT * FROM read_xlsx('a.xlsx')", "SELECT * FROM (SELECT st_astext(1))"]) {
    const r = await query(s, sql);
    const e = assertError(r, r.status === 400 ? 400 : 403, /not available in this read-only SQL|not allowed/, sql);
    assert.ok(!/INSTALL|LOAD |autoinstall|autoload/.test(e), `${sql}: no advice to install: ${e}`);
  }
});
