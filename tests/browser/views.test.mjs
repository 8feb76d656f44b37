// The other views of the dashboard on the real demo program: filtering the
// trace list (artifact tag included), SQL with its sortable table and CSV, comparing
// two runs, clearing the traces behind a confirmation, and the agents graph,
// statistics, dependencies and correlation views.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertNoProblems,
  downloadOf,
  openDashboard,
  publishOrder,
  screenshot,
  shownTraceIds,
  startDemoAndBrowser,
  totalOf,
  traceRow,
  waitForQuiet,
  waitForTraces,
  waitTotal,
} from './helpers.mjs';

// The rows of the trace list are the traces of an answer of GET /api/traces.
async function assertListed(page, answer) {
  assert.deepEqual((await shownTraceIds(page)).sort(), answer.items.map((i) => i.trace_id).sort());
}

test('filters narrow the trace list and live in the URL', async (t) => {
  const { demo, page, problems } = await startDemoAndBrowser(t);
  // One more run outside the workflow, so that the filters have something to drop.
  await publishOrder(demo, 'filter pie');
  await waitForTraces(demo, 3);
  await waitForQuiet(demo);
  const all = (await demo.api('/api/traces?limit=200')).json;
  const errors = (await demo.api('/api/traces?status=error')).json;
  const workflowRuns = (await demo.api('/api/traces?workflow=dinner_service')).json;
  assert.ok(errors.total >= 1 && errors.total < all.total, 'some runs fail, not all');
  assert.ok(workflowRuns.total >= 2 && workflowRuns.total < all.total);
  const tagged = (await demo.api('/api/traces?tag=demo')).json;
  assert.ok(tagged.total >= 2 && tagged.total < all.total, 'the demo tags its own orders "demo", not the one published here');

  await openDashboard(page, demo, '#/traces');
  await waitTotal(page, all.total);

  // status = error
  await page.locator('[data-testid="filter-status"]').selectOption('error');
  await waitTotal(page, errors.total);
  await page.waitForURL(/status=error/);
  await assertListed(page, errors);
  await screenshot(page, 'traces-filtered');

  // The filters survive a reload (they are in the URL).
  await page.reload();
  await waitTotal(page, errors.total);
  assert.equal(await page.locator('[data-testid="filter-status"]').inputValue(), 'error');

  // workflow name (typed), combined with the status
  await page.locator('[data-testid="filter-status"]').selectOption('');
  await waitTotal(page, all.total);
  await page.locator('[data-testid="filter-workflow"]').fill('dinner_service');
  await waitTotal(page, workflowRuns.total);
  for (const w of await page.locator('[data-testid="trace-row"]').evaluateAll((els) => els.map((e) => e.dataset.workflow))) assert.equal(w, 'dinner_service');

  // a minimum duration no run reaches: the empty state
  await page.locator('[data-testid="filter-min"]').fill('3600000');
  await page.locator('[data-testid="trace-empty"]').waitFor();
  assert.equal(await totalOf(page), 0);

  // reset brings every trace back
  await page.locator('[data-testid="filter-reset"]').click();
  await waitTotal(page, all.total);
  assert.equal(await page.locator('[data-testid="filter-workflow"]').inputValue(), '');

  // artifact tag: the runs that published an artifact tagged "demo"
  await page.locator('[data-testid="filter-tag"]').fill('demo');
  await waitTotal(page, tagged.total);
  await page.waitForURL(/tag=demo/);
  await assertListed(page, tagged);
  await page.reload();
  await waitTotal(page, tagged.total);
  assert.equal(await page.locator('[data-testid="filter-tag"]').inputValue(), 'demo');
  await page.locator('[data-testid="filter-tag"]').fill('no-such-tag');
  await page.locator('[data-testid="trace-empty"]').waitFor();
  await page.locator('[data-testid="filter-tag"]').fill('');
  await waitTotal(page, all.total);
  assert.doesNotMatch(page.url(), /tag=/);

  // free text: the server's q search
  const qRes = (await demo.api('/api/traces?q=filter%20pie')).json;
  await page.locator('[data-testid="filter-q"]').fill('filter pie');
  await waitTotal(page, qRes.total);
  assertNoProblems(problems);
});

