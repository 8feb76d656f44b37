// Sorting the rows of a table by a clicked header: the state (column key and
// direction), the next state after a click, and a hook for tables sorted in
// the browser (the trace list is sorted by the server instead).
import { useMemo, useState } from 'react';

export type SortDir = 'asc' | 'desc';
export interface SortState {
  key: string;
  dir: SortDir;
}
export type SortValue = number | string | null | undefined;

// A click on column `key`: the same column flips its direction; another one
// starts with `first` (figures largest first, names from A).
export function nextSort(cur: SortState | undefined, key: string, first: SortDir): SortState {
  if (cur && cur.key === key) return { key, dir: cur.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: first };
}

// A stable sort; empty values (null, undefined, NaN) always go last.
export function sortRows<T>(rows: readonly T[], value: (r: T) => SortValue, dir: SortDir): T[] {
  const sign = dir === 'asc' ? 1 : -1;
  const empty = (v: SortValue) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
  return rows
    .map((r, i) => ({ r, i, v: value(r) }))
    .sort((a, b) => {
      if (empty(a.v) || empty(b.v)) return empty(a.v) === empty(b.v) ? a.i - b.i : empty(a.v) ? 1 : -1;
      const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v));
      return c * sign || a.i - b.i;
    })
    .map((x) => x.r);
}

// Rows sorted by the column last clicked; `columns` maps each sortable key
// to the value a row is sorted by. Until a click the rows keep their order.
export function useSort<T>(rows: readonly T[], columns: Record<string, (r: T) => SortValue>, initial?: SortState) {
  const [sort, setSort] = useState<SortState | undefined>(initial);
  const sorted = useMemo(() => {
    const value = sort ? columns[sort.key] : undefined;
    return value && sort ? sortRows(rows, value, sort.dir) : [...rows];
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rows, sort]);
  const onSort = (key: string, first: SortDir) => setSort((s) => nextSort(s, key, first));
  return { sorted, sort, onSort };
}
