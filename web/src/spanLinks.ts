// Linking the spans of a trace to their parents, for the span tree
// (traceModel.ts) and the critical path (criticalPath.ts).
// The module has no dependencies.

export interface LinkedNode<N> {
  span: { parent_id: string | null };
  parent: N | null;
  children: N[];
}

// Sets each node's parent and children from its span's parent_id, in the
// order of `byId`; returns the roots: the nodes whose parent is not in the
// trace (or is the span itself).
export function linkParents<N extends LinkedNode<N>>(byId: ReadonlyMap<string, N>): N[] {
  const roots: N[] = [];
  for (const n of byId.values()) {
    const p = n.span.parent_id ? byId.get(n.span.parent_id) : undefined;
    if (p && p !== n) {
      n.parent = p;
      p.children.push(n);
    } else roots.push(n);
  }
  return roots;
}
