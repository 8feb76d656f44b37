// Helpers of the API and CLI tests: the shared Node harness
// (tests/support/node_harness.mjs) set up for flock_dashboard_demo (a Flock
// that serves its API) and the `flock` CLI, plus HTTP, Server-Sent Events and
// lossless-JSON helpers. Every process runs in a fresh temp dir and is killed
// after its test; the trace file is read with @duckdb/node-api (READ_ONLY,
// retried while the program holds it).
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createHarness, cleanEnv, duckdb, sleep, withDb, HEX32, HEX16 } from '../support/node_harness.mjs';

export { duckdb, sleep, withDb, HEX32, HEX16 };

const demoHarness = createHarness({
  binaryVar: 'FLOCK_DASHBOARD_DEMO',
  binaryName: 'flock_dashboard_demo',
  tmpPrefix: 'flock-api-',
  timeoutMs: 300000,
  waitForMs: 60000,
});
const cliHarness = createHarness({
  binaryVar: 'FLOCK_CLI',
  binaryName: 'flock',
  tmpPrefix: 'flock-cli-',
  timeoutMs: 120000,
  waitForMs: 60000,
});

export const tempDir = demoHarness.tempDir;
export const demoBinary = demoHarness.scenarioBinary;
export const cliBinary = cliHarness.scenarioBinary;

// A clean environment (no FLOCK_/OTEL_ variable from the caller), plus extra
// (undefined removes a variable). FLOCK_TRACE_FILE/PATH point at db so that
// nothing is written outside the temp dir.
export function env(db, extra = {}) {
  return cleanEnv(db, { NO_COLOR: undefined, ...extra });
}

// The CLI's environment: no trace file of its own.
function cliEnv(extra = {}) {
  return cleanEnv('', { NO_COLOR: undefined, FLOCK_TRACE_FILE: undefined, FLOCK_TRACE_PATH: undefined, ...extra });
}

const URL_LINE = /flock: dashboard at (http:\/\/[^\s]+?):(\d+)\/\s*$/m;

// Resolves with the match of re in the process's stdout; rejects when the
// process exits first or after ms.
export function waitForStdout(h, re, ms = 60000) {
  return new Promise((resolve, reject) => {
    let timer;
    const finish = (fn, v) => {
      clearTimeout(timer);
      h.child.stdout.off('data', check);
      fn(v);
    };
    const check = () => {
      const m = h.stdout.match(re);
      if (m) finish(resolve, m);
    };
    timer = setTimeout(
      () => finish(reject, new Error(`timed out after ${ms} ms waiting for ${re} on stdout\nstdout:\n${h.stdout}\nstderr:\n${h.stderr}`)),
      ms,
    );
    h.child.stdout.on('data', check);
    h.exited.then((r) =>
      finish(reject, new Error(`process exited (${r.code ?? r.signal}) before ${re}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`)),
    );
    check();
  });
}

// A running server: its base URL (always http://127.0.0.1:PORT, whatever it
// listens on), the trace file and stop() (SIGTERM, then the exit result).
function serverHandle(h, m, tmp, db) {
  const port = Number(m[2]);
  return {
    h,
    port,
    base: `http://127.0.0.1:${port}`,
    printedUrl: `${m[1]}:${m[2]}/`,
    db,
    dir: tmp.dir,
    async stop() {
      if (h.child.exitCode === null && h.child.signalCode === null) h.child.kill('SIGTERM');
      return h.exited;
    },
  };
}

// Starts flock_dashboard_demo in a fresh temp dir and waits until it serves.
export async function startDemo(t, { runs = 4, host, extraEnv = {}, args = [], tmp = tempDir(t) } = {}) {
  fs.mkdirSync(path.dirname(tmp.db), { recursive: true });
  const argv = ['--port', '0', '--db', tmp.db, '--runs', String(runs), ...(host ? ['--host', host] : []), ...args];
  const h = demoHarness.startScenario(t, argv, { env: env(tmp.db, extraEnv), cwd: tmp.dir });
  const m = await waitForStdout(h, URL_LINE);
  return serverHandle(h, m, tmp, tmp.db);
}