test('SQL: a query\'s table, CSV download, and errors', async (t) => {
  const { demo, page, problems } = await startDemoAndBrowser(t, { route: '#/sql' });
  const sql = 'SELECT name, count(*) AS n FROM spans GROUP BY name ORDER BY n DESC, name';
  const expected = (await demo.api('/api/traces/query', { method: 'POST', body: { sql } })).json;
  assert.ok(expected.rows.length > 0);

  await page.locator('[data-testid="sql-input"]').fill(sql);
  await page.locator('[data-testid="sql-run"]').click();
  const table = page.locator('[data-testid="sql-table"]');
  await table.waitFor();
  assert.deepEqual(await table.locator('thead th').allTextContents(), expected.columns);
  const cells = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  assert.deepEqual(cells, expected.rows.map((r) => r.map((v) => String(v))));
  assert.match(await page.locator('[data-testid="sql-row-count"]').textContent(), new RegExp(`^${expected.row_count} rows?`));
  await screenshot(page, 'sql');

  // A click on a header sorts the rows in the browser (text from A, figures
  // largest first, a second click reverses); the header text stays DuckDB's.
  const shownRows = () => table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  const asShown = (rows) => rows.map((r) => r.map((v) => String(v)));
  const sortHeader = (name) => table.locator('thead th', { hasText: new RegExp(`^${name}$`) }).locator('[data-testid="sort-header"]');
  await sortHeader('name').click();
  assert.deepEqual(await shownRows(), asShown([...expected.rows].sort((x, y) => String(x[0]).localeCompare(String(y[0])))));
  assert.equal(await table.locator('thead th').nth(0).getAttribute('aria-sort'), 'ascending');
  await sortHeader('name').click();
  assert.deepEqual(await shownRows(), asShown([...expected.rows].sort((x, y) => String(y[0]).localeCompare(String(x[0])))));
  await sortHeader('n').click();
  assert.equal(await table.locator('thead th').nth(1).getAttribute('aria-sort'), 'descending');
  const ns = (await shownRows()).map((r) => Number(r[1]));
  assert.deepEqual(ns, [...ns].sort((x, y) => y - x));
  await sortHeader('n').click();
  const nsUp = (await shownRows()).map((r) => Number(r[1]));
  assert.deepEqual(nsUp, [...nsUp].sort((x, y) => x - y));
  assert.deepEqual(await table.locator('thead th').allTextContents(), expected.columns);
  await screenshot(page, 'sql-sorted');

  // CSV, built in the browser with RFC 4180 quoting.
  const csv = await downloadOf(page, page.locator('[data-testid="sql-csv"]'));
  assert.equal(csv.name, 'query.csv');
  const lines = csv.text.split('\r\n');
  assert.equal(lines[0], 'name,n');
  assert.equal(lines[1], `${expected.rows[0][0]},${expected.rows[0][1]}`);
  assert.equal(lines.length, expected.rows.length + 2, 'header, rows, final CRLF');

  // A value with a comma and quotes is quoted.
  await page.locator('[data-testid="sql-input"]').fill(`SELECT 'a,"b"' AS tricky, 1 AS one`);
  await page.locator('[data-testid="sql-run"]').click();
  await table.locator('td', { hasText: 'a,"b"' }).waitFor();
  assert.equal((await downloadOf(page, page.locator('[data-testid="sql-csv"]'))).text, 'tricky,one\r\n"a,""b""",1\r\n');

  // A refused or failing statement shows the server's error.
  await page.locator('[data-testid="sql-input"]').fill('DROP TABLE spans');
  await page.locator('[data-testid="sql-run"]').click();
  const err = page.locator('[data-testid="sql-error"]');
  await err.waitFor();
  const apiErr = (await demo.api('/api/traces/query', { method: 'POST', body: { sql: 'DROP TABLE spans' } })).json;
  assert.equal((await err.textContent()).trim(), apiErr.error);
  await screenshot(page, 'sql-error');
  assert.ok((await demo.api('/api/traces?limit=1')).json.total >= 2, 'the spans are still there');

  // A result cut by the server's row bound says so.
  const big = (await demo.api('/api/traces/query', { method: 'POST', body: { sql: 'SELECT * FROM range(1000000)' } })).json;
  assert.equal(big.truncated, true, 'the server bounds the rows of a result');
  await page.locator('[data-testid="sql-input"]').fill('SELECT * FROM range(1000000)');
  await page.locator('[data-testid="sql-run"]').click();
  await page.locator('[data-testid="sql-truncated"]').waitFor();
  assert.match(await page.locator('[data-testid="sql-truncated"]').textContent(), new RegExp(`first ${big.rows.length} rows`));
  assert.equal(await table.locator('tbody tr').count(), big.rows.length);
  assertNoProblems(problems);
});

