// Small building blocks shared by the views: a card with its heading, an
// error box, a table with its header and empty row, <option> lists and
// service tags.
import type { ReactNode } from 'react';
import { colorFor } from '../format';

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
}

// A right-aligned column of figures.
export const num = (label: ReactNode): Column => ({ label, num: true });

// <table class="table">: the header from `columns`, the rows given as
// children, and one full-width row saying `empty` when that is set.
export function Table({
  columns,
  testId,
  className,
  empty,
  emptyTestId,
  children,
}: {
  columns: Array<Column | string>;
  testId?: string;
  className?: string;
  empty?: ReactNode;
  emptyTestId?: string;
  children?: ReactNode;
}) {
  return (
    <table className={className ? `table ${className}` : 'table'} data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c, i) => {
            const col = typeof c === 'string' ? { label: c } : c;
            return (
              <th key={i} className={col.num ? 'num' : undefined} style={col.width !== undefined ? { width: col.width } : undefined}>
                {col.label}
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
