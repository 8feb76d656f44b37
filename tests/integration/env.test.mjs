// The environment of docs/configuration.md: bad values warn and keep the default;
// FLOCK_TRACE_IGNORE / FLOCK_TRACE_SERVICES filter; OTEL_SDK_DISABLED and
// FLOCK_AUTO_TRACE turn spans off.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { runIn, runScenario, scenarioEnv, tempDir, allSpans, withDb, withDbWritable, checkRows, checkConnected, attr } from './helpers.mjs';

const PIZZA_NAMES = [
  'pizza_workflow', 'Flock.publish', 'Agent.execute', 'OutputUtilityComponent.on_initialize',
  'FunctionEngine.evaluate', 'OutputUtilityComponent.on_post_evaluate', 'Flock.run_until_idle', 'Flock.shutdown',
].sort();

function warned(stderr, name) {
  const lines = stderr.split('\n').filter((l) => /warn/i.test(l));
  return lines.some((l) => l.includes(name));
}

async function config(t, env) {
  const r = await runIn(t, ['config'], env);
  return { r, c: r.lines[0] };
}

test('bad values: a warning naming the variable, and the default applies', async (t) => {
  const cases = [
    ['FLOCK_AUTO_TRACE', 'maybe', (c) => assert.equal(c.auto_trace, true)],
    ['FLOCK_TRACE_TTL_DAYS', 'abc', (c) => assert.equal(c.ttl_days, null)],
    ['FLOCK_TRACE_TTL_DAYS', '-3', (c) => assert.equal(c.ttl_days, null)],
    ['FLOCK_TRACE_SERVICES', 'notjson', (c) => assert.deepEqual(c.services, [])],
    ['FLOCK_TRACE_SERVICES', '{"flock": true}', (c) => assert.deepEqual(c.services, [])],
    ['FLOCK_TRACE_IGNORE', '[1, 2]', (c) => assert.deepEqual(c.ignore, [])],
    ['FLOCK_AUTO_WORKFLOW_TRACE', 'perhaps', (c) => assert.equal(c.auto_workflow_trace, false)],
    ['OTEL_SDK_DISABLED', 'sometimes', (c) => assert.equal(c.sdk_disabled, false)],
    ['FLOCK_TRACE_FLUSH_MS', 'soon', (c) => assert.equal(c.flush_ms, 500)],
  ];
  for (const [name, value, check] of cases) {
    const { r, c } = await config(t, { [name]: value });
    assert.ok(warned(r.stderr, name), `${name}=${value}: warning naming it on stderr; got:\n${r.stderr}`);
    assert.ok(r.stderr.includes(value), `${name}: the warning shows the bad value`);
    check(c);
  }
  // Good values are read, with no warning.
  const { r, c } = await config(t, {
    FLOCK_TRACE_TTL_DAYS: '2.5', FLOCK_TRACE_SERVICES: '["Flock", "AGENT"]', FLOCK_TRACE_IGNORE: '["Flock.shutdown"]',
    FLOCK_AUTO_WORKFLOW_TRACE: 'TRUE', FLOCK_TRACE_FLUSH_MS: '250',
  });
  assert.ok(!/warn/i.test(r.stderr), r.stderr);
  assert.equal(c.ttl_days, 2.5);
  assert.deepEqual(c.services, ['flock', 'agent']);
  assert.deepEqual(c.ignore, ['Flock.shutdown']);
  assert.equal(c.auto_workflow_trace, true);
  assert.equal(c.flush_ms, 250);
});

