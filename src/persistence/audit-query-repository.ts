import type { EntityManager, SelectQueryBuilder } from "typeorm";
import { AccessDecision } from "../domain/policy-terms";
import { RequestEventKind } from "../domain/request-events";
import { AccessEventRow, RequestEventRow } from "./entities";

/**
 * The audit's queries (accessEvents, breachScope, requestEvents). Pages run in chain order and
 * continue after a chain position: the chain's head is locked from an insert to its commit, so the
 * positions a snapshot sees are always 1…K with no hole — an event committed later always lands
 * after every position already read, and paging neither repeats nor skips one (no OFFSET).
 * Time windows are half-open, [from, to), on the event's `at`.
 */

/** Every condition is optional; those given must all hold. */
export interface AccessEventFilter {
  readonly clientName?: string;
  readonly purposeKey?: string;
  readonly subjectId?: string;
  /** Events that released, wrote or denied this category or one beneath it. */
  readonly category?: string;
  readonly operation?: string;
  readonly from?: Date;
  readonly to?: Date;
}

export interface EventPage<T> {
  readonly rows: T[];
  readonly hasNextPage: boolean;
  /** Whether an event the filter selects lies at or before the position the page continues after. */
  readonly hasPreviousPage: boolean;
}

/** The `size` events the filter selects after chain position `after` (from the first when null), in chain order. */
export async function pageOfAccessEvents(
  manager: EntityManager,
  filter: AccessEventFilter,
  size: number,
  after: string | null,
): Promise<EventPage<AccessEventRow>> {
  const selected = () => accessEventsSelectedBy(manager, filter);
  const rows = await afterPosition(selected(), after)
    .orderBy("event.chainPosition", "ASC")
    .limit(size + 1)
    .getMany();
  const hasPreviousPage = after !== null && (await selected().andWhere("event.chainPosition <= :after", { after }).limit(1).getExists());
  return { rows: rows.slice(0, size), hasNextPage: rows.length > size, hasPreviousPage };
}

function accessEventsSelectedBy(manager: EntityManager, filter: AccessEventFilter): SelectQueryBuilder<AccessEventRow> {
  const query = manager.getRepository(AccessEventRow).createQueryBuilder("event");
  if (filter.clientName !== undefined) query.andWhere("event.clientName = :clientName", { clientName: filter.clientName });
  if (filter.purposeKey !== undefined) query.andWhere("event.purposeKey = :purposeKey", { purposeKey: filter.purposeKey });
  if (filter.subjectId !== undefined) query.andWhere("event.subjectId = :subjectId", { subjectId: filter.subjectId });
  if (filter.operation !== undefined) query.andWhere("event.operation = :operation", { operation: filter.operation });
  if (filter.category !== undefined) {
    // starts_with, not LIKE: `_` in a key (`privacy_preferences`) would be LIKE's wildcard.
    query.andWhere(
      `EXISTS (SELECT 1 FROM unnest(event.released || event.written || event.denied) AS named(category)
                WHERE named.category = :category OR starts_with(named.category, :category || '.'))`,
      { category: filter.category },
    );
  }
  return withinWindow(query, filter.from, filter.to);
}

function withinWindow<T extends AccessEventRow | RequestEventRow>(
  query: SelectQueryBuilder<T>,
  from: Date | undefined,
  to: Date | undefined,
): SelectQueryBuilder<T> {
  if (from !== undefined) query.andWhere("event.at >= :from", { from });
  if (to !== undefined) query.andWhere("event.at < :to", { to });
  return query;
}

function afterPosition<T extends AccessEventRow | RequestEventRow>(
  query: SelectQueryBuilder<T>,
  after: string | null,
): SelectQueryBuilder<T> {
  return after === null ? query : query.andWhere("event.chainPosition > :after", { after });
}

/** One client's events in [from, to). */
export interface ScopeWindow {
  readonly clientName: string;
  readonly from: Date;
  readonly to: Date;
}

