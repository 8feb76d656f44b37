// Two runs of one workflow side by side. Spans are matched by their path of
// names from the root (plus agent.name when present; repeated siblings are
// numbered); per span: duration in A and B, the delta, and whether it
// appeared (only in B) or vanished (only in A). A span is flagged slower or
// faster only past both thresholds of the rule (compareRuns.ts), which the
// view states and lets the user change. The table is in tree order until a
// header is clicked.
import { useEffect, useMemo, useState } from 'react';
import { api, type Span, type TraceSummary } from '../api';
import { Card, col, ErrorBox, num, Table } from '../components/ui';
import { classify, compareRuns, DEFAULT_RULE, type CompareRow } from '../compareRuns';
import { formatDelta, formatDuration, formatTime, getAttrString, shortId } from '../format';
import { href, navigate, useApi } from '../hooks';
import { useSort } from '../sorting';
import { buildTree, keyedSpans } from '../traceModel';

// Which runs a span failed in, in words.
function failedIn(r: CompareRow): string {
  const a = r.a?.status_code === 'ERROR';
  const b = r.b?.status_code === 'ERROR';
  return a && b ? 'failed in A and B' : a ? 'failed in A' : b ? 'failed in B' : '';
}

function runLabel(t: TraceSummary): string {
  return `${formatTime(t.start_time)} · ${formatDuration(t.duration_ms)} · ${shortId(t.trace_id)}${t.error_count ? ` · ${t.error_count} err` : ''}`;
}

