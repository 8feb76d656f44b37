// Every route's happy path on a running Flock (flock_dashboard_demo, four
// traced "dinner_service" runs), the answers cross-checked against the trace
// file read with @duckdb/node-api.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDemo,
  api,
  getJson,
  storedSpans,
  summarize,
  assertSummary,
  quantileCont,
  near,
  withDb,
  DISHES,
  HEX32,
  HEX16,
} from './helpers.mjs';

test('every GET route of a running Flock answers 200 with the documented shape and the file\'s values', async (t) => {
  const s = await startDemo(t, { runs: 4 });
  const spans = await storedSpans(s.db);
  const traces = summarize(spans);
  assert.equal(traces.length, 4, 'four seeded workflow traces in the file');

  await t.test('GET /api/health', async () => {
    const r = await api(s.base, '/api/health');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ok' });
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  });

  await t.test('GET /api/agents: the three agents as registered', async () => {
    const body = await getJson(s.base, '/api/agents');
    assert.deepEqual(Object.keys(body).sort(), ['agents', 'source']);
    assert.equal(body.source, 'flock', 'a running Flock lists its registered agents');
    const byName = new Map(body.agents.map((a) => [a.name, a]));
    assert.deepEqual([...byName.keys()].sort(), ['chef', 'critic', 'sommelier']);
    for (const a of body.agents) {
      assert.deepEqual(
        Object.keys(a).sort(),
        ['consumes', 'description', 'max_concurrency', 'name', 'prevent_self_trigger', 'publishes'],
        `fields of ${a.name}`,
      );
      assert.equal(typeof a.max_concurrency, 'number');
      assert.ok(a.max_concurrency >= 1);
      assert.equal(a.prevent_self_trigger, true, `${a.name}: prevent_self_trigger defaults to true`);
    }
    assert.equal(byName.get('chef').description, 'Cooks what was ordered');
    assert.deepEqual(byName.get('chef').consumes, ['Order']);
    assert.deepEqual(byName.get('chef').publishes, ['Plate']);
    assert.equal(byName.get('critic').description, 'Tastes every plate');
    assert.deepEqual(byName.get('critic').consumes, ['Plate']);
    assert.deepEqual(byName.get('critic').publishes, ['Verdict']);
    assert.match(byName.get('sommelier').description, /cellar is locked/);
    assert.deepEqual(byName.get('sommelier').consumes, ['Plate']);
    assert.deepEqual(byName.get('sommelier').publishes, ['Verdict']);
  });

  await t.test('GET /api/artifact-types: Order, Plate, Verdict with their JSON Schema', async () => {
    const body = await getJson(s.base, '/api/artifact-types');
    assert.deepEqual(Object.keys(body), ['artifact_types']);
    const byName = new Map(body.artifact_types.map((a) => [a.name, a.schema]));
    for (const n of ['Order', 'Plate', 'Verdict']) assert.ok(byName.has(n), `${n} is listed`);
    const order = byName.get('Order');
    assert.equal(order.type, 'object');
    assert.deepEqual(order.properties.dish, { type: 'string' });
    assert.deepEqual(order.properties.guests, { type: 'integer' });
    assert.deepEqual([...order.required].sort(), ['dish', 'guests']);
    const plate = byName.get('Plate');
    assert.deepEqual(plate.properties.garnish, { type: 'array', items: { type: 'string' } });
    assert.deepEqual(byName.get('Verdict').properties.stars, { type: 'integer' });
  });

  await t.test('GET /api/artifacts: every artifact of the seeded runs, with filters and paging', async () => {
    const all = await getJson(s.base, '/api/artifacts?limit=1000');
    assert.deepEqual(Object.keys(all).sort(), ['items', 'total']);
    // Per run: the Order, chef's Plate, critic's Verdict, and sommelier's
    // Verdict except for the burnt toast.
    assert.equal(all.total, 4 * 4 - 1);
    assert.equal(all.items.length, all.total);
    for (const a of all.items) {
      assert.deepEqual(Object.keys(a).sort(), ['correlation_id', 'created_at', 'id', 'payload', 'produced_by', 'tags', 'type']);
      assert.match(a.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    }
    const orders = all.items.filter((a) => a.type === 'Order');
    assert.deepEqual(orders.map((o) => o.payload.dish).sort(), [...DISHES].sort());
    for (const o of orders) {
      assert.equal(o.produced_by, 'external');
      assert.deepEqual(o.tags, ['demo']);
      const i = DISHES.indexOf(o.payload.dish);
      assert.equal(o.payload.guests, 2 + i);
      assert.equal(o.correlation_id, `table-${(i % 2) + 1}`);
    }
    // Each Order's id is the artifact.id of a Flock.publish span in the file.
    const published = new Set(spans.filter((x) => x.name === 'Flock.publish').map((x) => x.attributes.artifact.id));
    for (const o of orders) assert.ok(published.has(o.id), `Order ${o.id} was traced`);

    const byType = await getJson(s.base, '/api/artifacts?type=Plate');
    assert.equal(byType.total, 4);
    assert.ok(byType.items.every((a) => a.type === 'Plate' && a.produced_by === 'chef'));
    const byCorr = await getJson(s.base, '/api/artifacts?correlation_id=table-2');
    assert.equal(byCorr.total, all.items.filter((a) => a.correlation_id === 'table-2').length);
    assert.ok(byCorr.items.every((a) => a.correlation_id === 'table-2'));
    const bySommelier = await getJson(s.base, '/api/artifacts?produced_by=sommelier');
    assert.equal(bySommelier.total, 3, 'sommelier failed once');
    assert.ok(bySommelier.items.every((a) => a.type === 'Verdict' && / with Barolo$/.test(a.payload.dish)));
    const byTag = await getJson(s.base, '/api/artifacts?tag=demo');
    assert.equal(byTag.total, 4, 'only the Orders carry the tag');
    const none = await getJson(s.base, '/api/artifacts?type=Order&correlation_id=nope');
    assert.deepEqual(none, { items: [], total: 0 });
    // Paging: pages of 4 cover the whole list once, total unchanged.
    const seen = [];
    for (let off = 0; off < all.total; off += 4) {
      const page = await getJson(s.base, `/api/artifacts?limit=4&offset=${off}`);
      assert.equal(page.total, all.total);
      assert.equal(page.items.length, Math.min(4, all.total - off));
      seen.push(...page.items.map((a) => a.id));
    }
    assert.deepEqual(seen, all.items.map((a) => a.id));
    const past = await getJson(s.base, `/api/artifacts?offset=${all.total + 5}`);
    assert.equal(past.items.length, 0);
    assert.equal(past.total, all.total);
  });

  await t.test('GET /api/traces: the four runs, newest first, summaries equal to the file\'s', async () => {
    const body = await getJson(s.base, '/api/traces');
    assert.deepEqual(Object.keys(body).sort(), ['items', 'total']);
    assert.equal(body.total, 4);
    assert.equal(body.items.length, 4);
    for (const [i, item] of body.items.entries()) {
      assert.deepEqual(
        Object.keys(item).sort(),
        ['agents', 'correlation_ids', 'cost_usd', 'duration_ms', 'end_time', 'error_count', 'error_message', 'input_tokens', 'models',
          'output_tokens', 'root_name', 'service_names', 'services', 'span_count', 'start_time', 'status', 'trace_id', 'workflow_name'],
      );
      // The demo's function engines call no model: nothing used, nothing owed.
      assert.deepEqual(item.models, []);
      assert.equal(item.cost_usd, 0);
      assert.match(item.trace_id, HEX32);
      assertSummary(item, traces[i], `item ${i}`);
      assert.equal(item.root_name, 'dinner_service');
      assert.equal(item.workflow_name, 'dinner_service');
    }
    // The second run (burnt toast) is the only one with errors: sommelier's
    // Agent.execute and its engine.
    const failing = body.items.filter((x) => x.error_count > 0);
    assert.equal(failing.length, 1);
    assert.equal(failing[0].error_count, 2);
    assert.deepEqual(failing[0].correlation_ids, ['table-2']);
    assert.equal(failing[0].trace_id, body.items[2].trace_id, 'the 2nd of 4 runs is 3rd newest');
  });

  await t.test('GET /api/traces/{id}: every span with the §4 columns, attributes as objects, equal to the file', async () => {
    for (const tr of traces) {
      const body = await getJson(s.base, `/api/traces/${tr.trace_id}`);
      assert.deepEqual(Object.keys(body).sort(), ['spans', 'trace_id']);
      assert.equal(body.trace_id, tr.trace_id);
      assert.equal(body.spans.length, tr.span_count);
      const rows = new Map(tr.spans.map((x) => [x.span_id, x]));
      for (const sp of body.spans) {
        assert.deepEqual(
          Object.keys(sp).sort(),
          [
            'attributes', 'created_at', 'duration_ms', 'end_time', 'events', 'kind', 'links', 'name', 'operation',
            'parent_id', 'resource', 'service', 'span_id', 'start_time', 'status_code', 'status_description', 'trace_id',
          ],
        );
        const row = rows.get(sp.span_id);
        assert.ok(row, `span ${sp.span_id} is in the file`);
        for (const k of ['trace_id', 'parent_id', 'name', 'service', 'operation', 'kind', 'status_code', 'status_description']) {
          assert.equal(sp[k], row[k], `${sp.name}.${k}`);
        }
        assert.equal(BigInt(sp.start_time), row.start_time, `${sp.name}.start_time exact`);
        assert.equal(BigInt(sp.end_time), row.end_time, `${sp.name}.end_time exact`);
        assert.ok(near(sp.duration_ms, row.duration_ms, 1e-6), `${sp.name}.duration_ms`);
        for (const k of ['attributes', 'events', 'links', 'resource']) {
          assert.equal(typeof sp[k], 'object', `${sp.name}.${k} is JSON, not a string`);
          assert.deepEqual(sp[k], row[k], `${sp.name}.${k}`);
        }
        assert.equal(typeof sp.created_at, 'string');
      }
      // Start order, as in the file.
      assert.deepEqual(body.spans.map((x) => x.span_id), tr.spans.map((x) => x.span_id));
    }
    // The markup attribute comes back as the same text, not altered.
    const wf = (await getJson(s.base, `/api/traces/${traces[0].trace_id}`)).spans.find((x) => x.parent_id === null);
    assert.equal(wf.attributes.note, '<img src=x onerror=alert(1)>');
    assert.equal(wf.attributes.flock.workflow, true);
    assert.equal(wf.attributes.workflow.name, 'dinner_service');
    // The failing agent's span carries its exception.
    const burnt = traces.find((x) => x.error_count > 0);
    const body = await getJson(s.base, `/api/traces/${burnt.trace_id}`);
    const failed = body.spans.find((x) => x.name === 'Agent.execute' && x.status_code === 'ERROR');
    assert.equal(failed.attributes.agent.name, 'sommelier');
    assert.match(failed.status_description, /wine cellar is locked/);
    const ex = failed.events.find((e) => e.name === 'exception');
    assert.ok(ex, 'an exception event');
    // An upper-case id names the same trace.
    const upper = await getJson(s.base, `/api/traces/${burnt.trace_id.toUpperCase()}`);
    assert.equal(upper.trace_id, burnt.trace_id);
    assert.equal(upper.spans.length, burnt.span_count);
  });

  await t.test('GET /api/traces/services: the distinct services and span names of the file', async () => {
    const body = await getJson(s.base, '/api/traces/services');
    assert.deepEqual(Object.keys(body).sort(), ['operations', 'services']);
    const services = [...new Set(spans.map((x) => x.service).filter((x) => x !== null))].sort();
    const names = [...new Set(spans.map((x) => x.name))].sort();
    assert.deepEqual([...body.services].sort(), services);
    assert.deepEqual([...body.operations].sort(), names);
    for (const n of ['Flock', 'Agent', 'FunctionEngine']) assert.ok(body.services.includes(n), n);
    for (const n of ['Flock.publish', 'Agent.execute', 'FunctionEngine.evaluate', 'dinner_service']) assert.ok(body.operations.includes(n), n);
  });

  await t.test('GET /api/traces/stats: totals equal to the file\'s', async () => {
    const body = await getJson(s.base, '/api/traces/stats');
    assert.deepEqual(Object.keys(body).sort(), ['database_size_mb', 'newest_trace', 'oldest_trace', 'services_count', 'total_spans', 'total_traces', 'writer']);
    // The serving program's own span queue (a running Flock only).
    assert.deepEqual(Object.keys(body.writer).sort(), ['bytes_pending', 'max_pending_bytes', 'queue_full', 'spans_dropped', 'spans_exported', 'spans_lost', 'spans_pending']);
    assert.ok(body.writer.spans_exported >= spans.length - 1);
    assert.equal(body.writer.spans_lost, 0);
    assert.equal(body.total_spans, spans.length);
    assert.equal(body.total_traces, traces.length);
    assert.equal(body.services_count, new Set(spans.map((x) => x.service).filter((x) => x !== null)).size);
    const iso = (ns) => new Date(Number(ns / 1000000n)).toISOString().slice(0, 23);
    const minStart = spans.reduce((m, x) => (x.start_time < m ? x.start_time : m), spans[0].start_time);
    // The newest trace is the one that started last (its first span's start).
    const maxStart = traces.reduce((m, x) => (x.start_time > m ? x.start_time : m), traces[0].start_time);
    assert.match(body.oldest_trace, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(body.oldest_trace.slice(0, 23), iso(minStart), 'oldest_trace = the earliest start');
    assert.equal(body.newest_trace.slice(0, 23), iso(maxStart), 'newest_trace = the start of the trace that began last');
    assert.equal(typeof body.database_size_mb, 'number');
    assert.ok(body.database_size_mb > 0 && body.database_size_mb < 1000, `database_size_mb ${body.database_size_mb}`);
  });

  await t.test('GET /api/workflows/stats: runs, errors, avg, p50, p95, max of the workflow spans', async () => {
    const body = await getJson(s.base, '/api/workflows/stats');
    assert.deepEqual(Object.keys(body), ['workflows']);
    assert.equal(body.workflows.length, 1);
    const w = body.workflows[0];
    assert.deepEqual(Object.keys(w).sort(), ['avg_ms', 'error_rate', 'errors', 'max_ms', 'p50_ms', 'p95_ms', 'runs', 'workflow_name']);
    const durations = spans.filter((x) => x.attributes?.flock?.workflow === true).map((x) => x.duration_ms);
    assert.equal(w.workflow_name, 'dinner_service');
    assert.equal(w.runs, 4);
    assert.equal(w.errors, 1, 'the burnt toast run had a failing agent');
    assert.ok(near(w.error_rate, 0.25, 1e-4));
    assert.ok(near(w.avg_ms, durations.reduce((a, b) => a + b, 0) / durations.length), `avg_ms ${w.avg_ms}`);
    assert.ok(near(w.p50_ms, quantileCont(durations, 0.5)), `p50_ms ${w.p50_ms}`);
    assert.ok(near(w.p95_ms, quantileCont(durations, 0.95)), `p95_ms ${w.p95_ms}`);
    assert.ok(near(w.max_ms, Math.max(...durations)), `max_ms ${w.max_ms}`);
    assert.ok(w.p50_ms <= w.p95_ms && w.p95_ms <= w.max_ms);
  });

  await t.test('GET /api/services/stats: per service span counts and errors equal to the file\'s', async () => {
    const body = await getJson(s.base, '/api/services/stats');
    assert.deepEqual(Object.keys(body), ['services']);
    const bySvc = new Map();
    for (const x of spans) {
      if (x.service === null) continue;
      if (!bySvc.has(x.service)) bySvc.set(x.service, []);
      bySvc.get(x.service).push(x);
    }
    assert.deepEqual(body.services.map((x) => x.service).sort(), [...bySvc.keys()].sort());
    for (const row of body.services) {
      const list = bySvc.get(row.service);
      assert.equal(row.spans, list.length, `${row.service}.spans`);
      assert.equal(row.errors, list.filter((x) => x.status_code === 'ERROR').length, `${row.service}.errors`);
      const d = list.map((x) => x.duration_ms);
      assert.ok(near(row.max_ms, Math.max(...d)), `${row.service}.max_ms`);
      assert.ok(near(row.avg_ms, d.reduce((a, b) => a + b, 0) / d.length), `${row.service}.avg_ms`);
    }
    const agent = body.services.find((x) => x.service === 'Agent');
    assert.equal(agent.errors, 1);
  });

  await t.test('GET /api/agents/stats: runs, errors and durations per agent from its Agent.execute spans', async () => {
    const body = await getJson(s.base, '/api/agents/stats');
    const runs = spans.filter((x) => x.name === 'Agent.execute');
    const names = [...new Set(runs.map((x) => x.attributes.agent.name))].sort();
    assert.deepEqual(body.agents.map((a) => a.agent_name).sort(), names);
    for (const a of body.agents) {
      const mine = runs.filter((x) => x.attributes.agent.name === a.agent_name);
      assert.equal(a.runs, mine.length, `${a.agent_name}.runs`);
      assert.equal(a.errors, mine.filter((x) => x.status_code === 'ERROR').length, `${a.agent_name}.errors`);
      const max = Math.max(...mine.map((x) => x.duration_ms));
      assert.ok(Math.abs(a.max_ms - max) < 1e-3, `${a.agent_name}.max_ms`);
      assert.ok(a.p50_ms <= a.p95_ms && a.p95_ms <= a.p99_ms && a.p99_ms <= a.max_ms + 1e-9, `${a.agent_name} percentiles in order`);
      assert.equal(a.input_tokens, 0);
      assert.equal(a.output_tokens, 0);
    }
    assert.equal(body.agents.find((a) => a.agent_name === 'sommelier').errors, 1, 'the cellar was locked once');
  });

  await t.test('GET /api/config: the settings in force and the store served', async () => {
    const body = await getJson(s.base, '/api/config');
    assert.equal(body.live, true);
    assert.equal(body.store.path, s.db);
    assert.equal(body.store.exists, true);
    assert.ok(body.store.size_mb > 0);
    assert.equal(body.tracing.trace_file, true);
    assert.equal(body.tracing.queue_policy, 'wait');
    assert.equal(typeof body.version, 'string');
  });

  await t.test('GET /api/dependencies?by=agent (the default): calls between agents, hooks folded in', async () => {
    const body = await getJson(s.base, '/api/dependencies');
    assert.equal(body.by, 'agent');
    // Independent computation: each Agent.execute is charged to its nearest
    // enclosing agent execution, else its workflow, else the trace's root.
    const byId = new Map(spans.map((x) => [x.span_id, x]));
    const label = (x) => (x.name === 'Agent.execute' ? x.attributes?.agent?.name
      : x.attributes?.workflow?.name ?? (x.parent_id === null ? x.name : undefined));
    const edges = new Map();
    for (const c of spans.filter((x) => x.name === 'Agent.execute')) {
      let caller = 'external';
      for (let p = byId.get(c.parent_id); p; p = byId.get(p.parent_id)) {
        if (label(p)) {
          caller = label(p);
          break;
        }
      }
      const k = `${caller} -> ${label(c)}`;
      const e = edges.get(k) ?? { calls: 0, errors: 0 };
      e.calls++;
      if (c.status_code === 'ERROR') e.errors++;
      edges.set(k, e);
    }
    const got = new Map(body.edges.map((e) => [`${e.parent} -> ${e.child}`, e]));
    assert.deepEqual([...got.keys()].sort(), [...edges.keys()].sort());
    for (const [k, e] of edges) assert.deepEqual({ calls: got.get(k).calls, errors: got.get(k).errors }, e, k);
    assert.ok(got.has('dinner_service -> chef'), 'the workflow calls the chef');
    assert.ok(![...got.keys()].some((k) => k.includes('FunctionEngine')), 'no hook or engine node');
  });

  await t.test('GET /api/dependencies?by=service: parent -> child edges computed from the file', async () => {
    const body = await getJson(s.base, '/api/dependencies?by=service');
    assert.deepEqual(Object.keys(body).sort(), ['by', 'edges']);
    // Independent computation: an Agent.execute span is named by its agent,
    // any other span by its service; self edges are left out.
    const byId = new Map(spans.map((x) => [x.span_id, x]));
    const who = (x) => (x.name === 'Agent.execute' ? x.attributes?.agent?.name ?? x.service : x.service);
    const edges = new Map();
    for (const c of spans) {
      const p = c.parent_id && byId.get(c.parent_id);
      if (!p || p.trace_id !== c.trace_id) continue;
      const a = who(p);
      const b = who(c);
      if (a == null || b == null || a === b) continue;
      const k = `${a} -> ${b}`;
      const e = edges.get(k) ?? { parent: a, child: b, calls: 0, errors: 0 };
      e.calls++;
      if (c.status_code === 'ERROR') e.errors++;
      edges.set(k, e);
    }
    const got = new Map(body.edges.map((e) => [`${e.parent} -> ${e.child}`, e]));
    assert.deepEqual([...got.keys()].sort(), [...edges.keys()].sort());
    for (const [k, e] of edges) {
      assert.deepEqual(Object.keys(got.get(k)).sort(), ['calls', 'child', 'errors', 'parent']);
      assert.equal(got.get(k).calls, e.calls, `${k}.calls`);
      assert.equal(got.get(k).errors, e.errors, `${k}.errors`);
    }
    assert.ok(got.has('chef -> critic') && got.has('chef -> sommelier'), 'the agent chain is an edge');
    assert.equal(got.get('chef -> sommelier').errors, 1);
    // Sorted by calls, descending.
    for (let i = 1; i < body.edges.length; i++) assert.ok(body.edges[i - 1].calls >= body.edges[i].calls);
  });

  await t.test('POST /api/traces/query: a SELECT over the file, equal to node-api\'s answer', async () => {
    const sql =
      "SELECT name, count(*) AS n, sum(CASE WHEN status_code = 'ERROR' THEN 1 ELSE 0 END) AS errors FROM spans GROUP BY name ORDER BY name";
    const r = await api(s.base, '/api/traces/query', { method: 'POST', json: { sql } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body).sort(), ['columns', 'row_count', 'rows', 'truncated']);
    assert.deepEqual(r.body.columns, ['name', 'n', 'errors']);
    assert.equal(r.body.truncated, false);
    const expected = await withDb(s.db, (q) => q(sql));
    assert.equal(r.body.row_count, expected.length);
    assert.deepEqual(
      r.body.rows.map(([name, n, errors]) => [name, Number(n), Number(errors)]),
      expected.map((e) => [e.name, Number(e.n), Number(e.errors)]),
    );
    // The guide's JSON paths work through the route too.
    const wf = await api(s.base, '/api/traces/query', {
      method: 'POST',
      json: { sql: "SELECT trace_id FROM spans WHERE json_extract(attributes, '$.flock.workflow') = 'true' ORDER BY trace_id" },
    });
    assert.equal(wf.status, 200, wf.text);
    assert.deepEqual(wf.body.rows.map((x) => x[0]), traces.map((x) => x.trace_id).sort());
  });

  await t.test('GET /api/events: text/event-stream that starts with a hello event', async () => {
    const ac = new AbortController();
    const res = await fetch(`${s.base}/api/events`, { signal: ac.signal });
    try {
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /^text\/event-stream/);
      const reader = res.body.getReader();
      let text = '';
      while (!text.includes('\n\n')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      assert.match(text, /(^|\n)event: hello\ndata: (\{.*\})\n\n/);
      const hello = JSON.parse(text.match(/event: hello\ndata: (\{.*\})\n/)[1]);
      assert.equal(hello.live, true, 'a running Flock streams live events');
    } finally {
      ac.abort();
    }
  });

  await t.test('every answer carries X-Content-Type-Options: nosniff and no CORS header by default', async () => {
    for (const p of ['/api/health', '/api/agents', '/api/traces', `/api/traces/${traces[0].trace_id}`, '/api/traces/stats', '/api/nope']) {
      const r = await api(s.base, p, { headers: { origin: 'http://example.com' } });
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
      assert.equal(r.headers.get('access-control-allow-origin'), null, p);
    }
  });

  // The span ids of the file are well-formed (the checks above compared them).
  for (const x of spans) {
    assert.match(x.span_id, HEX16);
  }
});
