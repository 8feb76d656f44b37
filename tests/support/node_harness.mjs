// The Node side shared by the integration and OTLP suites: load the
// independent DuckDB client (@duckdb/node-api), run a scenario program in a
// fresh temp dir with a clean FLOCK_/OTEL_ environment, wait for its output
// lines and its exit, open its trace store, and kill every process left.
// Each suite's helpers.mjs calls createHarness with its own binary, temp dir
// prefix and timeouts, and re-exports what it uses.
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

export const HEX32 = /^[0-9a-f]{32}$/;
export const HEX16 = /^[0-9a-f]{16}$/;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The JSON lines of a program's output (other lines are skipped).
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

// Every scenario still running when Node exits is SIGKILLed.
const live = new Set();
const spawnSeq = new WeakMap();  // child -> the order it was started in
let spawned = 0;
process.on('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
});

// The caller's environment without any FLOCK_/OTEL_ variable that could leak
// in, plus the trace file settings and extras (undefined removes a variable).
export function cleanEnv(dbPath, extra = {}) {
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

// Starts bin; returns a handle to wait for output lines (waitFor) and the exit
// (exited). The process is SIGKILLed after timeoutMs (the test then sees the
// signal) and after the test t in any case. Waiters are settled, and exited
// resolves, only once stdout and stderr have drained: 'exit' may come before
// the last output.
export function spawnScenario(bin, t, args, { env, cwd, timeoutMs, waitForMs }) {
  const child = spawn(bin, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  spawnSeq.set(child, spawned++);
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
    // Resolves with the first parsed line for which pred is true.
    waitFor(pred, ms = waitForMs) {
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
    // A program that cannot be started at all (missing, being relinked):
    // fail now with the reason instead of waiting out the timeout.
    child.on('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      stderr += `spawn failed: ${err.message}\n`;
      for (const w of waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new Error(`cannot start ${bin}: ${err.message}`));
      }
      resolve({ code: null, signal: null, error: err, stdout, stderr, lines: parseLines(stdout) });
    });
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
  if (t) {
    t.after(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await handle.exited;
    });
  }
  return handle;
}

// The per-suite part of the harness:
//   binaryVar       the environment variable (set by CTest) naming the program
//   binaryName      its name, for the messages
//   tmpPrefix       the default prefix of tempDir
//   timeoutMs       the default kill timeout of startScenario
//   waitForMs       the default timeout of handle.waitFor
//   tracePathOf     maps scenarioEnv's first argument to the trace file path
//                   (identity: a path; (tmp) => tmp.db: a tempDir result)
export function createHarness({ binaryVar, binaryName, tmpPrefix, timeoutMs, waitForMs, tracePathOf = (p) => p }) {
  function scenarioBinary() {
    const bin = process.env[binaryVar];
    assert.ok(bin, `${binaryVar} must name the ${binaryName} binary (set by CTest)`);
    assert.ok(fs.existsSync(bin), `${binaryName} not found at ${bin}`);
    return bin;
  }

  // A fresh temp dir, removed after the test (t.after), with its trace path.
  // After-hooks run in the order they were added, so this one runs before
  // the hooks of programs started later in the test: it first stops the
  // programs started since the folder was made, so none writes into it
  // while it goes.
  function tempDir(t, prefix = tmpPrefix) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const since = spawned;
    t.after(async () => {
      const running = [...live].filter((child) => spawnSeq.get(child) >= since);
      for (const child of running) child.kill('SIGKILL');
      await Promise.all(running.map((child) => new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', resolve);
      })));
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    });
    return { dir, db: path.join(dir, '.flock', 'traces.duckdb') };
  }

  function scenarioEnv(target, extra = {}) {
    return cleanEnv(tracePathOf(target), extra);
  }

  function startScenario(t, args, { env, cwd, timeoutMs: ms = timeoutMs } = {}) {
    return spawnScenario(scenarioBinary(), t, args, { env, cwd, timeoutMs: ms, waitForMs });
  }

  return { scenarioBinary, tempDir, scenarioEnv, startScenario };
}

function isLockError(e) {
  return /lock|Conflicting|in use|held/i.test(String(e && e.message));
}

async function withConnection(instance, fn) {
  const con = await instance.connect();
  try {
    const query = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS();
    return await fn(query, con);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
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
  return withConnection(instance, fn);
}

// Opens the file read-write (for preparing fixtures such as old rows).
export async function withDbWritable(dbPath, fn) {
  return withConnection(await duckdb.DuckDBInstance.create(dbPath), fn);
}

// An attribute by its dotted key, following the nesting of the stored JSON
// (a key that is also a prefix keeps its value under the prefix object, as
// its only scalar member).
export function attr(attrs, key) {
  if (attrs && Object.prototype.hasOwnProperty.call(attrs, key)) return attrs[key];
  let cur = attrs;
  for (const p of key.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(p in cur)) return undefined;
    cur = cur[p];
  }
  if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) {
    const scalars = Object.entries(cur).filter(([, v]) => v === null || typeof v !== 'object');
    return scalars.length === 1 ? scalars[0][1] : cur;
  }
  return cur;
}

// Promises that settle when a predicate over a fake server's state holds:
// the server calls notify() after every request it records.
export class Waiters {
  constructor(label, describe) {
    this.label = label;
    this.describe = describe;  // () => text about the state, for timeouts
    this.list = [];
  }

  waitFor(subject, pred, ms, what) {
    if (pred(subject)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      w.timer = setTimeout(() => {
        this.list.splice(this.list.indexOf(w), 1);
        reject(new Error(`${this.label}: timed out after ${ms} ms waiting for ${what}; ${this.describe()}`));
      }, ms);
      this.list.push(w);
    });
  }

  notify(subject) {
    for (const w of [...this.list]) {
      if (w.pred(subject)) {
        clearTimeout(w.timer);
        this.list.splice(this.list.indexOf(w), 1);
        w.resolve();
      }
    }
  }
}
