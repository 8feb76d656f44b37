// The waterfall of one trace: the span tree with collapsible nodes, bars to
// scale, ERROR spans in red with their message, the critical path
// highlighted (rows, and the stretches of each bar on it), a button that
// walks through the errors, and virtualised rows (only the rows in view are
// in the DOM) so that a trace of 10,000 spans scrolls smoothly. Clicking a
// span opens its panel.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { api, type Span } from '../api';
import { ErrorBox, ServiceTag } from '../components/ui';
import { TraceUsage } from '../components/TraceUsage';
import { criticalPath, type PathSegment } from '../criticalPath';
import { colorFor, downloadText, formatDuration, formatTime, getAttrString, shortId } from '../format';
import { href, navigate, useApi, useLiveReload } from '../hooks';
import { agentOf, buildTree, visibleRows, type TraceNode } from '../traceModel';
import { JsonViewer } from './JsonViewer';

const ROW_H = 26;
const OVERSCAN = 12;
const INDENT = 14;

// ---- text widths, for the name column and the time axis ----

// The width of a text in px in a CSS font ("500 13px system-ui"), measured
// on a canvas (rows are virtual: most names are not in the DOM).
const widthCache = new Map<string, number>();
let measureCtx: CanvasRenderingContext2D | null | undefined;
function textWidth(text: string, font: string): number {
  const key = `${font}\u0000${text}`;
  const hit = widthCache.get(key);
  if (hit !== undefined) return hit;
  if (measureCtx === undefined) measureCtx = document.createElement('canvas').getContext('2d');
  let w = text.length * 8; // no canvas: a generous guess
  if (measureCtx) {
    measureCtx.font = font;
    w = measureCtx.measureText(text).width;
  }
  if (widthCache.size > 20000) widthCache.clear();
  widthCache.set(key, w);
  return w;
}
const fontFamily = () => getComputedStyle(document.body).fontFamily || 'sans-serif';

// What a row's name needs (px) to show whole: the sizes of .wf-name-col's
// parts in styles.css (padding, toggle, dot, error icon, agent chip, span
// class, operation, hidden count; 5 px between parts) and a little room.
function nameWidth(n: TraceNode, collapsed: boolean, family: string): number {
  const s = n.span;
  const agent = agentOf(s);
  const parts: number[] = [16, 8]; // toggle (or its spacer), dot
  if (s.status_code === 'ERROR') parts.push(14);
  if (agent) parts.push(textWidth(agent, `500 11px ${family}`) + 13); // padding 2 x 5, border 3
  if (s.operation) {
    parts.push(textWidth(s.service ?? '', `13px ${family}`));
    parts.push(textWidth(s.operation, `500 13px ${family}`));
  } else parts.push(textWidth(s.name, `500 13px ${family}`));
  if (collapsed && n.children.length) parts.push(textWidth(`+${n.descendants}`, `11px ${family}`) + 2);
  return 6 + n.depth * INDENT + parts.reduce((a, b) => a + b, 0) + 5 * (parts.length - 1) + 12;
}

// The time axis: the quarters of the trace, without the labels that would
// overlap another. The first and the last (the total) come first, then the
// middle, then the other quarters, each only with 8 px clear of the others.
// `width` is the axis' width in px; positions are fractions of it.
function axisTicks(totalMs: number, width: number, family: string): Array<{ at: number; label: string }> {
  const label = (f: number) => formatDuration(f * totalMs);
  const box = (f: number) => {
    const w = textWidth(label(f), `11px ${family}`);
    const x = f * width;
    return f === 0 ? [x, x + w] : f === 1 ? [x - w, x] : [x - w / 2, x + w / 2];
  };
  const kept: number[] = [];
  const fits = (f: number) => {
    const [a, b] = box(f);
    return kept.every((k) => {
      const [c, d] = box(k);
      return b + 8 <= c || d + 8 <= a;
    });
  };
  for (const f of [1, 0, 0.5, 0.25, 0.75]) if (width <= 0 || kept.length === 0 || fits(f)) kept.push(f);
  return kept.sort((a, b) => a - b).map((f) => ({ at: f, label: label(f) }));
}

// A failed span's message: its status description, else its exception event's.
export function errorMessageOf(s: Span): string | undefined {
  if (s.status_description) return s.status_description;
  const ex = s.events?.find((e) => e.name === 'exception');
  return ex ? getAttrString(ex.attributes, 'exception.message') : undefined;
}

