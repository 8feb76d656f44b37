// A store with the key on span_id (this product's earlier stores, the Python
// original's) is rebuilt without it by the first writer, in one transaction:
// a writer killed midway leaves the old table whole, and the next one
// rebuilds it with every span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runScenario, scenarioEnv, sleep, startScenario, tempDir, withDb, withDbWritable } from './helpers.mjs';

const EARLIER_SPANS = `
CREATE TABLE spans (
  trace_id VARCHAR NOT NULL, span_id VARCHAR PRIMARY KEY, parent_id VARCHAR, name VARCHAR NOT NULL,
  service VARCHAR, operation VARCHAR, kind VARCHAR, start_time BIGINT NOT NULL, end_time BIGINT NOT NULL,
  duration_ms DOUBLE NOT NULL, status_code VARCHAR NOT NULL, status_description VARCHAR, attributes JSON,
  events JSON, links JSON, resource JSON, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`;

// n spans of 12 per trace, with attributes of a realistic size; written
// "in 2026-01", so the checksum below can tell them from later spans.
const fill = (n) => `
INSERT INTO spans SELECT printf('%032x', i // 12), printf('%016x', i + 1),
  CASE WHEN i % 12 = 0 THEN NULL ELSE printf('%016x', i - i % 12 + 1) END, 'Agent.execute', 'Agent', 'execute',
  'INTERNAL', 1700000000000000000 + i * 1000000, 1700000000000000000 + i * 1000000 + 500000, 0.5, 'OK', NULL,
  '{"agent":{"name":"agent_' || (i % 17) || '"},"input":{"value":"' || repeat(md5('x' || i), 6) || '"}}',
  '[]', '[]', '{"service":{"name":"svc"}}', TIMESTAMP '2026-01-01' + to_microseconds(i * 1000)
FROM range(${n}) r(i)`;

const CHECKSUM = `SELECT count(*) AS n, sum(hash(trace_id, span_id, parent_id, name, service, operation, kind,
  start_time, end_time, duration_ms, status_code, status_description, attributes, events, links, resource,
  created_at)) AS h FROM spans WHERE created_at < TIMESTAMP '2026-02-01'`;
const KEYS = `SELECT count(*) AS n FROM duckdb_constraints() WHERE table_name = 'spans' AND constraint_type <> 'NOT NULL'`;
const INDEXES = `SELECT count(*) AS n FROM duckdb_indexes() WHERE table_name = 'spans'`;
const TABLES = `SELECT list(table_name ORDER BY table_name) AS names FROM duckdb_tables()`;

test('a writer killed during the rebuild leaves the old table whole; the next writer rebuilds it with every span', async (t) => {
  const SPANS = 600000;
  const tmp = tempDir(t);
  fs.mkdirSync(path.dirname(tmp.db), { recursive: true });
  await withDbWritable(tmp.db, async (q) => {
    await q(EARLIER_SPANS);
    await q('CREATE INDEX idx_spans_trace_id ON spans(trace_id)');
    await q(fill(SPANS));
  });
  const [before] = await withDb(tmp.db, (q) => q(CHECKSUM));
  assert.equal(before.n, BigInt(SPANS));

  const writer = startScenario(t, ['bulk', '3'], { env: scenarioEnv(tmp.db), cwd: tmp.dir });
  const deadline = Date.now() + 60000;
  while (!writer.stderr.includes('rebuilding table spans') && Date.now() < deadline) await sleep(5);
  assert.match(writer.stderr, /rebuilding table spans without its primary key \(600000 spans/);
  await sleep(50);
  const midway = !writer.stderr.includes('copied without its primary key');
  writer.child.kill('SIGKILL');
  const r = await writer.exited;
  assert.equal(r.signal, 'SIGKILL');
  // The copy takes seconds: the kill lands in it (else this run proves nothing).
  assert.ok(midway, `the rebuild ended within 50 ms; stderr:\n${r.stderr}`);

  await withDb(tmp.db, async (q) => {
    const [after] = await q(CHECKSUM);
    assert.deepEqual(after, before, 'every span as it was');
    assert.equal((await q('SELECT count(*) AS n FROM spans'))[0].n, BigInt(SPANS));
    assert.equal((await q(KEYS))[0].n, 1n, 'the key is still there');
    assert.equal((await q(INDEXES))[0].n, 1n);
    assert.deepEqual((await q(TABLES))[0].names, ['spans'], 'no half-built table');
  });

  const done = await runScenario(t, ['bulk', '3'], { env: scenarioEnv(tmp.db), cwd: tmp.dir });
  assert.match(done.stderr, /copied without its primary key/);
  await withDb(tmp.db, async (q) => {
    const [after] = await q(CHECKSUM);
    assert.deepEqual(after, before, 'every span kept through the rebuild');
    assert.equal((await q(KEYS))[0].n, 0n);
    assert.equal((await q(INDEXES))[0].n, 0n);
    const [{ n }] = await q('SELECT count(*) AS n FROM spans');
    assert.ok(n > BigInt(SPANS), `the new spans are there too (${n})`);
    assert.equal((await q('SELECT count(*) AS n FROM (SELECT DISTINCT trace_id, span_id FROM spans)'))[0].n, n);
    assert.equal((await q('SELECT sum(span_count) AS n FROM traces'))[0].n, n);
  });
});
