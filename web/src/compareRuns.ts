// Two runs of one workflow, span by span: rows matched by their key (the
// path of labels from the root, see keyedSpans in traceModel.ts), and which
// rows changed. A matched span is flagged slower or faster only when it
// changed by at least a relative share of A's duration AND by at least an
// absolute amount: 20% of a 10 µs hook is noise, and so is 1 ms of a minute.
// The module has no runtime imports (its unit test imports it alone).
import type { Span } from './api';
import type { KeyedSpan } from './traceModel';

export type RowStatus = 'both' | 'appeared' | 'vanished';
export interface CompareRow {
  key: string;
  label: string;
  depth: number;
  a?: Span;
  b?: Span;
  status: RowStatus;
  delta: number; // ms, B - A
  ratio: number; // delta / A
}

export function compareRuns(a: KeyedSpan[], b: KeyedSpan[]): CompareRow[] {
  const aMap = new Map(a.map((k) => [k.key, k]));
  const bMap = new Map(b.map((k) => [k.key, k]));
  // B-only keys are placed after their predecessor in B's order.
  const after = new Map<string | null, string[]>();
  let prev: string | null = null;
  for (const k of b) {
    if (!aMap.has(k.key)) {
      const l = after.get(prev) ?? [];
      l.push(k.key);
      after.set(prev, l);
    }
    prev = k.key;
  }
  const order: string[] = [];
  const emit = (key: string | null) => {
    // iterative to stay safe on long chains
    const stack: Array<string | null> = [key];
    while (stack.length) {
      const k = stack.pop()!;
      if (k !== null) order.push(k);
      const ins = after.get(k);
      if (ins) for (let i = ins.length - 1; i >= 0; i--) stack.push(ins[i]);
    }
  };
  emit(null);
  for (const k of a) emit(k.key);

  return order.map((key) => {
    const ka = aMap.get(key);
    const kb = bMap.get(key);
    const ref = (ka ?? kb)!;
    const da = ka?.span.duration_ms ?? 0;
    const db = kb?.span.duration_ms ?? 0;
    const status: RowStatus = ka && kb ? 'both' : ka ? 'vanished' : 'appeared';
    const delta = status === 'both' ? db - da : 0;
    return {
      key,
      label: ref.labels[ref.labels.length - 1],
      depth: ref.depth,
      a: ka?.span,
      b: kb?.span,
      status,
      delta,
      ratio: da > 0 ? delta / da : db > 0 ? Infinity : 0,
    };
  });
}

export interface ChangeRule {
  relative: number; // a share of A's duration: 0.2 = 20%
  absoluteMs: number;
}
export const DEFAULT_RULE: ChangeRule = { relative: 0.2, absoluteMs: 1 };
export type Change = 'slower' | 'faster' | 'same' | 'appeared' | 'vanished';

export function classify(r: CompareRow, rule: ChangeRule = DEFAULT_RULE): Change {
  if (r.status !== 'both') return r.status;
  const big = Math.abs(r.delta) >= rule.absoluteMs && Math.abs(r.ratio) >= rule.relative;
  if (!big || r.delta === 0) return 'same';
  return r.delta > 0 ? 'slower' : 'faster';
}