test('bad values in a real run: the defaults hold end to end', async (t) => {
  // FLOCK_AUTO_TRACE=maybe and FLOCK_TRACE_SERVICES=notjson: every span as usual.
  const a = await runIn(t, ['pizza'], { FLOCK_AUTO_TRACE: 'maybe', FLOCK_TRACE_SERVICES: 'notjson', FLOCK_TRACE_IGNORE: 'Flock.shutdown' });
  assert.ok(warned(a.stderr, 'FLOCK_AUTO_TRACE'));
  assert.ok(warned(a.stderr, 'FLOCK_TRACE_SERVICES'));
  assert.ok(warned(a.stderr, 'FLOCK_TRACE_IGNORE'));
  const spans = await allSpans(a.db);
  checkRows(spans);
  assert.deepEqual(spans.map((s) => s.name).sort(), PIZZA_NAMES);

  // FLOCK_TRACE_TTL_DAYS=abc: keep everything, even 400-day-old rows.
  await withDbWritable(a.db, (q) => q(`INSERT INTO spans SELECT '0123456789abcdef0123456789abcdef', '0123456789abcdef', NULL, name,
      service, operation, kind, start_time - 400 * 86400 * 1000000000::BIGINT, end_time - 400 * 86400 * 1000000000::BIGINT, duration_ms,
      status_code, status_description, attributes, events, links, resource, created_at FROM spans WHERE parent_id IS NULL`));
  const b = await runIn(t, ['pizza'], { FLOCK_TRACE_TTL_DAYS: 'abc' }, { tmp: { dir: a.dir, db: a.db } });
  assert.ok(warned(b.stderr, 'FLOCK_TRACE_TTL_DAYS'));
  await withDb(a.db, async (q) => {
    assert.equal((await q(`SELECT count(*) AS n FROM spans WHERE span_id = '0123456789abcdef'`))[0].n, 1n, 'the old row stays');
    assert.equal((await q('SELECT count(*) AS n FROM spans'))[0].n, BigInt(2 * PIZZA_NAMES.length + 1));
  });

  // FLOCK_TRACE_FILE=maybe: the default (false) applies, no file is written.
  const c = await runIn(t, ['pizza'], { FLOCK_TRACE_FILE: 'maybe' });
  assert.ok(warned(c.stderr, 'FLOCK_TRACE_FILE'));
  assert.equal(c.lines[0].pizzas, 1);
  assert.ok(!fs.existsSync(c.db), 'no trace file without FLOCK_TRACE_FILE=true');

  // FLOCK_AUTO_WORKFLOW_TRACE=perhaps: no workflow span, separate roots.
  const d = await runIn(t, ['untraced', '1'], { FLOCK_AUTO_WORKFLOW_TRACE: 'perhaps' });
  assert.ok(warned(d.stderr, 'FLOCK_AUTO_WORKFLOW_TRACE'));
  const ds = await allSpans(d.db);
  assert.deepEqual(ds.filter((s) => s.parent_id === null).map((s) => s.name), ['Flock.publish', 'Flock.run_until_idle']);
});

test('FLOCK_TRACE_IGNORE drops the named spans; children attach to the nearest recorded ancestor', async (t) => {
  const r = await runIn(t, ['chain'], { FLOCK_TRACE_IGNORE: '["Flock.shutdown", "FunctionEngine.evaluate", "Flock.publish"]' });
  const f = r.lines.find((l) => l.trace_id);
  const spans = await allSpans(r.db);
  checkRows(spans);
  checkConnected(spans);
  const names = new Set(spans.map((s) => s.name));
  for (const n of ['Flock.shutdown', 'FunctionEngine.evaluate', 'Flock.publish']) assert.ok(!names.has(n), `${n} ignored`);
  for (const n of ['Agent.execute', 'Flock.run_until_idle', 'OutputUtilityComponent.on_initialize']) assert.ok(names.has(n), `${n} kept`);
  assert.ok(spans.every((s) => s.trace_id === f.trace_id), 'still one trace');
  const writer = spans.find((s) => s.name === 'Agent.execute' && attr(s.attributes, 'agent.name') === 'writer');
  assert.equal(writer.parent_id, f.span_id, 'the first agent hangs off the workflow when Flock.publish is ignored');
  assert.equal(spans.filter((s) => s.name === 'Agent.execute').length, 5);
});

test('FLOCK_TRACE_SERVICES traces only the listed services, case-insensitively', async (t) => {
  const r = await runIn(t, ['pizza'], { FLOCK_TRACE_SERVICES: '["FLOCK", "agent"]' });
  const spans = await allSpans(r.db);
  checkRows(spans);
  checkConnected(spans);
  const names = spans.map((s) => s.name).sort();
  assert.deepEqual(names.filter((n) => n !== 'pizza_workflow'),
    ['Agent.execute', 'Flock.publish', 'Flock.run_until_idle', 'Flock.shutdown']);
  assert.ok(spans.every((s) => s.trace_id === r.lines[0].trace_id));

  const only = await runIn(t, ['chain'], { FLOCK_TRACE_SERVICES: '["outpututilitycomponent"]' });
  const os = await allSpans(only.db);
  checkConnected(os);
  assert.ok(os.some((s) => s.service === 'OutputUtilityComponent'));
  assert.ok(os.every((s) => s.service === 'OutputUtilityComponent' || s.name === 'content_workflow'), os.map((s) => s.name).join(','));
});

