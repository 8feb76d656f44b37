// Dependencies (GET /api/dependencies?by=): calls between agents by default
// (hook and engine spans folded into their agent), or between services, or
// between operations; a click on a node of the first two drills down to the
// operations of that agent or service. Hooks (FunctionEngine,
// OutputUtilityComponent, components' hooks) are shown only behind a toggle
// (see dependencyHooks.ts). A graph with calls per edge (red when some
// failed) and the same edges as a sortable table. `by`, the toggle and the
// focus live in the URL.
import { useMemo } from 'react';
import { api, type DependencyBy, type DependencyEdge } from '../api';
import { Graph, type GraphEdge, type GraphNode } from '../components/Graph';
import { Card, col, num, Table } from '../components/ui';
import { withHooks } from '../dependencyHooks';
import { colorFor, formatPercent, plural } from '../format';
import { href, navigate, useApi, useLiveReload } from '../hooks';
import { useSort } from '../sorting';

const LAYOUT = { gapX: 110 };
const MODES: Array<{ by: DependencyBy; label: string; hint: string }> = [
  { by: 'agent', label: 'Agents', hint: 'Which agent triggered which: each agent run is charged to the agent (else the workflow) it ran under; hooks and engine calls are part of their agent' },
  { by: 'service', label: 'Services', hint: 'Parent and child spans by service (the span class: Agent, Flock, FunctionEngine, ...); an agent run counts under its agent name' },
  { by: 'operation', label: 'Operations', hint: 'Parent and child spans by name (Agent.execute, FunctionEngine.evaluate, ...)' },
];

// The operations of an agent or service: an agent's spans are Agent.*, a
// service's are <service>.*.
function operationPrefix(name: string, agents: Set<string>): string {
  return agents.has(name) ? 'Agent.' : `${name}.`;
}

