// The span tree of one trace and the span keys used to compare two runs
// (the critical path is in criticalPath.ts).
import type { Span } from './api';
import { getAttrString } from './format';
import { linkParents } from './spanLinks';

export interface TraceNode {
  span: Span;
  children: TraceNode[];
  parent: TraceNode | null;
  depth: number;
  descendants: number; // number of spans below
}

export interface TraceTree {
  roots: TraceNode[];
  byId: Map<string, TraceNode>;
  start: number; // ns
  end: number; // ns
  durationMs: number;
  maxDepth: number;
  errorCount: number;
  services: string[];
}

const byStart = (a: TraceNode, b: TraceNode) => a.span.start_time - b.span.start_time || a.span.end_time - b.span.end_time;

// Builds the tree; spans whose parent is not in the trace become roots.
export function buildTree(spans: Span[]): TraceTree {
  const byId = new Map<string, TraceNode>();
  for (const s of spans) byId.set(s.span_id, { span: s, children: [], parent: null, depth: 0, descendants: 0 });
  const roots = linkParents(byId);
  roots.sort(byStart);
  let maxDepth = 0;
  // Iterative pre-order walk: depth, child order; then descendants bottom-up.
  const order: TraceNode[] = [];
  const stack = [...roots].reverse();
  const seen = new Set<TraceNode>();
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue; // a parent cycle in broken data
    seen.add(n);
    order.push(n);
    n.children.sort(byStart);
    for (let i = n.children.length - 1; i >= 0; i--) {
      const c = n.children[i];
      c.depth = n.depth + 1;
      if (c.depth > maxDepth) maxDepth = c.depth;
      stack.push(c);
    }
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    if (n.parent) n.parent.descendants += n.descendants + 1;
  }
  let start = Infinity;
  let end = -Infinity;
  let errorCount = 0;
  const services = new Set<string>();
  for (const s of spans) {
    if (s.start_time < start) start = s.start_time;
    if (s.end_time > end) end = s.end_time;
    if (s.status_code === 'ERROR') errorCount++;
    if (s.service) services.add(s.service);
  }
  if (!spans.length) start = end = 0;
  return { roots, byId, start, end, durationMs: Math.max(0, (end - start) / 1e6), maxDepth, errorCount, services: [...services].sort() };
}

// The rows shown for a collapse state: pre-order, skipping collapsed subtrees.
export function visibleRows(tree: TraceTree, collapsed: ReadonlySet<string>): TraceNode[] {
  const rows: TraceNode[] = [];
  const stack = [...tree.roots].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    rows.push(n);
    if (collapsed.has(n.span.span_id)) continue;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return rows;
}

export function agentOf(span: Span): string | undefined {
  return getAttrString(span.attributes, 'agent.name');
}

// One label per span for comparison: its name plus [agent] when present.
export function spanLabel(span: Span): string {
  const agent = agentOf(span);
  return agent ? `${span.name} [${agent}]` : span.name;
}

export interface KeyedSpan {
  key: string; // path of labels from the root, with #n for repeated siblings
  labels: string[];
  span: Span;
  depth: number;
  order: number; // pre-order position
}

// Keys every span by its path of labels from the root. Siblings with the same
// label are numbered in start order (#2, #3, ...) so repeated steps match
// one to one.
export function keyedSpans(tree: TraceTree): KeyedSpan[] {
  const out: KeyedSpan[] = [];
  const walk = (nodes: TraceNode[], prefix: string[], prefixKey: string, depth: number) => {
    const counts = new Map<string, number>();
    for (const n of nodes) {
      const label = spanLabel(n.span);
      const k = (counts.get(label) ?? 0) + 1;
      counts.set(label, k);
      const seg = k > 1 ? `${label} #${k}` : label;
      const key = prefixKey ? `${prefixKey} › ${seg}` : seg;
      const labels = [...prefix, seg];
      out.push({ key, labels, span: n.span, depth, order: out.length });
      walk(n.children, labels, key, depth + 1);
    }
  };
  // Iterative would be safer for deep traces; recursion depth = tree depth here,
  // far below the engine limit for real workflows.
  walk(tree.roots, [], '', 0);
  return out;
}
