// Helpers of the LLM engine tests: the shared Node harness
// (tests/support/node_harness.mjs) set up for flock_llm_scenarios, a run()
// that starts a scenario against a fake model server and returns its summary
// line, and readers of the spans in its DuckDB file.
import assert from 'node:assert/strict';
import { attr, createHarness, sleep, withDb, HEX32, HEX16 } from '../support/node_harness.mjs';
import { startFake } from './fake_openai.mjs';

export { attr, sleep, withDb, HEX32, HEX16, startFake };

// A distinctive API key: it must never show up in spans, stdout or stderr.
export const API_KEY = 'sk-flocktest-9Zq7LeakCanary3xW4vT2';

export const { scenarioBinary, tempDir, scenarioEnv, startScenario } = createHarness({
  binaryVar: 'FLOCK_LLM_SCENARIOS',
  binaryName: 'flock_llm_scenarios',
  tmpPrefix: 'flock-llm-',
  timeoutMs: 120000,
  waitForMs: 60000,
  // scenarioEnv(tmp, extra) takes a tempDir result.
  tracePathOf: (tmp) => tmp.db,
});

// The environment pointing the engine at the fake (extra may override or,
// with undefined, remove a variable).
export function llmEnv(fake, extra = {}) {
  return {
    OPENAI_BASE_URL: fake.base,
    OPENAI_API_KEY: API_KEY,
    DEFAULT_MODEL: undefined,
    FLOCK_TRACE_FLUSH_MS: 100,
    ...extra,
  };
}

// Runs `flock_llm_scenarios scenario args...` to its end against the fake;
// asserts a clean exit with a summary line; returns the result, the summary
// (`summary`) and the temp dir paths.
export async function run(t, fake, scenario, args = [], { env = {}, timeoutMs, tmp } = {}) {
  tmp = tmp ?? tempDir(t);
  const started = Date.now();
  const h = startScenario(t, [scenario, ...args], { env: scenarioEnv(tmp, llmEnv(fake, env)), cwd: tmp.dir, timeoutMs });
  const r = await h.exited;
  const what = `flock_llm_scenarios ${scenario} ${args.join(' ')}`;
  assert.equal(r.signal, null, `${what} was killed (${r.signal})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  const summary = r.lines.find((l) => l.scenario === scenario);
  assert.ok(summary, `${what} printed its summary line\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return { ...r, ...tmp, summary, wallMs: Date.now() - started };
}

export function parseSpan(r) {
  const j = (v) => (v === null || v === undefined ? v : JSON.parse(v));
  return { ...r, attributes: j(r.attributes), events: j(r.events), links: j(r.links), resource: j(r.resource) };
}

// Every span of the store, attributes/events/links/resource parsed, by start.
export async function allSpans(dbPath) {
  return withDb(dbPath, async (q) => (await q('SELECT * FROM spans ORDER BY start_time, span_id')).map(parseSpan));
}

// Every span as one text: every column cast to VARCHAR (for the key search).
export async function spansAsText(dbPath) {
  return withDb(dbPath, async (q) => {
    const rows = await q('SELECT CAST(spans AS VARCHAR) AS row_text FROM spans');
    return rows.map((r) => r.row_text).join('\n');
  });
}


export const named = (spans, name) => spans.filter((s) => s.name === name);
export const callSpans = (spans) => named(spans, 'LLMEngine.call_model');

// The spans on the parent chain of s, s first, up to the root.
export function ancestors(spans, s) {
  const byId = new Map(spans.map((x) => [x.span_id, x]));
  const out = [];
  for (let cur = s; cur; cur = cur.parent_id ? byId.get(cur.parent_id) : undefined) out.push(cur);
  return out;
}

// The messages of a recorded request to the fake.
export function userPayload(req) {
  const user = req.body.messages.find((m) => m.role === 'user');
  return JSON.parse(user.content);
}
export const systemPrompt = (req) => req.body.messages.find((m) => m.role === 'system').content;

// Artifacts of a summary by type.
export const artifactsOf = (summary, type) => summary.artifacts.filter((a) => a.type === type);

// The answer content of a valid Pizza.
export const PIZZA = { name: 'Truffle Supreme', toppings: ['truffle', 'mozzarella'], size_cm: 32, crust: null };

// Waits until a file can be read for spans matching pred (a killed program's
// last flush may take a moment to become readable).
export async function spansWhen(dbPath, pred, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    let spans = [];
    try {
      spans = await allSpans(dbPath);
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (pred(spans) || Date.now() > deadline) return spans;
    await sleep(100);
  }
}
