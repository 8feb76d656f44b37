// The `flock` command over a finished trace file (the demo run, then
// SIGTERM): every command, --json against the API of `flock dashboard` and
// the file read with @duckdb/node-api, the tree of `traces show`, exit codes
// 0/1/2, no colours when piped, and `flock dashboard` itself.
import { withDbWritable } from '../support/node_harness.mjs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  finishedStore,
  startDemo,
  startDashboard,
  cli,
  spawnCli,
  tempDir,
  api,
  getJson,
  assertError,
  openEvents,
  parseJsonBig,
  storedSpans,
  summarize,
  assertSummary,
  withDb,
  assertStopped,
  waitForStdout,
} from './helpers.mjs';

const ANSI = /\x1b\[/;

// Runs flock and expects `code`; returns the result.
async function flock(t, args, code, opts = {}) {
  const r = await cli(t, args, opts);
  assert.equal(r.code, code, `flock ${args.join(' ')}: exit ${r.code}, expected ${code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.doesNotMatch(r.stdout, ANSI, `flock ${args.join(' ')}: no ANSI colours when piped`);
  assert.doesNotMatch(r.stderr, ANSI, `flock ${args.join(' ')}: no ANSI colours on stderr`);
  if (code !== 0) assert.ok(r.stderr.trim().length > 0, `flock ${args.join(' ')}: a message on stderr`);
  return r;
}

// The lines `flock traces show` prints for a trace, from the stored spans:
// [depth, name, duration_ms, root, error description or null].
function expectedTree(spans) {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const ordered = [...spans].sort((a, b) => (a.start_time < b.start_time ? -1 : a.start_time > b.start_time ? 1 : 0));
  const kids = new Map();
  const roots = [];
  for (const s of ordered) {
    if (s.parent_id === null || !byId.has(s.parent_id)) roots.push(s);
    else {
      if (!kids.has(s.parent_id)) kids.set(s.parent_id, []);
      kids.get(s.parent_id).push(s);
    }
  }
  const out = [];
  const walk = (s, prefix, last, root) => {
    out.push({ prefix: root ? '' : prefix + (last ? '└─ ' : '├─ '), name: s.name, ms: s.duration_ms, root, error: s.status_code === 'ERROR' ? s.status_description ?? '' : null,
               agent: s.name === 'Agent.execute' ? s.attributes?.agent?.name ?? null : null });
    const next = root ? '' : prefix + (last ? '   ' : '│  ');
    const list = kids.get(s.span_id) ?? [];
    list.forEach((c, i) => walk(c, next, i === list.length - 1, false));
  };
  for (const r of roots) walk(r, '', true, true);
  return out;
}

// One line of `traces show`: indentation, name, the agent of an agent
// execution, the duration (always two decimals), the root marker, an error.
const LINE = /^((?:│  |   )*(?:├─ |└─ )?)(\S+)(?: \[([^\]]+)\])? \((\d+\.\d\d)ms\)( (?:<-|←) ROOT)?( \[ERROR(?:: (.*))?\])?$/;

test('flock CLI over a finished trace file', async (t) => {
  const tmp = await finishedStore(t, { runs: 4 });
  const db = tmp.db;
  const spans = await storedSpans(db);
  const traces = summarize(spans);
  assert.equal(traces.length, 4);
  const failing = traces.find((x) => x.error_count > 0);

  await t.test('--help on every command: exit 0, usage on stdout', async () => {
    for (const [args, words] of [
      [['--help'], ['dashboard', 'traces']],
      [['dashboard', '--help'], ['--host', '--port']],
      [['traces', '--help'], ['list', 'show', 'query', 'stats', 'clear']],
      [['traces', 'list', '--help'], ['--workflow', '--limit', '--json']],
      [['traces', 'show', '--help'], ['TRACE_ID', '--json']],
      [['traces', 'query', '--help'], ['SQL', '--json']],
      [['traces', 'stats', '--help'], ['--json']],
      [['traces', 'clear', '--help'], ['DB']],
    ]) {
      const r = await flock(t, args, 0);
      for (const w of words) assert.ok(r.stdout.includes(w), `flock ${args.join(' ')} mentions ${w}:\n${r.stdout}`);
    }
  });

  await t.test('bad usage: exit 2 with a message', async () => {
    for (const args of [
      [],
      ['bogus'],
      ['traces'],
      ['traces', 'bogus'],
      ['traces', 'list', db, '--limit', '0'],
      ['traces', 'list', db, '--limit', 'many'],
      ['traces', 'list', db, '--no-such-flag'],
      ['traces', 'show'],
      ['traces', 'query'],
      ['dashboard', db, '--port', '70000'],
      ['dashboard', db, '--port', 'http'],
    ]) {
      await flock(t, args, 2);
    }
  });

  await t.test('failures: exit 1 with a message naming the problem', async () => {
    const missing = path.join(tmp.dir, 'nope', 'traces.duckdb');
    for (const args of [
      ['traces', 'list', missing],
      ['traces', 'show', failing.trace_id, missing],
      ['traces', 'query', 'SELECT 1', missing],
      ['traces', 'stats', missing],
      ['traces', 'clear', missing],
    ]) {
      const r = await flock(t, args, 1);
      assert.match(r.stderr, /nope|no trace store|not found|does not exist|missing/i, `${args.join(' ')}: ${r.stderr}`);
    }
    const unknown = '0af7651916cd43dd8448eb211c80319c';
    const r1 = await flock(t, ['traces', 'show', unknown, db], 1);
    assert.match(r1.stderr, new RegExp(unknown));
    const r2 = await flock(t, ['traces', 'query', 'DELETE FROM spans', db], 1);
    assert.match(r2.stderr, /SELECT|read-only/i);
    const r3 = await flock(t, ['traces', 'query', 'SELEC 1', db], 1);
    assert.match(r3.stderr, /syntax|Parser/i);
    const r4 = await flock(t, ['traces', 'query', "SELECT * FROM read_text('/etc/passwd')", db], 1);
    assert.match(r4.stderr, /Permission|disabled|not allowed/i);
    assert.doesNotMatch(r4.stdout + r4.stderr, /root:x:0:0/);
    const malformed = await cli(t, ['traces', 'show', 'xyz', db]);
    assert.equal(malformed.code, 2, `a malformed id: exit ${malformed.code}`);
    assert.match(malformed.stderr, /xyz|trace/i);
    // No store: the message says how to get one.
    const none = await flock(t, ['traces', 'list', path.join(tmp.dir, 'absent.duckdb')], 1);
    assert.match(none.stderr, /FLOCK_TRACE_FILE=true/);
    // Nothing was deleted by the refused query.
    assert.equal((await storedSpans(db)).length, spans.length);
  });

  await t.test('traces show: a unique prefix of 6+ hex digits, as git takes ids; a short or ambiguous one is named', async () => {
    const full = failing.trace_id;
    for (const n of [6, 12, 31]) {
      const r = await flock(t, ['traces', 'show', full.slice(0, n).toUpperCase(), db], 0);
      assert.match(r.stdout, /\[ERROR: wine cellar is locked\]/, `a prefix of ${n}`);
    }
    const short = await flock(t, ['traces', 'show', full.slice(0, 5), db], 2);
    assert.match(short.stderr, /6 to 32 hex/);
    // Two traces that share a prefix (rows added to the file for this).
    const twin = (c) => 'abcdef' + c.repeat(26);
    await withDbWritable(db, async (q) => {
      for (const c of ['1', '2']) {
        await q(`INSERT INTO traces (trace_id, root_name, start_time, end_time, duration_ms, span_count, error_count, status,
                   input_tokens, output_tokens, has_root) VALUES ('${twin(c)}', 'x', 1, 2, 0, 1, 0, 'OK', 0, 0, true)`);
      }
    });
    const amb = await flock(t, ['traces', 'show', 'abcdef', db], 2);
    assert.match(amb.stderr, /ambiguous/);
    assert.match(amb.stderr, new RegExp(twin('1')));
    assert.match(amb.stderr, new RegExp(twin('2')));
    await withDbWritable(db, (q) => q("DELETE FROM traces WHERE trace_id LIKE 'abcdef%'"));
    const none = await flock(t, ['traces', 'show', '0badc0ffee', db], 1);
    assert.match(none.stderr, /no trace starts with 0badc0ffee/);
  });

  await t.test('an unknown command is named; --version; the usage line says flock, not a path', async () => {
    for (const [args, word] of [[['trace', 'list'], "'trace'"], [['traces', 'lst'], "'traces lst'"]]) {
      const r = await flock(t, args, 2);
      assert.match(r.stderr, new RegExp(`unknown command ${word}`));
    }
    const v = await flock(t, ['--version'], 0);
    assert.match(v.stdout, /^flock \d+\.\d+\.\d+\s*$/);
    const help = await flock(t, ['--help'], 0);
    assert.match(help.stdout, /Usage: flock /);
    assert.doesNotMatch(help.stdout, /\//, 'no path in the usage line');
  });

  await t.test('traces list: a table of the traces, newest first; --json equal to the file', async () => {
    const r = await flock(t, ['traces', 'list', db], 0);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0], /trace_id.*start.*duration.*spans.*errors/);
    const order = traces.map((x) => r.stdout.indexOf(x.trace_id));
    assert.ok(order.every((i) => i > 0), 'every trace id is listed');
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'newest first');
    assert.match(r.stdout, /4 of 4 traces/);
    const failLine = lines.find((l) => l.includes(failing.trace_id));
    assert.match(failLine, /dinner_service/);
    assert.match(failLine, /\|\s*2\s*$/, 'the error count of the failing run');

    const j = await flock(t, ['traces', 'list', db, '--json'], 0);
    const body = parseJsonBig(j.stdout);
    assert.equal(body.total, 4);
    body.items.forEach((item, i) => assertSummary(item, traces[i], `--json item ${i}`));
    const two = parseJsonBig((await flock(t, ['traces', 'list', db, '--json', '--limit', '2'], 0)).stdout);
    assert.deepEqual(two.items.map((x) => x.trace_id), traces.slice(0, 2).map((x) => x.trace_id));
    assert.equal(two.total, 4);
    const wf = parseJsonBig((await flock(t, ['traces', 'list', db, '--workflow', 'dinner_service', '--json'], 0)).stdout);
    assert.equal(wf.total, 4);
    const none = parseJsonBig((await flock(t, ['traces', 'list', db, '--workflow', 'brunch', '--json'], 0)).stdout);
    assert.deepEqual(none, { items: [], total: 0 });
    const noneText = await flock(t, ['traces', 'list', db, '--workflow', 'brunch'], 0);
    assert.match(noneText.stdout, /0 of 0 traces/);
  });

  await t.test('the default trace file is .flock/traces.duckdb in the working directory', async () => {
    assert.equal(db, path.join(tmp.dir, '.flock', 'traces.duckdb'));
    const r = parseJsonBig((await flock(t, ['traces', 'list', '--json'], 0, { cwd: tmp.dir })).stdout);
    assert.equal(r.total, 4);
    const elsewhere = tempDir(t);
    const miss = await flock(t, ['traces', 'list'], 1, { cwd: elsewhere.dir });
    assert.match(miss.stderr, /\.flock\/traces\.duckdb/);
  });

  await t.test('traces show: the tree of the tracing guide (<- ROOT, indentation, [ERROR ...]) of the stored spans', async () => {
    for (const tr of traces) {
      const r = await flock(t, ['traces', 'show', tr.trace_id, db], 0);
      const lines = r.stdout.trimEnd().split('\n');
      const exp = expectedTree(tr.spans);
      assert.equal(lines.length, exp.length, `one line per span:\n${r.stdout}`);
      lines.forEach((line, i) => {
        const m = line.match(LINE);
        assert.ok(m, `line ${i} has the guide's form: ${JSON.stringify(line)}`);
        const e = exp[i];
        assert.equal(m[1], e.prefix, `line ${i} indentation: ${JSON.stringify(line)}`);
        assert.equal(m[2], e.name, `line ${i} name`);
        assert.equal(m[3] ?? null, e.agent, `line ${i} agent`);
        assert.ok(Math.abs(Number(m[4]) - e.ms) <= 0.0051, `line ${i} duration ${m[4]} vs ${e.ms}`);
        assert.equal(Boolean(m[5]), e.root, `line ${i}: ROOT marker only on the root`);
        assert.equal(m[6] !== undefined, e.error !== null, `line ${i}: [ERROR] only on failed spans`);
        if (e.error) assert.equal(m[7], e.error, `line ${i}: the error description`);
      });
    }
    const r = await flock(t, ['traces', 'show', failing.trace_id, db], 0);
    assert.match(r.stdout, /^dinner_service \(\d+(\.\d+)?ms\) (<-|←) ROOT$/m);
    assert.match(r.stdout, /^├─ Flock\.publish \(/m);
    assert.match(r.stdout, /^│  └─ Agent\.execute \[chef\] \(/m);
    assert.match(r.stdout, /^└─ Flock\.run_until_idle \(/m);
    assert.match(r.stdout, /Agent\.execute \[sommelier\] \([\d.]+ms\) \[ERROR: wine cellar is locked\]/);
    assert.match(r.stdout, /FunctionEngine\.evaluate \([\d.]+ms\) \[ERROR: wine cellar is locked\]/);
  });

  await t.test('traces show takes an upper-case trace id as GET /api/traces/{id} does', async () => {
    const lower = await flock(t, ['traces', 'show', failing.trace_id, db], 0);
    const upper = await flock(t, ['traces', 'show', failing.trace_id.toUpperCase(), db], 0);
    assert.equal(upper.stdout, lower.stdout);
    const upperJson = parseJsonBig((await flock(t, ['traces', 'show', failing.trace_id.toUpperCase(), db, '--json'], 0)).stdout);
    assert.equal(upperJson.trace_id, failing.trace_id);
  });

  await t.test('traces query: a table, and --json rows equal to node-api\'s', async () => {
    const sql = 'SELECT name, count(*) AS n FROM spans GROUP BY name ORDER BY name';
    const expected = await withDb(db, (q) => q(sql));
    const r = await flock(t, ['traces', 'query', sql, db], 0);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^name\s+\| n$/);
    assert.match(lines[1], /^-+ \| -+$/);
    assert.match(r.stdout, new RegExp(`\\(${expected.length} rows\\)`));
    for (const e of expected) assert.ok(lines.some((l) => new RegExp(`^${e.name.replace('.', '\\.')}\\s+\\| ${e.n}$`).test(l)), `row ${e.name}`);
    const j = parseJsonBig((await flock(t, ['traces', 'query', sql, db, '--json'], 0)).stdout);
    assert.deepEqual(j.map((x) => [x.name, Number(x.n)]), expected.map((e) => [e.name, Number(e.n)]));
    const ns = parseJsonBig((await flock(t, ['traces', 'query', 'SELECT span_id, start_time FROM spans ORDER BY start_time, span_id', db, '--json'], 0)).stdout);
    assert.deepEqual(ns.map((x) => [x.span_id, BigInt(x.start_time)]), spans.map((x) => [x.span_id, x.start_time]), 'BIGINT ns exact');
  });

  await t.test('traces stats: the numbers of the file, --json with the workflow statistics', async () => {
    const r = await flock(t, ['traces', 'stats', db], 0);
    assert.match(r.stdout, new RegExp(`total_spans: ${spans.length}\\b`));
    assert.match(r.stdout, /total_traces: 4\b/);
    assert.match(r.stdout, /dinner_service\s+\| 4\s+\| 1\s+\|/);
    const j = parseJsonBig((await flock(t, ['traces', 'stats', db, '--json'], 0)).stdout);
    assert.equal(j.total_spans, spans.length);
    assert.equal(j.total_traces, 4);
    assert.equal(j.workflows.length, 1);
    assert.equal(j.workflows[0].workflow_name, 'dinner_service');
    assert.equal(j.workflows[0].runs, 4);
    assert.equal(j.workflows[0].errors, 1);
  });

  await t.test('flock dashboard DB --port 0: the API over the file, equal to the CLI; POST /api/artifacts is 409', async () => {
    const d = await startDashboard(t, db);
    assert.match(d.printedUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.deepEqual(await getJson(d.base, '/api/health'), { status: 'ok' });
    // The same answers as the CLI's --json.
    const list = await getJson(d.base, '/api/traces?limit=20');
    const cliList = parseJsonBig((await flock(t, ['traces', 'list', db, '--json'], 0)).stdout);
    assert.deepEqual(list, cliList);
    const one = await getJson(d.base, `/api/traces/${failing.trace_id}`);
    const cliOne = parseJsonBig((await flock(t, ['traces', 'show', failing.trace_id, db, '--json'], 0)).stdout);
    assert.deepEqual(one, cliOne);
    const stats = await getJson(d.base, '/api/traces/stats');
    const cliStats = parseJsonBig((await flock(t, ['traces', 'stats', db, '--json'], 0)).stdout);
    const { workflows, ...cliTotals } = cliStats;
    assert.deepEqual(stats, cliTotals);
    assert.deepEqual({ workflows }, await getJson(d.base, '/api/workflows/stats'));
    const q = await api(d.base, '/api/traces/query', { method: 'POST', json: { sql: 'SELECT count(*) AS n FROM spans' } });
    assert.equal(q.status, 200);
    assert.equal(Number(q.body.rows[0][0]), spans.length);
    // No blackboard: the agents are what the spans recorded; no artifacts,
    // no publishing.
    const agents = await getJson(d.base, '/api/agents');
    assert.equal(agents.source, 'spans');
    const execs = spans.filter((x) => x.name === 'Agent.execute');
    assert.deepEqual(agents.agents.map((a) => a.name), [...new Set(execs.map((x) => x.attributes.agent.name))].sort());
    for (const a of agents.agents) {
      const mine = execs.filter((x) => x.attributes.agent.name === a.name);
      assert.equal(a.runs, mine.length, `${a.name}.runs`);
      assert.deepEqual(a.consumes, [...new Set(mine.map((x) => x.attributes.input.type))].sort(), `${a.name}.consumes`);
    }
    assert.deepEqual(await getJson(d.base, '/api/artifacts'), { items: [], total: 0 });
    assertError(
      await api(d.base, '/api/artifacts', { method: 'POST', json: { type: 'Order', payload: { dish: 'soup', guests: 1 } } }),
      409,
      /blackboard|dashboard|trace file/i,
      'POST /api/artifacts on flock dashboard',
    );
    const ev = await openEvents(t, d.base);
    const hello = await ev.waitFor((e) => e.event === 'hello');
    assert.equal(hello.data.live, false, 'a trace file alone is not live');
    await ev.close();
    assertStopped(await d.stop(), 'SIGTERM', 'flock dashboard');
  });

  await t.test('flock dashboard on a missing file: served empty with a notice; the file is created only by spans received', async () => {
    const missing = path.join(tmp.dir, 'missing.duckdb');
    const d = await startDashboard(t, missing);
    assert.deepEqual(await getJson(d.base, '/api/traces'), { items: [], total: 0 });
    assert.equal((await getJson(d.base, '/api/traces/stats')).total_spans, 0);
    assert.ok(!fs.existsSync(missing), 'reading did not create the file');
    const r = await d.stop();
    assertStopped(r, 'SIGTERM', 'flock dashboard');
    assert.match(r.stderr, /no trace store at .*missing\.duckdb yet/);
    assert.ok(!fs.existsSync(missing), 'no file without spans');
  });

  await t.test('flock dashboard on a non-loopback host without FLOCK_API_TOKEN: exit 1 naming it; with it, served', async () => {
    const r = await flock(t, ['dashboard', db, '--host', '0.0.0.0', '--port', '0'], 1);
    assert.match(r.stderr, /FLOCK_API_TOKEN/);
    const d = await startDashboard(t, db, { args: ['--host', '0.0.0.0'], extraEnv: { FLOCK_API_TOKEN: 'cli-token' } });
    assert.equal((await api(d.base, '/api/traces')).status, 401);
    assert.equal((await getJson(d.base, '/api/traces', { token: 'cli-token' })).total, 4);
    assertStopped(await d.stop(), 'SIGTERM', 'flock dashboard');
  });

  await t.test('DB is a store locator: duckdb:PATH is PATH; clickhouse:// and malformed locators are clear errors', async () => {
    // duckdb:PATH reads the same file, never one named "duckdb:...".
    const plain = parseJsonBig((await flock(t, ['traces', 'list', db, '--json'], 0)).stdout);
    const prefixed = parseJsonBig((await flock(t, ['traces', 'list', `duckdb:${db}`, '--json'], 0)).stdout);
    assert.deepEqual(prefixed, plain);
    assert.equal(prefixed.total, 4);
    const rel = await flock(t, ['traces', 'list', `duckdb:${path.basename(db)}`], 0, { cwd: path.dirname(db) });
    assert.match(rel.stdout, /4 of 4 traces/);
    for (const args of [
      ['traces', 'show', failing.trace_id, `duckdb:${db}`],
      ['traces', 'query', 'SELECT count(*) AS n FROM spans', `duckdb:${db}`],
      ['traces', 'stats', `duckdb:${db}`],
    ]) {
      await flock(t, args, 0);
    }
    const missing = await flock(t, ['traces', 'list', `duckdb:${path.join(tmp.dir, 'absent.duckdb')}`], 1);
    assert.match(missing.stderr, /no trace store at \S*absent\.duckdb/);
    assert.doesNotMatch(missing.stderr, /at duckdb:/, 'the message names the file, not the locator');

    // ClickHouse: not in this build yet. Exit 1, one clear line, no crash,
    // and nothing created under the URL's name.
    const ch = 'clickhouse://127.0.0.1/db';
    for (const args of [
      ['traces', 'list', ch],
      ['traces', 'show', failing.trace_id, ch],
      ['traces', 'query', 'SELECT 1', ch],
      ['traces', 'stats', ch],
      ['traces', 'clear', ch],
      ['dashboard', ch, '--port', '0'],
    ]) {
      const r = await flock(t, args, 1, { cwd: tmp.dir });
      assert.match(r.stderr, /ClickHouse storage is not available in this build yet/, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '', `${args.join(' ')}: nothing on stdout`);
    }
    assert.ok(!fs.existsSync(path.join(tmp.dir, 'clickhouse:')), 'no folder named after the URL');

    // Malformed locators: bad usage (exit 2) naming the problem.
    for (const [bad, why] of [
      ['duckdb:', /no path after 'duckdb:'/],
      ['clickhouse://:99999/db', /host|port/],
      ['clickhouse://h:99999/db', /port/],
      ['clickhouse://h', /missing database/],
      ['postgres://h/db', /unknown scheme 'postgres:\/\/'/],
      [`clickhouse://${'h'.repeat(100000)}/db`, /host/],
    ]) {
      for (const args of [['traces', 'list', bad], ['traces', 'clear', bad], ['dashboard', bad, '--port', '0']]) {
        const r = await flock(t, args, 2, { cwd: tmp.dir });
        assert.match(r.stderr, why, `${args.join(' ').slice(0, 80)}: ${r.stderr}`);
        assert.ok(r.stderr.length < 1000, 'a short message, whatever the argument');
      }
    }
    assert.ok(!fs.existsSync(path.join(tmp.dir, 'duckdb:')), 'no file named duckdb:');
    // flock dashboard duckdb:PATH serves that file.
    const d = await startDashboard(t, `duckdb:${db}`, { cwd: tmp.dir });
    assert.equal((await getJson(d.base, '/api/traces')).total, 4);
    assertStopped(await d.stop(), 'SIGTERM', 'flock dashboard');
    assert.equal((await storedSpans(db)).length, spans.length, 'the store is untouched');
  });

  await t.test('traces clear: prints the deleted count; then the list is empty', async () => {
    // On a copy, so the file of the other subtests stays as it was.
    const copyDir = tempDir(t);
    const copy = path.join(copyDir.dir, 'copy.duckdb');
    fs.copyFileSync(db, copy);
    if (fs.existsSync(`${db}.wal`)) fs.copyFileSync(`${db}.wal`, `${copy}.wal`);
    // As duckdb:PATH: the same file.
    const r = await flock(t, ['traces', 'clear', `duckdb:${copy}`], 0);
    assert.ok(r.stdout.includes(`deleted ${spans.length} spans from ${copy}\n`), `the file, not the locator: ${r.stdout}`);
    const after = parseJsonBig((await flock(t, ['traces', 'list', copy, '--json'], 0)).stdout);
    assert.deepEqual(after, { items: [], total: 0 });
    assert.equal((await storedSpans(copy)).length, 0);
    const again = await flock(t, ['traces', 'clear', copy], 0);
    assert.match(again.stdout, /deleted 0 spans/);
    const stats = parseJsonBig((await flock(t, ['traces', 'stats', copy, '--json'], 0)).stdout);
    assert.equal(stats.total_spans, 0);
    assert.deepEqual(stats.workflows, []);
  });
});

