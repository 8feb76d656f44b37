// The panel of one span: its agent and name in the title, an overview, the
// input and output (parsed, raw on demand), then attributes, events, links
// and resource as collapsible trees. Strings holding JSON open as trees too.
// Model calls and tool calls get their GenAI section (LlmCall.tsx) first.
// Everything is rendered as text.
import { useState } from 'react';
import type { Span } from '../api';
import { AgentChip } from '../components/AgentChip';
import { JsonTree, JsonTreeControl } from '../components/JsonTree';
import { ModelCallSection, ToolCallSection } from '../components/LlmCall';
import { SpanIo } from '../components/SpanIo';
import { copyText, formatDuration, formatTime, getAttr, getAttrString } from '../format';
import { isModelCall, isToolCall } from '../llmCall';

export function JsonViewer({
  span,
  traceStart,
  onClose,
  spans,
  onSelect,
}: {
  span: Span;
  traceStart?: number;
  onClose?: () => void;
  spans?: readonly Span[]; // the trace's spans: links between model and tool calls
  onSelect?: (spanId: string) => void;
}) {
  const [mode, setMode] = useState<'default' | 'expand' | 'collapse'>('default');
  const [gen, setGen] = useState(0);
  const [raw, setRaw] = useState(false);
  const [copied, setCopied] = useState<'' | 'ok' | 'fail'>('');
  const broadcast = (m: 'expand' | 'collapse') => {
    setMode(m);
    setGen((g) => g + 1);
  };
  const copy = async () => {
    const ok = await copyText(JSON.stringify(span, null, 2));
    setCopied(ok ? 'ok' : 'fail');
    setTimeout(() => setCopied(''), 1500);
  };
  const rel = (ns: number) => (traceStart !== undefined ? `+${formatDuration((ns - traceStart) / 1e6)}` : '');
  const overview: Array<[string, React.ReactNode]> = [
    ['name', span.name],
    ['span_id', <span className="mono">{span.span_id}</span>],
    ['parent_id', <span className="mono">{span.parent_id ?? '— (root)'}</span>],
    ['trace_id', <span className="mono">{span.trace_id}</span>],
    ['service', span.service ?? ''],
    ['operation', span.operation ?? ''],
    ['kind', span.kind],
    ['start', `${formatTime(span.start_time)} ${rel(span.start_time)}`],
    ['duration', formatDuration(span.duration_ms)],
    [
      'status',
      <span className={`badge ${span.status_code === 'ERROR' ? 'error' : span.status_code === 'OK' ? 'ok' : ''}`}>{span.status_code}</span>,
    ],
  ];
  if (span.status_description) overview.push(['status_description', <span className="error-text">{span.status_description}</span>]);
  const agent = getAttrString(span.attributes, 'agent.name');
  const input = getAttr(span.attributes, 'input.value');
  const output = getAttr(span.attributes, 'output.value');

  return (
    <aside className="json-viewer" data-testid="json-viewer" data-span-id={span.span_id}>
      <div className="jv-header">
        <div className="jv-title" title={agent ? `${agent} · ${span.name}` : span.name} data-testid="json-title">
          {agent && <AgentChip name={agent} title={`agent.name = ${agent}`} />}
          <span className="jv-name">{span.name}</span>
        </div>
        <div className="jv-actions">
          <button type="button" className="small" onClick={() => broadcast('expand')} data-testid="json-expand-all">
            Expand
          </button>
          <button type="button" className="small" onClick={() => broadcast('collapse')} data-testid="json-collapse-all">
            Collapse
          </button>
          <button type="button" className={`small ${raw ? 'active' : ''}`} onClick={() => setRaw((r) => !r)} data-testid="json-raw">
            Raw
          </button>
          <button type="button" className="small" onClick={() => void copy()} data-testid="json-copy" title="Copy this span as JSON">
            {copied === 'ok' ? 'Copied ✓' : copied === 'fail' ? 'Copy failed' : 'Copy'}
          </button>
          {onClose && (
            <button type="button" className="small ghost" onClick={onClose} aria-label="close" data-testid="json-close">
              ✕
            </button>
          )}
        </div>
      </div>
      <div className="jv-body">
        {raw ? (
          <pre className="jv-raw" data-testid="json-raw-text">
            {JSON.stringify(span, null, 2)}
          </pre>
        ) : (
          <JsonTreeControl mode={mode} gen={gen} defaultDepth={3}>
            <table className="kv">
              <tbody>
                {overview.map(([k, v]) => (
                  <tr key={k}>
                    <th>{k}</th>
                    <td>{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {isModelCall(span) ? (
              <ModelCallSection span={span} spans={spans ?? [span]} onSelect={onSelect} />
            ) : isToolCall(span) ? (
              <ToolCallSection span={span} spans={spans ?? [span]} onSelect={onSelect} />
            ) : null}
            {input !== undefined && (
              <SpanIo label="Input" value={input} type={getAttrString(span.attributes, 'input.type')} testId="span-input" mode={mode} gen={gen} />
            )}
            {output !== undefined && (
              <SpanIo label="Output" value={output} type={getAttrString(span.attributes, 'output.type')} testId="span-output" mode={mode} gen={gen} />
            )}
            <Section title="Attributes" count={Object.keys(span.attributes ?? {}).length} testId="json-attributes">
              <JsonTree value={span.attributes ?? {}} path="attributes" />
            </Section>
            <Section title="Events" count={span.events?.length ?? 0} testId="json-events">
              {(span.events ?? []).map((e, i) => (
                <div key={i} className="jv-event">
                  <div className="jv-event-head">
                    <b>{e.name}</b> <span className="muted small">{rel(e.timestamp)}</span>
                  </div>
                  <JsonTree value={e.attributes ?? {}} path={`events.${i}`} />
                </div>
              ))}
            </Section>
            <Section title="Links" count={span.links?.length ?? 0} testId="json-links">
              <JsonTree value={span.links ?? []} path="links" />
            </Section>
            <Section title="Resource" count={Object.keys(span.resource ?? {}).length} testId="json-resource" closed>
              <JsonTree value={span.resource ?? {}} path="resource" />
            </Section>
          </JsonTreeControl>
        )}
      </div>
    </aside>
  );
}

function Section({ title, count, children, testId, closed }: { title: string; count: number; children: React.ReactNode; testId: string; closed?: boolean }) {
  const [open, setOpen] = useState(!closed && count > 0);
  return (
    <section className="jv-section" data-testid={testId}>
      <button type="button" className="jv-section-head" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
        {open ? '▾' : '▸'} {title} <span className="muted">({count})</span>
      </button>
      {open && <div className="jv-section-body">{children}</div>}
    </section>
  );
}
