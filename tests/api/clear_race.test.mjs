// `flock traces clear` from another process while a hub ingests over OTLP:
// every span the hub acknowledged is either counted as deleted by a clear or
// still in the store at the end; none vanish between the count and the swap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startDashboard, assertStopped, api, cli, tempDir, withDb, sleep } from './helpers.mjs';

const SPANS_PER_REQUEST = 50;

function otlpBody(n) {
  const traceId = randomBytes(16).toString('hex');
  const now = BigInt(Date.now()) * 1000000n;
  const spans = [];
  for (let i = 0; i < n; ++i) {
    spans.push({
      traceId,
      spanId: randomBytes(8).toString('hex'),
      name: `step ${i}`,
      kind: 1,
      startTimeUnixNano: String(now + BigInt(i) * 1000n),
      endTimeUnixNano: String(now + BigInt(i) * 1000n + 500n),
    });
  }
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'clear-race' } }] },
      scopeSpans: [{ scope: { name: 'clear-race' }, spans }],
    }],
  };
}

test('traces clear from another process while a hub ingests: acknowledged = deleted + left', async (t) => {
  const tmp = tempDir(t);
  const hub = await startDashboard(t, tmp.db, { cwd: tmp.dir });
  let acknowledged = 0;
  let sending = true;
  const sender = (async () => {
    while (sending) {
      const r = await api(hub.base, '/v1/traces', { method: 'POST', json: otlpBody(SPANS_PER_REQUEST) });
      if (r.status === 200) {
        // Partial success would name rejected spans; there are none here.
        assert.ok(!r.body?.partialSuccess?.rejectedSpans, r.text);
        acknowledged += SPANS_PER_REQUEST;
      } else {
        assert.equal(r.status, 503, `ingest: ${r.status} ${r.text}`);
        await sleep(20);
      }
    }
  })();
  let deleted = 0;
  let clears = 0;
  try {
    // The first spans create the store.
    while (acknowledged < 500) await sleep(20);
    for (let i = 0; i < 5; ++i) {
      await sleep(300);
      const r = await cli(t, ['traces', 'clear', tmp.db]);
      assert.equal(r.code, 0, `clear ${i}: ${r.stderr}`);
      const m = r.stdout.match(/deleted (\d+) spans/);
      assert.ok(m, r.stdout);
      deleted += Number(m[1]);
      clears += 1;
    }
    await sleep(300);
  } finally {
    sending = false;
    await sender;
  }
  assertStopped(await hub.stop(), 'SIGTERM', 'the hub');
  const left = await withDb(tmp.db, async (q) => Number((await q('SELECT count(*) AS n FROM spans'))[0].n));
  assert.equal(clears, 5);
  assert.ok(deleted > 0, 'the clears deleted spans');
  assert.equal(deleted + left, acknowledged,
    `acknowledged ${acknowledged}, deleted ${deleted}, left ${left}: ${acknowledged - deleted - left} vanished`);
});
