// The dashboard shell: header (navigation, live status, health, theme, clear
// traces), the token form after a 401, and the routed view.
import { useCallback, useEffect, useState } from 'react';
import { api, auth, type ClearResponse, type TraceStats } from './api';
import { Modal } from './components/Modal';
import { formatRelative, plural } from './format';
import { href, invalidateAll, navigate, useAuthRequired, useLiveReload, useRoute, useStreamStatus } from './hooks';
import { events } from './events';
import favicon from './favicon.svg';
import { AgentsView } from './views/AgentsView';
import { TracesView } from './views/TracesView';
import { TimelineView } from './views/TimelineView';
import { StatsView } from './views/StatsView';
import { DependenciesView } from './views/DependenciesView';
import { CorrelationView } from './views/CorrelationView';
import { CompareView } from './views/CompareView';
import { SqlView } from './views/SqlView';
import { ConfigView } from './views/ConfigView';

const NAV: Array<{ path: string; label: string; match: string[] }> = [
  { path: '/agents', label: 'Agents', match: ['agents'] },
  { path: '/traces', label: 'Traces', match: ['traces', 'trace'] },
  { path: '/stats', label: 'Statistics', match: ['stats'] },
  { path: '/dependencies', label: 'Dependencies', match: ['dependencies'] },
  { path: '/correlation', label: 'Correlation', match: ['correlation'] },
  { path: '/compare', label: 'Compare', match: ['compare'] },
  { path: '/sql', label: 'SQL', match: ['sql'] },
  { path: '/config', label: 'Configuration', match: ['config'] },
];

type Theme = 'auto' | 'light' | 'dark';

function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => {
    try {
      const t = localStorage.getItem('flock.theme');
      return t === 'light' || t === 'dark' ? t : 'auto';
    } catch {
      return 'auto';
    }
  });
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'auto') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', theme);
    try {
      localStorage.setItem('flock.theme', theme);
    } catch {
      /* storage disabled */
    }
  }, [theme]);
  const cycle = useCallback(() => setTheme((t) => (t === 'auto' ? 'dark' : t === 'dark' ? 'light' : 'auto')), []);
  return [theme, cycle];
}

function LiveStatus() {
  const status = useStreamStatus();
  const label = { connecting: 'connecting', connected: 'live', reconnecting: 'reconnecting', unauthorized: 'token needed' }[status];
  return (
    <button
      type="button"
      className={`live-status ${status}`}
      data-testid="live-status"
      data-state={status}
      title={status === 'connected' ? 'Receiving live events' : 'Click to reconnect now'}
      onClick={() => events.reconnectNow()}
    >
      <span className="dot" />
      {label}
    </button>
  );
}

function Health() {
  const [ok, setOk] = useState<boolean | null>(null);
  const [stats, setStats] = useState<TraceStats | null>(null);
  const poll = useCallback(async () => {
    try {
      const h = await api.health();
      setOk(h.status === 'ok');
    } catch {
      setOk(false);
    }
    try {
      setStats(await api.traceStats());
    } catch {
      /* shown as unknown */
    }
  }, []);
  useEffect(() => {
    void poll();
    const t = setInterval(() => void poll(), 10_000);
    return () => clearInterval(t);
  }, [poll]);
  useLiveReload(['span'], () => void poll(), { waitMs: 1000, maxWaitMs: 3000 });
  const newest = stats?.newest_trace ? formatRelative(Date.parse(stats.newest_trace) * 1e6) : '–';
  return (
    <div className="health" data-testid="health" data-ok={ok === null ? 'unknown' : String(ok)}>
      <span className={`health-dot ${ok === null ? '' : ok ? 'ok' : 'bad'}`} title={ok ? 'GET /api/health: ok' : 'GET /api/health failed'} />
      <span>{ok === null ? '…' : ok ? 'healthy' : 'unhealthy'}</span>
      {stats && (
        <span className="health-stats" title={`oldest trace ${stats.oldest_trace ?? '–'}, newest ${stats.newest_trace ?? '–'}`}>
          <b data-testid="health-traces">{stats.total_traces}</b> traces · <b>{stats.total_spans}</b> spans · {stats.database_size_mb.toFixed(1)} MB · last {newest}
        </span>
      )}
    </div>
  );
}

