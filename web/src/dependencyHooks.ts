// Which nodes of the dependency graph are hooks: the spans an agent runs
// around its work (FunctionEngine, OutputUtilityComponent, a component's
// on_pre_evaluate, ...). The server folds them into their agent by=agent and
// names them by their service by=service; the dashboard shows them only when
// asked, so that the graph reads as agents calling agents.
//
// A hook is a node that is not an agent and that only agents (or other
// hooks) ever call. Flock and workflows are called by no agent, so they stay.
// The module has no dependencies (its unit test imports it alone).

export interface Edge {
  parent: string;
  child: string;
  calls: number;
  errors: number;
}

export function hookNodes(serviceEdges: readonly Edge[], agents: ReadonlySet<string>): Set<string> {
  const callers = new Map<string, Set<string>>();
  for (const e of serviceEdges) {
    if (!callers.has(e.child)) callers.set(e.child, new Set());
    callers.get(e.child)!.add(e.parent);
  }
  const hooks = new Set<string>();
  // Grow the set until no node joins: a hook's own callees may be hooks too.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [node, from] of callers) {
      if (hooks.has(node) || agents.has(node)) continue;
      if ([...from].every((p) => agents.has(p) || hooks.has(p))) {
        hooks.add(node);
        changed = true;
      }
    }
  }
  return hooks;
}

// The edges to draw. by=agent: the agent edges, plus (with hooks) each
// agent's calls of its hooks taken from the by=service edges. by=service:
// the service edges, without those that touch a hook unless asked.
export function withHooks(
  by: 'agent' | 'service',
  edges: readonly Edge[],
  serviceEdges: readonly Edge[],
  agents: ReadonlySet<string>,
  showHooks: boolean,
): { edges: Edge[]; hooks: Set<string> } {
  const hooks = hookNodes(serviceEdges, agents);
  if (by === 'service') {
    return { edges: showHooks ? [...edges] : edges.filter((e) => !hooks.has(e.parent) && !hooks.has(e.child)), hooks };
  }
  if (!showHooks) return { edges: [...edges], hooks };
  return { edges: [...edges, ...serviceEdges.filter((e) => hooks.has(e.child))], hooks };
}
