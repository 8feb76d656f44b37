// Helpers of the browser tests: start the real dashboard demo program
// (FLOCK_DASHBOARD_DEMO) in a fresh temp dir, drive Debian's Chromium through
// playwright-core, watch the page for errors, dialogs and CSP violations, and
// write screenshots under ${FLOCK_TEST_ARTIFACTS:-<build dir>/test-artifacts}.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, 'package.json'));
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  throw new Error(`playwright-core is missing: run tests/browser/install.sh (${e.message})`);
}

// A JSON client of one server: api(route, {method, body, token}) answers
// {status, json, text} (json undefined when the answer is not JSON).
function apiClient(base) {
  return async (route, { method = 'GET', body, token } = {}) => {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(new URL(route, base), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  };
}

export const CHROMIUM = process.env.FLOCK_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function demoBinary() {
  const bin = process.env.FLOCK_DASHBOARD_DEMO;
  assert.ok(bin, 'FLOCK_DASHBOARD_DEMO must name the flock_dashboard_demo binary');
  assert.ok(fs.existsSync(bin), `flock_dashboard_demo not found at ${bin}`);
  return bin;
}

// The build dir: FLOCK_BUILD_DIR, else the first folder above the demo binary
// holding CMakeCache.txt, else <repo>/build.
function buildDir() {
  if (process.env.FLOCK_BUILD_DIR) return process.env.FLOCK_BUILD_DIR;
  let dir = path.dirname(path.resolve(process.env.FLOCK_DASHBOARD_DEMO || '.'));
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'CMakeCache.txt'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return path.resolve(here, '..', '..', 'build');
}

export function artifactsDir() {
  return process.env.FLOCK_TEST_ARTIFACTS || path.join(buildDir(), 'test-artifacts');
}

export function screenshotsDir() {
  const dir = path.join(artifactsDir(), 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export async function screenshot(page, view) {
  const file = path.join(screenshotsDir(), `${view}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

// The caller's environment without FLOCK_/OTEL_ variables (FLOCK_WEB_ROOT
// stays: it says which dashboard build to serve), plus extras.
function demoEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if ((k.startsWith('FLOCK_') || k.startsWith('OTEL_')) && k !== 'FLOCK_WEB_ROOT') continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

// Watches a server process a test started: collects its output, stops it
// after the test t (SIGTERM, SIGKILL after 5 s, then cleanup()), and gives
// `base`, resolved with its URL once stdout matches urlPattern.
function superviseServer(t, child, { name, urlPattern, readyMs, cleanup = () => {} }) {
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    cleanup();
  });
  const base = new Promise((resolve, reject) => {
    const said = () => `\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`;
    const timer = setTimeout(() => reject(new Error(`${name} printed no URL within ${readyMs} ms${said()}`)), readyMs);
    child.stdout.on('data', (d) => {
      out.stdout += d;
      const m = out.stdout.match(urlPattern);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] + '/');
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before serving${said()}`));
    });
  });
  return { out, exited, base };
}

