// Shared helpers of the OTLP tests: run flock_otlp_scenarios in a fresh temp
// dir with a clean OTEL_/FLOCK_ environment, read its DuckDB trace store
// with the independent Node client (@duckdb/node-api), kill every process.
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
  const bin = process.env.FLOCK_OTLP_SCENARIOS;
  assert.ok(bin, 'FLOCK_OTLP_SCENARIOS must name the flock_otlp_scenarios binary (set by CTest)');
  assert.ok(fs.existsSync(bin), `flock_otlp_scenarios not found at ${bin}`);
  return bin;
}

// A fresh temp dir, removed after the test, with its trace path.
export function tempDir(t, prefix = 'flock-otlp-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { dir, db: path.join(dir, '.flock', 'traces.duckdb') };
}

// The caller's environment without any FLOCK_/OTEL_ variable, plus the
// trace file, an OTLP endpoint (when given) and extras (undefined removes).
export function scenarioEnv(tmp, extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('FLOCK_') || k.startsWith('OTEL_')) continue;
    env[k] = v;
  }
  env.FLOCK_TRACE_FILE = 'true';
  env.FLOCK_TRACE_PATH = tmp.db;
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

export function parseLines(text) {
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

// Starts the scenario; the process is SIGKILLed after timeoutMs (the test
// then fails on the signal) and after the test in any case.
export function startScenario(t, args, { env, cwd, timeoutMs = 180000 } = {}) {
  const child = spawn(scenarioBinary(), args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  const waiters = [];
  const check = () => {
    const lines = parseLines(stdout);
    for (const w of [...waiters]) {
      const hit = lines.find(w.pred);
      if (hit) {
        clearTimeout(w.timer);
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hit);
      }
    }
  };
  const handle = {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    lines: () => parseLines(stdout),
    waitFor(pred, ms = 90000) {
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
    check();
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  handle.exited = new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      let pending = 2;
      const done = () => {
        if (--pending > 0) return;
        for (const w of waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error(`scenario exited (${code ?? signal}) before the awaited line; stdout:\n${stdout}\nstderr:\n${stderr}`));
        }
        resolve({ code, signal, stdout, stderr, lines: parseLines(stdout) });
      };
      if (child.stdout.readableEnded) done();
      else child.stdout.on('end', done);
      if (child.stderr.readableEnded) done();
      else child.stderr.on('end', done);
    });
  });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await handle.exited;
  });
  return handle;
}

// Asserts the scenario exited by itself with status 0 (not killed by the
// timeout) and returns its result with the final stats line.
export async function finished(h, what = 'scenario') {
  const r = await h.exited;
  assert.equal(r.signal, null, `${what} was killed (${r.signal}): it did not exit within its timeout\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  const final = r.lines.find((l) => l.final === true);
  return { ...r, final };
}

// Runs a scenario to its end in a fresh temp dir.
export async function run(t, args, extraEnv = {}, opts = {}) {
  const tmp = opts.tmp ?? tempDir(t);
  const h = startScenario(t, args, { env: scenarioEnv(tmp, extraEnv), cwd: tmp.dir, timeoutMs: opts.timeoutMs });
  const r = await finished(h, args.join(' '));
  return { ...r, ...tmp };
}

// Environment pointing the OTLP exporter at a receiver, flushing fast.
export function otlpEnv(receiver, extra = {}) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.base,
    OTEL_BSP_SCHEDULE_DELAY: 100,
    FLOCK_TRACE_FLUSH_MS: 100,
    ...extra,
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export { sleep };

function isLockError(e) {
  return /lock|Conflicting|in use|held/i.test(String(e && e.message));
}

// Every span of the store (attributes/events/resource parsed).
export async function storedSpans(dbPath, { timeoutMs = 30000 } = {}) {
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
    const rows = (await con.runAndReadAll('SELECT * FROM spans ORDER BY start_time, span_id')).getRowObjectsJS();
    const j = (v) => (v === null || v === undefined ? v : JSON.parse(v));
    return rows.map((r) => ({ ...r, attributes: j(r.attributes), events: j(r.events), resource: j(r.resource) }));
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

export const HEX32 = /^[0-9a-f]{32}$/;
export const HEX16 = /^[0-9a-f]{16}$/;

// The OTLP spans and the DuckDB rows describe the same spans: same ids,
// parents, names and times.
export function assertSameSpans(otlpSpans, rows) {
  const byId = new Map(otlpSpans.map((s) => [s.spanId, s]));
  assert.equal(byId.size, otlpSpans.length, 'each span is exported once');
  assert.equal(otlpSpans.length, rows.length, `OTLP spans (${otlpSpans.length}) vs DuckDB rows (${rows.length})`);
  for (const r of rows) {
    const s = byId.get(r.span_id);
    assert.ok(s, `DuckDB span ${r.name} ${r.span_id} reached the receiver`);
    assert.equal(s.traceId, r.trace_id, `trace id of ${r.name}`);
    assert.equal(s.parentSpanId, r.parent_id ?? '', `parent of ${r.name}`);
    assert.equal(s.name, r.name);
    assert.equal(s.startTimeUnixNano, BigInt(r.start_time), `start of ${r.name}`);
    assert.equal(s.endTimeUnixNano, BigInt(r.end_time), `end of ${r.name}`);
    const kinds = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };
    assert.equal(s.kind, kinds[r.kind], `kind of ${r.name}`);
    const codes = { UNSET: 0, OK: 1, ERROR: 2 };
    assert.equal(s.status.code, codes[r.status_code], `status of ${r.name}`);
  }
}

// Every OTLP span: well-formed ids, parents inside the batch set or remote.
export function assertWellFormed(spans) {
  for (const s of spans) {
    assert.match(s.traceId, HEX32, `traceId of ${s.name}`);
    assert.notEqual(s.traceId, '0'.repeat(32));
    assert.match(s.spanId, HEX16, `spanId of ${s.name}`);
    assert.notEqual(s.spanId, '0'.repeat(16));
    if (s.parentSpanId !== '') assert.match(s.parentSpanId, HEX16, `parentSpanId of ${s.name}`);
    assert.ok(s.endTimeUnixNano >= s.startTimeUnixNano, `${s.name} ends after it starts`);
    const nowNs = BigInt(Date.now()) * 1000000n;
    assert.ok(nowNs - s.startTimeUnixNano < 86400n * 1000000000n && s.startTimeUnixNano - nowNs < 3600n * 1000000000n,
      `${s.name} startTimeUnixNano is ns since the epoch`);
  }
}

// The final stats line: the OTLP counters add up.
export function otlpStats(final) {
  assert.ok(final, 'the scenario printed its final stats line');
  assert.ok(final.otlp, `OTLP export is on (stats: ${JSON.stringify(final)})`);
  return final.otlp;
}