test('compare two runs of a workflow picked in the trace list', async (t) => {
  const { demo, list, page, problems } = await startDemoAndBrowser(t, { query: '&workflow=dinner_service', route: '#/traces' });
  const [newer, older] = list.items.filter((i) => i.workflow_name === 'dinner_service');

  await traceRow(page, newer.trace_id).locator('[data-testid="trace-select"]').check();
  await traceRow(page, older.trace_id).locator('[data-testid="trace-select"]').check();
  await page.locator('[data-testid="compare-selected"]').click();
  await page.waitForURL(new RegExp(`#/compare\\?a=${older.trace_id}&b=${newer.trace_id}`));
  const table = page.locator('[data-testid="compare-table"]');
  await table.waitFor();

  const spansA = (await demo.api(`/api/traces/${older.trace_id}`)).json.spans;
  const spansB = (await demo.api(`/api/traces/${newer.trace_id}`)).json.spans;
  const rows = await table.locator('[data-testid="compare-row"]').evaluateAll((els) => els.map((e) => ({ key: e.dataset.key, status: e.dataset.status })));
  const both = rows.filter((r) => !['appeared', 'vanished'].includes(r.status)).length;
  const appeared = rows.filter((r) => r.status === 'appeared').length;
  const vanished = rows.filter((r) => r.status === 'vanished').length;
  assert.equal(both + vanished, spansA.length, 'every span of A is a matched or vanished row');
  assert.equal(both + appeared, spansB.length, 'every span of B is a matched or appeared row');
  assert.equal(rows[0].key, 'dinner_service', 'the roots match');
  // Agent spans are keyed with their agent.name.
  assert.ok(rows.some((r) => /Agent\.execute \[chef\]/.test(r.key)));
  // The two runs differ: one agent fails in one of them.
  assert.ok(appeared + vanished > 0 || rows.some((r) => r.status !== 'same'), 'the runs differ');
  assert.equal(Number((await page.locator('[data-testid="compare-count-appeared"]').textContent()).split(' ')[0]), appeared);
  assert.equal(Number((await page.locator('[data-testid="compare-count-vanished"]').textContent()).split(' ')[0]), vanished);
  // Slower rows are highlighted.
  for (const r of await table.locator('[data-testid="compare-row"][data-status="slower"]').all()) assert.match(await r.getAttribute('class'), /cmp-slower/);
  await screenshot(page, 'compare');

  // Swapping turns appeared into vanished.
  await page.locator('[data-testid="compare-swap"]').click();
  await page.waitForURL(new RegExp(`a=${newer.trace_id}&b=${older.trace_id}`));
  await page.waitForFunction(
    ([a, v]) =>
      document.querySelectorAll('[data-testid="compare-row"][data-status="appeared"]').length === a &&
      document.querySelectorAll('[data-testid="compare-row"][data-status="vanished"]').length === v,
    [vanished, appeared],
  );
  assertNoProblems(problems);
});

test('clear traces asks for confirmation, then deletes every span', async (t) => {
  const { demo, list: before, page, problems } = await startDemoAndBrowser(t, { route: '#/traces' });
  await waitTotal(page, before.total);

  // Cancel keeps everything.
  await page.locator('[data-testid="clear-traces"]').click();
  await page.locator('[data-testid="clear-dialog"]').waitFor();
  await screenshot(page, 'clear-confirm');
  await page.locator('[data-testid="clear-cancel"]').click();
  await page.locator('[data-testid="clear-dialog"]').waitFor({ state: 'detached' });
  assert.equal((await demo.api('/api/traces')).json.total, before.total);

  // Confirm deletes, reports the count, and the list empties.
  const spans = (await demo.api('/api/traces/stats')).json.total_spans;
  assert.ok(spans > 0);
  await page.locator('[data-testid="clear-traces"]').click();
  await page.locator('[data-testid="clear-confirm"]').click();
  const result = page.locator('[data-testid="clear-result"]');
  await result.waitFor();
  const deleted = Number((await result.textContent()).match(/Deleted (\d+) span/)[1]);
  assert.ok(deleted >= spans, `deleted ${deleted} of at least ${spans} spans`);
  await page.locator('[data-testid="trace-empty"]').waitFor();
  assert.equal((await demo.api('/api/traces')).json.total, 0);
  await screenshot(page, 'clear');
  assertNoProblems(problems);
});

