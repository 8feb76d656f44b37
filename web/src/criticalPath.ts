// The critical path of a trace: what its end waited for. Walking back from
// the end of the root, at each point the child that finished last (before
// that point) is on the path, its own path is taken the same way, and the
// walk goes on from that child's start; time that no child covers (a gap) is
// the parent's own. Rules, as in Jaeger's critical path:
//
// - a child that outlives its parent is clipped at the parent's end (and at
//   its start): the parent did not wait for the rest;
// - a hook (a span without children, shorter than 1 µs or than 1% of its
//   parent) never wins over real work: its time stays with the parent, so
//   zero-length spans such as Flock.shutdown or component hooks never stand
//   on the path in place of the agents' work.
//
// One addition for asynchronous work. Flock's agents run after their
// Flock.publish span ended, inside Flock.run_until_idle, which waits for
// them: clipping them at publish's end would lose all their work. So a span
// that outlives its parent is first moved under the span that waited for it:
// the innermost span of another branch (not its ancestor) that was open when
// it ended and that itself sits within its ancestors (a waiting span, not
// other asynchronous work). Only when there is none is it clipped.
//
// The module imports only spanLinks.ts (no dependencies either).
import { linkParents } from './spanLinks';

export interface PathSpan {
  span_id: string;
  parent_id: string | null;
  start_time: number; // ns
  end_time: number; // ns
}

// A stretch of time on the path, charged to one span: [start, end] in ns.
export interface PathSegment {
  spanId: string;
  start: number;
  end: number;
}

export interface CriticalPath {
  spans: Set<string>; // every span with a segment on the path
  segments: PathSegment[]; // in time order
  moved: Map<string, string>; // span id -> the waiting span it was moved under
}

const HOOK_NS = 1000; // 1 µs
const HOOK_SHARE = 0.01; // 1% of the parent

interface Node {
  span: PathSpan;
  parent: Node | null; // in the trace
  children: Node[]; // in the trace
  kids: Node[]; // for the path: after moving asynchronous spans
  anchored: boolean; // within every ancestor (never moved)
  depth: number;
  pre: number; // position in the pre-order
  size: number; // the span and its descendants
  end: number; // never before the start
}

// a is a proper ancestor of n: n lies in a's range of the pre-order.
const isAncestor = (a: Node, n: Node): boolean => a.pre < n.pre && n.pre < a.pre + a.size;

export function criticalPath(spans: readonly PathSpan[]): CriticalPath {
  const result: CriticalPath = { spans: new Set(), segments: [], moved: new Map() };
  if (!spans.length) return result;
  const byId = new Map<string, Node>();
  for (const s of spans) {
    const end = Math.max(s.start_time, s.end_time);
    byId.set(s.span_id, { span: s, parent: null, children: [], kids: [], anchored: true, depth: 0, pre: -1, size: 1, end });
  }
  const roots = linkParents(byId);
  // Pre-order from the roots: depth and anchoring. Spans in a parent cycle
  // (broken data) are never reached and stay out of the path.
  const order: Node[] = [];
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    n.pre = order.length;
    order.push(n);
    const p = n.parent;
    if (p) {
      n.depth = p.depth + 1;
      n.anchored = p.anchored && n.span.start_time >= p.span.start_time && n.end <= p.end;
    }
    for (const c of n.children) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const p = order[i].parent;
    if (p) p.size += order[i].size;
  }

  // Move each span that outlives its parent under the span that waited for
  // it, if any. Waiting spans are anchored, so they never move themselves and
  // no cycle can form. The search is bounded (about 5e7 steps): past that,
  // spans that outlive their parent are only clipped.
  const anchored = order.filter((n) => n.anchored);
  const MAX_ASYNC = Math.floor(5e7 / Math.max(1, anchored.length));
  let asyncCount = 0;
  for (const n of order) {
    const p = n.parent;
    let home = p;
    if (p && n.end > p.end && asyncCount++ < MAX_ASYNC) {
      let best: Node | undefined;
      for (const w of anchored) {
        if (w === n || w.span.start_time > n.end || w.end < n.end || w.span.start_time >= w.end) continue;
        if (isAncestor(w, n) || isAncestor(n, w)) continue;
        if (!best || w.depth > best.depth || (w.depth === best.depth && w.span.start_time > best.span.start_time)) best = w;
      }
      if (best) {
        home = best;
        result.moved.set(n.span.span_id, best.span.span_id);
      }
    }
    if (home) home.kids.push(n);
  }

  // A virtual root over the trace's roots, so that several roots (or orphans)
  // are walked like siblings.
  const first = Math.min(...roots.map((r) => r.span.start_time));
  const last = Math.max(...roots.map((r) => r.end));
  const top: Node = { span: { span_id: '', parent_id: null, start_time: first, end_time: last }, parent: null, children: roots, kids: roots, anchored: true, depth: -1, pre: -1, size: 0, end: last };

  // The walk, with an explicit stack (traces can be deep). A frame is a span
  // on the path with its window, the time the walk has reached in it, and
  // its children by latest end (the walk only goes back in time, so a child
  // passed over once never qualifies again).
  interface Kid {
    node: Node;
    start: number;
    end: number;
  }
  interface Frame {
    node: Node;
    start: number;
    t: number;
    kids: Kid[];
    next: number;
  }
  const frameOf = (node: Node, start: number, end: number): Frame => {
    const hookBelow = Math.max(HOOK_NS, (end - start) * HOOK_SHARE);
    const kids: Kid[] = [];
    for (const k of node.kids) {
      const ks = Math.max(k.span.start_time, start);
      const ke = Math.min(k.end, end);
      if (ke <= ks) continue; // nothing inside the window, or zero-length
      if (k.children.length === 0 && ke - ks < hookBelow) continue; // a hook
      kids.push({ node: k, start: ks, end: ke });
    }
    // Latest end first; among equal ends the longer one.
    kids.sort((a, b) => b.end - a.end || a.start - b.start);
    return { node, start, t: end, kids, next: 0 };
  };
  const segs: PathSegment[] = [];
  const frames: Frame[] = [frameOf(top, first, last)];
  while (frames.length) {
    const f = frames[frames.length - 1];
    while (f.next < f.kids.length && f.kids[f.next].end > f.t) f.next++;
    const k = f.kids[f.next];
    // The gap after the child (or down to the start) is the span's own.
    const gapFrom = k ? k.end : f.start;
    if (f.node !== top && f.t > gapFrom) segs.push({ spanId: f.node.span.span_id, start: gapFrom, end: f.t });
    if (!k) {
      frames.pop();
      continue;
    }
    f.next++;
    f.t = k.start;
    result.spans.add(k.node.span.span_id);
    frames.push(frameOf(k.node, k.start, k.end));
  }
  segs.sort((a, b) => a.start - b.start || a.end - b.end);
  result.segments = segs;
  return result;
}
