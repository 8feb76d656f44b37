// The tokens and cost of one trace, under the timeline's title: totals and
// one entry per model, as GET /api/traces sums and prices them (the same
// figures as the trace list). There is no summary route for one trace, so
// the list is searched for its id (q matches a trace id prefix). Nothing is
// shown for a trace without model calls.
import { api } from '../api';
import { formatTokens } from '../format';
import { useApi, useLiveReload } from '../hooks';
import { Cost, Tokens } from './Cost';

export function TraceUsage({ traceId }: { traceId: string }) {
  const list = useApi((s) => api.traces({ q: traceId, limit: 20 }, s), [traceId]);
  useLiveReload(['span'], list.reload, { filter: (_n, d) => (d as { trace_id?: string }).trace_id === traceId, waitMs: 800 });
  const t = list.data?.items.find((x) => x.trace_id === traceId);
  if (!t || !(t.models?.length || t.input_tokens || t.output_tokens)) return null;
  return (
    <div className="trace-usage" data-testid="trace-usage">
      <span>
        Tokens <Tokens input={t.input_tokens} output={t.output_tokens} testId="trace-usage-tokens" />
      </span>
      <span>
        Cost <Cost usd={t.cost_usd} models={t.models} testId="trace-usage-cost" />
      </span>
      <span className="usage-models">
        {(t.models ?? []).map((m) => (
          <span key={m.model} className="usage-model" data-testid="trace-usage-model" data-model={m.model} data-calls={m.calls} data-input={m.input_tokens} data-output={m.output_tokens} data-usd={m.cost_usd === null ? 'unknown' : m.cost_usd}>
            <b>{m.model}</b> <span className="muted">×{m.calls}</span> {formatTokens(m.input_tokens)} → {formatTokens(m.output_tokens)}{' '}
            <Cost usd={m.cost_usd} models={[m]} testId="trace-usage-model-cost" />
          </span>
        ))}
      </span>
    </div>
  );
}
