// Shared helpers of the integration tests: run the scenario program in a
// fresh temp dir, read its DuckDB trace store with the independent Node
// client (@duckdb/node-api), clean up every temp dir and process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

// @duckdb/node-api from deps/node_modules (FLOCK_NPM_DIR when CMake says where).
function loadDuckDb() {
  const candidates = [];
  if (process.env.FLOCK_NPM_DIR) candidates.push(path.join(process.env.FLOCK_NPM_DIR, '..', 'package.json'));
  candidates.push(path.join(repoRoot, 'deps', 'package.json'));
  for (const pkg of candidates) {
    try {
      return createRequire(pkg)('@duckdb/node-api');
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  throw new Error(`@duckdb/node-api not found (tried ${candidates.join(', ')}): run scripts/install-deps.sh`);
}
export const duckdb = loadDuckDb();

export function scenarioBinary() {
  const bin = process.env.FLOCK_SCENARIOS;
  assert.ok(bin, 'FLOCK_SCENARIOS must name the flock_scenarios binary (set by CTest)');
  assert.ok(fs.existsSync(bin), `flock_scenarios not found at ${bin}`);
  return bin;
}

// A fresh temp dir, removed after the test (t.after), with its trace path.
export function tempDir(t, prefix = 'flock-it-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { dir, db: path.join(dir, '.flock', 'traces.duckdb') };
}

// The environment of a scenario: the caller's, without any FLOCK_/OTEL_
// setting that could leak in, plus the trace file settings and extras.
export function scenarioEnv(dbPath, extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('FLOCK_') || k.startsWith('OTEL_')) continue;
    env[k] = v;
  }
  env.FLOCK_TRACE_FILE = 'true';
  env.FLOCK_TRACE_PATH = dbPath;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
});

function parseLines(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (!s.startsWith('{')) continue;
    try {
      out.push(JSON.parse(s));
    } catch {}
  }
  return out;
}