test('flock dashboard over a file another program is writing: span events of the new spans (polling)', async (t) => {
  const tmp = await finishedStore(t, { runs: 1 });
  const d = await startDashboard(t, tmp.db);
  const ev = await openEvents(t, d.base);
  await ev.waitFor((e) => e.event === 'hello');
  const writer = await startDemo(t, { runs: 1, tmp });
  // Publish through the writer until the dashboard streams a span of one
  // of those publishes (each is written within the writer's flush interval).
  const published = new Set();
  const stream = ev.waitFor(
    (e) => e.event === 'span' && e.data.name === 'Agent.execute' && published.has(e.data.trace_id),
    'an Agent.execute span event of a publish, from the polled file',
    60000,
  );
  let got = null;
  stream.then((e) => (got = e), () => {});
  const deadline = Date.now() + 60000;
  while (!got && Date.now() < deadline) {
    const traceparentId = randomBytes(16).toString('hex');
    const r = await api(writer.base, '/api/artifacts', {
      method: 'POST',
      json: { type: 'Order', payload: { dish: 'polled', guests: 1 }, correlation_id: 'polled' },
      headers: { traceparent: `00-${traceparentId}-${randomBytes(8).toString('hex')}-01` },
    });
    assert.equal(r.status, 201, r.text);
    published.add(traceparentId);
    await Promise.race([stream.catch(() => {}), new Promise((res) => setTimeout(res, 500))]);
  }
  const e = await stream;
  assert.match(e.data.agent_name, /^(chef|critic|sommelier)$/);
  assert.ok(typeof e.data.start_time === 'bigint' && typeof e.data.end_time === 'bigint');
  assertStopped(await writer.stop(), 'SIGTERM', 'the demo');
  // Every publish of the loop is a 'polled' trace: more than a default page.
  const list = await getJson(d.base, '/api/traces?correlation_id=polled&limit=1000');
  assert.ok(list.items.some((x) => x.trace_id === e.data.trace_id), 'the dashboard reads the traces written meanwhile');
  assertStopped(await d.stop(), 'SIGTERM', 'flock dashboard');
});

