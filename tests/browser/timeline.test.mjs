// The timeline (waterfall) of one trace and the JSON of its spans, on the
// real demo program: the tree as the API gives it, collapse and expand,
// ERROR spans marked, the critical path, a span's attributes with JSON held
// in strings, and markup from a span attribute shown as text only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertNoProblems,
  downloadOf,
  openDashboard,
  rowCount,
  screenshot,
  spanRow,
  startDemoAndBrowser,
  traceRow,
  waitRowCount,
} from './helpers.mjs';

const MARKUP = '<img src=x onerror=alert(1)>';

// The demo, a browser (on `route`), and a run of dinner_service in which an
// agent fails: its summary and every span.
async function withFailingRun(t, route) {
  const opened = await startDemoAndBrowser(t, { query: '&workflow=dinner_service', route });
  const { demo, list } = opened;
  const failing = list.items.find((i) => i.error_count > 0);
  assert.ok(failing, 'the demo has a run in which an agent fails');
  const trace = (await demo.api(`/api/traces/${failing.trace_id}`)).json;
  assert.ok(trace && trace.spans.length === failing.span_count, 'GET /api/traces/{id} returns every span');
  return { ...opened, summary: failing, spans: trace.spans };
}

const toggleSpan = (page, spanId) => spanRow(page, spanId).locator('[data-testid="span-toggle"]').click();

test('timeline: the span tree, collapse and expand, errors in red, critical path', async (t) => {
  const { summary, spans, page, problems } = await withFailingRun(t, '#/traces');

  // From the list to the timeline by clicking the run.
  await traceRow(page, summary.trace_id).locator('[data-testid="trace-link"]').click();
  await page.locator(`[data-testid="timeline"][data-trace-id="${summary.trace_id}"]`).waitFor();
  assert.equal(await page.locator('[data-testid="timeline-title"]').textContent(), 'dinner_service');
  assert.equal(Number(await page.locator('[data-testid="timeline-span-count"]').textContent()), spans.length);
  assert.equal(await rowCount(page), spans.length, 'every span is a row when all is expanded');

  // The tree: depth of each row follows parent_id.
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const depthOf = (s) => (s.parent_id && byId.has(s.parent_id) ? depthOf(byId.get(s.parent_id)) + 1 : 0);
  const rendered = await page.locator('[data-testid="span-row"]').evaluateAll((els) =>
    els.map((e) => ({ id: e.dataset.spanId, depth: Number(e.dataset.depth), status: e.dataset.status, critical: e.dataset.critical })),
  );
  assert.ok(rendered.length > 0);
  for (const r of rendered) {
    assert.ok(byId.has(r.id), `row ${r.id} is a span of the trace`);
    assert.equal(r.depth, depthOf(byId.get(r.id)), `depth of ${byId.get(r.id).name}`);
  }
  const root = spans.find((s) => !s.parent_id);
  assert.equal(rendered[0].id, root.span_id, 'the root comes first');
  assert.equal(rendered[0].critical, 'true', 'the root is on the critical path');
  assert.ok(rendered.filter((r) => r.critical === 'true').length >= 2, 'the critical path goes below the root');

  // ERROR spans are marked and their bars are red.
  const errorSpans = spans.filter((s) => s.status_code === 'ERROR');
  assert.ok(errorSpans.length > 0);
  for (const s of errorSpans) {
    const row = spanRow(page, s.span_id);
    assert.equal(await row.getAttribute('data-status'), 'ERROR');
    const rgb = await row.locator('.wf-bar').evaluate((el) => getComputedStyle(el).backgroundColor);
    const [r, g, b] = rgb.match(/\d+/g).map(Number);
    assert.ok(r > 150 && g < 110 && b < 110, `the bar of ${s.name} is red (${rgb})`);
  }
  await screenshot(page, 'timeline');

  // The OTLP/JSON export of the trace downloads as a file.
  const download = await downloadOf(page, page.locator('[data-testid="download-otlp"]'));
  assert.equal(download.name, `trace-${summary.trace_id}.otlp.json`);
  const otlp = JSON.parse(download.text);
  const otlpSpans = otlp.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  assert.equal(otlpSpans.length, spans.length);

  // Collapse all: only the root row is left.
  await page.locator('[data-testid="collapse-all"]').click();
  await waitRowCount(page, 1);
  assert.equal(await page.locator('[data-testid="span-row"]').count(), 1);
  await screenshot(page, 'timeline-collapsed');

  // Expanding the root shows its direct children only.
  const children = spans.filter((s) => s.parent_id === root.span_id);
  await toggleSpan(page, root.span_id);
  await waitRowCount(page, 1 + children.length);
  for (const c of children) await spanRow(page, c.span_id).waitFor();

  // Collapsing one node hides its subtree.
  await page.locator('[data-testid="expand-all"]').click();
  await waitRowCount(page, spans.length);
  const agentSpan = spans.find((s) => s.name === 'Agent.execute' && spans.some((c) => c.parent_id === s.span_id));
  const below = (id) => spans.filter((s) => s.parent_id === id).reduce((n, c) => n + 1 + below(c.span_id), 0);
  await toggleSpan(page, agentSpan.span_id);
  await waitRowCount(page, spans.length - below(agentSpan.span_id));
  await toggleSpan(page, agentSpan.span_id);
  await waitRowCount(page, spans.length);
  assertNoProblems(problems);
});

