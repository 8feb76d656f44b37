// Unit tests of web/src/criticalPath.ts on hand-made traces: sequential
// steps, a parallel fan-out, a child outliving its parent, zero-length
// hooks, Flock's asynchronous agents, and the shape of the answer (segments
// that tile the trace, several roots, deep traces, broken parent links).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importTs } from './load-ts.mjs';

const { criticalPath } = await importTs('src/criticalPath.ts');

const MS = 1e6; // ns per ms
// A span from ms times; `base` moves the whole trace (epoch-sized numbers).
const span = (id, parent, start, end, base = 0) => ({ span_id: id, parent_id: parent, start_time: base + start * MS, end_time: base + end * MS });
const ids = (path) => [...path.spans].sort();
// The segments as [span, start ms, end ms], in time order.
const segs = (path, base = 0) => path.segments.map((s) => [s.spanId, +((s.start - base) / MS).toFixed(4), +((s.end - base) / MS).toFixed(4)]);

// The segments of a path tile the trace: contiguous, no overlap, from the
// first start to the last end.
function assertTiles(path, spans) {
  const first = Math.min(...spans.map((s) => s.start_time));
  const last = Math.max(...spans.map((s) => s.end_time));
  let t = first;
  for (const s of path.segments) {
    assert.equal(s.start, t, `segment of ${s.spanId} starts where the previous one ended`);
    assert.ok(s.end > s.start);
    t = s.end;
  }
  assert.equal(t, last, 'the segments reach the end of the trace');
}

test('sequential steps: every step is on the path, in order', () => {
  const spans = [span('root', null, 0, 100), span('a', 'root', 0, 30), span('b', 'root', 30, 60), span('c', 'root', 60, 95)];
  const p = criticalPath(spans);
  assert.deepEqual(ids(p), ['a', 'b', 'c', 'root']);
  assert.deepEqual(segs(p), [
    ['a', 0, 30],
    ['b', 30, 60],
    ['c', 60, 95],
    ['root', 95, 100], // the gap after the last step is the parent's
  ]);
  assertTiles(p, spans);
});

test('parallel fan-out: only the branch that finished last, then the join', () => {
  const spans = [
    span('root', null, 0, 100),
    span('fast', 'root', 5, 40),
    span('slow', 'root', 5, 90),
    span('mid', 'root', 5, 70),
    span('slow.inner', 'slow', 10, 80),
    span('join', 'root', 92, 98),
  ];
  const p = criticalPath(spans);
  assert.deepEqual(ids(p), ['join', 'root', 'slow', 'slow.inner']);
  assert.deepEqual(segs(p), [
    ['root', 0, 5],
    ['slow', 5, 10],
    ['slow.inner', 10, 80],
    ['slow', 80, 90],
    ['root', 90, 92],
    ['join', 92, 98],
    ['root', 98, 100],
  ]);
  assertTiles(p, spans);
});

test('a child that outlives its parent is clipped at the parent\'s end', () => {
  const spans = [
    span('root', null, 0, 100),
    span('a', 'root', 0, 50),
    span('late', 'a', 40, 80), // runs on 30 ms after a ended
    span('orphaned', 'a', 55, 58), // starts after a ended: nothing of it is inside a
    span('b', 'root', 60, 70),
  ];
  const p = criticalPath(spans);
  assert.deepEqual(ids(p), ['a', 'b', 'late', 'root']);
  assert.deepEqual(segs(p), [
    ['a', 0, 40],
    ['late', 40, 50], // clipped: a did not wait for the rest
    ['root', 50, 60],
    ['b', 60, 70],
    ['root', 70, 100],
  ]);
  assert.equal(p.moved.size, 0, 'no other branch was open when it ended: clipped, not moved');
  assertTiles(p, spans);
});

test('zero-length hooks never win over real work', () => {
  const spans = [
    span('run', null, 0, 100),
    span('agent', 'run', 0, 100),
    span('on_initialize', 'agent', 0, 0.0005), // 0.5 µs
    span('evaluate', 'agent', 0.001, 90),
    span('on_post_evaluate', 'agent', 90.002, 90.01), // 8 µs: under 1% of the agent
    span('shutdown', 'run', 99.9999, 99.9999), // zero-length, ends after the agent's work
    // A short span with children is work, not a hook.
    span('short', 'evaluate', 1, 1.2),
    span('short.child', 'short', 1.05, 1.1),
  ];
  const p = criticalPath(spans);
  assert.deepEqual(ids(p), ['agent', 'evaluate', 'run', 'short', 'short.child']);
  for (const hook of ['on_initialize', 'on_post_evaluate', 'shutdown']) assert.ok(!p.spans.has(hook), `${hook} is not on the path`);
  // The hooks' time stays with their parent.
  assert.deepEqual(segs(p).filter(([id]) => id === 'agent'), [
    ['agent', 0, 0.001],
    ['agent', 90, 100],
  ]);
  assertTiles(p, spans);

  // A zero-length span alone under its parent: the parent keeps the time.
  const lone = [span('w', null, 0, 10), span('hook', 'w', 5, 5)];
  assert.deepEqual(segs(criticalPath(lone)), [['w', 0, 10]]);
  // A hook that ends after parallel real work does not hide it.
  const race = [span('w', null, 0, 100), span('work', 'w', 0, 80), span('tick', 'w', 85, 85.0005)];
  assert.deepEqual(ids(criticalPath(race)), ['w', 'work']);
});

