// The settings in force (GET /api/config): version, what is served (a live
// program or a trace file alone), the store's path and size, the tracing
// settings with the variable that sets each, retention and the service
// filters, and the server's query bounds.
import type { ReactNode } from 'react';
import { api, type ConfigResponse } from '../api';
import { Card, ErrorBox } from '../components/ui';
import { plural } from '../format';
import { useApi } from '../hooks';

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

function tracingRows(c: ConfigResponse): Row[] {
  const t = c.tracing;
  return [
    ['tracing', t.sdk_disabled ? 'off: no span is recorded' : 'on', 'OTEL_SDK_DISABLED', 'true turns every span call into a no-op'],
    ['automatic spans', onOff(t.auto_trace), 'FLOCK_AUTO_TRACE', 'Flock.publish, run_until_idle, Agent.execute, hooks, LLM calls'],
    ['trace file', onOff(t.trace_file), 'FLOCK_TRACE_FILE', 'spans stored in the DuckDB file'],
    ['automatic workflow', onOff(t.auto_workflow_trace), 'FLOCK_AUTO_WORKFLOW_TRACE', 'a top-level publish opens a workflow span'],
    ['service.name', t.service_name || <span className="muted">unknown_service:&lt;program&gt; (default)</span>, 'OTEL_SERVICE_NAME', 'the resource name stored with every span'],
    ['flush interval', `${t.flush_ms} ms`, 'FLOCK_TRACE_FLUSH_MS', 'how often the writer exports a batch'],
    ['queue policy', t.queue_policy, 'FLOCK_TRACE_QUEUE_POLICY', 'wait: producers wait when the queue is full; drop: spans are dropped'],
    ['queue bound', `${(t.max_queue_bytes / 1048576).toFixed(0)} MiB`, 'FLOCK_TRACE_MAX_QUEUE_BYTES', 'bytes held while the store cannot be written'],
    ['exit grace', `${t.exit_grace_ms} ms`, 'FLOCK_TRACE_EXIT_GRACE_MS', 'how long queued spans are waited for at exit'],
    ['OTLP export', t.otlp ? `${t.otlp.endpoint} (${t.otlp.protocol})` : <span className="muted">off</span>, 'OTEL_EXPORTER_OTLP_ENDPOINT', 'spans also sent to a collector'],
  ];
}

export function ConfigView() {
  const cfg = useApi(api.config, []);
  const c = cfg.data;
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
                  <th>retention</th>
                  <td data-testid="config-ttl">
                    {retention(c.tracing.ttl_days)} <span className="mono small muted">FLOCK_TRACE_TTL_DAYS</span>
                  </td>
                </tr>
              </tbody>
            </table>
          </Card>
          <Card title="Service filters">
            <SettingsTable
              testId="config-filters"
              rows={[
                ['recorded services', list(c.tracing.services, 'all'), 'FLOCK_TRACE_SERVICES', 'automatic spans only of these services (before the first dot)'],
                ['ignored spans', list(c.tracing.ignore, 'none'), 'FLOCK_TRACE_IGNORE', 'automatic span names never recorded'],
              ]}
            />
          </Card>
          <Card title="Tracing">
            {!c.live && (
              <p className="note small" data-testid="config-file-note">
                Over a trace file these are the settings of the <code>flock dashboard</code> process, not of the program that wrote the file (the store
                does not record them).
              </p>
            )}
            <SettingsTable testId="config-tracing" rows={tracingRows(c)} />
          </Card>
        </>
      )}
    </div>
  );
}
