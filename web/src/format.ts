// Formatting helpers shared by the views.

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const a = Math.abs(ms);
  if (a === 0) return '0ms';
  if (a < 1) return `${+(ms * 1000).toFixed(a < 0.01 ? 2 : 0)}µs`;
  if (a < 10) return `${ms.toFixed(2)}ms`;
  if (a < 1000) return `${ms.toFixed(1)}ms`;
  if (a < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const m = Math.floor(a / 60_000);
  const s = ((a % 60_000) / 1000).toFixed(1);
  return `${ms < 0 ? '-' : ''}${m}m ${s}s`;
}

export function formatDelta(ms: number): string {
  if (ms === 0) return '±0';
  return (ms > 0 ? '+' : '-') + formatDuration(Math.abs(ms));
}

export function formatPercent(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return `${(x * 100).toFixed(digits)}%`;
}

// ns since the epoch (as a JSON number, so precise to about 256 ns) -> Date
export function nsToDate(ns: number): Date {
  return new Date(ns / 1e6);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function formatTime(ns: number): string {
  const d = nsToDate(ns);
  if (Number.isNaN(d.getTime())) return '–';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatRelative(ns: number, now = Date.now()): string {
  const s = Math.round((now - ns / 1e6) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

// "1 trace", "2 traces".
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function shortId(id: string, n = 8): string {
  return id.length > n ? id.slice(0, n) : id;
}

// A stable colour per name (services, agents).
export function colorFor(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  // Hues 25..335 only: red stays reserved for errors.
  const hue = 25 + ((h >>> 0) % 310);
  return `hsl(${hue} 58% 52%)`;
}

// RFC 4180 CSV: fields with a comma, quote, CR or LF are quoted, quotes doubled.
export function csvField(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) s = '';
  else if (typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(columns: string[], rows: unknown[][]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const r of rows) lines.push(r.map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}

// Saves text as a file through a Blob URL (no server round trip).
export function downloadText(filename: string, text: string, type = 'text/plain'): void {
  const blob = new Blob([text], { type: `${type};charset=utf-8` });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}

// A datetime-local input value (local time) -> ISO-8601 with offset, or ''.
export function localInputToIso(v: string): string {
  if (!v) return '';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

export function isoToLocalInput(iso: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// Reads a dotted attribute from the nested attribute object ("agent.name"),
// honouring the "_value" key of a name that is both a value and a prefix.
export function getAttr(attrs: unknown, dotted: string): unknown {
  let cur: unknown = attrs;
  for (const part of dotted.split('.')) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur && typeof cur === 'object' && !Array.isArray(cur) && '_value' in (cur as object)) {
    return (cur as Record<string, unknown>)._value;
  }
  return cur;
}

export function getAttrString(attrs: unknown, dotted: string): string | undefined {
  const v = getAttr(attrs, dotted);
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

// A cost in US dollars; null is "unknown" (a model without a price), never a
// guess. Sub-cent costs keep their digits down to the millionth the server
// rounds to.
export function formatUsd(v: number | null | undefined): string {
  if (v === null) return 'unknown';
  if (v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '$0';
  if (Math.abs(v) >= 1) return `$${v.toFixed(2)}`;
  return `$${Number(v.toFixed(6))}`;
}

export function formatTokens(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US');
}