test('agents graph, statistics, dependencies and correlation views show the demo', async (t) => {
  const { demo, page, problems } = await startDemoAndBrowser(t, { query: '&workflow=dinner_service' });
  const agents = (await demo.api('/api/agents')).json.agents;
  const types = (await demo.api('/api/artifact-types')).json.artifact_types;

  // Agents: one node per agent and per type, an edge per consume and publish.
  await openDashboard(page, demo, '#/agents');
  const graph = page.locator('[data-testid="agents-graph"]');
  await graph.waitFor();
  assert.equal(await graph.locator('[data-testid="agent-node"]').count(), agents.length);
  assert.deepEqual((await graph.locator('[data-testid="agent-node"]').evaluateAll((els) => els.map((e) => e.dataset.name))).sort(), agents.map((a) => a.name).sort());
  const typeNames = new Set([...types.map((x) => x.name), ...agents.flatMap((a) => [...a.consumes, ...a.publishes])]);
  assert.equal(await graph.locator('[data-testid="type-node"]').count(), typeNames.size);
  const edgeCount = agents.reduce((n, a) => n + a.consumes.length + a.publishes.length, 0);
  assert.equal(await graph.locator('[data-testid="graph-edge"]').count(), edgeCount);
  await graph.locator('[data-testid="graph-edge"][data-from="type:Order"][data-to="agent:chef"]').waitFor({ state: 'attached' });

  // It is live: publishing an order shows the agents' activity.
  await publishOrder(demo, 'graph gnocchi');
  await page.locator('[data-testid="activity"] li', { hasText: 'chef' }).first().waitFor({ timeout: 30_000 });
  await graph.locator('[data-testid="type-node"][data-name="Order"] .node-badge').waitFor({ timeout: 30_000 });
  await graph.locator('[data-testid="agent-node"][data-name="chef"]').click();
  await page.locator('[data-testid="agent-details"]').waitFor();
  await screenshot(page, 'agents');
  await waitForQuiet(demo); // the numbers below are read from the API once

  // Statistics per workflow and per service.
  const wf = (await demo.api('/api/workflows/stats')).json.workflows.find((w) => w.workflow_name === 'dinner_service');
  await page.goto(demo.base + '#/stats');
  const wfRow = page.locator('[data-testid="workflow-stats-row"][data-workflow="dinner_service"]');
  await wfRow.waitFor();
  assert.equal((await wfRow.locator('td').nth(1).textContent()).trim(), String(wf.runs));
  const services = (await demo.api('/api/services/stats')).json.services;
  await page.locator('[data-testid="service-stats-row"]').nth(services.length - 1).waitFor();
  assert.equal(await page.locator('[data-testid="service-stats-row"]').count(), services.length);
  await screenshot(page, 'stats');

  // Dependencies: the graph and the table.
  const edges = (await demo.api('/api/dependencies')).json.edges;
  assert.ok(edges.length > 0);
  await page.goto(demo.base + '#/dependencies');
  await page.locator('[data-testid="dependency-row"]').nth(edges.length - 1).waitFor();
  assert.equal(await page.locator('[data-testid="dependency-row"]').count(), edges.length);
  assert.equal(await page.locator('[data-testid="dependencies-graph"] [data-testid="graph-edge"]').count(), edges.length);
  await screenshot(page, 'dependencies');

  // Correlation: every trace with one correlation id.
  const corr = (await demo.api('/api/traces?workflow=dinner_service')).json.items.flatMap((i) => i.correlation_ids ?? [])[0];
  assert.ok(corr, 'the demo runs carry correlation ids');
  const sharing = (await demo.api(`/api/traces?correlation_id=${encodeURIComponent(corr)}`)).json;
  await page.goto(demo.base + '#/correlation');
  await page.locator('[data-testid="correlation-input"]').fill(corr);
  await page.locator('[data-testid="correlation-input"]').press('Enter');
  await page.waitForURL(new RegExp(`#/correlation/${corr}`));
  await page.locator('[data-testid="correlation-trace-row"]').nth(sharing.total - 1).waitFor();
  assert.equal(await page.locator('[data-testid="correlation-trace-row"]').count(), sharing.total);
  await screenshot(page, 'correlation');

  // Its artifacts, sortable like the other tables.
  const artifacts = (await demo.api(`/api/artifacts?correlation_id=${encodeURIComponent(corr)}&limit=200`)).json.items;
  assert.ok(artifacts.length >= 2, 'the run published several artifacts');
  const artifactTable = page.locator('[data-testid="correlation-artifacts"]');
  await artifactTable.locator('[data-testid="correlation-artifact-row"]').nth(artifacts.length - 1).waitFor();
  const artifactRows = () => artifactTable.locator('[data-testid="correlation-artifact-row"]').evaluateAll((els) => els.map((e) => [e.dataset.type, e.dataset.created]));
  const artifactHeader = (label) => artifactTable.locator('thead [data-testid="sort-header"]', { hasText: label });
  await artifactHeader('Type').click();
  assert.deepEqual((await artifactRows()).map((r) => r[0]), artifacts.map((a) => a.type).sort((x, y) => x.localeCompare(y)));
  await artifactHeader('Type').click();
  assert.deepEqual((await artifactRows()).map((r) => r[0]), artifacts.map((a) => a.type).sort((x, y) => y.localeCompare(x)));
  assert.equal(await artifactTable.locator('th[data-sort-key="type"]').getAttribute('aria-sort'), 'descending');
  await artifactHeader('Created').click();
  assert.deepEqual((await artifactRows()).map((r) => r[1]), artifacts.map((a) => a.created_at).sort((x, y) => x.localeCompare(y)));
  await screenshot(page, 'correlation-artifacts-sorted');
  assertNoProblems(problems);
});