test('JSON viewer: a span\'s attributes, events and JSON strings; copy', async (t) => {
  const { demo, summary, spans, page, context, problems } = await withFailingRun(t);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(demo.base).origin });
  await openDashboard(page, demo, `#/trace/${summary.trace_id}`);

  // An agent span that produced output: output.value holds JSON text.
  const withOutput = spans.find((s) => s.attributes?.output?.value !== undefined);
  assert.ok(withOutput, 'an agent span carries output.value');
  await spanRow(page, withOutput.span_id).click();
  const viewer = page.locator(`[data-testid="json-viewer"][data-span-id="${withOutput.span_id}"]`);
  await viewer.waitFor();
  await page.waitForURL(new RegExp(`span=${withOutput.span_id}`));
  const attrs = viewer.locator('[data-testid="json-attributes"]');
  await attrs.locator('[data-testid="json-node"][data-path="attributes.agent.name"]').waitFor();
  assert.match(await attrs.locator('[data-testid="json-node"][data-path="attributes.agent.name"]').textContent(), new RegExp(`"${withOutput.attributes.agent.name}"`));

  // The output JSON string opens as a tree of its own.
  const outNode = attrs.locator('[data-testid="json-node"][data-path="attributes.output.value"]');
  await outNode.locator('[data-testid="json-parse-toggle"]').first().click();
  const parsed = JSON.parse(withOutput.attributes.output.value);
  const firstKey = Object.keys(Array.isArray(parsed) ? parsed[0] ?? {} : parsed)[0];
  assert.ok(firstKey, 'output.value is a JSON object');
  await outNode.locator(`[data-testid="json-node"][data-path$=".${firstKey}"]`).first().waitFor();

  // Collapse all folds the tree; expand all opens it again.
  await viewer.locator('[data-testid="json-collapse-all"]').click();
  await attrs.locator('[data-testid="json-node"][data-path="attributes.agent.name"]').waitFor({ state: 'detached' });
  await viewer.locator('[data-testid="json-expand-all"]').click();
  await attrs.locator('[data-testid="json-node"][data-path="attributes.agent.name"]').waitFor();
  await screenshot(page, 'json');

  // Copy puts the span's JSON on the clipboard.
  await viewer.locator('[data-testid="json-copy"]').click();
  await viewer.locator('[data-testid="json-copy"]', { hasText: 'Copied' }).waitFor();
  const clip = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
  assert.equal(clip.span_id, withOutput.span_id);
  assert.deepEqual(clip.attributes, withOutput.attributes);

  // A failing span shows its status and its exception event.
  const failed = spans.find((s) => s.status_code === 'ERROR' && s.events?.some((e) => e.name === 'exception'));
  assert.ok(failed, 'a failing span has an exception event');
  await spanRow(page, failed.span_id).click();
  const fv = page.locator(`[data-testid="json-viewer"][data-span-id="${failed.span_id}"]`);
  await fv.waitFor();
  await fv.getByText(failed.status_description, { exact: true }).first().waitFor();
  await fv.locator('[data-testid="json-events"] .jv-event-head', { hasText: 'exception' }).first().waitFor();
  const message = failed.events.find((e) => e.name === 'exception').attributes?.exception?.message;
  if (message) await fv.locator('[data-testid="json-events"] [data-testid="json-string"]', { hasText: message }).first().waitFor();
  assertNoProblems(problems);
});

test('markup held by a span attribute is shown as text, never as HTML', async (t) => {
  const { demo, summary, spans, page, problems } = await withFailingRun(t);
  const root = spans.find((s) => !s.parent_id);
  assert.equal(root.attributes.note, MARKUP, 'the demo stores the markup in attribute "note"');
  await openDashboard(page, demo, `#/trace/${summary.trace_id}?span=${root.span_id}`);

  const viewer = page.locator(`[data-testid="json-viewer"][data-span-id="${root.span_id}"]`);
  await viewer.waitFor();
  const note = viewer.locator('[data-testid="json-node"][data-path="attributes.note"]');
  await note.waitFor();
  assert.ok((await note.textContent()).includes(MARKUP), 'the markup is visible as text');
  await page.getByText(MARKUP, { exact: false }).first().waitFor();
  assert.equal(await page.locator('img[src="x"]').count(), 0, 'no <img src=x> element exists');
  // The raw view is text as well.
  await viewer.locator('[data-testid="json-raw"]').click();
  assert.ok((await viewer.locator('[data-testid="json-raw-text"]').textContent()).includes(MARKUP));
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  await screenshot(page, 'json-markup');

  // The trace list's free-text search and the SQL table show it as text too.
  await page.goto(demo.base + '#/sql');
  await page.locator('[data-testid="sql-input"]').fill("SELECT json_extract_string(attributes, '$.note') AS note FROM spans WHERE parent_id IS NULL");
  await page.locator('[data-testid="sql-run"]').click();
  await page.locator('[data-testid="sql-table"] td', { hasText: MARKUP }).first().waitFor();
  assert.equal(await page.locator('img[src="x"]').count(), 0);

  await page.waitForTimeout(300); // an onerror handler would have fired by now
  assert.deepEqual(problems.dialogs, [], 'no alert() ran');
  assertNoProblems(problems);
});