function TokenForm() {
  const [value, setValue] = useState('');
  return (
    <Modal title="API token required" onClose={() => undefined} testId="token-form">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) auth.setToken(value.trim());
        }}
      >
        <p className="muted">
          This server requires <code>Authorization: Bearer &lt;token&gt;</code> (its <code>FLOCK_API_TOKEN</code>). The token is kept in this
          tab's session storage only.
        </p>
        <input
          type="password"
          autoComplete="off"
          placeholder="token"
          value={value}
          data-testid="token-input"
          onChange={(e) => setValue(e.target.value)}
          style={{ width: '100%' }}
        />
        <div className="modal-footer">
          <button type="submit" className="primary" data-testid="token-submit" disabled={!value.trim()}>
            Use token
          </button>
        </div>
      </form>
    </Modal>
  );
}

function ClearTraces() {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ClearResponse | { error: string } | null>(null);
  const close = useCallback(() => {
    if (!busy) setOpen(false);
  }, [busy]);
  const run = async () => {
    setBusy(true);
    try {
      const r = await api.clear();
      setResult(r);
      invalidateAll();
    } catch (e) {
      setResult({ error: (e as Error).message });
    } finally {
      setBusy(false);
      setOpen(false);
    }
  };
  useEffect(() => {
    if (!result) return;
    const t = setTimeout(() => setResult(null), 8000);
    return () => clearTimeout(t);
  }, [result]);
  return (
    <>
      <button type="button" className="danger small" data-testid="clear-traces" onClick={() => setOpen(true)}>
        Clear traces
      </button>
      {open && (
        <Modal
          title="Clear all traces?"
          onClose={close}
          testId="clear-dialog"
          footer={
            <>
              <button type="button" onClick={close} data-testid="clear-cancel" disabled={busy}>
                Cancel
              </button>
              <button type="button" className="danger primary" onClick={() => void run()} data-testid="clear-confirm" disabled={busy}>
                {busy ? 'Clearing…' : 'Delete all spans'}
              </button>
            </>
          }
        >
          <p>Every span in the trace store is deleted. This cannot be undone.</p>
        </Modal>
      )}
      {result && (
        <div className={`toast ${'success' in result && result.success ? 'ok' : 'bad'}`} data-testid="clear-result" role="status" onClick={() => setResult(null)}>
          {'success' in result && result.success
            ? `Deleted ${plural(result.deleted_count, 'span')}.`
            : `Clearing failed: ${result.error || 'unknown error'}`}
        </div>
      )}
    </>
  );
}

function View() {
  const route = useRoute();
  const [head, ...rest] = route.path;
  switch (head) {
    case 'agents':
      return <AgentsView />;
    case undefined:
    case 'traces':
      return <TracesView query={route.query} />;
    case 'trace':
      return rest[0] ? <TimelineView traceId={rest[0]} spanId={route.query.get('span') ?? undefined} /> : <TracesView query={route.query} />;
    case 'stats':
      return <StatsView />;
    case 'dependencies':
      return <DependenciesView query={route.query} />;
    case 'correlation':
      return <CorrelationView correlationId={rest[0] ?? ''} />;
    case 'compare':
      return <CompareView a={route.query.get('a') ?? ''} b={route.query.get('b') ?? ''} workflow={route.query.get('workflow') ?? ''} />;
    case 'sql':
      return <SqlView />;
    case 'config':
      return <ConfigView />;
    default:
      return (
        <div className="page">
          <div className="empty" data-testid="not-found">
            No such view. <a href={href('/traces')}>Go to the traces</a>.
          </div>
        </div>
      );
  }
}

export function App() {
  const route = useRoute();
  const needToken = useAuthRequired();
  const [theme, cycleTheme] = useTheme();
  const head = route.path[0] ?? 'traces';
  useEffect(() => {
    if (!window.location.hash) navigate('#/traces', true);
  }, []);
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href={href('/traces')}>
          <img src={favicon} alt="" width={20} height={20} />
          Flock
        </a>
        <nav className="nav">
          {NAV.map((n) => (
            <a key={n.path} href={href(n.path)} className={n.match.includes(head) ? 'active' : ''} data-testid={`nav-${n.match[0]}`}>
              {n.label}
            </a>
          ))}
        </nav>
        <div className="topbar-right">
          <Health />
          <LiveStatus />
          <button type="button" className="small ghost" onClick={cycleTheme} title="Theme: auto (system), dark, light" data-testid="theme-toggle">
            {theme === 'auto' ? '◐ auto' : theme === 'dark' ? '● dark' : '○ light'}
          </button>
          <ClearTraces />
        </div>
      </header>
      <main className="main">
        <View />
      </main>
      {needToken && <TokenForm />}
    </div>
  );
}
