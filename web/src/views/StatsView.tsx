// Statistics per workflow, per agent and per service (RED: rate, errors,
// duration), every table sortable by its headers. Each table says what its
// error count counts, since the three differ: a workflow run fails when any
// span of its trace failed, an agent run when its execution failed, and a
// service's errors are its failed spans.
import type { ReactNode } from 'react';
import { api, type ServiceStats, type WorkflowStats } from '../api';
import { AGENT_ERRORS_NOTE, AgentStatsTable } from '../components/AgentStatsTable';
import { DurBars } from '../components/DurBars';
import { ModelStatsTable } from '../components/ModelStatsTable';
import { Card, col, num, Table } from '../components/ui';
import { colorFor, formatDuration, formatPercent } from '../format';
import { href, useApi, useLiveReload } from '../hooks';
import { useSort } from '../sorting';

const WORKFLOW_ERRORS_NOTE = 'Failed = runs in which any span failed (an agent failing fails the run, though the workflow span itself may be OK).';
const SERVICE_ERRORS_NOTE = 'Failed = failed spans of the service (span class).';
// The server divides a service's spans by that service's own window (its
// first span's start to its last span's end, at least 1 ms), not by a time
// range common to all rows; the view shows the window it implies.
const SERVICE_RATE_NOTE =
  "Rate = the service's spans divided by its own active window, from its first span's start to its last span's end (shown under the rate), not by a time range common to all rows. A service with 2 spans 17 ms apart reads about 119/s: rates of rows with different windows are not comparable.";

// The window a rate was computed over, in ms: spans / rate.
const rateWindowMs = (s: ServiceStats) => (s.rate_per_s ? (s.spans / s.rate_per_s) * 1000 : undefined);

// The scale of the duration bars: the largest max of the rows.
const scaleOf = (rows: Array<{ max_ms: number }>) => Math.max(1e-9, ...rows.map((r) => r.max_ms));

function StatCard({ value, label }: { value: ReactNode; label: string }) {
  return (
    <div className="stat-card">
      <div className="stat-num">{value}</div>
      <div className="muted">{label}</div>
    </div>
  );
}

const legend = (
  <span className="legend">
    <span className="lg-bar p50" /> p50 <span className="lg-bar p95" /> p95 <span className="lg-bar max" /> max
  </span>
);

function WorkflowTable({ rows }: { rows: WorkflowStats[] }) {
  const { sorted, sort, onSort } = useSort(rows, {
    name: (w) => w.workflow_name,
    runs: (w) => w.runs,
    errors: (w) => w.errors,
    rate: (w) => w.error_rate,
    avg: (w) => w.avg_ms,
    p50: (w) => w.p50_ms,
    p95: (w) => w.p95_ms,
    max: (w) => w.max_ms,
  });
  const scale = scaleOf(rows);
  return (
    <Table
      columns={[
        col('Workflow', 'name'),
        num('Runs', 'runs'),
        num('Failed runs', 'errors', 'Runs in which any span failed'),
        num('Error rate', 'rate', 'Failed runs / runs'),
        num('Avg', 'avg'),
        num('p50', 'p50'),
        num('p95', 'p95'),
        num('Max', 'max'),
        { width: '20%' },
      ]}
      testId="workflow-stats"
      sort={sort}
      onSort={onSort}
      empty={
        rows.length === 0 && (
          <>
            No workflow runs yet (a workflow is a <code>traced_run</code>).
          </>
        )
      }
    >
      {sorted.map((w) => (
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
            <DurBars p50={w.p50_ms} p95={w.p95_ms} max={w.max_ms} scale={scale} />
          </td>
        </tr>
      ))}
    </Table>
  );
}

