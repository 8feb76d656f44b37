// Prices a model call in the browser with the server's rule (docs/http-api.md,
// "Tokens and cost"), so that a single span's cost agrees with the totals of
// GET /api/traces and /api/models/stats. Kept free of runtime imports: the
// unit tests load it alone.
import type { ModelPrice } from './api';

// undefined: not in the table; null: removed by FLOCK_PRICES_FILE, which
// ends the search there, as on the server.
type PriceTable = Record<string, ModelPrice | null>;
const own = (table: PriceTable, name: string): ModelPrice | null | undefined =>
  Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;

// The price of `model`: its exact name, then without a "provider/" prefix,
// then the longest known name it extends with "-" (a dated snapshot:
// gpt-4o-mini-2024-07-18 is priced as gpt-4o-mini). null when none: the
// cost is unknown, never guessed.
export function findPrice(table: PriceTable, model: string): ModelPrice | null {
  const exact = own(table, model);
  if (exact !== undefined) return exact;
  const slash = model.indexOf('/');
  if (slash >= 0) {
    model = model.slice(slash + 1);
    const bare = own(table, model);
    if (bare !== undefined) return bare;
  }
  for (let dash = model.lastIndexOf('-'); dash > 0; dash = model.lastIndexOf('-', dash - 1)) {
    const p = own(table, model.slice(0, dash));
    if (p !== undefined) return p;
  }
  return null;
}

// Rounded to a millionth of a dollar, as the server rounds.
export const roundUsd = (v: number): number => Math.round(v * 1e6) / 1e6;

// The cost of one call: null when the model has no price, except that
// nothing used costs nothing (the server's rule too).
export function costOf(price: ModelPrice | null, inputTokens: number, outputTokens: number): number | null {
  if (!price) return inputTokens === 0 && outputTokens === 0 ? 0 : null;
  return roundUsd((inputTokens * price.input_per_million + outputTokens * price.output_per_million) / 1e6);
}
