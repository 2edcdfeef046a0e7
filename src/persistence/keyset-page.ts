import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";

/**
 * A page of a list ordered by a unique key (keyset pagination, Relay's connection model): `size`
 * rows from the start of the window — forward, after `after` — or from its end — backward, before
 * `before` — the window being the rows between the two positions given.
 */
export interface KeysetWindow<P> {
  readonly size: number;
  readonly from: "start" | "end";
  readonly after: P | null;
  readonly before: P | null;
}

/** How a list is ordered: the SQL of its key's parts, most significant first, and a position's values for them. */
export interface KeysetOrder<P> {
  readonly keys: readonly string[];
  valuesOf(position: P): readonly unknown[];
}

export interface KeysetPage<Row> {
  /** In the list's order, whichever end the page was taken from. */
  readonly rows: Row[];
  /** Rows of the list come before this page (before its first row; before `after` when the page is empty). */
  readonly hasPreviousPage: boolean;
  /** Rows of the list come after this page. */
  readonly hasNextPage: boolean;
  /** Rows of the whole list, whatever the window. */
  readonly totalCount: number;
}

/**
 * One page of `list` (a query that selects the list's rows, unordered) and what lies around it, in
 * two statements: the count with whether rows lie at or beyond the window's bounds, then the page.
 * Both see only what `list` selects, so nothing around the page is told of rows the list leaves
 * out. Run it in one snapshot (REPEATABLE READ) so the two agree.
 */
export async function keysetPage<Row extends ObjectLiteral, P>(
  list: SelectQueryBuilder<Row>,
  order: KeysetOrder<P>,
  window: KeysetWindow<P>,
): Promise<KeysetPage<Row>> {
  const key = `(${order.keys.join(", ")})`;
  const bound = (name: string, position: P): [string, Record<string, unknown>] => {
    const values = order.valuesOf(position);
    const parameters = Object.fromEntries(values.map((value, index) => [`${name}${index}`, value]));
    return [`(${values.map((_value, index) => `:${name}${index}`).join(", ")})`, parameters];
  };
  const after = window.after === null ? null : bound("keysetAfter", window.after);
  const before = window.before === null ? null : bound("keysetBefore", window.before);

  const around = list
    .clone()
    .select("COUNT(*)", "total")
    .addSelect(after ? `COALESCE(BOOL_OR(${key} <= ${after[0]}), false)` : "false", "rowsBeforeAfter")
    .addSelect(before ? `COALESCE(BOOL_OR(${key} >= ${before[0]}), false)` : "false", "rowsFromBefore")
    .setParameters({ ...after?.[1], ...before?.[1] });
  const counted = await around.getRawOne<{ total: string | number; rowsBeforeAfter: boolean; rowsFromBefore: boolean }>();

  const page = list.clone();
  if (after) page.andWhere(`${key} > ${after[0]}`, after[1]);
  if (before) page.andWhere(`${key} < ${before[0]}`, before[1]);
  const direction = window.from === "start" ? "ASC" : "DESC";
  order.keys.forEach((part, index) => (index === 0 ? page.orderBy(part, direction) : page.addOrderBy(part, direction)));
  const rows = await page.limit(window.size + 1).getMany();
  const more = rows.length > window.size;
  const kept = rows.slice(0, window.size);
  if (window.from === "end") kept.reverse();

  const rowsBeforeAfter = counted?.rowsBeforeAfter === true;
  const rowsFromBefore = counted?.rowsFromBefore === true;
  return {
    rows: kept,
    hasPreviousPage: window.from === "end" ? more || rowsBeforeAfter : rowsBeforeAfter,
    hasNextPage: window.from === "start" ? more || rowsFromBefore : rowsFromBefore,
    totalCount: Number(counted?.total ?? 0),
  };
}
