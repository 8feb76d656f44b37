// The GenAI part of the span panel. For a model call: the model asked for
// and the one that answered, provider, tokens, cost (priced in the browser
// by GET /api/prices with the server's rule), latency, finish reasons,
// attempt and tool round, the tool calls of the answer (each a link to its
// Tool.execute span), and the recorded conversation as a chat transcript.
// For a tool call: its tool, arguments, result, and a link back to the model
// call that asked for it. All text is rendered as text.
import { useMemo, useState, type ReactNode } from 'react';
import { api, type Span } from '../api';
import { formatDuration } from '../format';
import { useApi } from '../hooks';
import { attrOf, modelCallFacts, modelCallOf, recordedMessages, responseSentBack, toolCallId, toolCallsAsked, toolSpansOf, type ChatMessage, type MessagePart } from '../llmCall';
import { costOf, findPrice } from '../pricing';
import { Cost, Tokens } from './Cost';

// JSON text (or a value) pretty-printed; other text as it is.
function pretty(v: unknown): string {
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        return JSON.stringify(JSON.parse(t), null, 2);
      } catch {
        return v;
      }
    }
    return v;
  }
  return v === undefined ? '' : JSON.stringify(v, null, 2);
}

const str = (v: unknown) => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v));

function SpanLink({ span, onSelect, testId, children }: { span: Span | undefined; onSelect?: (id: string) => void; testId: string; children: ReactNode }) {
  if (!span || !onSelect) return null;
  return (
    <button type="button" className="link small" data-testid={testId} data-target-span-id={span.span_id} onClick={() => onSelect(span.span_id)} title={`Select span ${span.span_id} in the waterfall`}>
      {children}
    </button>
  );
}

function Part({ part, toolSpan, onSelect }: { part: MessagePart; toolSpan?: (id: string) => Span | undefined; onSelect?: (id: string) => void }) {
  switch (part.type) {
    case 'text':
      return (
        <div className="chat-text" data-testid="chat-text">
          {pretty(part.content)}
        </div>
      );
    case 'tool_call':
      return (
        <div className="chat-tool-call" data-testid="chat-tool-call" data-call-id={part.id}>
          <div className="chat-part-head">
            calls <b>{part.name}</b> <span className="mono muted small">{part.id}</span>{' '}
            <SpanLink span={toolSpan?.(part.id)} onSelect={onSelect} testId="chat-tool-link">
              {toolSpan?.(part.id)?.name} ›
            </SpanLink>
          </div>
          <pre className="chat-code" data-testid="chat-tool-arguments">
            {pretty(part.arguments)}
          </pre>
        </div>
      );
    case 'tool_call_response':
      return (
        <div className="chat-tool-result" data-testid="chat-tool-result" data-call-id={part.id}>
          <div className="chat-part-head">
            result of <span className="mono small">{part.id}</span>
          </div>
          <pre className="chat-code">{pretty(part.response)}</pre>
        </div>
      );
    default:
      return <pre className="chat-code">{pretty(part.value)}</pre>;
  }
}

function Bubble({ m, direction, toolSpan, onSelect }: { m: ChatMessage; direction: 'input' | 'output'; toolSpan?: (id: string) => Span | undefined; onSelect?: (id: string) => void }) {
  const long = m.role === 'system' && m.parts.some((p) => p.type === 'text' && p.content.length > 400);
  const [open, setOpen] = useState(!long);
  return (
    <div className={`chat-msg role-${/^[a-z_]+$/.test(m.role) ? m.role : 'other'} ${direction} ${open ? '' : 'clamped'}`} data-testid="chat-message" data-role={m.role} data-direction={direction}>
      <div className="chat-role">
        {m.role}
        {direction === 'output' && <span className="muted small"> · answer{m.finishReason ? ` (${m.finishReason})` : ''}</span>}
        {long && (
          <button type="button" className="link small" onClick={() => setOpen((o) => !o)} data-testid="chat-expand">
            {open ? 'show less' : 'show all'}
          </button>
        )}
      </div>
      {m.parts.map((p, i) => (
        <Part key={i} part={p} toolSpan={toolSpan} onSelect={onSelect} />
      ))}
      {m.parts.length === 0 && <div className="muted small">(empty)</div>}
    </div>
  );
}