export interface ScopeFigures {
  readonly events: number;
  /** Events that read (`read`, and exports), whatever they released. */
  readonly readEvents: number;
  /** Change events. */
  readonly writeEvents: number;
  /** Subjects of whom at least one category was released. */
  readonly subjectsRead: number;
  /** Subjects of whom at least one category was written. */
  readonly subjectsWritten: number;
  /** Subjects read or written. */
  readonly subjectsTouched: number;
  readonly firstEventAt: Date | null;
  readonly lastEventAt: Date | null;
}

export interface CategoryReach {
  readonly category: string;
  /** Distinct subjects of whom the category was released (or written). */
  readonly subjects: number;
  readonly events: number;
}

export interface OperationReach {
  readonly operation: string;
  readonly events: number;
  readonly subjects: number;
}

export interface RefusalCount {
  readonly reason: string;
  readonly requests: number;
  readonly firstAt: Date;
  readonly lastAt: Date;
}

export interface SubjectInScope {
  readonly subjectId: string;
  readonly released: string[];
  readonly written: string[];
  readonly firstEventAt: Date;
  readonly lastEventAt: Date;
}

export interface Scope {
  readonly figures: ScopeFigures;
  readonly categoriesReleased: CategoryReach[];
  readonly categoriesWritten: CategoryReach[];
  readonly writes: OperationReach[];
  readonly refusals: RefusalCount[];
  readonly subjects: { readonly rows: SubjectInScope[]; readonly hasNextPage: boolean };
}

// The window's events ($1 client, $2 from, $3 to), found through access_event_client_at.
const inWindow = (table: string): string => `${table}.client_name = $1 AND ${table}.at >= $2 AND ${table}.at < $3`;
const IN_WINDOW = inWindow("access_event");
const WRITTEN = `'${AccessDecision.WRITTEN}'`;

/**
 * What one client did in [from, to): the figures, the categories released and written with the
 * number of subjects each reached, the writes per operation, the refusals per reason, and one page
 * of the subjects touched (by id, after `afterSubject`). Read in one snapshot, so they agree.
 */
export async function scopeOf(
  manager: EntityManager,
  window: ScopeWindow,
  subjectPage: { readonly size: number; readonly after: string | null },
): Promise<Scope> {
  const parameters = [window.clientName, window.from, window.to];
  return manager.transaction("REPEATABLE READ", async (snapshot) => {
    const [figures]: ScopeFigures[] = await snapshot.query(
      `SELECT count(*)::int AS "events",
              (count(*) FILTER (WHERE decision <> ${WRITTEN}))::int AS "readEvents",
              (count(*) FILTER (WHERE decision = ${WRITTEN}))::int AS "writeEvents",
              (count(DISTINCT subject_id) FILTER (WHERE cardinality(released) > 0))::int AS "subjectsRead",
              (count(DISTINCT subject_id) FILTER (WHERE cardinality(written) > 0))::int AS "subjectsWritten",
              (count(DISTINCT subject_id) FILTER (WHERE cardinality(released) > 0 OR cardinality(written) > 0))::int AS "subjectsTouched",
              min(at) AS "firstEventAt", max(at) AS "lastEventAt"
         FROM access_event WHERE ${IN_WINDOW}`,
      parameters,
    );
    if (!figures) throw new Error("an aggregate without GROUP BY returned no row");
    const categories: (CategoryReach & { kind: "released" | "written" })[] = await snapshot.query(
      `SELECT 'released' AS "kind", category, count(DISTINCT subject_id)::int AS "subjects", count(*)::int AS "events"
         FROM access_event, unnest(released) AS category WHERE ${IN_WINDOW} GROUP BY category
       UNION ALL
       SELECT 'written', category, count(DISTINCT subject_id)::int, count(*)::int
         FROM access_event, unnest(written) AS category WHERE ${IN_WINDOW} GROUP BY category
       ORDER BY 1, 2`,
      parameters,
    );
    const writes: OperationReach[] = await snapshot.query(
      `SELECT operation, count(*)::int AS "events", count(DISTINCT subject_id)::int AS "subjects"
         FROM access_event WHERE ${IN_WINDOW} AND decision = ${WRITTEN} GROUP BY operation ORDER BY operation`,
      parameters,
    );
    const refusals: RefusalCount[] = await snapshot.query(
      `SELECT reason, count(*)::int AS "requests", min(at) AS "firstAt", max(at) AS "lastAt"
         FROM request_event WHERE ${inWindow("request_event")} AND kind = '${RequestEventKind.REFUSAL}' GROUP BY reason ORDER BY reason`,
      parameters,
    );
    const subjects = await subjectsInScope(snapshot, parameters, subjectPage);
    const withoutKind = ({ category, subjects, events }: CategoryReach): CategoryReach => ({ category, subjects, events });
    return {
      figures,
      categoriesReleased: categories.filter((row) => row.kind === "released").map(withoutKind),
      categoriesWritten: categories.filter((row) => row.kind === "written").map(withoutKind),
      writes,
      refusals,
      subjects,
    };
  });
}