test('OTEL_SDK_DISABLED=true writes nothing; FLOCK_AUTO_TRACE=false keeps only explicit workflow spans', async (t) => {
  const r = await runIn(t, ['pizza'], { OTEL_SDK_DISABLED: 'true' });
  assert.equal(r.lines[0].pizzas, 1, 'the program works without tracing');
  if (fs.existsSync(r.db)) {
    await withDb(r.db, async (q) => assert.equal((await q('SELECT count(*) AS n FROM spans'))[0].n, 0n));
  }
  const done = r.lines.find((l) => l.done);
  assert.equal(done.ended, 0);

  const off = await runIn(t, ['pizza'], { FLOCK_AUTO_TRACE: 'false' });
  assert.equal(off.lines[0].pizzas, 1);
  if (fs.existsSync(off.db)) {
    const spans = await allSpans(off.db);
    assert.ok(spans.every((s) => attr(s.attributes, 'flock.workflow') === true), spans.map((s) => s.name).join(','));
  }
});

test('the trace file goes where FLOCK_TRACE_PATH says, and to .flock/traces.duckdb by default', async (t) => {
  const tmp = tempDir(t);
  const custom = `${tmp.dir}/custom/place.duckdb`;
  await runIn(t, ['pizza'], { FLOCK_TRACE_PATH: custom }, { tmp });
  await withDb(custom, async (q) => assert.equal((await q('SELECT count(*) AS n FROM spans'))[0].n, 8n));
  assert.ok(!fs.existsSync(tmp.db));
  await runIn(t, ['pizza'], { FLOCK_TRACE_PATH: undefined }, { tmp });
  await withDb(tmp.db, async (q) => assert.equal((await q('SELECT count(*) AS n FROM spans'))[0].n, 8n));
});

// FLOCK_TRACE_STORE (docs/configuration.md, "Where spans are stored").
const NO_FILE_VARS = { FLOCK_TRACE_FILE: undefined, FLOCK_TRACE_PATH: undefined };

async function storedShape(db) {
  const spans = await allSpans(db);
  checkRows(spans);
  return spans.map((s) => s.name).sort();
}

test('FLOCK_TRACE_STORE=duckdb:PATH writes the same file as FLOCK_TRACE_FILE=true FLOCK_TRACE_PATH=PATH', async (t) => {
  // The same configuration, read by the library.
  const a = tempDir(t);
  const byFile = (await runIn(t, ['config'], { FLOCK_TRACE_FILE: 'true', FLOCK_TRACE_PATH: a.db }, { tmp: a })).lines[0];
  const byStore = await runIn(t, ['config'], { ...NO_FILE_VARS, FLOCK_TRACE_STORE: `duckdb:${a.db}` }, { tmp: a });
  assert.ok(!/warn/i.test(byStore.stderr), byStore.stderr);
  assert.deepEqual(byStore.lines[0], byFile);
  assert.equal(byStore.lines[0].trace_file, true);
  assert.equal(byStore.lines[0].trace_file_path, a.db);

  // The same file, with the same spans.
  const b = tempDir(t);
  await runIn(t, ['pizza'], { ...NO_FILE_VARS, FLOCK_TRACE_STORE: `duckdb:${b.db}` }, { tmp: b });
  assert.ok(fs.existsSync(b.db), 'the file is where PATH says');
  assert.deepEqual(await storedShape(b.db), PIZZA_NAMES);
  const c = tempDir(t);
  await runIn(t, ['pizza'], { FLOCK_TRACE_FILE: 'true', FLOCK_TRACE_PATH: c.db }, { tmp: c });
  assert.deepEqual(await storedShape(c.db), await storedShape(b.db));
  // Nothing under a literal "duckdb:" name, in the working folder or beside it.
  assert.deepEqual(fs.readdirSync(b.dir).filter((n) => n.includes('duckdb:')), []);

  // A relative PATH is relative to the working folder, like FLOCK_TRACE_PATH.
  const d = tempDir(t);
  await runIn(t, ['pizza'], { ...NO_FILE_VARS, FLOCK_TRACE_STORE: 'duckdb:rel/t.duckdb' }, { tmp: d });
  assert.deepEqual(await storedShape(`${d.dir}/rel/t.duckdb`), PIZZA_NAMES);
  assert.ok(!fs.existsSync(`${d.dir}/duckdb:rel`));
  // A plain path is a DuckDB path too, colons and all.
  await runIn(t, ['pizza'], { ...NO_FILE_VARS, FLOCK_TRACE_STORE: 'my:file.duckdb' }, { tmp: d });
  assert.deepEqual(await storedShape(`${d.dir}/my:file.duckdb`), PIZZA_NAMES);
});

