// Statistics per workflow (runs, error rate, avg/p50/p95/max) and RED
// metrics per service (rate = spans, errors, duration percentiles).
import { api } from '../api';
import { colorFor, formatDuration, formatPercent } from '../format';
import { href, useApi, useLiveReload } from '../hooks';

function DurBars({ p50, p95, max, scale }: { p50: number; p95: number; max: number; scale: number }) {
  const w = (v: number) => `${Math.max(0.5, (v / scale) * 100)}%`;
  return (
    <div className="pct-bars" title={`p50 ${formatDuration(p50)} · p95 ${formatDuration(p95)} · max ${formatDuration(max)}`}>
      <div className="pct max" style={{ width: w(max) }} />
      <div className="pct p95" style={{ width: w(p95) }} />
      <div className="pct p50" style={{ width: w(p50) }} />
    </div>
  );
}

export function StatsView() {
  const wf = useApi((s) => api.workflowStats(s), []);
  const svc = useApi((s) => api.serviceStats(s), []);
  const totals = useApi((s) => api.traceStats(s), []);
  useLiveReload(['span'], () => {
    wf.reload();
    svc.reload();
    totals.reload();
  }, { waitMs: 1000, maxWaitMs: 4000 });

  const workflows = wf.data?.workflows ?? [];
  const services = svc.data?.services ?? [];
  const wfScale = Math.max(1e-9, ...workflows.map((w) => w.max_ms));
  const svcScale = Math.max(1e-9, ...services.map((s) => s.max_ms));
  const t = totals.data;

  return (
    <div className="page stats-page" data-testid="stats-view">
      {t && (
        <div className="stat-cards">
          <div className="stat-card">
            <div className="stat-num">{t.total_traces}</div>
            <div className="muted">traces</div>
          </div>
          <div className="stat-card">
            <div className="stat-num">{t.total_spans}</div>
            <div className="muted">spans</div>
          </div>
          <div className="stat-card">
            <div className="stat-num">{t.services_count}</div>
            <div className="muted">services</div>
          </div>
          <div className="stat-card">
            <div className="stat-num">{t.database_size_mb.toFixed(2)}</div>
            <div className="muted">MB on disk</div>
          </div>
          <div className="stat-card wide">
            <div className="small">
              oldest <b>{t.oldest_trace ?? '–'}</b>
            </div>
            <div className="small">
              newest <b>{t.newest_trace ?? '–'}</b>
            </div>
          </div>
        </div>
      )}
      <section className="card">
        <div className="card-head">
          <h2>Workflows</h2>
          <span className="legend">
            <span className="lg-bar p50" /> p50 <span className="lg-bar p95" /> p95 <span className="lg-bar max" /> max
          </span>
        </div>
        {wf.error && <div className="error-box">{wf.error.message}</div>}
        <table className="table" data-testid="workflow-stats">
          <thead>
            <tr>
              <th>Workflow</th>
              <th className="num">Runs</th>
              <th className="num">Errors</th>
              <th className="num">Error rate</th>
              <th className="num">Avg</th>
              <th className="num">p50</th>
              <th className="num">p95</th>
              <th className="num">Max</th>
              <th style={{ width: '22%' }} />
            </tr>
          </thead>
          <tbody>
            {workflows.map((w) => (
              <tr key={w.workflow_name} data-testid="workflow-stats-row" data-workflow={w.workflow_name}>
                <td>
                  <a href={href('/traces', { workflow: w.workflow_name })}>{w.workflow_name}</a>{' '}
                  {w.runs >= 2 && (
                    <a className="small muted" href={href('/compare', { workflow: w.workflow_name })}>
                      compare
                    </a>
                  )}
                </td>
                <td className="num">{w.runs}</td>
                <td className="num">{w.errors > 0 ? <span className="badge error">{w.errors}</span> : 0}</td>
                <td className={`num ${w.error_rate > 0 ? 'error-text' : ''}`}>{formatPercent(w.error_rate)}</td>
                <td className="num">{formatDuration(w.avg_ms)}</td>
                <td className="num">{formatDuration(w.p50_ms)}</td>
                <td className="num">{formatDuration(w.p95_ms)}</td>
                <td className="num">{formatDuration(w.max_ms)}</td>
                <td>
                  <DurBars p50={w.p50_ms} p95={w.p95_ms} max={w.max_ms} scale={wfScale} />
                </td>
              </tr>
            ))}
            {wf.data && workflows.length === 0 && (
              <tr>
                <td colSpan={9} className="empty">
                  No workflow runs yet (a workflow is a <code>traced_run</code>).
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
      <section className="card">
        <div className="card-head">
          <h2>Services (RED)</h2>
          <span className="muted small">rate = spans, errors, duration</span>
        </div>
        {svc.error && <div className="error-box">{svc.error.message}</div>}
        <table className="table" data-testid="service-stats">
          <thead>
            <tr>
              <th>Service</th>
              <th className="num">Spans</th>
              <th className="num">Errors</th>
              <th className="num">Error rate</th>
              <th className="num">Avg</th>
              <th className="num">p50</th>
              <th className="num">p95</th>
              <th className="num">Max</th>
              <th style={{ width: '22%' }} />
            </tr>
          </thead>
          <tbody>
            {services.map((s) => (
              <tr key={s.service} data-testid="service-stats-row" data-service={s.service}>
                <td>
                  <span className="svc-dot" style={{ background: colorFor(s.service) }} /> <a href={href('/traces', { service: s.service })}>{s.service}</a>
                </td>
                <td className="num">{s.spans}</td>
                <td className="num">{s.errors > 0 ? <span className="badge error">{s.errors}</span> : 0}</td>
                <td className={`num ${s.error_rate > 0 ? 'error-text' : ''}`}>{formatPercent(s.error_rate)}</td>
                <td className="num">{formatDuration(s.avg_ms)}</td>
                <td className="num">{formatDuration(s.p50_ms)}</td>
                <td className="num">{formatDuration(s.p95_ms)}</td>
                <td className="num">{formatDuration(s.max_ms)}</td>
                <td>
                  <DurBars p50={s.p50_ms} p95={s.p95_ms} max={s.max_ms} scale={svcScale} />
                </td>
              </tr>
            ))}
            {svc.data && services.length === 0 && (
              <tr>
                <td colSpan={9} className="empty">
                  No spans yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
    </div>
  );
}