function ServiceTable({ rows }: { rows: ServiceStats[] }) {
  const { sorted, sort, onSort } = useSort(rows, {
    name: (s) => s.service,
    spans: (s) => s.spans,
    rate: (s) => s.rate_per_s,
    errors: (s) => s.errors,
    error_rate: (s) => s.error_rate,
    avg: (s) => s.avg_ms,
    p50: (s) => s.p50_ms,
    p95: (s) => s.p95_ms,
    p99: (s) => s.p99_ms,
    max: (s) => s.max_ms,
  });
  const scale = scaleOf(rows);
  return (
    <Table
      columns={[
        col('Service', 'name'),
        num('Spans', 'spans'),
        num('Rate', 'rate', "Spans per second over the service's own window: its first span's start to its last span's end"),
        num('Failed spans', 'errors', 'Spans with status ERROR'),
        num('Error rate', 'error_rate', 'Failed spans / spans'),
        num('Avg', 'avg'),
        num('p50', 'p50'),
        num('p95', 'p95'),
        num('p99', 'p99'),
        num('Max', 'max'),
        { width: '16%' },
      ]}
      testId="service-stats"
      sort={sort}
      onSort={onSort}
      empty={rows.length === 0 && 'No spans yet.'}
    >
      {sorted.map((s) => (
        <tr key={s.service} data-testid="service-stats-row" data-service={s.service}>
          <td>
            <span className="svc-dot" style={{ background: colorFor(s.service) }} /> <a href={href('/traces', { service: s.service })}>{s.service}</a>
          </td>
          <td className="num">{s.spans}</td>
          <td className="num">
            <span data-testid="service-rate">
              {s.rate_per_s === undefined ? '–' : `${s.rate_per_s < 10 ? s.rate_per_s.toFixed(2) : Math.round(s.rate_per_s).toLocaleString()}/s`}
            </span>
            {rateWindowMs(s) !== undefined && (
              <span className="rate-window muted small" data-testid="service-rate-window" data-window-ms={rateWindowMs(s)}>
                over {formatDuration(rateWindowMs(s)!)}
              </span>
            )}
          </td>
          <td className="num">{s.errors > 0 ? <span className="badge error">{s.errors}</span> : 0}</td>
          <td className={`num ${s.error_rate > 0 ? 'error-text' : ''}`}>{formatPercent(s.error_rate)}</td>
          <td className="num">{formatDuration(s.avg_ms)}</td>
          <td className="num">{formatDuration(s.p50_ms)}</td>
          <td className="num">{formatDuration(s.p95_ms)}</td>
          <td className="num" data-testid="service-p99">
            {formatDuration(s.p99_ms)}
          </td>
          <td className="num">{formatDuration(s.max_ms)}</td>
          <td>
            <DurBars p50={s.p50_ms} p95={s.p95_ms} max={s.max_ms} scale={scale} />
          </td>
        </tr>
      ))}
    </Table>
  );
}

export function StatsView() {
  const wf = useApi(api.workflowStats, []);
  const svc = useApi(api.serviceStats, []);
  const agents = useApi(api.agentStats, []);
  const totals = useApi(api.traceStats, []);
  const models = useApi(api.modelStats, []);
  useLiveReload(['span'], () => {
    models.reload();
    wf.reload();
    svc.reload();
    agents.reload();
    totals.reload();
  }, { waitMs: 1000, maxWaitMs: 4000 });

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
      <Card title="Workflows" head={legend} error={wf.error}>
        <p className="muted small note" data-testid="workflow-errors-note">
          {WORKFLOW_ERRORS_NOTE}
        </p>
        <div className="table-wrap">{wf.data && <WorkflowTable rows={wf.data.workflows} />}</div>
      </Card>
      <Card title="Agents" error={agents.error}>
        <p className="muted small note" data-testid="agent-errors-note">
          {AGENT_ERRORS_NOTE}
        </p>
        {agents.data && <AgentStatsTable rows={agents.data.agents} />}
      </Card>
      <Card title="Models" head={<span className="muted small">calls, tokens, cost, latency</span>} error={models.error}>
        <p className="muted small note" data-testid="model-prices-note">
          Prices: {models.data ? <b data-testid="model-prices-source">{models.data.prices}</b> : '…'} (GET /api/prices; FLOCK_PRICES_FILE replaces or adds prices), in US
          dollars per million tokens, dated. A model without a price shows its tokens and an <span className="cost unknown">unknown</span> cost, never a guess. Failed =
          calls with status ERROR; latency = the calls' durations.
        </p>
        {models.data && <ModelStatsTable rows={models.data.models} />}
      </Card>
      <Card title="Services (RED)" head={<span className="muted small">rate, errors, duration</span>} error={svc.error}>
        <p className="muted small note" data-testid="service-errors-note">
          {SERVICE_ERRORS_NOTE}
        </p>
        <div className="table-wrap">{svc.data && <ServiceTable rows={svc.data.services} />}</div>
        <p className="muted small note after" data-testid="service-rate-note">
          {SERVICE_RATE_NOTE}
        </p>
      </Card>
    </div>
  );
}
