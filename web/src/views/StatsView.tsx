// Statistics per workflow (runs, error rate, avg/p50/p95/max) and RED
// metrics per service (rate = spans, errors, duration percentiles).
import type { ReactNode } from 'react';
import { api, type DurationStats } from '../api';
import { Card, num, Table, type Column } from '../components/ui';
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

// The columns of a statistics table: the name, the count (runs or spans),
// then the figures of StatCells.
const statColumns = (name: string, count: string): Column[] => [
  { label: name },
  num(count),
  num('Errors'),
  num('Error rate'),
  num('Avg'),
  num('p50'),
  num('p95'),
  num('Max'),
  { width: '22%' },
];

// The scale of the duration bars: the largest max of the rows.
const scaleOf = (rows: DurationStats[]) => Math.max(1e-9, ...rows.map((r) => r.max_ms));

// The cells after the name: count, errors, error rate, durations and bars.
function StatCells({ stats: s, count, scale }: { stats: DurationStats; count: number; scale: number }) {
  return (
    <>
      <td className="num">{count}</td>
      <td className="num">{s.errors > 0 ? <span className="badge error">{s.errors}</span> : 0}</td>
      <td className={`num ${s.error_rate > 0 ? 'error-text' : ''}`}>{formatPercent(s.error_rate)}</td>
      <td className="num">{formatDuration(s.avg_ms)}</td>
      <td className="num">{formatDuration(s.p50_ms)}</td>
      <td className="num">{formatDuration(s.p95_ms)}</td>
      <td className="num">{formatDuration(s.max_ms)}</td>
      <td>
        <DurBars p50={s.p50_ms} p95={s.p95_ms} max={s.max_ms} scale={scale} />
      </td>
    </>
  );
}

function StatCard({ value, label }: { value: ReactNode; label: string }) {
  return (
    <div className="stat-card">
      <div className="stat-num">{value}</div>
      <div className="muted">{label}</div>
    </div>
  );
}

export function StatsView() {
  const wf = useApi(api.workflowStats, []);
  const svc = useApi(api.serviceStats, []);
  const totals = useApi(api.traceStats, []);
  useLiveReload(['span'], () => {
    wf.reload();
    svc.reload();
    totals.reload();
  }, { waitMs: 1000, maxWaitMs: 4000 });

  const workflows = wf.data?.workflows ?? [];
  const services = svc.data?.services ?? [];
  const wfScale = scaleOf(workflows);
  const svcScale = scaleOf(services);
  const t = totals.data;

  return (
    <div className="page stats-page" data-testid="stats-view">
      {t && (
        <div className="stat-cards">
          <StatCard value={t.total_traces} label="traces" />
          <StatCard value={t.total_spans} label="spans" />
          <StatCard value={t.services_count} label="services" />
          <StatCard value={t.database_size_mb.toFixed(2)} label="MB on disk" />
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
      <Card
        title="Workflows"
        head={
          <span className="legend">
            <span className="lg-bar p50" /> p50 <span className="lg-bar p95" /> p95 <span className="lg-bar max" /> max
          </span>
        }
        error={wf.error}
      >
        <Table
          columns={statColumns('Workflow', 'Runs')}
          testId="workflow-stats"
          empty={
            wf.data &&
            workflows.length === 0 && (
              <>
                No workflow runs yet (a workflow is a <code>traced_run</code>).
              </>
            )
          }
        >
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
              <StatCells stats={w} count={w.runs} scale={wfScale} />
            </tr>
          ))}
        </Table>
      </Card>
      <Card title="Services (RED)" head={<span className="muted small">rate = spans, errors, duration</span>} error={svc.error}>
        <Table columns={statColumns('Service', 'Spans')} testId="service-stats" empty={svc.data && services.length === 0 && 'No spans yet.'}>
          {services.map((s) => (
            <tr key={s.service} data-testid="service-stats-row" data-service={s.service}>
              <td>
                <span className="svc-dot" style={{ background: colorFor(s.service) }} /> <a href={href('/traces', { service: s.service })}>{s.service}</a>
              </td>
              <StatCells stats={s} count={s.spans} scale={svcScale} />
            </tr>
          ))}
        </Table>
      </Card>
    </div>
  );
}