export function DependenciesView({ query }: { query: URLSearchParams }) {
  const raw = query.get('by');
  const by: DependencyBy = raw === 'service' || raw === 'operation' ? raw : 'agent';
  const focus = by === 'operation' ? (query.get('focus') ?? '') : '';
  const showHooks = query.get('hooks') === '1';
  const deps = useApi((s) => api.dependencies(by, s), [by]);
  // The edges by service tell which nodes are hooks, in every mode but by operation.
  const services = useApi((s) => (by === 'operation' ? Promise.resolve(null) : api.dependencies('service', s)), [by]);
  const agentStats = useApi(api.agentStats, []);
  useLiveReload(['span'], () => {
    deps.reload();
    services.reload();
    agentStats.reload();
  }, { waitMs: 1500, maxWaitMs: 5000 });
  const agents = useMemo(() => new Set((agentStats.data?.agents ?? []).map((a) => a.agent_name)), [agentStats.data]);

  // The last answer, unless it is still the one of another `by`.
  const answer = deps.data && (deps.data.by ?? by) === by ? deps.data.edges : null;
  const { edgesData, hooks } = useMemo(() => {
    const all = answer ?? [];
    if (by === 'operation') {
      return { edgesData: focus ? all.filter((e) => e.parent.startsWith(focus) || e.child.startsWith(focus)) : all, hooks: new Set<string>() };
    }
    const shown = withHooks(by, all, services.data?.edges ?? [], agents, showHooks);
    return { edgesData: shown.edges, hooks: shown.hooks };
  }, [answer, by, focus, services.data, agents, showHooks]);
  const { nodes, edges } = useMemo(() => {
    const names = new Set<string>();
    for (const e of edgesData) {
      names.add(e.parent);
      names.add(e.child);
    }
    const maxCalls = Math.max(1, ...edgesData.map((e) => e.calls));
    const nodes: GraphNode[] = [...names].sort().map((n) => ({
      id: n,
      label: n,
      kind: hooks.has(n) ? 'hook' : by !== 'operation' && agents.has(n) ? 'agent' : 'service',
      color: colorFor(n),
      testId: 'dependency-node',
      title: by === 'operation' ? n : `${n}${hooks.has(n) ? ' (a hook)' : ''}: click for its operations`,
    }));
    const edges: GraphEdge[] = edgesData.map((e) => ({
      from: e.parent,
      to: e.child,
      kind: hooks.has(e.child) ? 'hook' : 'calls',
      label: e.errors ? `${e.calls} · ${e.errors} failed` : String(e.calls),
      title: `${e.parent} → ${e.child}: ${plural(e.calls, 'call')}${e.errors ? `, ${e.errors} failed` : ''}`,
      error: e.errors > 0,
      width: 1.2 + 3 * Math.sqrt(e.calls / maxCalls),
    }));
    return { nodes, edges };
  }, [edgesData, by, agents, hooks]);

  const go = (q: Record<string, string>) => navigate(href('/dependencies', q), true);
  const hookParam = (on: boolean): Record<string, string> => (on ? { hooks: '1' } : {});
  const drill = (name: string) => {
    if (by !== 'operation') go({ by: 'operation', focus: operationPrefix(name, agents) });
  };
  const table = useSort<DependencyEdge>(edgesData, {
    parent: (e) => e.parent,
    child: (e) => e.child,
    calls: (e) => e.calls,
    errors: (e) => e.errors,
    rate: (e) => (e.calls ? e.errors / e.calls : 0),
  }, { key: 'calls', dir: 'desc' });
  const mode = MODES.find((m) => m.by === by)!;

  return (
    <div className="page deps-page" data-testid="dependencies-view" data-by={by}>
      <Card
        title="Dependencies"
        head={
          <>
            <div className="segmented" role="group" aria-label="dependencies by">
              {MODES.map((m) => (
                <button key={m.by} type="button" className={`small ${m.by === by ? 'active' : ''}`} aria-pressed={m.by === by} title={m.hint} onClick={() => go({ by: m.by, ...hookParam(showHooks) })} data-testid={`deps-by-${m.by}`}>
                  {m.label}
                </button>
              ))}
            </div>
            {by !== 'operation' && (
              <label className="inline switch" title="FunctionEngine, OutputUtilityComponent, components' hooks: the spans an agent runs around its work">
                <input type="checkbox" checked={showHooks} onChange={(e) => go({ by, ...hookParam(e.target.checked) })} data-testid="deps-hooks" /> hooks &amp; engines
              </label>
            )}
            {focus && (
              <span className="tag" data-testid="deps-focus">
                operations {focus === 'Agent.' ? 'of every agent (Agent.*)' : `of ${focus.replace(/\.$/, '')}`}{' '}
                <button type="button" className="link small" onClick={() => go({ by: 'operation' })} aria-label="all operations">
                  ✕
                </button>
              </span>
            )}
            <span className="muted small">
              parent → child; label = calls{by !== 'operation' ? ' · click a node for its operations' : ''}
            </span>
          </>
        }
        error={deps.error}
      >
        <p className="muted small note" data-testid="deps-hint">
          {mode.hint}.{' '}
          {by !== 'operation' && (showHooks ? `Showing ${plural(hooks.size, 'hook')} (dashed).` : hooks.size ? `${plural(hooks.size, 'hook')} hidden.` : '')}
        </p>
        <Graph nodes={nodes} edges={edges} testId="dependencies-graph" emptyText="No dependencies yet." options={LAYOUT} onSelect={by !== 'operation' ? drill : undefined} />
      </Card>
      <Card>
        <Table
          columns={[col('Parent', 'parent'), col('Child', 'child'), num('Calls', 'calls'), num('Failed', 'errors', 'Calls whose child span failed'), num('Error rate', 'rate')]}
          testId="dependencies-table"
          sort={table.sort}
          onSort={table.onSort}
        >
          {table.sorted.map((e) => (
            <tr key={`${e.parent}->${e.child}`} data-testid="dependency-row">
              <td>
                <span className="svc-dot" style={{ background: colorFor(e.parent) }} /> {e.parent}
              </td>
              <td>
                <span className="svc-dot" style={{ background: colorFor(e.child) }} /> {e.child}
              </td>
              <td className="num">{e.calls}</td>
              <td className="num">{e.errors > 0 ? <span className="badge error">{e.errors}</span> : 0}</td>
              <td className={`num ${e.errors ? 'error-text' : ''}`}>{formatPercent(e.calls ? e.errors / e.calls : 0)}</td>
            </tr>
          ))}
        </Table>
      </Card>
    </div>
  );
}