export function TimelineView({ traceId, spanId }: { traceId: string; spanId?: string }) {
  const trace = useApi((s) => api.trace(traceId, s), [traceId]);
  useLiveReload(['span'], trace.reload, { filter: (_n, d) => (d as { trace_id?: string }).trace_id === traceId, waitMs: 500 });

  const tree = useMemo(() => (trace.data ? buildTree(trace.data.spans) : null), [trace.data]);
  const path = useMemo(() => (trace.data ? criticalPath(trace.data.spans) : null), [trace.data]);
  const critical = path?.spans ?? new Set<string>();
  // Each span's stretches of the path (the time charged to it).
  const segmentsOf = useMemo(() => {
    const m = new Map<string, PathSegment[]>();
    for (const seg of path?.segments ?? []) {
      const l = m.get(seg.spanId);
      if (l) l.push(seg);
      else m.set(seg.spanId, [seg]);
    }
    return m;
  }, [path]);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [showCritical, setShowCritical] = useState(true);
  // % of the waterfall's width: wider while the span panel takes room, until resized by hand.
  const [resizedCol, setNameCol] = useState<number | null>(null);
  const waterfallRef = useRef<HTMLDivElement>(null);
  const startResize = (e: React.MouseEvent) => {
    e.preventDefault();
    const rect = waterfallRef.current?.getBoundingClientRect();
    if (!rect) return;
    const move = (ev: MouseEvent) => setNameCol(Math.min(75, Math.max(15, ((ev.clientX - rect.left) / rect.width) * 100)));
    const up = () => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  };
  const [find, setFind] = useState('');
  const [findIndex, setFindIndex] = useState(-1); // -1: no match visited yet
  const rows = useMemo(() => (tree ? visibleRows(tree, collapsed) : []), [tree, collapsed]);

  // ---- virtual scrolling ----
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewH, setViewH] = useState(600);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewH(el.clientHeight));
    ro.observe(el);
    setViewH(el.clientHeight);
    return () => ro.disconnect();
  }, [tree !== null]); // eslint-disable-line react-hooks/exhaustive-deps
  const raf = useRef(0);
  const onScroll = useCallback(() => {
    cancelAnimationFrame(raf.current);
    raf.current = requestAnimationFrame(() => setScrollTop(scroller.current?.scrollTop ?? 0));
  }, []);
  const first = Math.max(0, Math.floor(scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewH) / ROW_H) + OVERSCAN);

  const selected = spanId && tree ? tree.byId.get(spanId) : undefined;
  // The name column: as dragged, else wide enough for the widest name shown
  // (never less than 38%, 46% with the span panel open, never more than
  // 70%), so that agents, span classes and operations read whole.
  const [wfWidth, setWfWidth] = useState(0);
  const [axisWidth, setAxisWidth] = useState(0);
  const axisRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const wf = waterfallRef.current;
    const axis = axisRef.current;
    if (!wf || !axis) return;
    const ro = new ResizeObserver(() => {
      setWfWidth(wf.clientWidth);
      setAxisWidth(axis.clientWidth);
    });
    ro.observe(wf);
    ro.observe(axis);
    setWfWidth(wf.clientWidth);
    setAxisWidth(axis.clientWidth);
    return () => ro.disconnect();
  }, [tree !== null]); // eslint-disable-line react-hooks/exhaustive-deps
  const family = useMemo(fontFamily, []);
  const widestName = useMemo(() => rows.reduce((m, n) => Math.max(m, nameWidth(n, collapsed.has(n.span.span_id), family)), 0), [rows, collapsed, family]);
  const minShare = selected ? 0.46 : 0.38;
  const nameCol =
    resizedCol !== null ? `${resizedCol}%` : wfWidth > 0 ? `${Math.round(Math.min(0.7 * wfWidth, Math.max(minShare * wfWidth, widestName)))}px` : `${minShare * 100}%`;
  const select = (id: string | undefined) => navigate(href(`/trace/${traceId}`, { span: id }), true);

  // ---- find ----
  const needle = find.trim().toLowerCase();
  const matches = useMemo(() => {
    if (!tree || !needle) return [] as TraceNode[];
    const out: TraceNode[] = [];
    const walk = (ns: TraceNode[]) => {
      for (const n of ns) {
        const s = n.span;
        const agent = agentOf(s) ?? '';
        if (s.name.toLowerCase().includes(needle) || agent.toLowerCase().includes(needle) || s.span_id.startsWith(needle)) out.push(n);
        walk(n.children);
      }
    };
    walk(tree.roots);
    return out;
  }, [tree, needle]);
  const matchIds = useMemo(() => new Set(matches.map((m) => m.span.span_id)), [matches]);

  const reveal = useCallback(
    (n: TraceNode) => {
      // expand the ancestors, then scroll the row into view
      setCollapsed((c) => {
        let changed = false;
        const next = new Set(c);
        for (let p = n.parent; p; p = p.parent) if (next.delete(p.span.span_id)) changed = true;
        return changed ? next : c;
      });
      requestAnimationFrame(() => {
        const el = scroller.current;
        if (!el || !tree) return;
        const idx = visibleRows(tree, collapsedRef.current).indexOf(n);
        if (idx < 0) return;
        const top = idx * ROW_H;
        if (top < el.scrollTop || top > el.scrollTop + el.clientHeight - ROW_H * 2) el.scrollTop = Math.max(0, top - el.clientHeight / 3);
      });
    },
    [tree],
  );
  const collapsedRef = useRef(collapsed);
  collapsedRef.current = collapsed;

  useEffect(() => {
    setFindIndex(-1);
  }, [needle]);
  // The failed spans in tree order, for "Next error".
  const errorNodes = useMemo(() => {
    if (!tree) return [] as TraceNode[];
    const out: TraceNode[] = [];
    const stack = [...tree.roots].reverse();
    while (stack.length) {
      const n = stack.pop()!;
      if (n.span.status_code === 'ERROR') out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
    return out;
  }, [tree]);
  const selectedErrorIndex = selected ? errorNodes.indexOf(selected) : -1;
  const nextError = () => {
    if (!errorNodes.length) return;
    const n = errorNodes[(selectedErrorIndex + 1) % errorNodes.length];
    reveal(n);
    select(n.span.span_id);
  };

  const gotoMatch = (delta: number) => {
    if (!matches.length) return;
    const i = findIndex < 0 ? (delta > 0 ? 0 : matches.length - 1) : (findIndex + delta + matches.length) % matches.length;
    setFindIndex(i);
    reveal(matches[i]);
    select(matches[i].span.span_id);
  };

  // Reveal the span named in the URL once the trace is loaded.
  const revealed = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (selected && revealed.current !== selected.span.span_id) {
      revealed.current = selected.span.span_id;
      reveal(selected);
    }
  }, [selected, reveal]);

  const toggle = (id: string) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const expandAll = () => setCollapsed(new Set());
  const collapseAll = () => {
    if (!tree) return;
    const all = new Set<string>();
    for (const n of tree.byId.values()) if (n.children.length) all.add(n.span.span_id);
    setCollapsed(all);
  };
  // Collapse to a level: everything at depth >= level is folded.
  const collapseToLevel = (level: number) => {
    if (!tree) return;
    const s = new Set<string>();
    for (const n of tree.byId.values()) if (n.children.length && n.depth >= level) s.add(n.span.span_id);
    setCollapsed(s);
  };

  const [otlpError, setOtlpError] = useState('');
  const downloadOtlp = async () => {
    try {
      const data = await api.traceOtlp(traceId);
      setOtlpError('');
      downloadText(`trace-${traceId}.otlp.json`, JSON.stringify(data, null, 2), 'application/json');
    } catch (e) {
      setOtlpError(`OTLP download failed: ${(e as Error).message}`);
    }
  };

  if (trace.error && !trace.data) {
    return (
      <div className="page">
        <ErrorBox error={trace.error} testId="timeline-error" />
        <a href={href('/traces')}>Back to the traces</a>
      </div>
    );
  }
  if (!tree || !trace.data) return <div className="page loading-page">Loading trace…</div>;

  const root = tree.roots[0]?.span;
  const workflow = (root && getAttrString(root.attributes, 'workflow.name')) ?? '';
  // The programs that wrote the trace: their resource's service.name.
  const serviceNames = [...new Set(trace.data.spans.map((s) => getAttrString(s.resource, 'service.name')).filter((n): n is string => !!n))].sort();
  const total = Math.max(tree.durationMs, 1e-6);
  const pct = (ns: number) => ((ns - tree.start) / 1e6 / total) * 100;

  return (
    <div className="page timeline-page" data-testid="timeline" data-trace-id={traceId}>
      <div className="trace-header">
        <div className="trace-title">
          <a href={href('/traces')} className="back" title="Back to the traces">
            ‹
          </a>
          <h1 data-testid="timeline-title">{workflow || root?.name || traceId}</h1>
          <span className="mono muted" title={traceId}>
            {shortId(traceId, 16)}
          </span>
        </div>
        <div className="trace-facts">
          <span>
            Started <b>{formatTime(tree.start)}</b>
          </span>
          <span>
            Duration <b data-testid="timeline-duration">{formatDuration(tree.durationMs)}</b>
          </span>
          <span>
            Spans <b data-testid="timeline-span-count">{trace.data.spans.length}</b>
          </span>
          <span>
            Depth <b>{tree.maxDepth + 1}</b>
          </span>
          <span className={tree.errorCount ? 'error-text' : ''}>
            Errors <b data-testid="timeline-error-count">{tree.errorCount}</b>
          </span>
          <span data-testid="timeline-service-names" title="The program's service.name (OTEL_SERVICE_NAME), from the spans' resource">
            Service{serviceNames.length === 1 ? '' : 's'}{' '}
            {serviceNames.length ? serviceNames.map((s) => <ServiceTag key={s} name={s} />) : <span className="muted">none recorded</span>}
          </span>
          <span data-testid="timeline-span-classes" title="The classes whose spans make up the trace (the part of a span's name before the dot), not programs">
            Span classes{' '}
            {tree.services.map((s) => (
              <ServiceTag key={s} name={s} />
            ))}
          </span>
        </div>
        <TraceUsage traceId={traceId} />
        <div className="toolbar">
          <button type="button" className="small" onClick={expandAll} data-testid="expand-all">
            Expand all
          </button>
          <button type="button" className="small" onClick={collapseAll} data-testid="collapse-all">
            Collapse all
          </button>
          <button type="button" className="small" onClick={() => collapseToLevel(2)} title="Show the first two levels">
            2 levels
          </button>
          <label className="inline" title="What the trace's end waited for: from the end of the root, the child that finished last, and so on back to the start">
            <input type="checkbox" checked={showCritical} onChange={(e) => setShowCritical(e.target.checked)} data-testid="critical-toggle" /> critical path
          </label>
          <button
            type="button"
            className={`small ${errorNodes.length ? 'danger' : ''}`}
            onClick={nextError}
            disabled={!errorNodes.length}
            data-testid="next-error"
            title={errorNodes.length ? 'Select the next failed span (expanding its parents)' : 'No span failed'}
          >
            {errorNodes.length ? `Next error ${selectedErrorIndex >= 0 ? selectedErrorIndex + 1 : 0}/${errorNodes.length}` : 'No errors'}
          </button>
          <span className="grow" />
          <input
            type="search"
            className="find"
            placeholder="Find span (name, agent, id)"
            value={find}
            onChange={(e) => setFind(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') gotoMatch(e.shiftKey ? -1 : 1);
            }}
            data-testid="timeline-find"
          />
          {needle && (
            <span className="muted small" data-testid="timeline-find-count">
              {matches.length ? (findIndex < 0 ? `${matches.length} found · Enter` : `${findIndex + 1}/${matches.length}`) : '0 found'}
            </span>
          )}
          {workflow && (
            <a className="button small" href={href('/compare', { a: traceId, workflow })} data-testid="timeline-compare">
              Compare…
            </a>
          )}
          <button type="button" className="small" onClick={() => void downloadOtlp()} data-testid="download-otlp" title="GET /api/traces/{id}/otlp">
            OTLP JSON ⤓
          </button>
        </div>
        <ErrorBox error={otlpError} />
      </div>

      <div className={`timeline-body ${selected ? 'with-detail' : ''}`}>
        <div className="waterfall" ref={waterfallRef} style={{ '--name-col': nameCol } as React.CSSProperties}>
          <div className="wf-header">
            <div className="wf-name-col">
              Span class &amp; operation
              <span className="wf-resizer" onMouseDown={startResize} title="Drag to resize" data-testid="name-col-resizer" />
            </div>
            <div className="wf-bar-col" ref={axisRef} data-testid="wf-axis">
              {axisTicks(total, axisWidth, family).map((t) => (
                <span key={t.at} className={`tick ${t.at === 0 ? 'first' : t.at === 1 ? 'last' : ''}`} style={{ left: `${t.at * 100}%` }} data-testid="wf-tick">
                  {t.label}
                </span>
              ))}
            </div>
          </div>
          <div className="wf-scroll" ref={scroller} onScroll={onScroll} data-testid="waterfall" data-row-count={rows.length}>
            <div className="wf-inner" style={{ height: rows.length * ROW_H }}>
              <div className="wf-gridlines">
                {[25, 50, 75].map((p) => (
                  <span key={p} style={{ left: `calc(var(--name-col) + (100% - var(--name-col)) * ${p / 100})` }} />
                ))}
              </div>
              {rows.slice(first, last).map((n, i) => {
                const s = n.span;
                const idx = first + i;
                const isErr = s.status_code === 'ERROR';
                const isCrit = showCritical && critical.has(s.span_id);
                const left = pct(s.start_time);
                const width = Math.max(0.15, (s.duration_ms / total) * 100);
                const agent = agentOf(s);
                const open = !collapsed.has(s.span_id);
                // The duration goes right of the bar, else left of it, else (a bar
                // spanning the whole trace) inside it, never over the names.
                const labelAt = left + width < 82 ? 'right' : left > 12 ? 'left' : 'inside';
                const color = colorFor(s.service ?? s.name);
                const message = isErr ? errorMessageOf(s) : undefined;
                const segs = isCrit ? segmentsOf.get(s.span_id) : undefined;
                return (
                  <div
                    key={s.span_id}
                    className={`wf-row ${isErr ? 'error' : ''} ${isCrit ? 'critical' : ''} ${selected?.span.span_id === s.span_id ? 'selected' : ''} ${matchIds.has(s.span_id) ? 'match' : ''}`}
                    style={{ top: idx * ROW_H, height: ROW_H }}
                    data-testid="span-row"
                    data-span-id={s.span_id}
                    data-name={s.name}
                    data-depth={n.depth}
                    data-status={s.status_code}
                    data-critical={critical.has(s.span_id) ? 'true' : 'false'}
                    onClick={() => select(selected?.span.span_id === s.span_id ? undefined : s.span_id)}
                  >
                    <div className="wf-name-col" style={{ paddingLeft: 6 + n.depth * INDENT }} title={`${s.name}${agent ? ` (${agent})` : ''}`}>
                      {n.children.length > 0 ? (
                        <button
                          type="button"
                          className="wf-toggle"
                          data-testid="span-toggle"
                          aria-expanded={open}
                          aria-label={open ? 'collapse' : 'expand'}
                          onClick={(e) => {
                            e.stopPropagation();
                            toggle(s.span_id);
                          }}
                        >
                          {open ? '▾' : '▸'}
                        </button>
                      ) : (
                        <span className="wf-toggle-spacer" />
                      )}
                      <span className="svc-dot" style={{ background: color }} />
                      {isErr && (
                        <span className="err-icon" title={s.status_description ?? 'error'}>
                          !
                        </span>
                      )}
                      {/* The agent first and never cut short: the span's class and operation give way. */}
                      {agent && (
                        <span className="wf-agent" data-testid="span-agent" style={{ borderLeftColor: colorFor(agent) }}>
                          {agent}
                        </span>
                      )}
                      {s.operation ? (
                        <>
                          <span className="wf-service">{s.service ?? ''}</span>
                          <span className="wf-op">{s.operation}</span>
                        </>
                      ) : (
                        <span className="wf-op">{s.name}</span>
                      )}
                      {!open && <span className="wf-hidden muted small">+{n.descendants}</span>}
                    </div>
                    <div className="wf-bar-col">
                      <div className="wf-bar" style={{ left: `${left}%`, width: `${width}%`, background: isErr ? undefined : color }} />
                      {segs?.map((g, j) => (
                        <div
                          key={j}
                          className="wf-crit"
                          data-testid="critical-segment"
                          style={{ left: `${pct(g.start)}%`, width: `${Math.max(0.1, ((g.end - g.start) / 1e6 / total) * 100)}%` }}
                        />
                      ))}
                      <span
                        className={`wf-dur ${labelAt}`}
                        style={
                          labelAt === 'right' ? { left: `calc(${left + width}% + 4px)` } : labelAt === 'left' ? { right: `calc(${100 - left}% + 4px)` } : { left: `calc(${left}% + 4px)` }
                        }
                      >
                        {formatDuration(s.duration_ms)}
                        {message && (
                          <span className="wf-err-msg" data-testid="span-error-message" title={message}>
                            {' '}
                            {message}
                          </span>
                        )}
                      </span>
                    </div>
                  </div>
                );
              })}
            </div>
          </div>
        </div>
        {selected && (
          <JsonViewer
            key={selected.span.span_id}
            span={selected.span}
            traceStart={tree.start}
            onClose={() => select(undefined)}
            spans={trace.data.spans}
            onSelect={(id) => {
              const n = tree.byId.get(id);
              if (n) reveal(n);
              select(id);
            }}
          />
        )}
      </div>
    </div>
  );
}
