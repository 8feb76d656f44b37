// Statistics per model (GET /api/models/stats): calls, traces, failed
// calls, tokens, cost, the price used with its date, and latency
// percentiles; sortable by every column (unknown costs and prices last).
import type { ModelStats } from '../api';
import { colorFor, formatDuration, formatTokens } from '../format';
import { href } from '../hooks';
import { useSort } from '../sorting';
import { Cost } from './Cost';
import { col, num, Table } from './ui';

export function ModelStatsTable({ rows }: { rows: ModelStats[] }) {
  const { sorted, sort, onSort } = useSort(rows, {
    model: (m) => m.model,
    calls: (m) => m.calls,
    traces: (m) => m.traces,
    errors: (m) => m.errors,
    input: (m) => m.input_tokens,
    output: (m) => m.output_tokens,
    cost: (m) => m.cost_usd,
    price: (m) => (m.price ? m.price.input_per_million + m.price.output_per_million : null),
    p50: (m) => m.p50_ms,
    p95: (m) => m.p95_ms,
    p99: (m) => m.p99_ms,
  });
  return (
    <div className="table-wrap">
      <Table
        columns={[
          col('Model', 'model', 'gen_ai.response.model, else gen_ai.request.model'),
          num('Calls', 'calls', 'Model-call spans'),
          num('Traces', 'traces', 'Traces with a call to it'),
          num('Failed', 'errors', 'Calls with status ERROR'),
          num('Input tokens', 'input'),
          num('Output tokens', 'output'),
          num('Cost', 'cost'),
          num('Price per 1M in / out', 'price', 'US dollars per million tokens, and the date the price was read'),
          num('p50', 'p50'),
          num('p95', 'p95'),
          num('p99', 'p99'),
        ]}
        testId="model-stats"
        sort={sort}
        onSort={onSort}
        empty={rows.length === 0 && 'No model calls yet (spans with gen_ai.request.model, gen_ai.response.model or gen_ai.usage.*).'}
      >
        {sorted.map((m) => (
          <tr key={m.model} data-testid="model-stats-row" data-model={m.model}>
            <td>
              <span className="svc-dot" style={{ background: colorFor(m.model) }} /> <a href={href('/traces', { q: m.model })}>{m.model}</a>
            </td>
            <td className="num">{m.calls}</td>
            <td className="num">{m.traces}</td>
            <td className="num">{m.errors > 0 ? <span className="badge error">{m.errors}</span> : 0}</td>
            <td className="num">{formatTokens(m.input_tokens)}</td>
            <td className="num">{formatTokens(m.output_tokens)}</td>
            <td className="num nowrap">
              <Cost usd={m.cost_usd} models={[m]} testId="model-cost" />
            </td>
            <td className="num nowrap" data-testid="model-price">
              {m.price ? (
                <>
                  ${m.price.input_per_million} / ${m.price.output_per_million} <span className="muted small">as of {m.price.as_of}</span>
                </>
              ) : (
                <span className="cost unknown" title="Not in the price table: its cost is unknown">
                  unknown
                </span>
              )}
            </td>
            <td className="num" data-testid="model-p50" data-ms={m.p50_ms}>
              {formatDuration(m.p50_ms)}
            </td>
            <td className="num" data-testid="model-p95" data-ms={m.p95_ms}>
              {formatDuration(m.p95_ms)}
            </td>
            <td className="num" data-testid="model-p99" data-ms={m.p99_ms}>
              {formatDuration(m.p99_ms)}
            </td>
          </tr>
        ))}
      </Table>
    </div>
  );
}
