// Dependencies between services and agents (GET /api/dependencies): a graph
// with calls per edge (red when some failed) and the same edges as a table.
import { useMemo } from 'react';
import { api } from '../api';
import { Graph, type GraphEdge, type GraphNode } from '../components/Graph';
import { Card, num, Table } from '../components/ui';
import { colorFor, formatPercent } from '../format';
import { useApi, useLiveReload } from '../hooks';

const LAYOUT = { gapX: 120 };

export function DependenciesView() {
  const deps = useApi(api.dependencies, []);
  useLiveReload(['span'], deps.reload, { waitMs: 1500, maxWaitMs: 5000 });
  const edgesData = deps.data?.edges ?? [];
  const { nodes, edges } = useMemo(() => {
    const names = new Set<string>();
    for (const e of edgesData) {
      names.add(e.parent);
      names.add(e.child);
    }
    const maxCalls = Math.max(1, ...edgesData.map((e) => e.calls));
    const nodes: GraphNode[] = [...names].sort().map((n) => ({ id: n, label: n, kind: 'service', color: colorFor(n), testId: 'dependency-node' }));
    const edges: GraphEdge[] = edgesData.map((e) => ({
      from: e.parent,
      to: e.child,
      kind: 'calls',
      label: e.errors ? `${e.calls} (${e.errors} err)` : String(e.calls),
      error: e.errors > 0,
      width: 1.2 + 3 * Math.sqrt(e.calls / maxCalls),
    }));
    return { nodes, edges };
  }, [edgesData]);
  return (
    <div className="page deps-page" data-testid="dependencies-view">
      <Card title="Dependencies" head={<span className="muted small">parent → child, per agent (agent.name) or service; label = calls</span>} error={deps.error}>
        <Graph nodes={nodes} edges={edges} testId="dependencies-graph" emptyText="No dependencies yet." options={LAYOUT} />
      </Card>
      <Card>
        <Table columns={['Parent', 'Child', num('Calls'), num('Errors'), num('Error rate')]} testId="dependencies-table">
          {[...edgesData]
            .sort((a, b) => b.calls - a.calls)
            .map((e) => (
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
