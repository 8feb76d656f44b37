// The settings in force (GET /api/config): version, what is served (a live
// program or a trace file alone), the store's path and size and the
// service.name its spans carry (from GET /api/traces), the tracing settings
// with the variable that sets each, retention and the service filters, and
// the server's query bounds. Over a trace file, every setting read from the
// environment (retention, filters, tracing) is the `flock dashboard`
// process's, and each card holding one says so.
import type { ReactNode } from 'react';
import { api, type ConfigResponse } from '../api';
import { Card, ErrorBox, ServiceTag } from '../components/ui';
import { plural } from '../format';
import { useApi } from '../hooks';

// The service.name values of the store's traces: the most recent 1000
// traces (the most GET /api/traces gives); `all` says whether that is every
// trace of the store.
const SERVICE_NAME_TRACES = 1000;
interface StoreServiceNames {
  names: string[];
  all: boolean;
}

// Over a trace file: whose settings a card shows.
function ProcessNote({ testId, what }: { testId: string; what: ReactNode }) {
  return (
    <p className="note small" data-testid={testId}>
      {what} of the <code>flock dashboard</code> process serving the file, not of the program that wrote it (the store does not record them).
    </p>
  );
}

type Row = [setting: string, value: ReactNode, variable: string, meaning: string];

const onOff = (b: boolean) => (b ? 'on' : 'off');
const list = (l: string[], none: string) => (l.length ? l.join(', ') : <span className="muted">{none}</span>);