test('flock dashboard streams the spans another program writes right after the dashboard started (before its first poll)', async (t) => {
  // The dashboard announced its URL and a client subscribed: every span
  // written to the file from then on is new to that client.
  const tmp = await finishedStore(t, { runs: 1 });
  const d = await startDashboard(t, tmp.db);
  const ev = await openEvents(t, d.base);
  await ev.waitFor((e) => e.event === 'hello');
  const writer = await startDemo(t, { runs: 2, tmp });
  const wf = await ev.waitFor((e) => e.event === 'span' && e.data.name === 'dinner_service', "a span event of the writer's seeded runs", 15000);
  assert.equal(wf.data.workflow_name, 'dinner_service');
  assertStopped(await writer.stop(), 'SIGTERM', 'the demo');
});

test('flock dashboard --port 0 prints its URL and stops on SIGINT', async (t) => {
  const tmp = await finishedStore(t, { runs: 1 });
  const h = spawnCli(t, ['dashboard', tmp.db, '--port', '0'], { cwd: tmp.dir });
  const m = await waitForStdout(h, /flock: dashboard at (http:\/\/127\.0\.0\.1:(\d+)\/)/);
  assert.equal((await api(`http://127.0.0.1:${m[2]}`, '/api/health')).status, 200);
  h.child.kill('SIGINT');
  assertStopped(await h.exited, 'SIGINT', 'flock dashboard');
});
