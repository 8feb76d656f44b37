// The dashboard over a running program (flock_dashboard_demo): the trace
// list by agent and service.name, its agent filter and its sort orders, text
// search that finds errors by their message, the statistics tables (rate,
// p99, what the rate is over, what each error count counts, sorting by any
// header), Compare's rule for flagging a change (rows and the headline Δ),
// SQL column names as DuckDB gives them, the configuration in force, and
// every view free of console errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertNoProblems,
  openDashboard,
  publishOrder,
  screenshot,
  shownTraceIds,
  startDemoAndBrowser,
  traceRow,
  waitForQuiet,
  waitForTraces,
  waitTotal,
  waitUrl,
} from './helpers.mjs';

const SPAN_CLASSES = ['Agent', 'Flock', 'FunctionEngine', 'OutputUtilityComponent'];

// A published Plate makes the critic and the sommelier run without the chef,
// so that filtering by agent has something to leave out.
async function publishPlate(demo, dish) {
  const r = await demo.api('/api/artifacts', { method: 'POST', body: { type: 'Plate', payload: { dish, garnish: [] } } });
  assert.equal(r.status, 201, r.text);
}

test('trace list: agents and service.name per run, the agent filter, sorting by date, spans and duration', async (t) => {
  const { demo, page, problems } = await startDemoAndBrowser(t, { demo: { env: { OTEL_SERVICE_NAME: 'kitchen' } } });
  await publishPlate(demo, 'plain plate');
  await publishOrder(demo, 'long lasagne');
  await waitForTraces(demo, 4);
  await waitForQuiet(demo);
  const all = (await demo.api('/api/traces?limit=200')).json;
  await openDashboard(page, demo, '#/traces');
  await waitTotal(page, all.total);

  // Each row names the agents that ran and the program's service.name.
  for (const item of all.items) {
    const row = traceRow(page, item.trace_id);
    const chips = await row.locator('[data-testid="trace-agents"] [data-testid="agent-chip"]').allTextContents();
    assert.deepEqual(chips, item.agents.slice(0, 6));
    for (const c of SPAN_CLASSES) assert.ok(!chips.includes(c), `${c} is a span class, not an agent`);
    assert.deepEqual(await row.locator('[data-testid="trace-service-names"] .tag').allTextContents(), ['kitchen']);
  }
  assert.ok(all.items.some((i) => i.agents.includes('chef')) && all.items.some((i) => !i.agents.includes('chef')));

  // The agent filter (a select), then a click on an agent chip.
  const chef = (await demo.api('/api/traces?agent=chef&limit=200')).json;
  assert.ok(chef.total > 0 && chef.total < all.total);
  await page.locator('[data-testid="filter-agent"]').selectOption('chef');
  await waitTotal(page, chef.total);
  assert.deepEqual((await shownTraceIds(page)).sort(), chef.items.map((i) => i.trace_id).sort());
  await screenshot(page, 'traces-agent-filter-chef');
  await page.locator('[data-testid="filter-agent"]').selectOption('');
  await waitTotal(page, all.total);
  const plate = all.items.find((i) => !i.agents.includes('chef'));
  await traceRow(page, plate.trace_id).locator('[data-testid="agent-chip"][data-agent="critic"]').click();
  await waitUrl(page, /agent=critic/);
  await waitTotal(page, (await demo.api('/api/traces?agent=critic')).json.total);
  await page.locator('[data-testid="filter-reset"]').click();
  await waitTotal(page, all.total);

  // Sorting by a header click: the server's order (sort, order), in the URL.
  const header = (key) => page.locator(`th[data-sort-key="${key}"] [data-testid="sort-header"]`);
  const expectOrder = async (sort, order) => {
    await waitUrl(page, new RegExp(`sort=${sort}&order=${order}`));
    const want = (await demo.api(`/api/traces?sort=${sort}&order=${order}&limit=200`)).json.items.map((i) => i.trace_id);
    await page
      .waitForFunction((ids) => [...document.querySelectorAll('[data-testid="trace-row"]')].map((e) => e.dataset.traceId).join() === ids.join(), want)
      .catch(async (e) => {
        throw new Error(`rows by ${sort} ${order}: ${(await shownTraceIds(page)).join()} instead of ${want.join()} (${e.message})`);
      });
    assert.equal(await page.locator(`th[data-sort-key="${sort}"]`).getAttribute('aria-sort'), order === 'asc' ? 'ascending' : 'descending');
  };
  await header('duration_ms').click();
  await expectOrder('duration_ms', 'desc');
  await screenshot(page, 'traces-sorted-by-duration');
  await header('duration_ms').click();
  await expectOrder('duration_ms', 'asc');
  await header('span_count').click();
  await expectOrder('span_count', 'desc');
  await header('start_time').click();
  await expectOrder('start_time', 'asc');
  // The order survives a reload.
  await page.reload();
  await expectOrder('start_time', 'asc');
  assertNoProblems(problems);
});