test('FLOCK_TRACE_STORE wins over FLOCK_TRACE_FILE and FLOCK_TRACE_PATH', async (t) => {
  const tmp = tempDir(t);
  const other = `${tmp.dir}/other.duckdb`;
  const chosen = `${tmp.dir}/chosen.duckdb`;
  await runIn(t, ['pizza'], { FLOCK_TRACE_FILE: 'false', FLOCK_TRACE_PATH: other, FLOCK_TRACE_STORE: `duckdb:${chosen}` }, { tmp });
  assert.deepEqual(await storedShape(chosen), PIZZA_NAMES);
  assert.ok(!fs.existsSync(other));
  assert.ok(!fs.existsSync(tmp.db));
});

test('FLOCK_TRACE_STORE: a malformed value warns and FLOCK_TRACE_FILE/FLOCK_TRACE_PATH apply; ClickHouse is refused and no file is written', async (t) => {
  for (const bad of ['duckdb:', 'postgres://h/db', 'clickhouse://:99999/db', 'clickhouse://h']) {
    const r = await runIn(t, ['pizza'], { FLOCK_TRACE_STORE: bad });
    assert.ok(warned(r.stderr, 'FLOCK_TRACE_STORE'), `${bad}: a warning naming the variable; got:\n${r.stderr}`);
    assert.ok(r.stderr.includes(bad), `${bad}: the warning shows the value`);
    assert.deepEqual(await storedShape(r.db), PIZZA_NAMES, `${bad}: the default (FLOCK_TRACE_PATH) is written`);
  }
  // ClickHouse: refused until that store exists. The program runs; spans go
  // to no file, even with FLOCK_TRACE_FILE=true.
  const ch = await runIn(t, ['pizza'], { FLOCK_TRACE_STORE: 'clickhouse://127.0.0.1:8123/flock' });
  assert.equal(ch.lines[0].pizzas, 1);
  assert.ok(warned(ch.stderr, 'FLOCK_TRACE_STORE'), ch.stderr);
  assert.match(ch.stderr, /ClickHouse storage is not available in this build yet/);
  assert.ok(!fs.existsSync(ch.db), 'no DuckDB file in place of ClickHouse');
  const cfg = (await runIn(t, ['config'], { FLOCK_TRACE_STORE: 'clickhouse://127.0.0.1/flock' })).lines[0];
  assert.equal(cfg.trace_file, false);
});

test('Flock::clear_traces takes duckdb:PATH; a clickhouse:// URL is a failed result, not a crash', async (t) => {
  const tmp = tempDir(t);
  await runIn(t, ['pizza'], {}, { tmp });
  const env = scenarioEnv('/nonexistent/never-used.duckdb', { FLOCK_TRACE_FILE: 'false' });
  const ok = (await runScenario(t, ['clear', `duckdb:${tmp.db}`], { env, cwd: tmp.dir })).lines[0];
  assert.deepEqual(ok, { success: true, deleted_count: PIZZA_NAMES.length, error: '' });
  await withDb(tmp.db, async (q) => assert.equal((await q('SELECT count(*) AS n FROM spans'))[0].n, 0n));
  const ch = (await runScenario(t, ['clear', 'clickhouse://127.0.0.1/db'], { env, cwd: tmp.dir })).lines[0];
  assert.equal(ch.success, false);
  assert.match(ch.error, /ClickHouse storage is not available in this build yet/);
  const bad = (await runScenario(t, ['clear', 'duckdb:'], { env, cwd: tmp.dir })).lines[0];
  assert.equal(bad.success, false);
  assert.match(bad.error, /duckdb:/);
});
