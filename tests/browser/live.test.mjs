// The dashboard opens on the real demo program, shows its workflow runs and
// health, connects to the live stream, and lists a workflow published while
// the page is open without a reload. A server with FLOCK_API_TOKEN makes the
// page ask for the token and send it on every request, the stream included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertNoProblems,
  openBrowser,
  publishOrder,
  screenshot,
  shownTraceIds,
  startDemo,
  startDemoAndBrowser,
  totalOf,
  traceRow,
  waitForTraces,
  waitTotal,
  waitTotalAbove,
} from './helpers.mjs';

test('the dashboard opens with the demo runs, health and a live connection', async (t) => {
  const { demo, list: stored, page, problems } = await startDemoAndBrowser(t, { query: '&workflow=dinner_service' });

  await page.goto(demo.base);
  // / is the app; it routes itself to the trace list.
  await page.waitForURL(/#\/traces/);
  await page.locator('[data-testid="live-status"][data-state="connected"]').waitFor();
  await page.locator('[data-testid="health"][data-ok="true"]').waitFor();

  const rows = page.locator('[data-testid="trace-row"][data-workflow="dinner_service"]');
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), stored.items.filter((i) => i.workflow_name === 'dinner_service').length);
  assert.equal(await totalOf(page), stored.total);
  // Newest first, as the API orders them.
  assert.deepEqual(await shownTraceIds(page), stored.items.map((i) => i.trace_id));
  // A failing run is marked.
  const failing = stored.items.find((i) => i.error_count > 0);
  assert.ok(failing, 'the demo has a run with a failing agent');
  assert.match(await traceRow(page, failing.trace_id).getAttribute('class'), /has-error/);

  // The app routes in the #fragment: a path that is no file of the
  // dashboard is a 404, not the app (nothing outside the build folder, and
  // nothing the build folder does not hold, is answered).
  const missing = await page.goto(demo.base + 'some/client/route');
  assert.equal(missing.status(), 404);

  await page.goto(demo.base + '#/traces');
  await rows.nth(1).waitFor();
  await screenshot(page, 'traces');
  assertNoProblems(problems);
});

test('a workflow published while the page is open appears without a reload', async (t) => {
  const { demo, list: before, page, problems } = await startDemoAndBrowser(t, { route: '#/traces' });
  await waitTotal(page, before.total);
  // A marker that a reload would lose.
  await page.evaluate(() => {
    window.__flockNoReload = true;
  });

  const artifact = await publishOrder(demo, 'live lasagne', { correlation_id: 'live-check' });
  assert.ok(artifact.id);

  // The list refetches on the span events: the new trace shows up.
  await waitTotalAbove(page, before.total);
  const after = await waitForTraces(demo, before.total + 1);
  const fresh = after.items.find((i) => !before.items.some((b) => b.trace_id === i.trace_id));
  assert.ok(fresh, 'the API lists a new trace');
  await traceRow(page, fresh.trace_id).waitFor({ timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.__flockNoReload), true, 'the page was not reloaded');
  assert.ok((await totalOf(page)) >= before.total + 1);
  // Its correlation id links to the correlation view.
  await traceRow(page, fresh.trace_id).locator('[data-testid="correlation-link"]').first().waitFor();
  await screenshot(page, 'traces-live');
  assertNoProblems(problems);
});

test('with FLOCK_API_TOKEN the page asks for the token and sends it everywhere', async (t) => {
  const token = 'browser-test-token-1234';
  const demo = await startDemo(t, { env: { FLOCK_API_TOKEN: token } });
  assert.equal((await demo.api('/api/traces')).status, 401, 'the API refuses requests without the token');
  const { page, problems } = await openBrowser(t);
  await page.goto(demo.base + '#/traces');

  const form = page.locator('[data-testid="token-form"]');
  await form.waitFor();
  await page.locator('[data-testid="live-status"][data-state="unauthorized"]').waitFor();
  await screenshot(page, 'token');
  await page.locator('[data-testid="token-input"]').fill(token);
  await page.locator('[data-testid="token-submit"]').click();
  await form.waitFor({ state: 'detached' });

  // Requests now carry the token: the list loads and the stream connects.
  await page.locator('[data-testid="trace-row"]').first().waitFor();
  await page.locator('[data-testid="live-status"][data-state="connected"]').waitFor({ timeout: 30_000 });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('flock.api_token')), token);

  // The stream really is authorised: a publish shows up live.
  const before = await totalOf(page);
  const r = await demo.api('/api/artifacts', { method: 'POST', token, body: { type: 'Order', payload: { dish: 'token soup', guests: 1 } } });
  assert.equal(r.status, 201, r.text);
  await waitTotalAbove(page, before);
  assertNoProblems(problems);
});

test('the live status shows a lost server and reconnects when it is back', async (t) => {
  const { demo: first, page, problems } = await startDemoAndBrowser(t, { route: '#/traces' });
  const status = page.locator('[data-testid="live-status"]');

  await first.stop();
  await page.locator('[data-testid="live-status"][data-state="reconnecting"]').waitFor({ timeout: 30_000 });
  await screenshot(page, 'reconnecting');

  // The same address again: the stream reconnects (with backoff) by itself,
  // and the list reloads from the new server.
  const second = await startDemo(t, { port: first.port });
  const list = await waitForTraces(second, 2);
  await page.locator('[data-testid="live-status"][data-state="connected"]').waitFor({ timeout: 45_000 });
  assert.equal(await status.getAttribute('data-state'), 'connected');
  await traceRow(page, list.items[0].trace_id).waitFor({ timeout: 30_000 });
  // Failed requests while the server was down are expected; nothing else.
  problems.errors = problems.errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to fetch|net::/.test(e));
  assertNoProblems(problems);
});
