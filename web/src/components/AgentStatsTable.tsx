// Statistics per agent (GET /api/agents/stats): runs (Agent.execute spans),
// failed runs, duration percentiles and the tokens and cost of its model
// calls; sortable by every column (an unknown cost sorts last).
import type { AgentStats } from '../api';
import { colorFor, formatDuration, formatPercent } from '../format';
import { Cost } from './Cost';
import { href } from '../hooks';
import { useSort } from '../sorting';
import { col, num, Table } from './ui';

export const AGENT_ERRORS_NOTE = 'Failed = failed executions: Agent.execute spans with status ERROR.';

export function AgentStatsTable({ rows, testId = 'agent-stats', empty }: { rows: AgentStats[]; testId?: string; empty?: React.ReactNode }) {
  const { sorted, sort, onSort } = useSort(rows, {
    agent: (a) => a.agent_name,
    runs: (a) => a.runs,
    errors: (a) => a.errors,
    rate: (a) => a.error_rate,
    avg: (a) => a.avg_ms,
    p50: (a) => a.p50_ms,
    p95: (a) => a.p95_ms,
    p99: (a) => a.p99_ms,
    max: (a) => a.max_ms,
    input: (a) => a.input_tokens,
    output: (a) => a.output_tokens,
    cost: (a) => a.cost_usd,
  });
  return (
    <div className="table-wrap">
      <Table
        columns={[
          col('Agent', 'agent'),
          num('Runs', 'runs', 'Executions (Agent.execute spans)'),
          num('Failed', 'errors', 'Failed executions'),
          num('Error rate', 'rate', 'Failed executions / runs'),
          num('Avg', 'avg'),
          num('p50', 'p50'),
          num('p95', 'p95'),
          num('p99', 'p99'),
          num('Max', 'max'),
          num('Input tokens', 'input', 'gen_ai.usage.input_tokens of its model calls'),
          num('Output tokens', 'output', 'gen_ai.usage.output_tokens of its model calls'),
          num('Cost', 'cost', 'Its model calls priced per model; unknown when a model has no price'),
        ]}
        testId={testId}
        sort={sort}
        onSort={onSort}
        empty={rows.length === 0 ? (empty ?? 'No agent has run yet.') : undefined}
      >
        {sorted.map((a) => (
          <tr key={a.agent_name} data-testid="agent-stats-row" data-agent={a.agent_name}>
            <td>
              <span className="svc-dot" style={{ background: colorFor(a.agent_name) }} /> <a href={href('/traces', { agent: a.agent_name })}>{a.agent_name}</a>
            </td>
            <td className="num">{a.runs}</td>
            <td className="num">{a.errors > 0 ? <span className="badge error">{a.errors}</span> : 0}</td>
            <td className={`num ${a.error_rate > 0 ? 'error-text' : ''}`}>{formatPercent(a.error_rate)}</td>
            <td className="num">{formatDuration(a.avg_ms)}</td>
            <td className="num">{formatDuration(a.p50_ms)}</td>
            <td className="num">{formatDuration(a.p95_ms)}</td>
            <td className="num">{formatDuration(a.p99_ms)}</td>
            <td className="num">{formatDuration(a.max_ms)}</td>
            <td className="num">{a.input_tokens.toLocaleString()}</td>
            <td className="num">{a.output_tokens.toLocaleString()}</td>
            <td className="num nowrap">
              <Cost usd={a.cost_usd} models={a.models} testId="agent-cost" />
            </td>
          </tr>
        ))}
      </Table>
    </div>
  );
}