/**
 * A page of the subjects read or written, by id: the page's ids from the window (grouped), then each
 * one's categories from its own events in the window (access_event_subject_at).
 */
async function subjectsInScope(
  manager: EntityManager,
  window: unknown[],
  page: { readonly size: number; readonly after: string | null },
): Promise<Scope["subjects"]> {
  const rows: SubjectInScope[] = await manager.query(
    `WITH page AS (
       SELECT subject_id, min(at) AS first_at, max(at) AS last_at
         FROM access_event
        WHERE ${IN_WINDOW} AND (cardinality(released) > 0 OR cardinality(written) > 0)
          AND ($4::uuid IS NULL OR subject_id > $4::uuid)
        GROUP BY subject_id ORDER BY subject_id LIMIT $5)
     SELECT page.subject_id::text AS "subjectId", page.first_at AS "firstEventAt", page.last_at AS "lastEventAt",
            ARRAY(SELECT DISTINCT category FROM access_event AS event, unnest(event.released) AS category
                   WHERE event.subject_id = page.subject_id AND ${inWindow("event")} ORDER BY category) AS "released",
            ARRAY(SELECT DISTINCT category FROM access_event AS event, unnest(event.written) AS category
                   WHERE event.subject_id = page.subject_id AND ${inWindow("event")} ORDER BY category) AS "written"
       FROM page ORDER BY page.subject_id`,
    [...window, page.after, page.size + 1],
  );
  return { rows: rows.slice(0, page.size), hasNextPage: rows.length > page.size };
}

/** Request events to page: of one client, one kind, in a window; all optional. */
export interface RequestEventFilter {
  readonly clientName?: string;
  readonly kind?: RequestEventKind;
  readonly from?: Date;
  readonly to?: Date;
}

/** As `pageOfAccessEvents`, for request events (refusals and audit queries). */
export async function pageOfRequestEvents(
  manager: EntityManager,
  filter: RequestEventFilter,
  size: number,
  after: string | null,
): Promise<EventPage<RequestEventRow>> {
  const selected = () => {
    const query = manager.getRepository(RequestEventRow).createQueryBuilder("event");
    if (filter.clientName !== undefined) query.andWhere("event.clientName = :clientName", { clientName: filter.clientName });
    if (filter.kind !== undefined) query.andWhere("event.kind = :kind", { kind: filter.kind });
    return withinWindow(query, filter.from, filter.to);
  };
  const rows = await afterPosition(selected(), after)
    .orderBy("event.chainPosition", "ASC")
    .limit(size + 1)
    .getMany();
  const hasPreviousPage = after !== null && (await selected().andWhere("event.chainPosition <= :after", { after }).limit(1).getExists());
  return { rows: rows.slice(0, size), hasNextPage: rows.length > size, hasPreviousPage };
}