// Runs the demo with `runs` workflows, stops it with SIGTERM and returns the
// temp dir with its finished trace file.
export async function finishedStore(t, { runs = 4, tmp = tempDir(t) } = {}) {
  const s = await startDemo(t, { runs, tmp });
  assertStopped(await s.stop(), 'SIGTERM');
  return tmp;
}

// A program stopped by signo ended cleanly: exit status 0, or (after
// flushing) re-raising the signal with its default action, which is how a
// program conventionally reports that a signal stopped it.
export function assertStopped(r, signo, what = 'the program') {
  const ok = (r.signal === null && r.code === 0) || r.signal === signo;
  assert.ok(ok, `${what} after ${signo}: exit ${r.code}, signal ${r.signal}\nstderr:\n${r.stderr}`);
}

// Starts `flock dashboard DB --port 0 ...` and waits until it serves.
export async function startDashboard(t, db, { extraEnv = {}, args = [], cwd } = {}) {
  const h = cliHarness.startScenario(t, ['dashboard', db, '--port', '0', ...args], {
    env: cliEnv(extraEnv),
    cwd: cwd ?? path.dirname(db),
  });
  const m = await waitForStdout(h, URL_LINE);
  return serverHandle(h, m, { dir: cwd ?? path.dirname(db) }, db);
}

// Runs `flock ...args` to its end: { code, signal, stdout, stderr }.
export async function cli(t, args, { cwd, extraEnv = {} } = {}) {
  const h = cliHarness.startScenario(t, args, { env: cliEnv(extraEnv), cwd });
  const r = await h.exited;
  assert.equal(r.signal, null, `flock ${args.join(' ')} died of ${r.signal}\nstderr:\n${r.stderr}`);
  return r;
}

// Starts a program without waiting for anything (for exit-code checks).
export function spawnDemo(t, argv, { extraEnv = {}, tmp }) {
  fs.mkdirSync(path.dirname(tmp.db), { recursive: true });
  return demoHarness.startScenario(t, argv, { env: env(tmp.db, extraEnv), cwd: tmp.dir });
}
export function spawnCli(t, argv, { extraEnv = {}, cwd } = {}) {
  return cliHarness.startScenario(t, argv, { env: cliEnv(extraEnv), cwd });
}

// ---------------------------------------------------------------------------
// JSON with 64-bit integers: integers beyond 2^53 become BigInt (nanosecond
// timestamps), everything else as JSON.parse gives it.
export function parseJsonBig(text) {
  let i = 0;
  const fail = (what) => {
    throw new SyntaxError(`${what} at ${i} in ${text.slice(Math.max(0, i - 20), i + 20)}`);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const expect = (c) => {
    ws();
    if (text[i] !== c) fail(`expected '${c}'`);
    i++;
  };
  const str = () => {
    ws();
    if (text[i] !== '"') fail('expected a string');
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const num = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  const value = () => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o = {};
      ws();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        const k = str();
        expect(':');
        o[k] = value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect('}');
        return o;
      }
    }
    if (c === '[') {
      i++;
      const a = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect(']');
        return a;
      }
    }
    if (c === '"') return str();
    for (const [lit, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return v;
      }
    }
    num.lastIndex = i;
    const m = num.exec(text);
    if (!m) fail('unexpected token');
    i = num.lastIndex;
    if (m[1] === undefined && m[2] === undefined) {
      const n = BigInt(m[0]);
      return n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER) ? n : Number(n);
    }
    return Number(m[0]);
  };
  const out = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return out;
}

// ---------------------------------------------------------------------------
// HTTP.

