// Unit tests of web/src/compareRuns.ts: matching two runs span by span, and
// the rule that flags a change only past both thresholds (relative and
// absolute).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importTs } from './load-ts.mjs';

const { classify, compareRuns, DEFAULT_RULE } = await importTs('src/compareRuns.ts');

const row = (aMs, bMs) => {
  const delta = bMs - aMs;
  return { key: 'k', label: 'k', depth: 0, status: 'both', delta, ratio: aMs > 0 ? delta / aMs : Infinity };
};

test('the default rule: at least 20% and at least 1 ms', () => {
  assert.deepEqual(DEFAULT_RULE, { relative: 0.2, absoluteMs: 1 });
  assert.equal(classify(row(10, 12)), 'slower', '+20% and +2 ms');
  assert.equal(classify(row(10, 8)), 'faster', '-20% and -2 ms');
  assert.equal(classify(row(0.01, 0.05)), 'same', '+400% but only 0.04 ms');
  assert.equal(classify(row(100, 110)), 'same', '+10 ms but only 10%');
  assert.equal(classify(row(5, 5.99)), 'same', '+19.8%, under 1 ms');
  assert.equal(classify(row(5, 6)), 'slower', 'exactly 20% and exactly 1 ms');
  assert.equal(classify(row(0, 3)), 'slower', 'from nothing to 3 ms');
  assert.equal(classify(row(4, 4)), 'same');
});

test('another rule, and rows only in one run', () => {
  assert.equal(classify(row(100, 110), { relative: 0.05, absoluteMs: 5 }), 'slower');
  assert.equal(classify(row(100, 104), { relative: 0.05, absoluteMs: 5 }), 'same');
  assert.equal(classify({ ...row(1, 1), status: 'appeared' }), 'appeared');
  assert.equal(classify({ ...row(1, 1), status: 'vanished' }), 'vanished');
});

test('compareRuns matches spans by key and places B-only spans after their predecessor', () => {
  const k = (key, ms, order) => ({ key, labels: key.split(' › '), span: { duration_ms: ms }, depth: key.split(' › ').length - 1, order });
  const a = [k('root', 10, 0), k('root › x', 4, 1), k('root › gone', 1, 2)];
  const b = [k('root', 13, 0), k('root › x', 5, 1), k('root › new', 2, 2)];
  const rows = compareRuns(a, b);
  assert.deepEqual(rows.map((r) => [r.key, r.status]), [
    ['root', 'both'],
    ['root › x', 'both'],
    ['root › new', 'appeared'],
    ['root › gone', 'vanished'],
  ]);
  assert.equal(rows[0].delta, 3);
  assert.ok(Math.abs(rows[0].ratio - 0.3) < 1e-12);
  assert.equal(classify(rows[0]), 'slower');
  assert.equal(classify(rows[1]), 'slower', '+25% and exactly +1 ms');
});
