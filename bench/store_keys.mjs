// What the store's missing keys cost and save (docs/trace-store.md, table
// spans and table traces), measured on DuckDB itself through
// @duckdb/node-api with the writer's settings:
//   node bench/store_keys.mjs repeats       the writer's repeat look-up over
//                                            a small and a big store
//   node bench/store_keys.mjs traces        merging summaries into traces of
//                                            10K and 830K rows, with and without the key
//   node bench/store_keys.mjs rebuild [N]   rebuilding N spans (1M) without the key
// Files go to a temporary folder that is removed afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { DuckDBInstance } = createRequire(path.join(root, 'deps', 'package.json'))('@duckdb/node-api');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flock-keys-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const settings = { threads: '2', memory_limit: '256MB', storage_compatibility_version: 'latest', checkpoint_threshold: '1GB' };

async function open(name) {
  const instance = await DuckDBInstance.create(path.join(tmp, name), settings);
  const con = await instance.connect();
  const run = (sql) => con.run(sql);
  const rows = async (sql, params) => {
    const p = await con.prepare(sql);
    if (params) p.bind(params);
    return (await p.runAndReadAll()).getRowObjects();
  };
  return { run, rows, close: () => { con.closeSync(); instance.closeSync(); } };
}

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
async function timed(fn, runs = 9) {
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

const SPANS = (key) => `(trace_id VARCHAR NOT NULL, span_id VARCHAR ${key}, parent_id VARCHAR, name VARCHAR NOT NULL,
  service VARCHAR, operation VARCHAR, kind VARCHAR, start_time BIGINT NOT NULL, end_time BIGINT NOT NULL,
  duration_ms DOUBLE NOT NULL, status_code VARCHAR NOT NULL, status_description VARCHAR, attributes JSON, events JSON,
  links JSON, resource JSON, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`;
const fillSpans = (from, to, createdAt) => `INSERT INTO spans SELECT md5('t' || (i // 12)), left(md5('s' || i), 16),
  CASE WHEN i % 12 = 0 THEN NULL ELSE left(md5('s' || (i - i % 12)), 16) END, 'Agent.execute', 'Agent', 'execute',
  'INTERNAL', 1700000000000000000 + i * 1000000, 1700000000000000000 + i * 1000000 + 500000, 0.5, 'OK', NULL,
  '{"agent":{"name":"agent_' || (i % 17) || '"},"input":{"value":"' || repeat(md5('x' || i), 6) || '"}}', '[]', '[]',
  '{"service":{"name":"svc"}}', ${createdAt} FROM range(${from}, ${to}) r(i)`;

// The writer's look-up (src/storage/duckdb_span_exporter.cpp, kStoredRecentlySql).
const LOOKUP = `SELECT trace_id, span_id FROM spans WHERE created_at >= least(CAST(current_timestamp AS TIMESTAMP) -
  INTERVAL 15 MINUTE, CAST(current_timestamp - INTERVAL 15 MINUTE AS TIMESTAMP))
  AND span_id IN (SELECT unnest(string_split($1, ',')))`;

async function repeats() {
  for (const [old, recent] of [[100000, 20000], [100000, 200000], [5000000, 200000]]) {
    const db = await open(`repeats-${old}-${recent}.duckdb`);
    await db.run(`CREATE TABLE spans ${SPANS('NOT NULL')}`);
    await db.run(fillSpans(0, old, `TIMESTAMP '2026-01-01' + to_microseconds(i * 1000)`));
    await db.run(fillSpans(old, old + recent,
      `CAST(current_timestamp AS TIMESTAMP) - INTERVAL 10 MINUTE + to_microseconds((i - ${old}) * 1000)`));
    await db.run('CHECKPOINT');
    const end = old + recent;
    const ids = async (from, to) =>
      (await db.rows(`SELECT left(md5('s' || i), 16) AS s FROM range(${from}, ${to}) r(i)`)).map((r) => r.s).join(',');
    const fresh = await ids(end, end + 4096);
    const half = await ids(end - 2048, end + 2048);
    const a = await timed(() => db.rows(LOOKUP, [fresh]));
    const b = await timed(() => db.rows(LOOKUP, [half]));
    console.log(`store ${old + recent} spans, ${recent} in the window: 4,096 new ids ${a.toFixed(1)} ms, half stored ${b.toFixed(1)} ms`);
    db.close();
  }
}

async function traces() {
  const src = fs.readFileSync(path.join(root, 'src', 'storage', 'schema.cpp'), 'utf8');
  const columns = src.slice(src.indexOf('kTracesColumns = R"sql(') + 'kTracesColumns = R"sql('.length);
  const tracesColumns = columns.slice(0, columns.indexOf(')sql"'));
  const summaries = fs.readFileSync(path.join(root, 'src', 'storage', 'trace_summaries.cpp'), 'utf8');
  const m = summaries.slice(summaries.indexOf('constexpr const char* kMerge = R"sql(') + 'constexpr const char* kMerge = R"sql('.length);
  const update = m.slice(0, m.indexOf(')sql"'));
  const set = update.slice(update.indexOf('UPDATE traces SET') + 'UPDATE traces SET'.length, update.indexOf('\nFROM ('));
  const onConflict = `INSERT INTO traces SELECT * FROM traces_incoming ON CONFLICT (trace_id) DO UPDATE SET ${set.replaceAll('e.', 'EXCLUDED.')}`;
  const row = (i, base) => `md5('t' || ${i}), 'root', NULL, ${i} * 1000, ${i} * 1000 + ${base}, 0.5, 12, 0, 'OK', '["Agent"]', '["a"]',
    NULL, 10, 20, '[]', '[]', true, NULL, NULL, '["svc"]', NULL`;
  for (const n of [10000, 830000]) {
    for (const keyed of [true, false]) {
      const db = await open(`traces-${n}-${keyed}.duckdb`);
      const def = keyed ? tracesColumns.replace('trace_id VARCHAR NOT NULL', 'trace_id VARCHAR PRIMARY KEY') : tracesColumns;
      await db.run(`CREATE TABLE traces ${def}`);
      await db.run(`INSERT INTO traces SELECT ${row('i', 500)} FROM range(${n}) r(i)`);
      await db.run('CHECKPOINT');
      let next = n;
      const flush = [];
      const checkpoint = [];
      for (let k = 0; k < 12; k++) {
        const t0 = performance.now();
        await db.run('BEGIN');
        await db.run('CREATE OR REPLACE TEMP TABLE traces_incoming AS SELECT * FROM traces LIMIT 0');
        await db.run(`INSERT INTO traces_incoming SELECT ${row('i', 900)} FROM range(${next - 170}, ${next + 170}) r(i)`);
        if (keyed) {
          await db.run(onConflict);
        } else {
          await db.run('CREATE OR REPLACE TEMP TABLE traces_found AS SELECT rowid AS rid, trace_id FROM traces ' +
                       'WHERE trace_id IN (SELECT trace_id FROM traces_incoming)');
          await db.run(update);
          await db.run('INSERT INTO traces SELECT * FROM traces_incoming WHERE trace_id NOT IN (SELECT trace_id FROM traces_found)');
          await db.run('DROP TABLE traces_found');
        }
        await db.run('DROP TABLE traces_incoming');
        await db.run('COMMIT');
        const t1 = performance.now();
        await db.run('CHECKPOINT');
        if (k >= 2) {
          flush.push(t1 - t0);
          checkpoint.push(performance.now() - t1);
        }
        next += 170;
      }
      console.log(`traces ${n}, ${keyed ? 'with the key' : 'without a key'}: merge and commit ${median(flush).toFixed(1)} ms, checkpoint ${median(checkpoint).toFixed(1)} ms`);
      db.close();
    }
  }
}

async function rebuild(n) {
  const db = await open('rebuild.duckdb');
  await db.run(`CREATE TABLE spans ${SPANS('PRIMARY KEY')}`);
  await db.run(fillSpans(0, n, `TIMESTAMP '2026-01-01' + to_microseconds(i * 1000)`));
  await db.run('CHECKPOINT');
  const before = fs.statSync(path.join(tmp, 'rebuild.duckdb')).size;
  const t0 = performance.now();
  // The writer's statements (src/storage/schema.cpp, rebuild_spans_without_key).
  await db.run('BEGIN');
  await db.run(`CREATE TABLE spans_rebuilt ${SPANS('NOT NULL')}`);
  await db.run('INSERT INTO spans_rebuilt SELECT * FROM spans');
  await db.run('DROP TABLE spans');
  await db.run('ALTER TABLE spans_rebuilt RENAME TO spans');
  await db.run('COMMIT');
  const t1 = performance.now();
  await db.run('CHECKPOINT');
  const after = fs.statSync(path.join(tmp, 'rebuild.duckdb')).size;
  console.log(`rebuild of ${n} spans: ${(t1 - t0).toFixed(0)} ms, checkpoint ${(performance.now() - t1).toFixed(0)} ms, ` +
              `file ${(before / 1e6).toFixed(0)} MB -> ${(after / 1e6).toFixed(0)} MB`);
  db.close();
}

const what = process.argv[2];
if (what === 'repeats') await repeats();
else if (what === 'traces') await traces();
else if (what === 'rebuild') await rebuild(Number(process.argv[3] ?? 1000000));
else {
  console.error('usage: node bench/store_keys.mjs repeats | traces | rebuild [spans]');
  process.exit(2);
}