// Starts the demo in its own temp dir; resolves once it printed its URL.
// Everything is torn down after the test t: SIGTERM, SIGKILL after 5 s, and
// the temp dir removed.
export async function startDemo(t, { env = {}, args = [], port = 0, readyMs = 60_000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flock-browser-'));
  const db = path.join(dir, '.flock', 'traces.duckdb');
  fs.mkdirSync(path.dirname(db), { recursive: true });
  const child = spawn(demoBinary(), ['--port', String(port), '--db', db, ...args], {
    cwd: dir,
    env: demoEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { out, exited, base: ready } = superviseServer(t, child, {
    name: 'the demo',
    urlPattern: /flock: dashboard at (http:\/\/\S+?)\/?\s/,
    readyMs,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  });
  const base = await ready;
  const demo = {
    base,
    port: Number(new URL(base).port),
    dir,
    db,
    child,
    get stderr() {
      return out.stderr;
    },
    // Stops the program now (SIGTERM) and waits for its exit.
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    // JSON from the API (Node's fetch), with the token when given.
    api: apiClient(base),
  };
  await waitUntil(async () => (await demo.api('/api/health')).json?.status === 'ok', 30_000, 'GET /api/health answers ok');
  return demo;
}

// Publishes an order through POST /api/artifacts (the agents run again).
export async function publishOrder(demo, dish, extra = {}) {
  const r = await demo.api('/api/artifacts', { method: 'POST', body: { type: 'Order', payload: { dish, guests: 2 }, ...extra } });
  assert.equal(r.status, 201, `POST /api/artifacts: ${r.status} ${r.text}`);
  return r.json.artifact;
}

export async function waitUntil(fn, ms, what) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what} (last: ${last})`);
    await sleep(100);
  }
}

// Waits until the demo's store holds at least n workflow runs.
export async function waitForTraces(demo, n, query = '') {
  return waitUntil(async () => {
    const r = await demo.api(`/api/traces?limit=200${query}`);
    return r.status === 200 && r.json.total >= n ? r.json : false;
  }, 30_000, `${n} traces${query ? ` (${query})` : ''} are stored`);
}

// Waits until the store stops growing (the same span count for quietMs), so
// that totals read from the API stay true while the page is checked.
export async function waitForQuiet(demo, { quietMs = 1000, timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  for (;;) {
    const n = (await demo.api('/api/traces/stats')).json?.total_spans ?? -1;
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return n;
    if (Date.now() > deadline) throw new Error(`the store kept growing for ${timeoutMs} ms`);
    await sleep(150);
  }
}

// A headless Chromium with one page, closed after the test. The page's
// console errors, uncaught exceptions, CSP violations and dialogs are
// recorded (dialogs are dismissed) in `problems`.
export async function openBrowser(t, { viewport = { width: 1400, height: 900 } } = {}) {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: run tests/browser/install.sh`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  t.after(async () => {
    await browser.close().catch(() => {});
  });
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems = { errors: [], dialogs: [], csp: [] };
  page.on('console', (m) => {
    const text = m.text();
    if (/Content Security Policy|Refused to/i.test(text)) problems.csp.push(text);
    // Requests that the tests make fail on purpose (401 before a token, 400
    // for bad SQL) are logged by Chromium as "Failed to load resource".
    else if (m.type() === 'error' && !/Failed to load resource/.test(text)) problems.errors.push(text);
  });
  page.on('pageerror', (e) => problems.errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  return { browser, context, page, problems };
}

export function assertNoProblems(problems) {
  assert.deepEqual(problems.dialogs, [], 'no dialog (alert/confirm/prompt) may open');
  assert.deepEqual(problems.csp, [], 'no Content-Security-Policy violation');
  assert.deepEqual(problems.errors, [], 'no console error or uncaught exception');
}

// Opens a dashboard route (#/...) and waits for the live stream to connect.
export async function openDashboard(page, demo, route = '#/traces') {
  await page.goto(demo.base + route);
  await page.locator('[data-testid="live-status"][data-state="connected"]').waitFor();
}

// The demo with at least `traces` stored runs (matching `query`) and a
// browser; with `route`, the page has opened it and the stream is live.
// `demo` holds the options of startDemo.
export async function startDemoAndBrowser(t, { traces = 2, query = '', route, demo: demoOptions } = {}) {
  const demo = await startDemo(t, demoOptions);
  const list = await waitForTraces(demo, traces, query);
  const browser = await openBrowser(t);
  if (route) await openDashboard(browser.page, demo, route);
  return { demo, list, ...browser };
}

// ---- locators and waits shared by the tests ----

export const traceRow = (page, traceId) => page.locator(`[data-testid="trace-row"][data-trace-id="${traceId}"]`);
export const spanRow = (page, spanId) => page.locator(`[data-testid="span-row"][data-span-id="${spanId}"]`);

// The trace list: its total (data-total), and the trace ids of its rows.
export const totalOf = (page) => page.locator('[data-testid="trace-total"]').getAttribute('data-total').then(Number);
export const waitTotal = (page, n) => page.locator(`[data-testid="trace-total"][data-total="${n}"]`).waitFor();
export const waitTotalAbove = (page, n, timeout = 30_000) =>
  page.waitForFunction((m) => Number(document.querySelector('[data-testid="trace-total"]')?.getAttribute('data-total')) > m, n, { timeout });
export const shownTraceIds = (page) => page.locator('[data-testid="trace-row"]').evaluateAll((els) => els.map((e) => e.dataset.traceId));

// The timeline: how many rows the waterfall has (expanded ones, not only
// those in the DOM), and waiting until it has n.
export const rowCount = (page) => page.locator('[data-testid="waterfall"]').getAttribute('data-row-count').then(Number);
export const waitRowCount = (page, n, timeout) =>
  page.locator(`[data-testid="waterfall"][data-row-count="${n}"]`).waitFor(timeout === undefined ? undefined : { timeout });

// Clicks `locator` and returns the file it downloads: its name and text.
export async function downloadOf(page, locator) {
  const [download] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  return { name: download.suggestedFilename(), text: fs.readFileSync(await download.path(), 'utf8') };
}

// ---- a trace file alone: `flock dashboard FILE` ----

// Runs a program (the pizza demo, FLOCK_DEMO) in a fresh temp dir until it
// exits, so that it leaves its trace file there; then serves that file with
// `flock dashboard FILE` (FLOCK_CLI) on a free loopback port. Both the server
// and the temp dir are removed after the test t.
export async function startTraceFile(t, { env = {}, readyMs = 60_000 } = {}) {
  const demoBin = process.env.FLOCK_DEMO;
  const cli = process.env.FLOCK_CLI;
  assert.ok(demoBin && fs.existsSync(demoBin), `FLOCK_DEMO must name the flock_demo binary (got ${demoBin})`);
  assert.ok(cli && fs.existsSync(cli), `FLOCK_CLI must name the flock binary (got ${cli})`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flock-browser-file-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = spawn(demoBin, [], { cwd: dir, env: demoEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  run.stdout.setEncoding('utf8');
  run.stderr.setEncoding('utf8');
  run.stdout.on('data', (d) => (out += d));
  run.stderr.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => run.on('exit', (c, s) => resolve(c ?? s)));
  assert.equal(code, 0, `${demoBin} failed:\n${out}`);
  const db = path.join(dir, '.flock', 'traces.duckdb');
  assert.ok(fs.existsSync(db), `the demo left no trace file at ${db}`);
  return { ...(await serveTraceFile(t, db, { dir, readyMs })), output: out };
}

// Serves the trace file db with `flock dashboard FILE` (FLOCK_CLI) on a free
// loopback port, from the folder dir; stopped after the test t.
export async function serveTraceFile(t, db, { dir = path.dirname(db), readyMs = 60_000 } = {}) {
  const cli = process.env.FLOCK_CLI;
  assert.ok(cli && fs.existsSync(cli), `FLOCK_CLI must name the flock binary (got ${cli})`);
  const child = spawn(cli, ['dashboard', db, '--port', '0'], { cwd: dir, env: demoEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
  const base = await superviseServer(t, child, {
    name: 'flock dashboard',
    urlPattern: /dashboard at (http:\/\/127\.0\.0\.1:\d+)\/?\s/,
    readyMs,
  }).base;
  const server = {
    base,
    dir,
    db,
    api: apiClient(base),
  };
  await waitUntil(async () => (await server.api('/api/health')).json?.status === 'ok', 30_000, 'GET /api/health answers ok');
  return server;
}

// ---- geometry read from the page ----

// The boxes of elements, in page pixels.
export const boxesOf = (locator) =>
  locator.evaluateAll((els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height, name: e.dataset.name ?? e.textContent };
  }));

// Elements whose text is cut (an ellipsis or a hidden overflow): their own
// content is wider than their box, or their box leaves an ancestor that
// clips it. Returns the texts of such elements.
export const clippedTexts = (locator) =>
  locator.evaluateAll((els) =>
    els
      .filter((e) => {
        if (e.scrollWidth > e.clientWidth + 1) return true;
        const r = e.getBoundingClientRect();
        for (let p = e.parentElement; p; p = p.parentElement) {
          const s = getComputedStyle(p);
          if (s.overflowX === 'visible' && s.overflow === 'visible') continue;
          const q = p.getBoundingClientRect();
          if (r.left < q.left - 1 || r.right > q.right + 1) return true;
        }
        return false;
      })
      .map((e) => e.textContent),
  );

// Waits until the page's URL matches re. (page.waitForURL also waits for a
// load event, which a change of the hash alone may never fire.)
export const waitUrl = (page, re) =>
  page.waitForFunction((src) => new RegExp(src).test(window.location.href), re.source).catch((e) => {
    throw new Error(`the URL ${page.url()} does not match ${re} (${e.message})`);
  });
