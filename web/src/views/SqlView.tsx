// Read-only SQL over the trace store (POST /api/traces/query): results as a
// table sortable by any column (in the browser, the server's order until a
// header is clicked), CSV download built in the browser (in the server's
// order), `truncated` and errors shown.
import { useMemo, useRef, useState } from 'react';
import { api, type JsonValue, type QueryResponse } from '../api';
import { Card, ErrorBox, Options, Table, type Column } from '../components/ui';
import { downloadText, plural, toCsv } from '../format';
import { useSort, type SortValue } from '../sorting';

const EXAMPLES: Array<[string, string]> = [
  ['Workflows', 'SELECT workflow_name, count(*) AS runs, round(avg(duration_ms), 2) AS avg_ms\nFROM workflows\nGROUP BY workflow_name\nORDER BY runs DESC'],
  [
    'Slowest agents',
    "SELECT json_extract_string(attributes, '$.agent.name') AS agent,\n       count(*) AS runs, round(avg(duration_ms), 2) AS avg_ms, max(duration_ms) AS max_ms\nFROM spans\nWHERE name = 'Agent.execute'\nGROUP BY agent\nORDER BY avg_ms DESC",
  ],
  ['Errors', "SELECT trace_id, name, status_description, duration_ms\nFROM spans\nWHERE status_code = 'ERROR'\nORDER BY start_time DESC\nLIMIT 50"],
  ['Span names', 'SELECT service, name, count(*) AS spans, round(avg(duration_ms), 3) AS avg_ms\nFROM spans\nGROUP BY service, name\nORDER BY spans DESC'],
];

function cell(v: JsonValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// What a value sorts by: numbers as numbers, NULL last, the rest as shown.
const sortValue = (v: JsonValue): SortValue => (v === null ? null : typeof v === 'number' ? v : cell(v));

// The rows of one result; a header click sorts them (column i's key is "i").
function ResultTable({ result }: { result: QueryResponse }) {
  const columns = useMemo(() => {
    const byKey: Record<string, (r: JsonValue[]) => SortValue> = {};
    result.columns.forEach((_, i) => (byKey[String(i)] = (r) => sortValue(r[i])));
    return byKey;
  }, [result]);
  const { sorted, sort, onSort } = useSort(result.rows, columns);
  // Figures sort largest first on a first click, text from A.
  const heads: Column[] = result.columns.map((name, i) => ({
    label: name,
    sortKey: String(i),
    first: result.rows.some((r) => typeof r[i] === 'number') ? 'desc' : 'asc',
  }));
  return (
    <Table columns={heads} testId="sql-table" sort={sort} onSort={onSort} empty={result.rows.length === 0 && 'No rows.'}>
      {sorted.map((r, i) => (
        <tr key={i}>
          {r.map((v, j) => (
            <td key={j} className={`${typeof v === 'number' ? 'num' : ''} ${v === null ? 'muted' : ''}`}>
              {cell(v)}
            </td>
          ))}
        </tr>
      ))}
    </Table>
  );
}

export function SqlView() {
  const [sql, setSql] = useState(() => {
    try {
      return sessionStorage.getItem('flock.sql') ?? EXAMPLES[0][1];
    } catch {
      return EXAMPLES[0][1];
    }
  });
  const [result, setResult] = useState<QueryResponse | null>(null);
  const [resultSeq, setResultSeq] = useState(0);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [elapsed, setElapsed] = useState(0);
  const ctrl = useRef<AbortController | null>(null);

  const run = async () => {
    if (!sql.trim()) return;
    try {
      sessionStorage.setItem('flock.sql', sql);
    } catch {
      /* storage disabled */
    }
    ctrl.current?.abort();
    const c = new AbortController();
    ctrl.current = c;
    setBusy(true);
    setError('');
    const t0 = performance.now();
    try {
      const r = await api.query(sql, c.signal);
      setResult(r);
      setResultSeq((n) => n + 1);
      setElapsed(performance.now() - t0);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      setResult(null);
      setError((e as Error).message);
    } finally {
      if (ctrl.current === c) setBusy(false);
    }
  };

  return (
    <div className="page sql-page" data-testid="sql-view">
      <Card
        title="SQL"
        head={
          <>
            <span className="muted small">read-only DuckDB over the trace store · tables: spans, workflows · Ctrl+Enter runs</span>
            <span className="grow" />
            <select
              className="small"
              value=""
              onChange={(e) => {
                const ex = EXAMPLES.find(([n]) => n === e.target.value);
                if (ex) setSql(ex[1]);
              }}
              aria-label="examples"
            >
              <option value="">Examples…</option>
              <Options values={EXAMPLES.map(([n]) => n)} />
            </select>
          </>
        }
      >
        <textarea
          className="sql-input mono"
          value={sql}
          onChange={(e) => setSql(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void run();
            }
          }}
          rows={7}
          spellCheck={false}
          data-testid="sql-input"
          aria-label="SQL"
        />
        <div className="toolbar">
          <button type="button" className="primary" onClick={() => void run()} disabled={busy || !sql.trim()} data-testid="sql-run">
            {busy ? 'Running…' : 'Run'}
          </button>
          {result && (
            <>
              <span className="muted" data-testid="sql-row-count">
                {plural(result.row_count, 'row')} · {elapsed.toFixed(0)} ms
              </span>
              {result.truncated && (
                <span className="badge warn" data-testid="sql-truncated">
                  truncated: the server returned only the first {result.rows.length} rows
                </span>
              )}
              <span className="grow" />
              <button
                type="button"
                className="small"
                data-testid="sql-csv"
                onClick={() => downloadText('query.csv', toCsv(result.columns, result.rows), 'text/csv')}
              >
                CSV ⤓
              </button>
            </>
          )}
        </div>
        <ErrorBox error={error} testId="sql-error" />
      </Card>
      {result && (
        <Card>
          <div className="table-wrap sql-result">
            {/* A new result starts unsorted. */}
            <ResultTable key={resultSeq} result={result} />
          </div>
        </Card>
      )}
    </div>
  );
}
