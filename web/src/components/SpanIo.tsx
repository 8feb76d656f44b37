// A span's input or output: the JSON text of attribute input.value or
// output.value, parsed and shown as an open tree (pretty) by default, the
// text as recorded on demand. Text that is not JSON is shown as it is.
import { useMemo, useState } from 'react';
import { JsonTree, JsonTreeControl } from './JsonTree';

type TreeMode = 'default' | 'expand' | 'collapse';

function parse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export function SpanIo({ label, value, type, testId, mode, gen }: { label: string; value: unknown; type?: string; testId: string; mode: TreeMode; gen: number }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  const parsed = useMemo(() => (typeof value === 'string' ? parse(value) : { ok: true as const, value }), [value]);
  const [raw, setRaw] = useState(false);
  const showRaw = raw || !parsed.ok;
  return (
    <section className="jv-io" data-testid={testId} data-view={showRaw ? 'raw' : 'pretty'}>
      <div className="jv-io-head">
        <b>{label}</b>
        {type && <span className="tag">{type}</span>}
        {!parsed.ok && <span className="muted small">not JSON: shown as recorded</span>}
        <span className="grow" />
        {parsed.ok && (
          <button type="button" className={`small ${raw ? 'active' : ''}`} onClick={() => setRaw((r) => !r)} data-testid="io-raw-toggle" title={raw ? 'Show it parsed' : 'Show the text as recorded'}>
            {raw ? 'Pretty' : 'Raw'}
          </button>
        )}
      </div>
      {showRaw ? (
        <pre className="jv-raw jv-io-raw" data-testid="io-raw-text">
          {text}
        </pre>
      ) : (
        <div data-testid="io-pretty">
          <JsonTreeControl mode={mode} gen={gen} defaultDepth={8}>
            <JsonTree value={parsed.value} path={testId} />
          </JsonTreeControl>
        </div>
      )}
    </section>
  );
}