function SettingsTable({ rows, testId }: { rows: Row[]; testId: string }) {
  return (
    <table className="kv settings" data-testid={testId}>
      <tbody>
        {rows.map(([setting, value, variable, meaning]) => (
          <tr key={setting} data-testid="config-row" data-setting={setting}>
            <th>{setting}</th>
            <td className="config-value">{value}</td>
            <td className="mono small muted">{variable}</td>
            <td className="small muted">{meaning}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function retention(days: number | null): string {
  if (days === null) return 'kept until cleared (no time limit)';
  return `spans older than ${plural(days, 'day')} are deleted when tracing starts`;
}

function tracingRows(c: ConfigResponse, stored: StoreServiceNames | undefined): Row[] {
  const t = c.tracing;
  const own = t.service_name || <span className="muted">unknown_service:&lt;program&gt; (default)</span>;
  // Over a file, this process's name is not the store's: both are shown.
  const serviceName =
    c.live || !stored ? (
      own
    ) : (
      <>
        {own}{' '}
        <span className="muted small" data-testid="config-service-name-store">
          (this process; the store's spans carry {stored.names.length ? stored.names.join(', ') : 'none'})
        </span>
      </>
    );
  return [
    ['tracing', t.sdk_disabled ? 'off: no span is recorded' : 'on', 'OTEL_SDK_DISABLED', 'true turns every span call into a no-op'],
    ['automatic spans', onOff(t.auto_trace), 'FLOCK_AUTO_TRACE', 'Flock.publish, run_until_idle, Agent.execute, hooks, LLM calls'],
    ['trace file', onOff(t.trace_file), 'FLOCK_TRACE_FILE', 'spans stored in the DuckDB file'],
    ['automatic workflow', onOff(t.auto_workflow_trace), 'FLOCK_AUTO_WORKFLOW_TRACE', 'a top-level publish opens a workflow span'],
    ['service.name', serviceName, 'OTEL_SERVICE_NAME', 'the resource name stored with every span'],
    ['flush interval', `${t.flush_ms} ms`, 'FLOCK_TRACE_FLUSH_MS', 'how often the writer exports a batch'],
    ['queue policy', t.queue_policy, 'FLOCK_TRACE_QUEUE_POLICY', 'wait: producers wait when the queue is full; drop: spans are dropped'],
    ['queue bound', `${(t.max_queue_bytes / 1048576).toFixed(0)} MiB`, 'FLOCK_TRACE_MAX_QUEUE_BYTES', 'bytes held while the store cannot be written'],
    ['exit grace', `${t.exit_grace_ms} ms`, 'FLOCK_TRACE_EXIT_GRACE_MS', 'how long queued spans are waited for at exit'],
    ['OTLP export', t.otlp ? `${t.otlp.endpoint} (${t.otlp.protocol})` : <span className="muted">off</span>, 'OTEL_EXPORTER_OTLP_ENDPOINT', 'spans also sent to a collector'],
  ];
}

export function ConfigView() {
  const cfg = useApi(api.config, []);
  const traces = useApi((signal) => api.traces({ limit: SERVICE_NAME_TRACES }, signal), []);
  const c = cfg.data;
  const stored: StoreServiceNames | undefined = traces.data && {
    names: [...new Set(traces.data.items.flatMap((t) => t.service_names ?? []))].sort(),
    all: traces.data.items.length >= traces.data.total,
  };
  return (
    <div className="page config-page" data-testid="config-view">
      <ErrorBox error={cfg.error} testId="config-error" />
      {!c ? (
        !cfg.error && <div className="loading-page">Loading…</div>
      ) : (
        <>
          <Card title="Server" head={<span className="muted small">GET /api/config</span>}>
            <table className="kv settings" data-testid="config-server">
              <tbody>
                <tr>
                  <th>version</th>
                  <td data-testid="config-version">flock {c.version}</td>
                </tr>
                <tr>
                  <th>serving</th>
                  <td data-testid="config-mode">{c.live ? 'a running program (agents, blackboard, live events)' : 'a trace file alone (flock dashboard): no agents, no blackboard'}</td>
                </tr>
                <tr>
                  <th>SQL bounds</th>
                  <td>
                    {c.server.query_row_limit.toLocaleString()} rows, {c.server.query_timeout_ms} ms per query
                  </td>
                </tr>
                <tr>
                  <th>dashboard</th>
                  <td>{c.server.dashboard ? 'served' : 'not served (API only)'}</td>
                </tr>
              </tbody>
            </table>
          </Card>
          <Card title="Trace store">
            <table className="kv settings" data-testid="config-store">
              <tbody>
                <tr>
                  <th>path</th>
                  <td className="mono" data-testid="config-store-path">
                    {c.store.path}
                  </td>
                </tr>
                <tr>
                  <th>size</th>
                  <td data-testid="config-store-size">{c.store.exists ? `${c.store.size_mb.toFixed(2)} MB` : 'not created yet'}</td>
                </tr>
                <tr>
                  <th>service.name</th>
                  <td data-testid="config-store-service-names">
                    {stored ? (
                      stored.names.length ? (
                        stored.names.map((n) => <ServiceTag key={n} name={n} />)
                      ) : (
                        <span className="muted">none recorded</span>
                      )
                    ) : (
                      '…'
                    )}{' '}
                    <span className="small muted">
                      {stored && !stored.all ? `in the ${SERVICE_NAME_TRACES} most recent traces; ` : ''}what the stored spans carry (OTEL_SERVICE_NAME of the program that wrote them)
                    </span>
                  </td>
                </tr>
                <tr>
                  <th>retention</th>
                  <td data-testid="config-ttl">
                    {retention(c.tracing.ttl_days)} <span className="mono small muted">FLOCK_TRACE_TTL_DAYS</span>
                    {!c.live && (
                      <span className="small muted" data-testid="config-retention-note">
                        {' '}
                        (the <code>flock dashboard</code> process's setting, not the writing program's)
                      </span>
                    )}
                  </td>
                </tr>
              </tbody>
            </table>
          </Card>
          <Card title="Service filters">
            {!c.live && <ProcessNote testId="config-filters-note" what="These filters are the settings" />}
            <SettingsTable
              testId="config-filters"
              rows={[
                ['recorded services', list(c.tracing.services, 'all'), 'FLOCK_TRACE_SERVICES', 'automatic spans only of these services (before the first dot)'],
                ['ignored spans', list(c.tracing.ignore, 'none'), 'FLOCK_TRACE_IGNORE', 'automatic span names never recorded'],
              ]}
            />
          </Card>
          <Card title="Tracing">
            {!c.live && <ProcessNote testId="config-file-note" what="Over a trace file these are the settings" />}
            <SettingsTable testId="config-tracing" rows={tracingRows(c, stored)} />
          </Card>
        </>
      )}
    </div>
  );
}