// fetch() of base+path; returns { status, headers, text, body } with body the
// parsed JSON (64-bit integers as BigInt) when the response is JSON.
export async function api(base, p, { method = 'GET', json, body, headers = {}, token, timeoutMs = 60000 } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
  }
  const res = await fetch(base + p, { method, headers: h, body: payload, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let parsed;
  if ((res.headers.get('content-type') ?? '').includes('json') && text.length > 0) parsed = parseJsonBig(text);
  return { status: res.status, headers: res.headers, text, body: parsed };
}

// GET and expect 200 with a JSON body; returns the body.
export async function getJson(base, p, opts = {}) {
  const r = await api(base, p, opts);
  assert.equal(r.status, 200, `GET ${p}: ${r.status} ${r.text}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/, `content type of ${p}`);
  return r.body;
}

// Asserts an error answer: the status, a JSON {"error": "..."} whose message
// matches re (names the problem), and nothing else in the body.
export function assertError(r, status, re, what = '') {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${r.text}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/, `${what}: an error is JSON`);
  assert.ok(r.body && typeof r.body.error === 'string', `${what}: {"error": "..."} expected, got ${r.text}`);
  assert.deepEqual(Object.keys(r.body), ['error'], `${what}: the error body holds only "error"`);
  if (re) assert.match(r.body.error, re, `${what}: the message names the problem`);
  return r.body.error;
}

// A request with node:http, for what fetch does not allow (a Host header, a
// body without Content-Type). Resolves with { status, headers, text, body }.
export function rawRequest(port, { method = 'GET', path: p = '/', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers, agent: false, timeout: 30000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let parsed;
        if ((res.headers['content-type'] ?? '').includes('json') && text) parsed = parseJsonBig(text);
        resolve({
          status: res.statusCode,
          headers: { get: (k) => res.headers[k.toLowerCase()] ?? null, raw: res.headers },
          text,
          body: parsed,
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// Polls fn() until it returns a truthy value; returns it. Throws with the
// last value after ms.
export async function waitUntil(fn, what, ms = 30000, every = 50) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

// ---------------------------------------------------------------------------
// Server-Sent Events: GET /api/events read as a stream; every event is kept
// ({ event, data (parsed JSON or the raw text), raw }), comments too.
export async function openEvents(t, base, { headers = {}, token } = {}) {
  const ac = new AbortController();
  const h = { accept: 'text/event-stream', ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  // The answer's headers must come soon; the body streams as long as it likes.
  const headersTimer = setTimeout(() => ac.abort(new Error('no answer to GET /api/events within 30 s')), 30000);
  let res;
  try {
    res = await fetch(`${base}/api/events`, { headers: h, signal: ac.signal });
  } finally {
    clearTimeout(headersTimer);
  }
  const stream = { status: res.status, headers: res.headers, events: [], comments: [], retry: null, ended: false };
  const waiters = [];
  const settle = () => {
    for (const w of [...waiters]) {
      const hit = w.pred === 'comment' ? stream.comments.find(w.match) : stream.events.find(w.pred);
      if (hit) {
        clearTimeout(w.timer);
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hit);
      } else if (stream.ended) {
        clearTimeout(w.timer);
        waiters.splice(waiters.indexOf(w), 1);
        w.reject(new Error(`the event stream ended before ${w.what}; events: ${stream.events.map((e) => e.event).join(', ')}`));
      }
    }
  };
  const reading = (async () => {
    if (!res.ok || !res.body) {
      stream.text = await res.text().catch(() => '');
      return;
    }
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk, { stream: true });
        let at;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          let event = 'message';
          const data = [];
          let isEvent = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) stream.comments.push(line.slice(1).trim());
            else if (line.startsWith('event:')) {
              event = line.slice(6).trim();
              isEvent = true;
            } else if (line.startsWith('data:')) {
              data.push(line.slice(5).replace(/^ /, ''));
              isEvent = true;
            } else if (line.startsWith('retry:')) stream.retry = Number(line.slice(6).trim());
          }
          if (isEvent) {
            const raw = data.join('\n');
            let parsed = raw;
            try {
              parsed = parseJsonBig(raw);
            } catch {}
            stream.events.push({ event, data: parsed, raw, at: Date.now() });
          }
        }
        settle();
      }
    } catch (e) {
      if (e.name !== 'AbortError') stream.error = e;
    } finally {
      stream.ended = true;
      settle();
    }
  })();
  // Resolves with the first event for which pred is true (past or future).
  stream.waitFor = (pred, what = 'an event', ms = 30000) => {
    const hit = stream.events.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = { pred, what, resolve, reject };
      w.timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; events so far: ${stream.events.map((e) => e.event).join(', ')}`));
      }, ms);
      waiters.push(w);
      settle();
    });
  };
  stream.waitForComment = (match, what = 'a comment', ms = 30000) =>
    new Promise((resolve, reject) => {
      const w = { pred: 'comment', match, what, resolve, reject };
      w.timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; comments: ${JSON.stringify(stream.comments)}`));
      }, ms);
      waiters.push(w);
      settle();
    });
  stream.close = async () => {
    ac.abort();
    await reading;
  };
  stream.done = reading;
  t.after(() => stream.close());
  return stream;
}

// ---------------------------------------------------------------------------
// The trace file, read independently of the server.

export function parseSpan(r) {
  const j = (v) => (v === null || v === undefined ? v : parseJsonBig(v));
  return { ...r, attributes: j(r.attributes), events: j(r.events), links: j(r.links), resource: j(r.resource) };
}

// Every span of the file, attributes parsed, in start order.
export async function storedSpans(db) {
  return withDb(db, async (q) => (await q('SELECT * FROM spans ORDER BY start_time, span_id')).map(parseSpan));
}

// Per trace, the summary that GET /api/traces gives, computed from the rows.
export function summarize(spans) {
  const byTrace = new Map();
  for (const s of spans) {
    if (!byTrace.has(s.trace_id)) byTrace.set(s.trace_id, []);
    byTrace.get(s.trace_id).push(s);
  }
  const out = [];
  for (const [traceId, list] of byTrace) {
    const start = list.reduce((m, s) => (s.start_time < m ? s.start_time : m), list[0].start_time);
    const end = list.reduce((m, s) => (s.end_time > m ? s.end_time : m), list[0].end_time);
    const roots = list.filter((s) => s.parent_id === null).sort((a, b) => (a.start_time < b.start_time ? -1 : 1));
    const wf = list.filter((s) => s.attributes?.flock?.workflow === true).sort((a, b) => (a.start_time < b.start_time ? -1 : 1));
    out.push({
      trace_id: traceId,
      root_name: (roots[0] ?? list[0]).name,
      workflow_name: wf.length ? wf[0].attributes.workflow.name : null,
      start_time: start,
      duration_ms: Number(end - start) / 1e6,
      span_count: list.length,
      error_count: list.filter((s) => s.status_code === 'ERROR').length,
      services: [...new Set(list.map((s) => s.service).filter((x) => x !== null))].sort(),
      correlation_ids: [...new Set(list.map((s) => s.attributes?.correlation_id).filter((x) => typeof x === 'string'))].sort(),
      spans: list,
    });
  }
  out.sort((a, b) => (a.start_time > b.start_time ? -1 : a.start_time < b.start_time ? 1 : a.trace_id < b.trace_id ? -1 : 1));
  return out;
}

// A trace summary from the API equals the one computed from the rows.
export function assertSummary(item, exp, what = item.trace_id) {
  assert.equal(item.trace_id, exp.trace_id, `${what}: trace_id`);
  assert.equal(item.root_name, exp.root_name, `${what}: root_name`);
  assert.equal(item.workflow_name, exp.workflow_name, `${what}: workflow_name`);
  assert.equal(BigInt(item.start_time), exp.start_time, `${what}: start_time (ns)`);
  assert.ok(Math.abs(item.duration_ms - exp.duration_ms) < 1e-3, `${what}: duration_ms ${item.duration_ms} vs ${exp.duration_ms}`);
  assert.equal(item.span_count, exp.span_count, `${what}: span_count`);
  assert.equal(item.error_count, exp.error_count, `${what}: error_count`);
  assert.deepEqual(item.services, exp.services, `${what}: services`);
  assert.deepEqual([...item.correlation_ids].sort(), exp.correlation_ids, `${what}: correlation_ids`);
}

// Quantile as DuckDB's quantile_cont (linear interpolation).
export function quantileCont(values, q) {
  const v = [...values].sort((a, b) => a - b);
  const pos = (v.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

export const near = (a, b, eps = 2e-3) => Math.abs(a - b) <= eps;

// The demo's seeded runs: run i orders dishes[i % 4] for 2 + i guests, with
// correlation id table-(i % 2 + 1); run 1 (burnt toast) fails in sommelier.
export const DISHES = ['risotto', 'burnt toast', 'tagliatelle', 'tiramisu'];
