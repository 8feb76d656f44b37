// GET /api/traces filters and paging over the demo's four runs (run 1, burnt
// toast, has the errors; runs 0 and 2 are table-1, runs 1 and 3 table-2),
// each answer compared with the set computed from the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, api, getJson, storedSpans, summarize, assertSummary } from './helpers.mjs';

// ns (BigInt) -> ISO 8601 with microseconds, rounded down.
function isoMicros(ns) {
  const ms = ns / 1000000n;
  const micros = (ns / 1000n) % 1000n;
  return new Date(Number(ms)).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
}

test('GET /api/traces: every filter, and limit/offset/total, against the file', async (t) => {
  const s = await startDemo(t, { runs: 4 });
  const all = summarize(await storedSpans(s.db)); // newest first
  assert.equal(all.length, 4);
  // Newest first: run 3, 2, 1, 0.
  const run = (i) => all[3 - i];
  const ids = (list) => list.map((x) => x.trace_id);
  const list = async (query) => {
    const body = await getJson(s.base, `/api/traces?${query}`);
    for (const item of body.items) {
      const exp = all.find((x) => x.trace_id === item.trace_id);
      assert.ok(exp, `${query}: ${item.trace_id} is a trace of the file`);
      assertSummary(item, exp, `${query}: ${item.trace_id}`);
    }
    return body;
  };
  const expectIds = async (query, expected) => {
    const body = await list(query);
    assert.deepEqual(ids(body.items), ids(expected), `${query}: the matching traces, newest first`);
    assert.equal(body.total, expected.length, `${query}: total`);
    return body;
  };

  await t.test('no filter: all four, newest first', async () => {
    await expectIds('', all);
    const body = await list('');
    for (let i = 1; i < body.items.length; i++) assert.ok(BigInt(body.items[i - 1].start_time) >= BigInt(body.items[i].start_time));
  });

  await t.test('workflow', async () => {
    await expectIds('workflow=dinner_service', all);
    await expectIds('workflow=lunch_service', []);
    await expectIds('workflow=dinner', []);
  });

  await t.test('status=error finds the failing run; status=ok the others', async () => {
    const body = await expectIds('status=error', [run(1)]);
    assert.equal(body.items[0].error_count, 2);
    await expectIds('status=ok', all.filter((x) => x !== run(1)));
    await expectIds('status=ERROR', [run(1)]);
  });

  await t.test('correlation_id', async () => {
    await expectIds('correlation_id=table-1', [run(2), run(0)]);
    await expectIds('correlation_id=table-2', [run(3), run(1)]);
    await expectIds('correlation_id=table-3', []);
    await expectIds('correlation_id=table-2&status=error', [run(1)]);
    await expectIds('correlation_id=table-1&status=error', []);
  });

  await t.test('tag: traces that published an artifact with that tag', async () => {
    await expectIds('tag=demo', all);
    await expectIds('tag=nope', []);
    await expectIds('tag=dem', []);
    await expectIds('tag=demo&status=error', [run(1)]);
  });

  await t.test('service and operation', async () => {
    await expectIds('service=FunctionEngine', all);
    await expectIds('service=Agent', all);
    await expectIds('service=Kitchen', []);
    await expectIds('operation=Agent.execute', all);
    await expectIds('operation=evaluate', all);
    await expectIds('operation=nothing_like_this', []);
  });

  await t.test('q: trace id prefix, span name, workflow name; LIKE wildcards are literal', async () => {
    const target = run(2);
    await expectIds(`q=${target.trace_id.slice(0, 12)}`, all.filter((x) => x.trace_id.startsWith(target.trace_id.slice(0, 12))));
    await expectIds(`q=${target.trace_id}`, [target]);
    await expectIds('q=dinner', all);
    await expectIds('q=DINNER_SERV', all);
    await expectIds('q=Agent.exec', all);
    await expectIds('q=no_such_thing_at_all', []);
    await expectIds('q=%25', []); // "%"
    await expectIds('q=_', all); // dinner_service holds a literal underscore
    await expectIds('q=d_nner', []); // "_" is not a wildcard
  });

  await t.test('min_duration_ms / max_duration_ms, bounds inclusive', async () => {
    const byDur = [...all].sort((a, b) => a.duration_ms - b.duration_ms);
    const mid = (byDur[1].duration_ms + byDur[2].duration_ms) / 2;
    const longer = all.filter((x) => x.duration_ms >= mid);
    const shorter = all.filter((x) => x.duration_ms <= mid);
    assert.equal(longer.length, 2);
    await expectIds(`min_duration_ms=${mid}`, longer);
    await expectIds(`max_duration_ms=${mid}`, shorter);
    await expectIds('min_duration_ms=0', all);
    await expectIds('max_duration_ms=0', []);
    await expectIds('min_duration_ms=1000000', []);
    // A trace's own duration (as the API prints it) is inside both bounds.
    const one = (await getJson(s.base, '/api/traces')).items.find((x) => x.trace_id === byDur[1].trace_id);
    const d = String(one.duration_ms);
    const body = await list(`min_duration_ms=${d}&max_duration_ms=${d}`);
    assert.ok(ids(body.items).includes(one.trace_id), `min = max = ${d} keeps the trace of that duration`);
  });

  await t.test('since / until as nanoseconds (inclusive) and as ISO-8601', async () => {
    const t1 = run(1).start_time; // BigInt ns
    await expectIds(`since=${t1}`, [run(3), run(2), run(1)]);
    await expectIds(`since=${t1 + 1n}`, [run(3), run(2)]);
    await expectIds(`until=${t1}`, [run(1), run(0)]);
    await expectIds(`until=${t1 - 1n}`, [run(0)]);
    await expectIds(`since=${t1}&until=${t1}`, [run(1)]);
    await expectIds(`since=${run(1).start_time}&until=${run(2).start_time}`, [run(2), run(1)]);
    // ISO, microseconds rounded down: the run itself and newer.
    await expectIds(`since=${encodeURIComponent(isoMicros(t1))}`, [run(3), run(2), run(1)]);
    await expectIds(`until=${encodeURIComponent(isoMicros(run(0).start_time - 1000n))}`, []);
    await expectIds('since=2000-01-01T00:00:00Z', all);
    await expectIds('since=2000-01-01', all);
    await expectIds('until=2000-01-01T00:00:00Z', []);
    await expectIds('since=2200-01-01T00:00:00Z', []);
    // A time zone offset names the same instant.
    const ms = Number(run(0).start_time / 1000000n) - 60 * 60 * 1000; // an hour before run 0
    const utc = new Date(ms).toISOString().slice(0, 19);
    const plus2 = new Date(ms + 2 * 3600 * 1000).toISOString().slice(0, 19) + '+02:00';
    await expectIds(`since=${encodeURIComponent(utc + 'Z')}`, all);
    await expectIds(`since=${encodeURIComponent(plus2)}`, all);
    const later = new Date(Number(run(3).start_time / 1000000n) + 3600 * 1000);
    const laterMinus5 = new Date(later.getTime() - 5 * 3600 * 1000).toISOString().slice(0, 19) + '-05:00';
    await expectIds(`since=${encodeURIComponent(laterMinus5)}`, []);
  });

  await t.test('since / until past the 64-bit nanosecond range (year 2262): no overflow', async () => {
    // since in the far future: no trace, or a 400 naming the parameter; never
    // every trace. until in the far future: every trace, or a 400.
    for (const far of ['2999-01-01T00:00:00Z', '9999-12-31']) {
      const r = await api(s.base, `/api/traces?since=${far}`);
      if (r.status === 400) assert.match(r.body.error, /since/);
      else assert.deepEqual(ids(r.body.items), [], `since=${far}: a time after every trace matches none (got ${r.body.total} traces)`);
      const u = await api(s.base, `/api/traces?until=${far}`);
      if (u.status === 400) assert.match(u.body.error, /until/);
      else assert.deepEqual(ids(u.body.items), ids(all), `until=${far}: a time after every trace matches all (got ${u.body.total} traces)`);
    }
    const old = await api(s.base, '/api/traces?until=1600-01-01T00:00:00Z');
    if (old.status === 400) assert.match(old.body.error, /until/);
    else assert.deepEqual(ids(old.body.items), [], 'until=1600: a time before every trace matches none');
  });

  await t.test('agent: traces in which that agent ran', async () => {
    // Every run has the chef; only the burnt toast run fails at the sommelier.
    const agentsOf = (tr) => new Set(tr.spans.map((x) => x.attributes?.agent?.name).filter(Boolean));
    for (const agent of ['chef', 'sommelier', 'critic']) {
      await expectIds(`agent=${agent}`, all.filter((tr) => agentsOf(tr).has(agent)));
    }
    await expectIds('agent=nobody', []);
    const body = await list('');
    for (const item of body.items) {
      const tr = all.find((x) => x.trace_id === item.trace_id);
      assert.deepEqual(item.agents, [...agentsOf(tr)].sort(), 'agents lists every agent of the trace, sorted');
    }
  });

  await t.test('sort and order: each of the four columns, both ways; anything else is 400', async () => {
    for (const col of ['start_time', 'duration_ms', 'span_count', 'error_count']) {
      for (const order of ['asc', 'desc']) {
        const body = await list(`sort=${col}&order=${order}`);
        const values = body.items.map((x) => Number(x[col]));
        const sorted = [...values].sort((a, b) => (order === 'asc' ? a - b : b - a));
        assert.deepEqual(values, sorted, `sort=${col}&order=${order}`);
        assert.equal(body.total, 4);
        assert.equal(body.items.length, 4);
      }
    }
    for (const bad of ['sort=name', 'sort=start_time;DROP', 'order=up', 'sort=', 'order=ASC']) {
      const r = await api(s.base, `/api/traces?${bad}`);
      if (bad === 'sort=' || bad === 'order=ASC') {
        assert.equal(r.status, 200, `${bad}: an empty sort is the default; ASC is asc`);
      } else {
        assert.equal(r.status, 400, `${bad}: ${r.status}`);
        assert.match(r.body.error, /sort|order/);
      }
    }
  });

  await t.test('q also finds error messages', async () => {
    const failing = all.filter((x) => x.error_count > 0);
    await expectIds('q=cellar%20is%20LOCKED', failing);
  });

  await t.test('limit / offset / total: pages cover the list once, total counts every match', async () => {
    const seen = [];
    for (let off = 0; off < 4; off++) {
      const body = await list(`limit=1&offset=${off}`);
      assert.equal(body.total, 4, `total at offset ${off}`);
      assert.equal(body.items.length, 1);
      seen.push(body.items[0].trace_id);
    }
    assert.deepEqual(seen, ids(all));
    const two = await list('limit=2&offset=1');
    assert.deepEqual(ids(two.items), ids(all.slice(1, 3)));
    assert.equal(two.total, 4);
    const past = await list('offset=10');
    assert.deepEqual(past.items, []);
    assert.equal(past.total, 4, 'total still counts the matches past the end');
    const filtered = await list('status=ok&limit=2');
    assert.equal(filtered.total, 3);
    assert.equal(filtered.items.length, 2);
    const rest = await list('status=ok&limit=2&offset=2');
    assert.equal(rest.total, 3);
    assert.equal(rest.items.length, 1);
    assert.deepEqual([...ids(filtered.items), ...ids(rest.items)], ids(all.filter((x) => x !== run(1))));
    const pastFiltered = await list('status=error&offset=5');
    assert.deepEqual(pastFiltered, { items: [], total: 1 });
    const max = await list('limit=1000');
    assert.equal(max.items.length, 4);
    const none = await list('workflow=nope&offset=3');
    assert.deepEqual(none, { items: [], total: 0 });
  });
});
