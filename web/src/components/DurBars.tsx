// p50, p95 and max of a row as three stacked bars on a shared scale.
import { formatDuration } from '../format';

export function DurBars({ p50, p95, max, scale }: { p50: number; p95: number; max: number; scale: number }) {
  const w = (v: number) => `${Math.max(0.5, (v / scale) * 100)}%`;
  return (
    <div className="pct-bars" title={`p50 ${formatDuration(p50)} · p95 ${formatDuration(p95)} · max ${formatDuration(max)}`}>
      <div className="pct max" style={{ width: w(max) }} />
      <div className="pct p95" style={{ width: w(p95) }} />
      <div className="pct p50" style={{ width: w(p50) }} />
    </div>
  );
}
