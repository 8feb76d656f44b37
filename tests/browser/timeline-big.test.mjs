// The timeline of a trace of 10,000 spans (the demo's --big-trace): it
// renders, keeps only the rows in view in the DOM while scrolling to the last
// span and back, and collapses and expands the whole tree. Nothing here is
// timed: the timeouts are only generous enough for a loaded machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoProblems, screenshot, spanRow, startDemoAndBrowser, traceRow, waitRowCount } from './helpers.mjs';

const SPANS = 10_000;
const MAX_DOM_ROWS = 300;
const SLOW = 120_000; // loading and laying out 10,000 spans on a busy 2-core machine

const waterfall = (page) => page.locator('[data-testid="waterfall"]');
const domRows = (page) => page.locator('[data-testid="span-row"]').count();

// The last of a node's children in the timeline's order: by start, then end
// time, ties kept in the API's order (as src/traceModel.ts sorts them).
function lastChild(spans, parentId) {
  const kids = spans.filter((s) => s.parent_id === parentId);
  kids.sort((a, b) => a.start_time - b.start_time || a.end_time - b.end_time);
  return kids[kids.length - 1];
}

// Scrolls the waterfall to top (a number of pixels, or 'bottom') and waits
// until the row of span id is rendered inside the scroller's visible area.
async function scrollUntilShown(page, top, spanId) {
  await waterfall(page).evaluate((el, to) => {
    el.scrollTop = to === 'bottom' ? el.scrollHeight : to;
  }, top);
  const row = spanRow(page, spanId);
  await row.waitFor({ state: 'visible', timeout: SLOW });
  await page.waitForFunction(
    (id) => {
      const el = document.querySelector(`[data-testid="span-row"][data-span-id="${id}"]`);
      const box = document.querySelector('[data-testid="waterfall"]');
      if (!el || !box) return false;
      const r = el.getBoundingClientRect();
      const v = box.getBoundingClientRect();
      return r.height > 0 && r.top >= v.top - 1 && r.bottom <= v.bottom + 1;
    },
    spanId,
    { timeout: SLOW },
  );
  return row;
}

test('timeline of 10,000 spans: virtual rows, scrolling to the end and back, collapse and expand all', async (t) => {
  // From the trace list, which shows the span count, to the timeline.
  const { demo, list, page, problems } = await startDemoAndBrowser(t, {
    demo: { args: ['--big-trace', String(SPANS)], readyMs: 180_000 },
    traces: 1,
    query: '&workflow=big_batch',
    route: '#/traces?workflow=big_batch',
  });
  assert.equal(list.total, 1);
  const summary = list.items[0];
  assert.equal(summary.span_count, SPANS);
  const spans = (await demo.api(`/api/traces/${summary.trace_id}`)).json.spans;
  assert.equal(spans.length, SPANS, 'GET /api/traces/{id} returns every span');
  const root = spans.find((s) => !s.parent_id);
  assert.equal(root.name, 'big_batch');
  // The last row when all is expanded: the last step of the last batch.
  const lastBatch = lastChild(spans, root.span_id);
  const lastSpan = lastChild(spans, lastBatch.span_id);
  assert.equal(lastSpan.name, 'Step.run');

  const listRow = traceRow(page, summary.trace_id);
  await listRow.waitFor();
  assert.equal((await listRow.locator('td.num').first().textContent()).trim(), String(SPANS));
  await listRow.locator('[data-testid="trace-link"]').click();
  await page.locator(`[data-testid="timeline"][data-trace-id="${summary.trace_id}"]`).waitFor({ timeout: SLOW });

  // It renders: the title, the span count, the root row, every span a row.
  assert.equal(await page.locator('[data-testid="timeline-title"]').textContent(), 'big_batch');
  assert.equal(Number(await page.locator('[data-testid="timeline-span-count"]').textContent()), SPANS);
  assert.equal(Number(await page.locator('[data-testid="timeline-error-count"]').textContent()), summary.error_count);
  await waitRowCount(page, SPANS, SLOW);
  const rootRow = spanRow(page, root.span_id);
  await rootRow.waitFor({ state: 'visible', timeout: SLOW });
  const atTop = await domRows(page);
  assert.ok(atTop > 1 && atTop < MAX_DOM_ROWS, `only the rows in view are in the DOM (${atTop})`);
  // The scroll area is as tall as every row together.
  const { scrollHeight, clientHeight } = await waterfall(page).evaluate((el) => ({ scrollHeight: el.scrollHeight, clientHeight: el.clientHeight }));
  assert.ok(scrollHeight > clientHeight * 20, `the waterfall scrolls over all rows (${scrollHeight} px)`);
  await screenshot(page, 'timeline-10k');

  // The middle, the end (the last span is shown), and back to the root.
  await waterfall(page).evaluate((el) => {
    el.scrollTop = el.scrollHeight / 2;
  });
  await rootRow.waitFor({ state: 'detached', timeout: SLOW });
  assert.ok((await domRows(page)) < MAX_DOM_ROWS, 'the DOM stays bounded in the middle');
  await scrollUntilShown(page, 'bottom', lastSpan.span_id);
  const atBottom = await domRows(page);
  assert.ok(atBottom < MAX_DOM_ROWS, `the DOM stays bounded at the end (${atBottom})`);
  await scrollUntilShown(page, 0, root.span_id);
  assert.equal(await spanRow(page, lastSpan.span_id).count(), 0, 'the last row left the DOM');
  assert.ok((await domRows(page)) < MAX_DOM_ROWS);

  // Collapse all: the root alone, folding everything below it.
  await page.locator('[data-testid="collapse-all"]').click();
  await waitRowCount(page, 1, SLOW);
  assert.equal(await domRows(page), 1);
  assert.equal((await rootRow.locator('.wf-hidden').textContent()).trim(), `+${SPANS - 1}`);

  // Expand all: every span a row again, still only a window of them in the DOM,
  // and the end can be reached once more.
  await page.locator('[data-testid="expand-all"]').click();
  await waitRowCount(page, SPANS, SLOW);
  await rootRow.waitFor({ state: 'visible', timeout: SLOW });
  assert.ok((await domRows(page)) < MAX_DOM_ROWS);
  await scrollUntilShown(page, 'bottom', lastSpan.span_id);
  assert.ok((await domRows(page)) < MAX_DOM_ROWS);
  assertNoProblems(problems);
});
