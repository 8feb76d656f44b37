// Renders a layered graph as SVG. Node and edge styles come from CSS classes.
import { useMemo } from 'react';
import { edgePath, layeredLayout, type LayoutOptions } from './graphLayout';

export interface GraphNode {
  id: string;
  label: string;
  kind: string; // css class suffix: agent, type, service
  sublabel?: string;
  badge?: string;
  state?: string; // css state: running, failed, selected, ...
  color?: string;
  testId?: string;
  title?: string;
}
export interface GraphEdge {
  from: string;
  to: string;
  kind: string; // consumes, publishes, calls
  label?: string;
  error?: boolean;
  width?: number;
}

export function Graph({ nodes, edges, onSelect, selected, testId, options, emptyText }: { nodes: GraphNode[]; edges: GraphEdge[]; onSelect?: (id: string) => void; selected?: string; testId?: string; options?: LayoutOptions; emptyText?: string }) {
  const layout = useMemo(() => layeredLayout(nodes, edges, options), [nodes, edges, options]);
  if (nodes.length === 0) return <div className="empty">{emptyText ?? 'Nothing to show.'}</div>;
  return (
    <div className="graph-scroll">
      <svg
        className="graph"
        data-testid={testId}
        width={layout.width}
        height={layout.height}
        style={{ maxWidth: '100%', height: 'auto' }}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label="graph"
      >
        <defs>
          {['consumes', 'publishes', 'calls', 'error'].map((k) => (
            <marker key={k} id={`arrow-${k}`} viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" className={`arrowhead ${k}`} />
            </marker>
          ))}
        </defs>
        {edges.map((e, i) => {
          const a = layout.nodes.get(e.from);
          const b = layout.nodes.get(e.to);
          if (!a || !b) return null;
          const d = edgePath(a, b, layout.backEdges.has(i));
          const marker = e.error ? 'error' : e.kind;
          const mx = (a.x + a.width + b.x) / 2;
          const my = (a.y + b.y + a.height) / 2;
          return (
            <g key={i} className={`edge ${e.kind} ${e.error ? 'error' : ''}`} data-testid="graph-edge" data-from={e.from} data-to={e.to}>
              <path d={d} markerEnd={`url(#arrow-${marker})`} strokeWidth={e.width ?? 1.5} />
              {e.label && (
                <text x={mx} y={my - 4} className="edge-label" textAnchor="middle">
                  {e.label}
                </text>
              )}
            </g>
          );
        })}
        {nodes.map((n) => {
          const p = layout.nodes.get(n.id);
          if (!p) return null;
          const cls = `node ${n.kind} ${n.state ?? ''} ${selected === n.id ? 'selected' : ''}`;
          return (
            <g
              key={n.id}
              className={cls}
              transform={`translate(${p.x},${p.y})`}
              data-testid={n.testId ?? 'graph-node'}
              data-name={n.label}
              onClick={() => onSelect?.(n.id)}
              style={{ cursor: onSelect ? 'pointer' : 'default' }}
            >
              <title>{n.title ?? n.label}</title>
              <rect width={p.width} height={p.height} rx={n.kind === 'type' ? p.height / 2 : 6} />
              {n.color && <rect className="node-stripe" width={5} height={p.height} rx={2} fill={n.color} />}
              <text x={p.width / 2} y={n.sublabel ? p.height / 2 - 3 : p.height / 2 + 4} textAnchor="middle" className="node-label">
                {n.label.length > 34 ? n.label.slice(0, 33) + '…' : n.label}
              </text>
              {n.sublabel && (
                <text x={p.width / 2} y={p.height / 2 + 10} textAnchor="middle" className="node-sublabel">
                  {n.sublabel}
                </text>
              )}
              {n.badge && (
                <g transform={`translate(${p.width - 4},-6)`}>
                  <rect x={-22} width={26} height={15} rx={7} className="node-badge" />
                  <text x={-9} y={11} textAnchor="middle" className="node-badge-text">
                    {n.badge}
                  </text>
                </g>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