test('errors: text search finds a run by its error message', async (t) => {
  const { demo, page, problems } = await startDemoAndBrowser(t, { route: '#/traces' });
  await waitForQuiet(demo);
  const all = (await demo.api('/api/traces?limit=200')).json;
  const wine = (await demo.api('/api/traces?q=wine&limit=200')).json;
  assert.ok(wine.total >= 1 && wine.total < all.total, 'only the runs in which the sommelier failed');
  await waitTotal(page, all.total);
  await page.locator('[data-testid="filter-q"]').fill('wine');
  await waitTotal(page, wine.total);
  await waitUrl(page, /q=wine/);
  assert.deepEqual((await shownTraceIds(page)).sort(), wine.items.map((i) => i.trace_id).sort());
  for (const m of await page.locator('[data-testid="trace-error-message"]').allTextContents()) assert.equal(m, 'wine cellar is locked');
  assert.equal(await page.locator('[data-testid="trace-error-message"]').count(), wine.total, 'each found run shows its message');
  await screenshot(page, 'traces-search-wine-finds-errors');
  await page.locator('[data-testid="filter-q"]').fill('no such message anywhere');
  await page.locator('[data-testid="trace-empty"]').waitFor();
  assertNoProblems(problems);
});

// The numbers of a table's column, and its rows' keys, as shown.
const column = (page, rowTestId, i) =>
  page.locator(`[data-testid="${rowTestId}"]`).evaluateAll((rows, n) => rows.map((r) => r.querySelectorAll('td')[n].textContent.trim()), i);
const keys = (page, rowTestId, attr) => page.locator(`[data-testid="${rowTestId}"]`).evaluateAll((rows, a) => rows.map((r) => r.dataset[a]), attr);