function Facts({ rows }: { rows: Array<[string, ReactNode, string?]> }) {
  return (
    <table className="kv">
      <tbody>
        {rows.map(([k, v, testId]) => (
          <tr key={k}>
            <th>{k}</th>
            <td data-testid={testId}>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ModelCallSection({ span, spans, onSelect }: { span: Span; spans: readonly Span[]; onSelect?: (id: string) => void }) {
  const prices = useApi(api.prices, []);
  const f = modelCallFacts(span);
  const price = prices.data ? findPrice(prices.data.models, f.model) : undefined;
  const cost = price === undefined ? undefined : costOf(price, f.inputTokens ?? 0, f.outputTokens ?? 0);
  const input = recordedMessages(span, 'input');
  const output = recordedMessages(span, 'output');
  const asked = useMemo(() => toolCallsAsked(span), [span]);
  const linked = useMemo(() => toolSpansOf(span, spans), [span, spans]);
  const toolSpan = (id: string) => linked.find((t) => toolCallId(t) === id);
  const recorded = input !== undefined || output !== undefined;

  const rows: Array<[string, ReactNode, string?]> = [
    ['requested', f.requestModel ?? '–', 'llm-request-model'],
    [
      'answered by',
      f.responseModel ?? <span className="muted">– (no answer)</span>,
      'llm-response-model',
    ],
    ['provider', f.provider ?? '–', 'llm-provider'],
    ['tokens', <Tokens input={f.inputTokens} output={f.outputTokens} testId="llm-tokens" />],
    [
      'cost',
      prices.error ? (
        <span className="muted">prices unavailable ({prices.error.message})</span>
      ) : cost === undefined ? (
        '…'
      ) : (
        <>
          <Cost usd={cost} testId="llm-cost" />{' '}
          <span className="muted small" data-testid="llm-price">
            {price ? `at $${price.input_per_million} / $${price.output_per_million} per 1M in/out, as of ${price.as_of}` : `no price for ${f.model} (${prices.data?.source ?? 'price table'})`}
          </span>
        </>
      ),
    ],
    ['latency', formatDuration(span.duration_ms), 'llm-latency'],
    ['finish', f.finishReasons.length ? f.finishReasons.join(', ') : '–', 'llm-finish'],
  ];
  if (f.attempt !== undefined || f.toolRound !== undefined)
    rows.push(['attempt', `${f.attempt ?? '–'}${f.toolRound !== undefined ? ` · tool round ${f.toolRound}` : ''}`, 'llm-attempt']);
  if (f.responseId) rows.push(['response id', <span className="mono">{f.responseId}</span>]);

  // The calls of the answer: from the recorded answer, else from the linked spans.
  const calls = asked.length
    ? asked.map((c) => ({ id: c.id, name: c.name, args: c.arguments as unknown, span: toolSpan(c.id) }))
    : linked.map((t) => ({ id: toolCallId(t) ?? '', name: str(attrOf(t.attributes, 'gen_ai.tool.name')) ?? t.name, args: attrOf(t.attributes, 'gen_ai.tool.call.arguments'), span: t as Span | undefined }));

  return (
    <section className="llm-call" data-testid="llm-call" data-model={f.model}>
      <div className="llm-head">
        <b>Model call</b>
        {f.operation && <span className="tag">{f.operation}</span>}
      </div>
      <Facts rows={rows} />
      {(calls.length > 0 || (f.toolCalls ?? 0) > 0) && (
        <div className="llm-tools" data-testid="llm-tool-calls">
          <div className="llm-sub">Tool calls asked for ({calls.length || f.toolCalls})</div>
          {calls.map((c, i) => {
            // What the model got back (a failed call's error included), else the span's result.
            const sent = c.id ? responseSentBack(span, c.id, spans) : undefined;
            const result = sent !== undefined ? sent : c.span ? attrOf(c.span.attributes, 'gen_ai.tool.call.result') : undefined;
            const failed = c.span?.status_code === 'ERROR';
            return (
              <div key={i} className={`llm-tool ${failed ? 'error' : ''}`} data-testid="llm-tool-call" data-call-id={c.id} data-tool={c.name}>
                <div className="chat-part-head">
                  <b>{c.name}</b> <span className="mono muted small">{c.id}</span>
                  {failed && <span className="badge error">{str(attrOf(c.span!.attributes, 'error.type')) ?? 'ERROR'}</span>}
                  <span className="grow" />
                  {c.span ? (
                    <SpanLink span={c.span} onSelect={onSelect} testId="llm-tool-link">
                      {c.span.name} · {formatDuration(c.span.duration_ms)} ›
                    </SpanLink>
                  ) : (
                    <span className="muted small">no tool span in this trace</span>
                  )}
                </div>
                <div className="llm-tool-io">
                  <span className="muted small">arguments</span>
                  <pre className="chat-code" data-testid="llm-tool-arguments">
                    {c.args === undefined ? 'not recorded' : pretty(c.args)}
                  </pre>
                  <span className="muted small" title={sent !== undefined ? 'As the next model call was told' : undefined}>
                    {failed ? 'error' : 'result'}
                  </span>
                  <pre className={`chat-code ${failed ? 'error-text' : ''}`} data-testid="llm-tool-result">
                    {result !== undefined ? pretty(result) : failed && c.span?.status_description ? c.span.status_description : 'not recorded'}
                  </pre>
                </div>
              </div>
            );
          })}
        </div>
      )}
      {recorded ? (
        <div className="chat" data-testid="llm-transcript">
          <div className="llm-sub">Conversation</div>
          {input && 'error' in input && <div className="muted small">gen_ai.input.messages: {input.error}; see the attributes.</div>}
          {input && 'messages' in input && input.messages.map((m, i) => <Bubble key={`i${i}`} m={m} direction="input" />)}
          {output && 'error' in output && <div className="muted small">gen_ai.output.messages: {output.error}; see the attributes.</div>}
          {output && 'messages' in output && output.messages.map((m, i) => <Bubble key={`o${i}`} m={m} direction="output" toolSpan={toolSpan} onSelect={onSelect} />)}
        </div>
      ) : (
        <p className="note muted small" data-testid="llm-content-off">
          The messages were not recorded: content recording was off. <code>FLOCK_LLM_RECORD_CONTENT=true</code> (or <code>LlmOptions::record_content</code>) records
          the conversation and the answer on the span.
        </p>
      )}
    </section>
  );
}

export function ToolCallSection({ span, spans, onSelect }: { span: Span; spans: readonly Span[]; onSelect?: (id: string) => void }) {
  const a = span.attributes;
  const caller = useMemo(() => modelCallOf(span, spans), [span, spans]);
  const args = attrOf(a, 'gen_ai.tool.call.arguments');
  const failed = span.status_code === 'ERROR';
  // A failed call records no result: show what the model was told instead.
  const id = toolCallId(span);
  const recordedResult = attrOf(a, 'gen_ai.tool.call.result');
  const result = recordedResult !== undefined ? recordedResult : caller && id ? responseSentBack(caller, id, spans) : undefined;
  const rows: Array<[string, ReactNode, string?]> = [
    ['tool', str(attrOf(a, 'gen_ai.tool.name')) ?? '–', 'tool-name'],
    ['call id', <span className="mono">{toolCallId(span) ?? '–'}</span>, 'tool-call-id'],
    ['duration', formatDuration(span.duration_ms)],
    [
      'asked by',
      caller ? (
        <SpanLink span={caller} onSelect={onSelect} testId="tool-asked-by">
          {caller.name} · {modelCallFacts(caller).model} ‹
        </SpanLink>
      ) : (
        <span className="muted">no model call found in this trace</span>
      ),
    ],
  ];
  if (failed) rows.push(['error', <span className="error-text">{str(attrOf(a, 'error.type')) ?? 'ERROR'}{span.status_description ? `: ${span.status_description}` : ''}</span>, 'tool-error']);
  return (
    <section className="llm-call" data-testid="tool-call">
      <div className="llm-head">
        <b>Tool call</b>
        <span className="tag">execute_tool</span>
      </div>
      <Facts rows={rows} />
      {args === undefined && result === undefined ? (
        <p className="note muted small" data-testid="tool-content-off">
          Arguments and result were not recorded (content recording was off: <code>FLOCK_LLM_RECORD_CONTENT=true</code>).
        </p>
      ) : (
        <div className="llm-tool-io">
          <span className="muted small">arguments</span>
          <pre className="chat-code" data-testid="tool-arguments">
            {args === undefined ? 'not recorded' : pretty(args)}
          </pre>
          <span className="muted small" title={recordedResult === undefined && result !== undefined ? 'As the next model call was told' : undefined}>
            {failed ? 'error' : 'result'}
          </span>
          <pre className={`chat-code ${failed ? 'error-text' : ''}`} data-testid="tool-result">
            {result === undefined ? 'not recorded' : pretty(result)}
          </pre>
        </div>
      )}
    </section>
  );
}
