// A cost in US dollars, or "unknown" when some model has no price (never a
// guess), with the models behind it on hover: the unpriced ones named when
// unknown. data-usd holds the figure as the API gave it ("unknown" for null)
// so that tests compare it exactly.
import type { ModelUsage } from '../api';
import { formatTokens, formatUsd } from '../format';

export function costTitle(cost: number | null | undefined, models: readonly ModelUsage[] = []): string {
  const unpriced = models.filter((m) => m.cost_usd === null).map((m) => m.model);
  const lines: string[] = [];
  if (cost === null) lines.push(`Unknown: no price for ${unpriced.length ? unpriced.join(', ') : 'a model'} (GET /api/prices; FLOCK_PRICES_FILE adds prices)`);
  for (const m of models) {
    const price = m.price ? ` at $${m.price.input_per_million}/$${m.price.output_per_million} per 1M in/out (as of ${m.price.as_of})` : ' (no price)';
    lines.push(`${m.model}: ${m.calls} call${m.calls === 1 ? '' : 's'}, ${formatTokens(m.input_tokens)} in / ${formatTokens(m.output_tokens)} out, ${formatUsd(m.cost_usd)}${price}`);
  }
  return lines.join('\n');
}

export function Cost({ usd, models, testId = 'cost', none }: { usd: number | null | undefined; models?: readonly ModelUsage[]; testId?: string; none?: string }) {
  // No model call at all: nothing to price.
  if (none !== undefined && (models?.length ?? 0) === 0 && (usd === 0 || usd === undefined)) {
    return (
      <span className="muted" data-testid={testId} data-usd={usd ?? ''} title="No model calls">
        {none}
      </span>
    );
  }
  return (
    <span className={usd === null ? 'cost unknown' : 'cost'} data-testid={testId} data-usd={usd === null ? 'unknown' : (usd ?? '')} title={costTitle(usd, models) || undefined}>
      {formatUsd(usd)}
    </span>
  );
}

// Tokens in and out as "1,234 → 56"; data attributes for the tests.
export function Tokens({ input, output, testId = 'tokens', none }: { input?: number; output?: number; testId?: string; none?: string }) {
  if (none !== undefined && !input && !output) {
    return (
      <span className="muted" data-testid={testId} data-input={input ?? 0} data-output={output ?? 0} title="No model calls">
        {none}
      </span>
    );
  }
  return (
    <span className="tokens" data-testid={testId} data-input={input ?? ''} data-output={output ?? ''} title={`${formatTokens(input)} input tokens, ${formatTokens(output)} output tokens`}>
      {formatTokens(input)} <span className="muted">→</span> {formatTokens(output)}
    </span>
  );
}