export function CompareView({ a, b, workflow }: { a: string; b: string; workflow: string }) {
  const traceA = useApi((s) => (a ? api.trace(a, s) : Promise.resolve(null)), [a]);
  const traceB = useApi((s) => (b ? api.trace(b, s) : Promise.resolve(null)), [b]);
  const rootWorkflow = (spans?: Span[]) => {
    const root = spans?.find((s) => !s.parent_id) ?? spans?.[0];
    return root ? getAttrString(root.attributes, 'workflow.name') : undefined;
  };
  const wf = workflow || rootWorkflow(traceA.data?.spans) || rootWorkflow(traceB.data?.spans) || '';
  const runs = useApi((s) => (wf ? api.traces({ workflow: wf, limit: 200 }, s) : Promise.resolve(null)), [wf]);
  const workflows = useApi(api.workflowStats, []);
  const [relativePct, setRelativePct] = useState(DEFAULT_RULE.relative * 100);
  const [absoluteMs, setAbsoluteMs] = useState(DEFAULT_RULE.absoluteMs);
  const [onlyChanges, setOnlyChanges] = useState(false);

  const go = (na: string, nb: string, w = wf) => navigate(href('/compare', { a: na, b: nb, workflow: w }), true);

  // Default picks: the two most recent runs, the older as A.
  const runItems = runs.data?.items ?? [];
  useEffect(() => {
    const items = runs.data?.items ?? [];
    if (!wf || (a && b) || items.length < 2) return;
    const nb = b || items.find((t) => t.trace_id !== a)!.trace_id;
    const na = a || items.find((t) => t.trace_id !== nb)!.trace_id;
    navigate(href('/compare', { a: na, b: nb, workflow: wf }), true);
  }, [wf, runs.data, a, b]);

  const treeA = useMemo(() => (traceA.data ? buildTree(traceA.data.spans) : null), [traceA.data]);
  const treeB = useMemo(() => (traceB.data ? buildTree(traceB.data.spans) : null), [traceB.data]);
  const rows = useMemo(() => (treeA && treeB ? compareRuns(keyedSpans(treeA), keyedSpans(treeB)) : []), [treeA, treeB]);

  const rule = { relative: relativePct / 100, absoluteMs };
  const change = (r: CompareRow) => classify(r, rule);
  const filtered = onlyChanges ? rows.filter((r) => change(r) !== 'same') : rows;
  const table = useSort(filtered, {
    a: (r) => r.a?.duration_ms,
    b: (r) => r.b?.duration_ms,
    delta: (r) => (r.status === 'both' ? r.delta : null),
    change: (r) => change(r),
  });
  const shown = table.sorted;
  const counts = rows.reduce(
    (c, r) => {
      c[change(r)]++;
      return c;
    },
    { slower: 0, faster: 0, same: 0, appeared: 0, vanished: 0 } as Record<string, number>,
  );
  const totalA = treeA?.durationMs ?? 0;
  const totalB = treeB?.durationMs ?? 0;
  // The whole run, judged by the same rule as each span.
  const totalChange = classify(
    { key: '', label: '', depth: 0, status: 'both', delta: totalB - totalA, ratio: totalA > 0 ? (totalB - totalA) / totalA : totalB > 0 ? Infinity : 0 },
    rule,
  );
  const maxDur = Math.max(1e-9, ...rows.map((r) => Math.max(r.a?.duration_ms ?? 0, r.b?.duration_ms ?? 0)));

  const picker = (which: 'a' | 'b', value: string) => (
    <select
      value={value}
      onChange={(e) => (which === 'a' ? go(e.target.value, b) : go(a, e.target.value))}
      data-testid={`compare-pick-${which}`}
    >
      <option value="">choose a run…</option>
      {value && !runItems.some((t) => t.trace_id === value) && <option value={value}>{shortId(value, 16)}</option>}
      {runItems.map((t) => (
        <option key={t.trace_id} value={t.trace_id}>
          {runLabel(t)}
        </option>
      ))}
    </select>
  );

  // A run's total in the summary, and a span's duration in A or B.
  const runTotal = (which: 'a' | 'b', id: string, total: number, spans: number) => (
    <span>
      <span className={`ab ${which}`}>{which.toUpperCase()}</span> <a href={href(`/trace/${id}`)}>{formatDuration(total)}</a> · {spans} spans
    </span>
  );
  const spanDuration = (id: string, span?: Span) =>
    span ? <a href={href(`/trace/${id}`, { span: span.span_id })}>{formatDuration(span.duration_ms)}</a> : <span className="muted">—</span>;

  return (
    <div className="page compare-page" data-testid="compare-view">
      <Card>
        <div className="compare-pickers">
          <label>
            Workflow
            <select value={wf} onChange={(e) => navigate(href('/compare', { workflow: e.target.value }), true)} data-testid="compare-workflow">
              <option value="">choose a workflow…</option>
              {wf && !workflows.data?.workflows.some((w) => w.workflow_name === wf) && <option value={wf}>{wf}</option>}
              {workflows.data?.workflows.map((w) => (
                <option key={w.workflow_name} value={w.workflow_name}>
                  {w.workflow_name} ({w.runs} runs)
                </option>
              ))}
            </select>
          </label>
          <label>
            <span className="ab a">A</span> {picker('a', a)}
          </label>
          <button type="button" className="small" onClick={() => go(b, a)} disabled={!a || !b} title="Swap A and B" data-testid="compare-swap">
            ⇄
          </button>
          <label>
            <span className="ab b">B</span> {picker('b', b)}
          </label>
        </div>
        {wf && runs.data && runItems.length < 2 && <p className="muted">This workflow has fewer than two runs yet.</p>}
      </Card>
      <ErrorBox error={traceA.error ?? traceB.error} />
      {traceA.data && traceB.data && (
        <Card>
          <div className="compare-summary" data-testid="compare-summary">
            {runTotal('a', a, totalA, traceA.data.spans.length)}
            {runTotal('b', b, totalB, traceB.data.spans.length)}
            {/* Coloured only when the rule below flags the whole run, as a row would be. */}
            <span
              className={totalChange === 'slower' ? 'slower-text' : totalChange === 'faster' ? 'faster-text' : 'total-delta-same'}
              data-testid="compare-total-delta"
              data-change={totalChange}
              data-a-ms={totalA}
              data-b-ms={totalB}
              title={totalChange === 'same' ? 'Below the rule: not flagged' : `Flagged ${totalChange}: past both thresholds`}
            >
              Δ {formatDelta(totalB - totalA)}
              {totalA > 0 && ` (${(((totalB - totalA) / totalA) * 100).toFixed(1)}%)`}
            </span>
            <span className="chips">
              <span className="chip slower" data-testid="compare-count-slower">{counts.slower} slower</span>
              <span className="chip faster">{counts.faster} faster</span>
              <span className="chip appeared" data-testid="compare-count-appeared">{counts.appeared} appeared</span>
              <span className="chip vanished" data-testid="compare-count-vanished">{counts.vanished} vanished</span>
            </span>
            <span className="grow" />
            <span className="compare-rule small" data-testid="compare-rule" data-relative={rule.relative} data-absolute-ms={rule.absoluteMs}>
              flagged when the change is at least{' '}
              <input type="number" min={0} max={1000} step="any" value={relativePct} onChange={(e) => setRelativePct(Math.max(0, Number(e.target.value) || 0))} data-testid="compare-relative" aria-label="relative threshold (%)" />
              % <b>and</b> at least{' '}
              <input type="number" min={0} step="any" value={absoluteMs} onChange={(e) => setAbsoluteMs(Math.max(0, Number(e.target.value) || 0))} data-testid="compare-absolute" aria-label="absolute threshold (ms)" /> ms
            </span>
            <label className="inline small">
              <input type="checkbox" checked={onlyChanges} onChange={(e) => setOnlyChanges(e.target.checked)} data-testid="compare-only-changes" /> only changes
            </label>
          </div>
          <div className="table-wrap">
            <Table
              columns={['Span (path from the root)', num('A', 'a'), num('B', 'b'), num('Δ', 'delta', 'B − A'), { width: '20%' }, col('Change', 'change')]}
              className="compare"
              testId="compare-table"
              sort={table.sort}
              onSort={table.onSort}
            >
              {shown.map((r) => {
                const c = change(r);
                const failed = failedIn(r);
                return (
                  <tr
                    key={r.key}
                    className={`cmp-${c}`}
                    data-testid="compare-row"
                    data-key={r.key}
                    data-status={c}
                    data-a-ms={r.a?.duration_ms}
                    data-b-ms={r.b?.duration_ms}
                  >
                    <td style={{ paddingLeft: 8 + r.depth * 14 }} title={r.key}>
                      {r.label}
                      {failed && (
                        <span className="badge error small failed-in" data-testid="compare-failed-in">
                          {failed}
                        </span>
                      )}
                    </td>
                    <td className="num">{spanDuration(a, r.a)}</td>
                    <td className="num">{spanDuration(b, r.b)}</td>
                    <td className="num delta">{r.status === 'both' ? formatDelta(r.delta) : ''}</td>
                    <td>
                      <div className="ab-bars">
                        <div className="ab-bar a" style={{ width: `${((r.a?.duration_ms ?? 0) / maxDur) * 100}%` }} />
                        <div className="ab-bar b" style={{ width: `${((r.b?.duration_ms ?? 0) / maxDur) * 100}%` }} />
                      </div>
                    </td>
                    <td className="change">
                      {c === 'appeared' ? 'appeared in B' : c === 'vanished' ? 'vanished in B' : c === 'slower' ? `slower ${Number.isFinite(r.ratio) ? `+${(r.ratio * 100).toFixed(0)}%` : ''}` : c === 'faster' ? `faster ${(r.ratio * 100).toFixed(0)}%` : ''}
                    </td>
                  </tr>
                );
              })}
            </Table>
          </div>
        </Card>
      )}
      {(!a || !b) && !wf && <div className="empty">Pick a workflow, then two of its runs. Or tick two traces in the trace list and press Compare.</div>}
    </div>
  );
}