test('statistics: rate and p99 per service, what each error count counts, every table sortable', async (t) => {
  const { demo, page, problems } = await startDemoAndBrowser(t, { traces: 2 });
  await publishPlate(demo, 'burnt plate');
  await waitForTraces(demo, 3);
  await waitForQuiet(demo);
  const services = (await demo.api('/api/services/stats')).json.services;
  const agents = (await demo.api('/api/agents/stats')).json.agents;
  const workflows = (await demo.api('/api/workflows/stats')).json.workflows;
  await openDashboard(page, demo, '#/stats');
  await page.locator('[data-testid="service-stats-row"]').nth(services.length - 1).waitFor();
  await page.locator('[data-testid="agent-stats-row"]').nth(agents.length - 1).waitFor();

  // The RED table has a rate and a p99 column, filled from the API.
  const heads = await page.locator('[data-testid="service-stats"] thead th').allTextContents();
  assert.ok(heads.some((h) => /^Rate/.test(h)) && heads.some((h) => /^p99/.test(h)), `headers: ${heads}`);
  for (const s of services) {
    const row = page.locator(`[data-testid="service-stats-row"][data-service="${s.service}"]`);
    assert.match(await row.locator('[data-testid="service-rate"]').textContent(), /^[\d.,]+\/s$/);
    assert.match(await row.locator('[data-testid="service-p99"]').textContent(), /^[\d.]+(µs|ms|s)$/);
  }
  // The rate is over each service's own window, which the view shows under
  // it (spans / rate) and explains below the table.
  for (const s of services) {
    const w = page.locator(`[data-testid="service-stats-row"][data-service="${s.service}"] [data-testid="service-rate-window"]`);
    assert.match(await w.textContent(), /^over [\d.]+(µs|ms|s)$/);
    const ms = Number(await w.getAttribute('data-window-ms'));
    assert.ok(Math.abs(ms - (s.spans / s.rate_per_s) * 1000) <= 1e-6 * ms + 1e-9, `${s.service}: the window is spans / rate (${ms} ms)`);
  }
  const rateNote = await page.locator('[data-testid="service-rate-note"]').textContent();
  assert.match(rateNote, /Rate = the service's spans divided by its own active window, from its first span's start to its last span's end/);
  assert.match(rateNote, /not comparable/);
  // Each table says what it counts as an error, and shows the API's counts.
  assert.match(await page.locator('[data-testid="workflow-errors-note"]').textContent(), /Failed = runs in which any span failed/);
  assert.match(await page.locator('[data-testid="agent-errors-note"]').textContent(), /Failed = failed executions/);
  assert.match(await page.locator('[data-testid="service-errors-note"]').textContent(), /Failed = failed spans/);
  for (const a of agents) assert.equal(await page.locator(`[data-testid="agent-stats-row"][data-agent="${a.agent_name}"] td`).nth(2).textContent(), String(a.errors));
  for (const w of workflows) assert.equal(await page.locator(`[data-testid="workflow-stats-row"][data-workflow="${w.workflow_name}"] td`).nth(2).textContent(), String(w.errors));
  for (const s of services) assert.equal(await page.locator(`[data-testid="service-stats-row"][data-service="${s.service}"] td`).nth(3).textContent(), String(s.errors));
  assert.ok(agents.some((a) => a.agent_name === 'sommelier' && a.errors >= 1));

  // Sorting: a click on a header orders the rows by that column.
  const sortBy = (table, label) => page.locator(`[data-testid="${table}"] thead [data-testid="sort-header"]`, { hasText: new RegExp(`^${label}`) }).click();
  await sortBy('service-stats', 'p99');
  assert.deepEqual(await keys(page, 'service-stats-row', 'service'), [...services].sort((a, b) => b.p99_ms - a.p99_ms).map((s) => s.service));
  await screenshot(page, 'stats-services-sorted-by-p99');
  await sortBy('service-stats', 'p99');
  assert.deepEqual(await keys(page, 'service-stats-row', 'service'), [...services].sort((a, b) => a.p99_ms - b.p99_ms).map((s) => s.service));
  await sortBy('service-stats', 'Rate');
  assert.deepEqual(await keys(page, 'service-stats-row', 'service'), [...services].sort((a, b) => b.rate_per_s - a.rate_per_s).map((s) => s.service));
  await sortBy('agent-stats', 'Agent');
  assert.deepEqual(await keys(page, 'agent-stats-row', 'agent'), agents.map((a) => a.agent_name).sort((a, b) => a.localeCompare(b)));
  await sortBy('agent-stats', 'Runs');
  const runs = (await column(page, 'agent-stats-row', 1)).map(Number);
  assert.deepEqual(runs, [...runs].sort((a, b) => b - a));
  await sortBy('agent-stats', 'p95');
  assert.deepEqual(await keys(page, 'agent-stats-row', 'agent'), [...agents].sort((a, b) => b.p95_ms - a.p95_ms).map((a) => a.agent_name));
  await sortBy('workflow-stats', 'Runs');
  assert.equal(await page.locator('[data-testid="workflow-stats"] th[aria-sort="descending"]').count(), 1);
  await screenshot(page, 'stats-agents-sorted-by-p95');

  // The dependencies table too.
  await page.goto(demo.base + '#/dependencies');
  const edges = (await demo.api('/api/dependencies')).json.edges;
  await page.locator('[data-testid="dependency-row"]').nth(edges.length - 1).waitFor();
  await sortBy('dependencies-table', 'Child');
  const children = await column(page, 'dependency-row', 1);
  assert.deepEqual(children, [...children].sort((a, b) => a.localeCompare(b)));
  assertNoProblems(problems);
});

test('compare: a change is flagged only past both thresholds, which the view states', async (t) => {
  const { demo, list, page, problems } = await startDemoAndBrowser(t, { query: '&workflow=dinner_service' });
  const [newer, older] = list.items.filter((i) => i.workflow_name === 'dinner_service');
  await openDashboard(page, demo, `#/compare?a=${older.trace_id}&b=${newer.trace_id}&workflow=dinner_service`);
  const rule = page.locator('[data-testid="compare-rule"]');
  await page.locator('[data-testid="compare-row"]').first().waitFor();
  assert.match(await rule.textContent(), /at least\s*%\s*and\s*at least\s*ms/);
  assert.equal(await page.locator('[data-testid="compare-relative"]').inputValue(), '20');
  assert.equal(await page.locator('[data-testid="compare-absolute"]').inputValue(), '1');

  // Every matched row's flag follows the rule, computed here from its durations.
  const check = async (relative, absoluteMs) => {
    await page.waitForFunction(([r, a]) => {
      const el = document.querySelector('[data-testid="compare-rule"]');
      return Number(el.dataset.relative) === r && Number(el.dataset.absoluteMs) === a;
    }, [relative, absoluteMs]);
    const rows = await page.locator('[data-testid="compare-row"]').evaluateAll((els) => els.map((e) => ({ key: e.dataset.key, status: e.dataset.status, a: e.dataset.aMs, b: e.dataset.bMs })));
    let flagged = 0;
    for (const r of rows) {
      if (r.a === undefined || r.b === undefined) continue;
      const a = Number(r.a);
      const d = Number(r.b) - a;
      const ratio = a > 0 ? d / a : Infinity;
      const want = Math.abs(d) >= absoluteMs && Math.abs(ratio) >= relative && d !== 0 ? (d > 0 ? 'slower' : 'faster') : 'same';
      assert.equal(r.status, want, `${r.key}: ${a} -> ${r.b} ms under >=${relative * 100}% and >=${absoluteMs} ms`);
      if (want !== 'same') flagged++;
    }
    return { rows, flagged };
  };
  // The headline Δ (B's total - A's) follows the same rule: coloured only
  // when flagged. The totals are the runs' extents, first start to last end.
  const extent = (spans) => (Math.max(...spans.map((x) => x.end_time)) - Math.min(...spans.map((x) => x.start_time))) / 1e6;
  const totalA = extent((await demo.api(`/api/traces/${older.trace_id}`)).json.spans);
  const totalB = extent((await demo.api(`/api/traces/${newer.trace_id}`)).json.spans);
  const headline = page.locator('[data-testid="compare-total-delta"]');
  const checkTotal = async (relative, absoluteMs) => {
    const shown = await headline.evaluate((e) => ({
      a: Number(e.dataset.aMs),
      b: Number(e.dataset.bMs),
      change: e.dataset.change,
      cls: e.className,
      color: getComputedStyle(e).color,
      text: getComputedStyle(e.parentElement).color,
    }));
    assert.ok(Math.abs(shown.a - totalA) < 1e-6 && Math.abs(shown.b - totalB) < 1e-6, `the totals ${shown.a} and ${shown.b} ms are the runs' (${totalA}, ${totalB})`);
    const d = totalB - totalA;
    const want = Math.abs(d) >= absoluteMs && Math.abs(totalA > 0 ? d / totalA : Infinity) >= relative && d !== 0 ? (d > 0 ? 'slower' : 'faster') : 'same';
    assert.equal(shown.change, want, `Δ ${d} ms on ${totalA} ms under >=${relative * 100}% and >=${absoluteMs} ms`);
    if (want === 'same') {
      assert.doesNotMatch(shown.cls, /slower-text|faster-text/);
      assert.equal(shown.color, shown.text, 'a Δ under the rule is not coloured');
    } else {
      assert.match(shown.cls, want === 'slower' ? /slower-text/ : /faster-text/);
      assert.notEqual(shown.color, shown.text, 'a flagged Δ is coloured');
    }
    return want;
  };
  const strict = await check(0.2, 1);
  await checkTotal(0.2, 1);
  await screenshot(page, 'compare-rule-20-percent-and-1-ms');
  // No threshold: every difference is flagged; a huge one: none is.
  await page.locator('[data-testid="compare-relative"]').fill('0');
  await page.locator('[data-testid="compare-absolute"]').fill('0');
  const loose = await check(0, 0);
  assert.ok(loose.flagged > strict.flagged, 'without thresholds tiny changes are flagged too');
  assert.notEqual(await checkTotal(0, 0), 'same', 'without thresholds the runs\' difference is flagged and coloured');
  await page.locator('[data-testid="compare-absolute"]').fill('100000');
  assert.equal((await check(0, 100000)).flagged, 0);
  assert.equal(await checkTotal(0, 100000), 'same', 'under the rule the headline Δ is not coloured');
  await screenshot(page, 'compare-total-delta-under-rule');

  // Failures read in words, not "AB err".
  const failed = await page.locator('[data-testid="compare-failed-in"]').allTextContents();
  assert.ok(failed.length > 0, 'one run has a failed span');
  for (const f of failed) assert.match(f, /^failed in (A|B|A and B)$/);
  assert.doesNotMatch(await page.locator('[data-testid="compare-table"]').textContent(), /AB err|A err|B err/);

  // The table sorts by a header too (tree order until then).
  await page.locator('[data-testid="compare-table"] th[data-sort-key="b"] [data-testid="sort-header"]').click();
  const bs = await page.locator('[data-testid="compare-row"]').evaluateAll((els) => els.map((e) => e.dataset.bMs).filter((v) => v !== undefined).map(Number));
  assert.deepEqual(bs, [...bs].sort((x, y) => y - x));
  assertNoProblems(problems);
});

test('SQL: column headers exactly as DuckDB names them', async (t) => {
  const { demo, page, problems } = await startDemoAndBrowser(t, { route: '#/sql' });
  const sql = 'SELECT count(*), min(duration_ms), 1 AS MixedCase FROM spans';
  const expected = (await demo.api('/api/traces/query', { method: 'POST', body: { sql } })).json;
  assert.deepEqual(expected.columns, ['count_star()', 'min(duration_ms)', 'MixedCase']);
  await page.locator('[data-testid="sql-input"]').fill(sql);
  await page.locator('[data-testid="sql-run"]').click();
  const th = page.locator('[data-testid="sql-table"] thead th');
  await th.first().waitFor();
  // innerText is the text as rendered (CSS text-transform applied).
  assert.deepEqual(await th.evaluateAll((els) => els.map((e) => e.innerText)), expected.columns);
  assert.deepEqual(await th.evaluateAll((els) => els.map((e) => getComputedStyle(e).textTransform)), ['none', 'none', 'none']);
  // Every header sorts (its mark is drawn by CSS, outside the text).
  assert.equal(await page.locator('[data-testid="sql-table"] thead [data-testid="sort-header"]').count(), 3);
  await screenshot(page, 'sql-duckdb-column-names');
  assertNoProblems(problems);
});

test('configuration of a running program: tracing settings, store, retention, service filters', async (t) => {
  const env = { FLOCK_TRACE_TTL_DAYS: '7', FLOCK_TRACE_IGNORE: '["Flock.shutdown"]', OTEL_SERVICE_NAME: 'kitchen' };
  const { demo, page, problems } = await startDemoAndBrowser(t, { demo: { env } });
  // The store's size is read by the page and by the test: only once it stops growing.
  await waitForQuiet(demo);
  await openDashboard(page, demo, '#/config');
  await page.locator('[data-testid="config-store-size"]').waitFor();
  const cfg = (await demo.api('/api/config')).json;
  assert.equal(cfg.live, true);
  assert.equal(cfg.tracing.ttl_days, 7);
  assert.match(await page.locator('[data-testid="config-mode"]').textContent(), /running program/);
  assert.equal(await page.locator('[data-testid="config-store-path"]').textContent(), cfg.store.path);
  assert.equal(await page.locator('[data-testid="config-store-size"]').textContent(), `${cfg.store.size_mb.toFixed(2)} MB`);
  assert.match(await page.locator('[data-testid="config-ttl"]').textContent(), /older than 7 days/);
  const setting = (name) => page.locator(`[data-testid="config-row"][data-setting="${name}"] .config-value`);
  assert.equal(await setting('ignored spans').textContent(), 'Flock.shutdown');
  assert.equal(await setting('recorded services').textContent(), 'all');
  assert.equal(await setting('service.name').textContent(), 'kitchen');
  assert.equal(await setting('flush interval').textContent(), `${cfg.tracing.flush_ms} ms`);
  assert.equal(await page.locator('[data-testid="config-file-note"]').count(), 0, 'the note is for trace files only');
  assert.equal(await page.locator('[data-testid="config-filters-note"]').count(), 0);
  assert.equal(await page.locator('[data-testid="config-retention-note"]').count(), 0);
  await page.locator('[data-testid="config-store-service-names"] .tag').first().waitFor();
  assert.deepEqual(await page.locator('[data-testid="config-store-service-names"] .tag').allTextContents(), ['kitchen'], 'the service.name the stored spans carry');
  await screenshot(page, 'config-running-program');
  assertNoProblems(problems);
});

test('every view opens without a console error and without horizontal scrolling', async (t) => {
  const { demo, list, page, problems } = await startDemoAndBrowser(t, { query: '&workflow=dinner_service' });
  const [newer, older] = list.items;
  const views = [
    ['#/agents', 'agents-view'],
    ['#/traces', 'trace-list'],
    [`#/trace/${newer.trace_id}`, 'waterfall'],
    ['#/stats', 'stats-view'],
    ['#/dependencies', 'dependencies-view'],
    ['#/dependencies?by=service&hooks=1', 'dependencies-view'],
    [`#/correlation/${newer.correlation_ids[0]}`, 'correlation-view'],
    [`#/compare?a=${older.trace_id}&b=${newer.trace_id}`, 'compare-table'],
    ['#/sql', 'sql-view'],
    ['#/config', 'config-view'],
  ];
  await openDashboard(page, demo, '#/traces');
  for (const width of [1024, 1440]) {
    await page.setViewportSize({ width, height: 850 });
    for (const [route, testId] of views) {
      await page.goto(demo.base + route);
      await page.locator(`[data-testid="${testId}"]`).waitFor();
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${route} fits ${width} px`);
      assertNoProblems(problems);
    }
  }
  await screenshot(page, 'every-view-config-1440px');
});
