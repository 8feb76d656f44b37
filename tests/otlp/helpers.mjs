// Helpers of the OTLP tests: the shared Node harness
// (tests/support/node_harness.mjs) set up for flock_otlp_scenarios, plus the
// OTLP-only pieces (exporter environment, OTLP span vs DuckDB row checks).
import assert from 'node:assert/strict';
import { createHarness, duckdb, sleep, parseLines, withDb, HEX32, HEX16 } from '../support/node_harness.mjs';

export { duckdb, sleep, parseLines, HEX32, HEX16 };

export const { scenarioBinary, tempDir, scenarioEnv, startScenario } = createHarness({
  binaryVar: 'FLOCK_OTLP_SCENARIOS',
  binaryName: 'flock_otlp_scenarios',
  tmpPrefix: 'flock-otlp-',
  timeoutMs: 180000,
  waitForMs: 90000,
  // scenarioEnv(tmp, extra) takes a tempDir result.
  tracePathOf: (tmp) => tmp.db,
});

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

// Every span of the store (attributes/events/resource parsed).
export async function storedSpans(dbPath, { timeoutMs = 30000 } = {}) {
  return withDb(
    dbPath,
    async (q) => {
      const rows = await q('SELECT * FROM spans ORDER BY start_time, span_id');
      const j = (v) => (v === null || v === undefined ? v : JSON.parse(v));
      return rows.map((r) => ({ ...r, attributes: j(r.attributes), events: j(r.events), resource: j(r.resource) }));
    },
    { timeoutMs },
  );
}

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