// Starts the scenario; returns a handle to wait for output lines and the exit.
export function startScenario(t, args, { env, cwd, timeoutMs = 120000 } = {}) {
  const child = spawn(scenarioBinary(), args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  const waiters = [];
  const handle = {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    lines: () => parseLines(stdout),
    // Resolves with the first parsed line for which pred is true.
    waitFor(pred, ms = 60000) {
      const hit = parseLines(stdout).find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve, reject };
        w.timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timed out after ${ms} ms waiting for a line; stdout:\n${stdout}\nstderr:\n${stderr}`));
        }, ms);
        waiters.push(w);
      });
    },
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    stdout += d;
    const lines = parseLines(stdout);
    for (const w of [...waiters]) {
      const hit = lines.find(w.pred);
      if (hit) {
        clearTimeout(w.timer);
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hit);
      }
    }
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  handle.exited = new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      for (const w of waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new Error(`scenario exited (${code ?? signal}) before the awaited line; stdout:\n${stdout}\nstderr:\n${stderr}`));
      }
      // 'exit' may come before the pipes drain.
      let pending = 2;
      const done = () => {
        if (--pending === 0) resolve({ code, signal, stdout, stderr, lines: parseLines(stdout) });
      };
      if (child.stdout.readableEnded) done();
      else child.stdout.on('end', done);
      if (child.stderr.readableEnded) done();
      else child.stderr.on('end', done);
    });
  });
  if (t) {
    t.after(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await handle.exited;
    });
  }
  return handle;
}

// Runs a scenario to completion and checks it exited cleanly.
export async function runScenario(t, args, opts = {}) {
  const h = startScenario(t, args, opts);
  const r = await h.exited;
  if (opts.allowFailure !== true) {
    assert.equal(r.signal, null, `scenario ${args.join(' ')} died of ${r.signal}\nstderr:\n${r.stderr}`);
    assert.equal(r.code, 0, `scenario ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  return r;
}

// Runs a scenario in a fresh temp dir with the trace file on; returns the
// result and the paths.
export async function runIn(t, args, extraEnv = {}, opts = {}) {
  const tmp = opts.tmp ?? tempDir(t);
  const r = await runScenario(t, args, { env: scenarioEnv(tmp.db, extraEnv), cwd: tmp.dir, ...opts });
  return { ...r, ...tmp };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export { sleep };

function isLockError(e) {
  return /lock|Conflicting|in use|held/i.test(String(e && e.message));
}

// Opens the file READ_ONLY (retrying while a writer holds it), runs fn with a
// query function, and closes. query(sql) resolves to row objects (BIGINT as
// BigInt, JSON and VARCHAR as strings).
export async function withDb(dbPath, fn, { timeoutMs = 30000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let instance;
  for (;;) {
    try {
      instance = await duckdb.DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' });
      break;
    } catch (e) {
      if (!isLockError(e) || Date.now() > deadline) throw e;
      await sleep(25);
    }
  }
  const con = await instance.connect();
  try {
    const query = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS();
    return await fn(query, con);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

// Opens the file read-write (for preparing fixtures such as old rows).
export async function withDbWritable(dbPath, fn) {
  const instance = await duckdb.DuckDBInstance.create(dbPath);
  const con = await instance.connect();
  try {
    const query = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS();
    return await fn(query, con);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

// Every span of the store, with attributes/events/links/resource parsed.
export async function allSpans(dbPath) {
  return withDb(dbPath, async (q) => {
    const rows = await q('SELECT * FROM spans ORDER BY start_time, span_id');
    return rows.map(parseSpan);
  });
}

export function parseSpan(r) {
  const j = (v) => (v === null || v === undefined ? v : JSON.parse(v));
  return { ...r, attributes: j(r.attributes), events: j(r.events), links: j(r.links), resource: j(r.resource) };
}

// An attribute of a parsed span by its dotted key, following the nesting
// (a key that is also a prefix keeps its value under the prefix object).
export function attr(attrs, key) {
  if (attrs && Object.prototype.hasOwnProperty.call(attrs, key)) return attrs[key];
  const parts = key.split('.');
  let cur = attrs;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object' || !(p in cur)) return undefined;
    cur = cur[p];
  }
  if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) {
    // A value that is also a prefix: the only scalar member holds it.
    const scalars = Object.entries(cur).filter(([, v]) => v === null || typeof v !== 'object');
    return scalars.length === 1 ? scalars[0][1] : cur;
  }
  return cur;
}

// Builds the tree of one trace: { span, children: [...] } sorted by start.
export function buildTree(spans) {
  const byId = new Map(spans.map((s) => [s.span_id, { span: s, children: [] }]));
  const roots = [];
  for (const node of byId.values()) {
    const p = node.span.parent_id;
    if (p !== null && byId.has(p)) byId.get(p).children.push(node);
    else roots.push(node);
  }
  const order = (a, b) => (a.span.start_time < b.span.start_time ? -1 : a.span.start_time > b.span.start_time ? 1 : 0);
  const sortRec = (n) => {
    n.children.sort(order);
    n.children.forEach(sortRec);
  };
  roots.sort(order);
  roots.forEach(sortRec);
  return roots;
}

// A tree as nested [name, [children...]] for exact comparison.
export function shape(node) {
  return node.children.length === 0 ? node.span.name : [node.span.name, node.children.map(shape)];
}

// Every span of the subtree under span_id (inclusive).
export function subtree(spans, spanId) {
  const kids = new Map();
  for (const s of spans) {
    if (!kids.has(s.parent_id)) kids.set(s.parent_id, []);
    kids.get(s.parent_id).push(s);
  }
  const root = spans.find((s) => s.span_id === spanId);
  if (!root) return [];
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(kids.get(out[i].span_id) ?? []));
  return out;
}

export const HEX32 = /^[0-9a-f]{32}$/;
export const HEX16 = /^[0-9a-f]{16}$/;

// Checks every span's ids and basic row invariants.
export function checkRows(spans) {
  const ids = new Set();
  for (const s of spans) {
    assert.match(s.trace_id, HEX32, `trace_id of ${s.name}`);
    assert.notEqual(s.trace_id, '0'.repeat(32));
    assert.match(s.span_id, HEX16, `span_id of ${s.name}`);
    assert.notEqual(s.span_id, '0'.repeat(16));
    if (s.parent_id !== null) {
      assert.match(s.parent_id, HEX16, `parent_id of ${s.name}`);
      assert.notEqual(s.parent_id, '0'.repeat(16));
      assert.notEqual(s.parent_id, s.span_id);
    }
    assert.ok(!ids.has(s.span_id), `span_id ${s.span_id} is unique`);
    ids.add(s.span_id);
    assert.equal(typeof s.start_time, 'bigint');
    assert.ok(s.end_time >= s.start_time, `${s.name} ends after it starts`);
    const expectMs = Number(s.end_time - s.start_time) / 1e6;
    assert.ok(Math.abs(s.duration_ms - expectMs) < 1e-3, `duration_ms of ${s.name}: ${s.duration_ms} vs ${expectMs}`);
    assert.ok(['UNSET', 'OK', 'ERROR'].includes(s.status_code), `status_code ${s.status_code}`);
    assert.ok(['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'].includes(s.kind), `kind ${s.kind}`);
    const dot = s.name.indexOf('.');
    if (dot > 0) {
      assert.equal(s.service, s.name.slice(0, dot), `service of ${s.name}`);
      assert.equal(s.operation, s.name.slice(dot + 1), `operation of ${s.name}`);
    }
  }
  // Start times are wall-clock nanoseconds since the epoch (this day).
  const nowNs = BigInt(Date.now()) * 1000000n;
  for (const s of spans) {
    const ageNs = nowNs - s.start_time;
    assert.ok(ageNs > -3600n * 1000000000n && ageNs < 86400n * 1000000000n, `${s.name} start_time is ns since the epoch`);
  }
}

// Parent links stay inside the store: every parent_id names a stored span of
// the same trace.
export function checkConnected(spans) {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  for (const s of spans) {
    if (s.parent_id === null) continue;
    const p = byId.get(s.parent_id);
    assert.ok(p, `parent ${s.parent_id} of ${s.name} is stored`);
    assert.equal(p.trace_id, s.trace_id, `${s.name} shares its parent's trace`);
    assert.ok(s.start_time >= p.start_time, `${s.name} starts after its parent ${p.name}`);
  }
}

export function exceptionEvent(span) {
  return (span.events ?? []).find((e) => e.name === 'exception');
}