test('Flock\'s asynchronous agents: the chain of agent work, moved under the span that waited', () => {
  // The shape of examples/dashboard_demo.cpp's dinner_service (times in ms
  // from a real run): agents are children of Flock.publish (and of the agent
  // whose output triggered them) but run after it, inside run_until_idle.
  const base = 1_796_058_249_091_732_356; // epoch-sized nanoseconds
  const s = (id, parent, start, end) => span(id, parent, start, end, base);
  const spans = [
    s('wf', null, 0, 10.462),
    s('publish', 'wf', 0.006, 0.077),
    s('chef', 'publish', 0.058, 8.324),
    s('chef.init', 'chef', 0.072, 0.0726),
    s('chef.eval', 'chef', 0.074, 8.285),
    s('idle', 'wf', 0.078, 10.459),
    s('chef.post', 'chef', 8.29, 8.303),
    s('critic', 'chef', 8.326, 10.43),
    s('critic.init', 'critic', 8.327, 8.328),
    s('critic.eval', 'critic', 8.329, 10.41),
    s('sommelier', 'chef', 8.352, 8.512),
    s('sommelier.init', 'sommelier', 8.358, 8.361),
    s('sommelier.eval', 'sommelier', 8.365, 8.491),
    s('critic.post', 'critic', 10.412, 10.422),
    s('shutdown', 'idle', 10.454, 10.4548),
  ];
  const p = criticalPath(spans);
  assert.deepEqual(ids(p), ['chef', 'chef.eval', 'critic', 'critic.eval', 'idle', 'publish', 'wf']);
  assert.deepEqual(Object.fromEntries(p.moved), { chef: 'idle', critic: 'idle', sommelier: 'idle' });
  const names = segs(p, base).map(([id]) => id);
  // chef is clipped to idle's window, which its engine call fills from the start.
  assert.deepEqual(names, ['wf', 'publish', 'wf', 'chef.eval', 'chef', 'idle', 'critic', 'critic.eval', 'critic', 'idle', 'wf']);
  assertTiles(p, spans);
});

test('several roots, an empty trace, a parent cycle and a deep trace', () => {
  // Two roots (a span whose parent is not in the trace is a root), walked
  // like siblings: one after the other, or in parallel.
  const two = [span('r1', null, 0, 5), span('r2', 'missing', 5, 20), span('r2.a', 'r2', 6, 19)];
  const p = criticalPath(two);
  assert.deepEqual(ids(p), ['r1', 'r2', 'r2.a']);
  assertTiles(p, two);
  const parallel = [span('r1', null, 0, 10), span('r2', 'missing', 0, 20)];
  assert.deepEqual(ids(criticalPath(parallel)), ['r2']);

  assert.deepEqual(ids(criticalPath([])), []);

  // A cycle in broken data is left out instead of looping.
  const cyc = [span('ok', null, 0, 10), span('x', 'y', 1, 2), span('y', 'x', 1, 2)];
  assert.deepEqual(ids(criticalPath(cyc)), ['ok']);

  // 20,000 levels: no recursion limit.
  const deep = [span('d0', null, 0, 40_000)];
  for (let i = 1; i < 20_000; i++) deep.push(span(`d${i}`, `d${i - 1}`, i, 40_000 - i));
  const dp = criticalPath(deep);
  assert.equal(dp.spans.size, 20_000);
  assertTiles(dp, deep);

  // 20,000 spans that each outlive their parent (a chain of late agents) stay quick.
  const late = [span('w', null, 0, 30_000), span('idle', 'w', 0, 29_999)];
  for (let i = 0; i < 20_000; i++) late.push(span(`l${i}`, i ? `l${i - 1}` : 'w', i, i + 1.5));
  const t0 = performance.now();
  const lp = criticalPath(late);
  assert.ok(performance.now() - t0 < 5000, `took ${performance.now() - t0} ms`);
  assert.ok(lp.spans.has('idle'));
});
