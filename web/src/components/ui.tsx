// Small building blocks shared by the views: a card with its heading, an
// error box, a table with its header and empty row, <option> lists and
// service tags.
import type { ReactNode } from 'react';
import { colorFor } from '../format';
import type { SortDir, SortState } from '../sorting';

// A message to show, or nothing: an Error (ApiError included) or a string.
type Problem = { message: string } | string | null | false | undefined;

export function ErrorBox({ error, testId }: { error: Problem; testId?: string }) {
  if (!error) return null;
  return (
    <div className="error-box" data-testid={testId}>
      {typeof error === 'string' ? error : error.message}
    </div>
  );
}

// <section class="card">: an optional heading (title, then `head`, e.g. a
// legend or a count), the error of its data, then the body.
export function Card({
  title,
  head,
  error,
  className,
  children,
}: {
  title?: ReactNode;
  head?: ReactNode;
  error?: Problem;
  className?: string;
  children?: ReactNode;
}) {
  return (
    <section className={className ? `card ${className}` : 'card'}>
      {(title !== undefined || head !== undefined) && (
        <div className="card-head">
          {title !== undefined && <h2>{title}</h2>}
          {head}
        </div>
      )}
      <ErrorBox error={error} />
      {children}
    </section>
  );
}

export interface Column {
  label?: ReactNode;
  num?: boolean; // right-aligned figures
  width?: number | string;
  sortKey?: string; // clicking the header sorts by this key (with Table's onSort)
  title?: string; // what the column counts, on hover
  first?: SortDir; // the direction of a first click (figures: largest first)
}

// A right-aligned column of figures, sortable by `sortKey` when given.
export const num = (label: ReactNode, sortKey?: string, title?: string): Column => ({ label, num: true, sortKey, title });
// A column of text sortable by `sortKey`.
export const col = (label: ReactNode, sortKey?: string, title?: string): Column => ({ label, sortKey, title });

// <table class="table">: the header from `columns`, the rows given as
// children, and one full-width row saying `empty` when that is set. With
// `onSort`, headers of columns with a sortKey are buttons that sort (figures
// largest first on the first click, text from A); `sort` marks the column.
export function Table({
  columns,
  testId,
  className,
  empty,
  emptyTestId,
  sort,
  onSort,
  children,
}: {
  columns: Array<Column | string>;
  testId?: string;
  className?: string;
  empty?: ReactNode;
  emptyTestId?: string;
  sort?: SortState;
  onSort?: (key: string, first: SortDir) => void;
  children?: ReactNode;
}) {
  return (
    <table className={className ? `table ${className}` : 'table'} data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c, i) => {
            const col = typeof c === 'string' ? { label: c } : c;
            const sortable = onSort && col.sortKey;
            const active = sortable && sort && sort.key === col.sortKey ? sort.dir : undefined;
            return (
              <th
                key={i}
                className={col.num ? 'num' : undefined}
                style={col.width !== undefined ? { width: col.width } : undefined}
                title={col.title}
                aria-sort={active === 'asc' ? 'ascending' : active === 'desc' ? 'descending' : undefined}
                data-sort-key={sortable ? col.sortKey : undefined}
              >
                {sortable ? (
                  <button type="button" className={`th-sort ${active ? 'active' : ''}`} onClick={() => onSort(col.sortKey!, col.first ?? (col.num ? 'desc' : 'asc'))} data-testid="sort-header">
                    {col.label}
                    {/* The mark (↕, ▴, ▾) is drawn by CSS from aria-sort: the header's text stays the label alone. */}
                    <span className="sort-mark" aria-hidden="true" />
                  </button>
                ) : (
                  col.label
                )}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {children}
        {empty !== undefined && empty !== null && empty !== false && (
          <tr>
            <td colSpan={Math.max(1, columns.length)} className="empty" data-testid={emptyTestId}>
              {empty}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

// One <option> per value, the value as its label.
export function Options({ values }: { values: readonly string[] }) {
  return (
    <>
      {values.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
    </>
  );
}

// A service's name with its colour on the left.
export function ServiceTag({ name }: { name: string }) {
  return (
    <span className="tag" style={{ borderLeftColor: colorFor(name) }}>
      {name}
    </span>
  );
}
