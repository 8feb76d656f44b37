// A collapsible JSON tree. Every value is rendered as text (React escapes
// it); strings that hold JSON (input.value, output.value, ...) can be opened
// as a tree of their own.
import { createContext, useContext, useEffect, useMemo, useState } from 'react';

// "expand" / "collapse" broadcast to every node when gen changes.
interface TreeControl {
  mode: 'default' | 'expand' | 'collapse';
  gen: number;
  defaultDepth: number;
}
const Ctl = createContext<TreeControl>({ mode: 'default', gen: 0, defaultDepth: 2 });

export function JsonTreeControl({ mode, gen, defaultDepth = 2, children }: { mode: TreeControl['mode']; gen: number; defaultDepth?: number; children: React.ReactNode }) {
  const value = useMemo(() => ({ mode, gen, defaultDepth }), [mode, gen, defaultDepth]);
  return <Ctl.Provider value={value}>{children}</Ctl.Provider>;
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return v !== null && typeof v === 'object';
}

// The parsed value when s is JSON text for an object or an array.
export function parseJsonText(s: string): Record<string, unknown> | unknown[] | undefined {
  const t = s.trim();
  if (t.length < 2 || !((t[0] === '{' && t.endsWith('}')) || (t[0] === '[' && t.endsWith(']')))) return undefined;
  try {
    const v = JSON.parse(t) as unknown;
    return isContainer(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function useOpen(depth: number, forceOpen = false): [boolean, (f: (o: boolean) => boolean) => void] {
  const ctl = useContext(Ctl);
  const initial = forceOpen || (ctl.mode === 'expand' ? true : ctl.mode === 'collapse' ? depth === 0 : depth < ctl.defaultDepth);
  const [open, setOpen] = useState(initial);
  useEffect(() => {
    if (ctl.mode === 'expand') setOpen(true);
    else if (ctl.mode === 'collapse') setOpen(depth === 0);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ctl.gen]);
  return [open, setOpen];
}

function Scalar({ value }: { value: unknown }) {
  if (value === null) return <span className="j-null">null</span>;
  switch (typeof value) {
    case 'number':
      return <span className="j-num">{String(value)}</span>;
    case 'boolean':
      return <span className="j-bool">{String(value)}</span>;
    case 'string':
      return (
        <span className="j-str" data-testid="json-string">
          &quot;{value}&quot;
        </span>
      );
    default:
      return <span className="j-other">{String(value)}</span>;
  }
}

function summary(v: Record<string, unknown> | unknown[]): string {
  if (Array.isArray(v)) return `[${v.length}]`;
  const n = Object.keys(v).length;
  return `{${n}}`;
}

function Key({ name }: { name?: string | number }) {
  if (name === undefined) return null;
  return (
    <>
      <span className={typeof name === 'number' ? 'j-idx' : 'j-key'}>{typeof name === 'number' ? name : name}</span>
      <span className="j-colon">: </span>
    </>
  );
}

function StringNode({ name, value, depth, path }: { name?: string | number; value: string; depth: number; path: string }) {
  const parsed = useMemo(() => parseJsonText(value), [value]);
  const [asJson, setAsJson] = useState(false);
  if (!parsed) {
    return (
      <div className="j-row" style={{ paddingLeft: depth * 14 + 14 }} data-testid="json-node" data-path={path}>
        <Key name={name} />
        <Scalar value={value} />
      </div>
    );
  }
  return (
    <div data-testid="json-node" data-path={path}>
      <div className="j-row" style={{ paddingLeft: depth * 14 + 14 }}>
        <Key name={name} />
        <button
          type="button"
          className={`j-parse ${asJson ? 'on' : ''}`}
          data-testid="json-parse-toggle"
          title={asJson ? 'Show the raw string' : 'This string holds JSON: show it as a tree'}
          onClick={() => setAsJson((o) => !o)}
        >
          {asJson ? 'JSON ▾' : 'JSON ▸'}
        </button>{' '}
        {!asJson && <Scalar value={value} />}
      </div>
      {asJson && <ContainerNode value={parsed} depth={depth + 1} path={path + '.<json>'} forceOpen />}
    </div>
  );
}

function Node({ name, value, depth, path }: { name?: string | number; value: unknown; depth: number; path: string }) {
  if (typeof value === 'string') return <StringNode name={name} value={value} depth={depth} path={path} />;
  if (!isContainer(value)) {
    return (
      <div className="j-row" style={{ paddingLeft: depth * 14 + 14 }} data-testid="json-node" data-path={path}>
        <Key name={name} />
        <Scalar value={value} />
      </div>
    );
  }
  return <ContainerNode name={name} value={value} depth={depth} path={path} />;
}

function ContainerNode({ name, value, depth, path, forceOpen }: { name?: string | number; value: Record<string, unknown> | unknown[]; depth: number; path: string; forceOpen?: boolean }) {
  const [open, setOpen] = useOpen(depth, forceOpen);
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  const empty = entries.length === 0;
  return (
    <div data-testid="json-node" data-path={path}>
      <div className="j-row" style={{ paddingLeft: depth * 14 }}>
        <button
          type="button"
          className="j-toggle"
          data-testid="json-toggle"
          aria-expanded={open}
          disabled={empty}
          onClick={() => setOpen((o) => !o)}
        >
          {empty ? '' : open ? '▾' : '▸'}
        </button>
        <Key name={name} />
        <span className="j-summary">{empty ? (Array.isArray(value) ? '[]' : '{}') : summary(value)}</span>
      </div>
      {open &&
        entries.map(([k, v]) => <Node key={String(k)} name={k} value={v} depth={depth + 1} path={`${path}.${k}`} />)}
    </div>
  );
}

export function JsonTree({ value, name, path = '$' }: { value: unknown; name?: string; path?: string }) {
  return (
    <div className="json-tree">
      <Node name={name} value={value} depth={0} path={path} />
    </div>
  );
}
