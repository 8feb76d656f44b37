// Everything sharing one correlation id: its traces (GET
// /api/traces?correlation_id=) on a common time axis, sortable, and its
// artifacts, sortable too. Artifacts live on the blackboard of a running program, never in
// the trace store: over a trace file alone (flock dashboard FILE) the view
// says so rather than showing an unexplained 0.
import { useEffect, useState } from 'react';
import { api, type Artifact, type TraceSummary } from '../api';
import { Card, col, num, Table } from '../components/ui';
import { formatDuration, formatTime, plural, shortId } from '../format';
import { href, navigate, useApi, useLiveReload } from '../hooks';
import { useSort } from '../sorting';

// The artifacts on the blackboard that carry the id, in the server's order
// until a header is clicked.
function ArtifactTable({ items }: { items: Artifact[] }) {
  const { sorted, sort, onSort } = useSort(items, {
    type: (a) => a.type,
    by: (a) => a.produced_by || null,
    created: (a) => a.created_at,
    payload: (a) => JSON.stringify(a.payload),
  });
  return (
    <Table
      columns={[col('Type', 'type'), col('Produced by', 'by', 'The agent that published it (external: published from outside)'), col('Created', 'created'), col('Payload', 'payload')]}
      testId="correlation-artifacts"
      sort={sort}
      onSort={onSort}
      empty={items.length === 0 && 'No artifact on the blackboard carries this correlation id.'}
    >
      {sorted.map((a) => (
        <tr key={a.id} data-testid="correlation-artifact-row" data-type={a.type} data-created={a.created_at}>
          <td>{a.type}</td>
          <td>{a.produced_by || <span className="muted">external</span>}</td>
          <td className="nowrap">{a.created_at}</td>
          <td className="mono small ellipsis" title={JSON.stringify(a.payload)}>
            {JSON.stringify(a.payload)}
          </td>
        </tr>
      ))}
    </Table>
  );
}

export function CorrelationView({ correlationId }: { correlationId: string }) {
  const [draft, setDraft] = useState(correlationId);
  useEffect(() => setDraft(correlationId), [correlationId]);
  const traces = useApi((s) => (correlationId ? api.traces({ correlation_id: correlationId, limit: 500 }, s) : Promise.resolve(null)), [correlationId]);
  const artifacts = useApi(
    (s) => (correlationId ? api.artifacts({ correlation_id: correlationId, limit: 200 }, s).catch(() => null) : Promise.resolve(null)),
    [correlationId],
  );
  // Without an id: the correlation ids of recent traces, to pick from.
  const recent = useApi((s) => (correlationId ? Promise.resolve(null) : api.traces({ limit: 200 }, s)), [correlationId]);
  // live: false over a trace file alone, where there is no blackboard.
  const config = useApi(api.config, []);
  const fileOnly = config.data ? !config.data.live : false;
  useLiveReload(['span', 'artifact'], () => {
    traces.reload();
    artifacts.reload();
    recent.reload();
  }, { waitMs: 600 });

  const items = traces.data?.items ?? [];
  // Oldest first until a header is clicked.
  const table = useSort<TraceSummary>(items, {
    name: (t) => t.workflow_name ?? t.root_name,
    start: (t) => t.start_time,
    duration: (t) => t.duration_ms,
    spans: (t) => t.span_count,
    errors: (t) => t.error_count,
  }, { key: 'start', dir: 'asc' });
  const start = Math.min(...items.map((t) => t.start_time));
  const end = Math.max(...items.map((t) => t.start_time + t.duration_ms * 1e6));
  const span = Math.max(1, end - start);
  const recentIds = new Map<string, number>();
  for (const t of recent.data?.items ?? []) for (const c of t.correlation_ids ?? []) recentIds.set(c, (recentIds.get(c) ?? 0) + 1);

  return (
    <div className="page correlation-page" data-testid="correlation-view">
      <form
        className="toolbar card"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(href(`/correlation/${draft.trim()}`));
        }}
      >
        <label className="inline grow">
          Correlation id{' '}
          <input className="mono grow" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="paste a correlation id" data-testid="correlation-input" />
        </label>
        <button type="submit" className="primary small" disabled={!draft.trim()}>
          Show
        </button>
      </form>
      {!correlationId && (
        <Card title="Recent correlation ids">
          {recentIds.size === 0 ? (
            <p className="muted">No correlated traces yet.</p>
          ) : (
            <ul className="plain-list">
              {[...recentIds].map(([c, n]) => (
                <li key={c}>
                  <a className="mono" href={href(`/correlation/${c}`)}>
                    {c}
                  </a>{' '}
                  <span className="muted small">{plural(n, 'trace')}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      )}
      {correlationId && (
        <>
          <Card
            title={
              <>
                Traces of{' '}
                <span className="mono keep-case" data-testid="correlation-heading-id">
                  {correlationId}
                </span>
              </>
            }
            head={
              <span className="muted" data-testid="correlation-total">
                {traces.data ? plural(traces.data.total, 'trace') : ''}
              </span>
            }
            error={traces.error}
          >
            <Table
              columns={[col('Trace', 'name'), col('Started', 'start'), num('Duration', 'duration'), num('Spans', 'spans'), num('Errors', 'errors', 'Failed spans in the trace'), { label: 'Timeline', width: '36%' }]}
              testId="correlation-traces"
              sort={table.sort}
              onSort={table.onSort}
              empty={traces.data && items.length === 0 && 'No trace carries this correlation id.'}
            >
              {table.sorted.map((t) => (
                <tr key={t.trace_id} className={`clickable ${t.error_count ? 'has-error' : ''}`} onClick={() => navigate(href(`/trace/${t.trace_id}`))} data-testid="correlation-trace-row">
                  <td>
                    <a href={href(`/trace/${t.trace_id}`)}>{t.workflow_name ?? t.root_name}</a> <span className="mono muted small">{shortId(t.trace_id)}</span>
                  </td>
                  <td className="nowrap">{formatTime(t.start_time)}</td>
                  <td className="num">{formatDuration(t.duration_ms)}</td>
                  <td className="num">{t.span_count}</td>
                  <td className="num">{t.error_count ? <span className="badge error">{t.error_count}</span> : 0}</td>
                  <td>
                    <div className="mini-timeline">
                      <div
                        className={`mini-bar ${t.error_count ? 'error' : ''}`}
                        style={{ left: `${((t.start_time - start) / span) * 100}%`, width: `${Math.max(0.5, ((t.duration_ms * 1e6) / span) * 100)}%` }}
                      />
                    </div>
                  </td>
                </tr>
              ))}
            </Table>
          </Card>
          {fileOnly ? (
            <Card title="Artifacts">
              <p className="muted" data-testid="correlation-artifacts-note">
                Not in the trace file. Artifacts live on the blackboard of a running program, and this server shows a trace file alone (
                <code>flock dashboard</code>). The traces above show what the agents consumed and published: open one and look at the input and output
                of its <code>Agent.execute</code> spans.
              </p>
            </Card>
          ) : (
            artifacts.data && (
              <Card title="Artifacts" head={<span className="muted" data-testid="correlation-artifact-total">{artifacts.data.total}</span>}>
                <ArtifactTable items={artifacts.data.items} />
              </Card>
            )
          )}
        </>
      )}
    </div>
  );
}
