// Trace list: filters and sort order (kept in the URL), paging, newest
// first by default, refreshed live (debounced) when spans end; pick two rows
// to compare them. Rows name the agents that ran and the programs'
// service.name, and show the first error message.
import { useEffect, useMemo, useRef, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { api, type TraceSort, type TracesQuery } from '../api';
import { AgentChip } from '../components/AgentChip';
import { Cost, Tokens } from '../components/Cost';
import { col, ErrorBox, num, Options, ServiceTag, Table } from '../components/ui';
import { formatDuration, formatRelative, formatTime, isoToLocalInput, localInputToIso, plural, shortId } from '../format';
import { href, navigate, useApi, useLiveReload } from '../hooks';
import { nextSort, type SortDir, type SortState } from '../sorting';

const FILTER_KEYS = ['workflow', 'agent', 'service', 'operation', 'status', 'correlation_id', 'min_duration_ms', 'max_duration_ms', 'since', 'until', 'q', 'tag'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filters = Record<FilterKey, string>;

const PAGE_SIZES = [20, 50, 100, 200];
const SORTS: readonly TraceSort[] = ['start_time', 'duration_ms', 'span_count', 'error_count'];
const DEFAULT_SORT: SortState = { key: 'start_time', dir: 'desc' };

function readFilters(query: URLSearchParams): Filters {
  const f = {} as Filters;
  for (const k of FILTER_KEYS) f[k] = query.get(k) ?? '';
  return f;
}

// The server's sort and order (GET /api/traces?sort=&order=), from the URL.
function readSort(query: URLSearchParams): SortState {
  const key = query.get('sort') ?? '';
  const dir = query.get('order');
  return {
    key: (SORTS as readonly string[]).includes(key) ? key : DEFAULT_SORT.key,
    dir: dir === 'asc' || dir === 'desc' ? dir : DEFAULT_SORT.dir,
  };
}

function writeRoute(f: Filters, limit: number, offset: number, replace = true, sort: SortState = DEFAULT_SORT) {
  const q: Record<string, string | number> = {};
  for (const k of FILTER_KEYS) if (f[k]) q[k] = f[k];
  if (sort.key !== DEFAULT_SORT.key || sort.dir !== DEFAULT_SORT.dir) {
    q.sort = sort.key;
    q.order = sort.dir;
  }
  if (limit !== 50) q.limit = limit;
  if (offset) q.offset = offset;
  navigate(href('/traces', q), replace);
}

export function TracesView({ query }: { query: URLSearchParams }) {
  const applied = useMemo(() => readFilters(query), [query]);
  const sort = useMemo(() => readSort(query), [query]);
  const limit = Math.max(1, Math.min(1000, Number(query.get('limit')) || 50));
  const offset = Math.max(0, Number(query.get('offset')) || 0);
  // Every route change below keeps the sort order.
  const go = (f: Filters, lim: number, off: number, replace = true) => writeRoute(f, lim, off, replace, sort);
  const [draft, setDraft] = useState<Filters>(applied);
  const [live, setLive] = useState(true);
  const [selected, setSelected] = useState<string[]>([]);
  const appliedKey = JSON.stringify(applied);

  // Text fields apply after a short pause; selects and dates at once.
  const typingTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const typing = useRef(false);
  // The URL is the truth, except while a typed change is still pending.
  useEffect(() => {
    if (!typing.current) setDraft(applied);
  }, [appliedKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const set = (k: FilterKey, v: string, immediate = false) => {
    const next = { ...draft, [k]: v };
    setDraft(next);
    clearTimeout(typingTimer.current);
    if (immediate) {
      typing.current = false;
      go(next, limit, 0);
    } else {
      typing.current = true;
      typingTimer.current = setTimeout(() => {
        typing.current = false;
        go(next, limit, 0);
      }, 350);
    }
  };
  useEffect(() => () => clearTimeout(typingTimer.current), []);

  const params: TracesQuery = { ...applied, status: applied.status as TracesQuery['status'], sort: sort.key as TraceSort, order: sort.dir, limit, offset };
  const traces = useApi((s) => api.traces(params, s), [appliedKey, sort.key, sort.dir, limit, offset]);
  const services = useApi(api.services, []);
  const workflows = useApi(api.workflowStats, []);
  const agentStats = useApi(api.agentStats, []);
  useLiveReload(['span'], traces.reload, { enabled: live });
  useLiveReload(['span'], () => {
    services.reload();
    workflows.reload();
    agentStats.reload();
  }, { waitMs: 2000, maxWaitMs: 5000 });
  // ?service= matches a span class (Agent, Flock, ...) or a program's service.name.
  const serviceOptions = useMemo(() => {
    const names = new Set(services.data?.services ?? []);
    for (const t of traces.data?.items ?? []) for (const n of t.service_names ?? []) names.add(n);
    if (applied.service) names.add(applied.service);
    return [...names].sort();
  }, [services.data, traces.data, applied.service]);
  const agentNames = useMemo(() => (agentStats.data?.agents ?? []).map((a) => a.agent_name).sort(), [agentStats.data]);
  const onSort = (key: string, first: SortDir) => writeRoute(applied, limit, 0, true, nextSort(sort, key, first));
  const filterAgent = (name: string) => go({ ...applied, agent: name }, limit, 0);

  // Rows that were not there before are flashed.
  const seen = useRef<Set<string> | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  useEffect(() => {
    const items = traces.data?.items;
    if (!items) return;
    const ids = items.map((t) => t.trace_id);
    if (seen.current) {
      const n = new Set(ids.filter((id) => !seen.current!.has(id)));
      if (n.size) {
        setFresh(n);
        const t = setTimeout(() => setFresh(new Set()), 2500);
        ids.forEach((id) => seen.current!.add(id));
        return () => clearTimeout(t);
      }
    } else seen.current = new Set();
    ids.forEach((id) => seen.current!.add(id));
  }, [traces.data]);

  const items = traces.data?.items ?? [];
  const total = traces.data?.total ?? 0;
  const maxDur = Math.max(1e-9, ...items.map((t) => t.duration_ms));
  const activeFilters = FILTER_KEYS.filter((k) => applied[k]).length;

  const toggleSelect = (id: string) =>
    setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s.slice(-1), id]));

  // The fields of the filter form: typed text (applied after a pause), a
  // pick from a list ('' = any) or a local date and time (applied at once).
  const typed = (k: FilterKey, label: string, testId: string, props: InputHTMLAttributes<HTMLInputElement> = {}, extra?: ReactNode) => (
    <label>
      {label}
      <input {...props} value={draft[k]} onChange={(e) => set(k, e.target.value)} data-testid={testId} />
      {extra}
    </label>
  );
  const picked = (k: FilterKey, label: string, testId: string, values: readonly string[] = []) => (
    <label>
      {label}
      <select value={draft[k]} onChange={(e) => set(k, e.target.value, true)} data-testid={testId}>
        <option value="">any</option>
        <Options values={values} />
      </select>
    </label>
  );
  const moment = (k: 'since' | 'until', label: string, testId: string) => (
    <label>
      {label}
      <input type="datetime-local" value={isoToLocalInput(draft[k])} onChange={(e) => set(k, localInputToIso(e.target.value), true)} data-testid={testId} />
    </label>
  );

  return (
    <div className="page traces-page">
      <aside className="filters" data-testid="trace-filters">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            clearTimeout(typingTimer.current);
            typing.current = false;
            go(draft, limit, 0);
          }}
        >
          <div className="filters-title">
            Search
            {activeFilters > 0 && (
              <button
                type="button"
                className="link small"
                data-testid="filter-reset"
                onClick={() => {
                  const empty = readFilters(new URLSearchParams());
                  setDraft(empty);
                  go(empty, limit, 0);
                }}
              >
                reset ({activeFilters})
              </button>
            )}
          </div>
          {typed('q', 'Text', 'filter-q', {
            type: 'search',
            placeholder: 'names, error messages, attributes…',
            title: 'Matches a trace id prefix, span names, error messages, and any attribute text (agent names, inputs, outputs)',
          })}
          {typed(
            'workflow',
            'Workflow',
            'filter-workflow',
            { list: 'workflow-names', placeholder: 'any' },
            <datalist id="workflow-names">
              {workflows.data?.workflows.map((w) => <option key={w.workflow_name} value={w.workflow_name} />)}
            </datalist>,
          )}
          {picked('agent', 'Agent', 'filter-agent', draft.agent && !agentNames.includes(draft.agent) ? [draft.agent, ...agentNames] : agentNames)}
          {picked('service', 'Service', 'filter-service', serviceOptions)}
          {picked(
            'operation',
            'Operation',
            'filter-operation',
            services.data?.operations.filter((o) => !draft.service || o.startsWith(draft.service + '.')),
          )}
          {picked('status', 'Status', 'filter-status', ['ok', 'error'])}
          <div className="row2">
            {typed('min_duration_ms', 'Min ms', 'filter-min', { type: 'number', min: 0, step: 'any' })}
            {typed('max_duration_ms', 'Max ms', 'filter-max', { type: 'number', min: 0, step: 'any' })}
          </div>
          {moment('since', 'Since', 'filter-since')}
          {moment('until', 'Until', 'filter-until')}
          {typed('tag', 'Tag', 'filter-tag', { placeholder: 'any', title: 'Traces that published an artifact with this tag' })}
          {typed('correlation_id', 'Correlation id', 'filter-correlation', { placeholder: 'any' })}
          <button type="submit" className="primary" data-testid="filter-apply">
            Find traces
          </button>
        </form>
      </aside>

      <section className="results">
        <div className="toolbar">
          <span className="count" data-testid="trace-total" data-total={total}>
            {traces.data ? (
              <>
                {total === 0 ? 'No traces' : `${offset + 1}–${offset + items.length} of ${plural(total, 'trace')}`}
              </>
            ) : traces.loading ? (
              'Loading…'
            ) : (
              ''
            )}
          </span>
          {traces.loading && traces.data && <span className="spinner" aria-label="loading" />}
          <span className="grow" />
          <label className="inline" title="Refresh the list when spans end">
            <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} data-testid="live-toggle" /> live
          </label>
          <button
            type="button"
            className="small"
            disabled={selected.length !== 2}
            data-testid="compare-selected"
            title="Tick two traces to compare them"
            onClick={() => {
              // the earlier run is A
              const start = (id: string) => items.find((t) => t.trace_id === id)?.start_time ?? 0;
              const [x, y] = [...selected].sort((p, q) => start(p) - start(q));
              navigate(href('/compare', { a: x, b: y }));
            }}
          >
            Compare {selected.length}/2
          </button>
          <select value={limit} onChange={(e) => go(applied, Number(e.target.value), 0)} className="small" data-testid="page-size" aria-label="page size">
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n} / page
              </option>
            ))}
          </select>
          <button type="button" className="small" disabled={offset === 0} onClick={() => go(applied, limit, Math.max(0, offset - limit), false)} data-testid="page-prev">
            ‹ Prev
          </button>
          <button type="button" className="small" disabled={offset + items.length >= total} onClick={() => go(applied, limit, offset + limit, false)} data-testid="page-next">
            Next ›
          </button>
        </div>
        <ErrorBox error={traces.error} testId="trace-error" />
        <div className="table-wrap">
          <Table
            columns={[
              { width: 28 },
              'Trace',
              { label: 'Duration', width: '20%', sortKey: 'duration_ms', first: 'desc' },
              num('Spans', 'span_count'),
              num('Errors', 'error_count', 'Failed spans in the trace'),
              num('Tokens', undefined, 'Input → output tokens of its model calls (gen_ai.usage.*)'),
              num('Cost', undefined, 'Priced per model by GET /api/prices; unknown when a model has no price'),
              col('Agents', undefined, 'The agents that ran (agent.name)'),
              col('Service', undefined, "The program's service.name (OTEL_SERVICE_NAME)"),
              'Correlation',
              col('Started', 'start_time'),
            ]}
            className="traces"
            testId="trace-list"
            sort={sort}
            onSort={onSort}
            empty={traces.data && items.length === 0 && (activeFilters ? 'No trace matches these filters.' : 'No traces yet. Run a workflow with FLOCK_TRACE_FILE=true, or publish an artifact.')}
            emptyTestId="trace-empty"
          >
            {items.map((t) => (
              <tr
                key={t.trace_id}
                className={`clickable ${t.error_count > 0 ? 'has-error' : ''} ${fresh.has(t.trace_id) ? 'fresh' : ''}`}
                data-testid="trace-row"
                data-trace-id={t.trace_id}
                data-workflow={t.workflow_name ?? ''}
                onClick={() => navigate(href(`/trace/${t.trace_id}`))}
              >
                <td onClick={(e) => e.stopPropagation()}>
                  <input type="checkbox" aria-label="select for compare" checked={selected.includes(t.trace_id)} onChange={() => toggleSelect(t.trace_id)} data-testid="trace-select" />
                </td>
                <td>
                  <a href={href(`/trace/${t.trace_id}`)} className="trace-name" onClick={(e) => e.stopPropagation()} data-testid="trace-link">
                    {t.workflow_name ?? t.root_name}
                  </a>
                  {t.workflow_name && t.workflow_name !== t.root_name && <span className="muted"> · {t.root_name}</span>}
                  <div className="mono muted small">{shortId(t.trace_id, 12)}</div>
                  {t.error_message && (
                    <div className="trace-error-message" data-testid="trace-error-message" title={t.error_message}>
                      {t.error_message}
                    </div>
                  )}
                </td>
                <td>
                  <div className="dur-cell">
                    <div className="dur-bar">
                      <div className={`dur-fill ${t.error_count ? 'error' : ''}`} style={{ width: `${Math.max(1, (t.duration_ms / maxDur) * 100)}%` }} />
                    </div>
                    <span className="dur-text">{formatDuration(t.duration_ms)}</span>
                  </div>
                </td>
                <td className="num">{t.span_count}</td>
                <td className="num">{t.error_count > 0 ? <span className="badge error">{t.error_count}</span> : <span className="muted">0</span>}</td>
                <td className="num nowrap">
                  <Tokens input={t.input_tokens} output={t.output_tokens} testId="trace-tokens" none="–" />
                </td>
                <td className="num nowrap">
                  <Cost usd={t.cost_usd} models={t.models} testId="trace-cost" none="–" />
                </td>
                <td>
                  <div className="tags" data-testid="trace-agents">
                    {(t.agents ?? []).slice(0, 6).map((a) => (
                      <AgentChip key={a} name={a} onClick={() => filterAgent(a)} />
                    ))}
                    {(t.agents?.length ?? 0) > 6 && <span className="muted small">+{t.agents!.length - 6}</span>}
                    {!t.agents?.length && <span className="muted small">–</span>}
                  </div>
                </td>
                <td>
                  <div className="tags" data-testid="trace-service-names">
                    {(t.service_names ?? []).map((s) => (
                      <ServiceTag key={s} name={s} />
                    ))}
                  </div>
                </td>
                <td onClick={(e) => e.stopPropagation()}>
                  {(t.correlation_ids ?? []).slice(0, 2).map((c) => (
                    <a key={c} href={href(`/correlation/${c}`)} className="mono small corr-link" title={c} data-testid="correlation-link">
                      {shortId(c, 10)}
                    </a>
                  ))}
                  {(t.correlation_ids?.length ?? 0) > 2 && <span className="muted small"> +{t.correlation_ids!.length - 2}</span>}
                </td>
                <td title={formatTime(t.start_time)} className="nowrap">
                  {formatRelative(t.start_time)}
                  <div className="muted small">{formatTime(t.start_time).slice(11)}</div>
                </td>
              </tr>
            ))}
          </Table>
        </div>
      </section>
    </div>
  );
}
