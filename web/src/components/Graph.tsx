// Renders a layered graph as SVG (layout in graphLayout.ts: edges never
// cross a node, labels never overlap). Node and edge styles come from CSS
// classes; labels sit on a background so the line under them does not
// strike them through.
import { useMemo } from 'react';
import { layeredLayout, type LayoutOptions } from './graphLayout';

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
  kind: string; // consumes, publishes, calls, hook
  label?: string;
  title?: string;
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
          {['consumes', 'publishes', 'calls', 'hook', 'error'].map((k) => (
            <marker key={k} id={`arrow-${k}`} viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" className={`arrowhead ${k}`} />
            </marker>
          ))}
        </defs>
        {edges.map((e, i) => {
          const placed = layout.edges[i];
          if (!placed) return null;
          const marker = `url(#arrow-${e.error ? 'error' : e.kind})`;
          return (
            <g key={i} className={`edge ${e.kind} ${e.error ? 'error' : ''}`} data-testid="graph-edge" data-from={e.from} data-to={e.to}>
              {e.title && <title>{e.title}</title>}
              <path d={placed.d} markerEnd={placed.reversed ? undefined : marker} markerStart={placed.reversed ? marker : undefined} strokeWidth={e.width ?? 1.5} />
            </g>
          );
        })}
        {/* Labels after every edge, so that no line is drawn over a label. */}
        {edges.map((e, i) => {
          const box = layout.edges[i]?.label;
          if (!box || !e.label) return null;
          return (
            <g key={i} className={`edge-label-box ${e.error ? 'error' : ''}`} data-testid="edge-label" data-from={e.from} data-to={e.to}>
              <rect x={box.x} y={box.y} width={box.width} height={box.height} rx={3} />
              <text x={box.x + box.width / 2} y={box.y + box.height / 2 + 4} textAnchor="middle" className="edge-label">
                {e.label}
              </text>
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
              data-box={`${p.x} ${p.y} ${p.width} ${p.height}`}
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
