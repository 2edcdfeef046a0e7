import type { EntityManager } from "typeorm";
import { AccessDecision } from "../domain/policy-terms";
import type { RecipientType } from "../domain/recipients";
import { RequestEventKind, type AuditQueryFilter } from "../domain/request-events";

/**
 * The audit's queries (accessEvents, breachScope, requestEvents), in SQL written for their indexes.
 *
 * Pages run in chain order and continue after a chain position: the chain's head is locked from an
 * insert to its commit, so the positions a snapshot sees are always 1…K with no hole — an event
 * committed later always lands after every position already read, and paging neither repeats nor
 * skips one (no OFFSET). Ordering by time instead would not do: an event's time is its request's
 * start, and a request that started earlier may commit later.
 *
 * Time windows are half-open, [from, to), on the event's `at`.
 *
 * Access events are read from `audit_access_event` (migration CompactReadAudit): the events of
 * `access_event` and the subjects of each request's reads in `read_event`, one row each. An
 * event's place in the chain is (chain_position, ordinal): a request's reads share its position,
 * numbered 1, 2, … in the order they were recorded; an `access_event` row is ordinal 0.
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

/** An access event as the audit queries answer it (no hashes). */
export interface AccessEventView {
  readonly id: string;
  readonly requestId: string;
  readonly clientName: string;
  readonly purposeKey: string;
  readonly subjectId: string;
  readonly operation: string;
  readonly written: string[];
  readonly released: string[];
  readonly denied: string[];
  readonly decision: AccessDecision;
  readonly at: Date;
  /** Null for events recorded before recipients were (migration ProcessorClients). */
  readonly recipientType: RecipientType | null;
  readonly processorName: string | null;
  readonly chainPosition: string;
  /** 0 for an event of its own; 1, 2, … for the subjects of one request's reads, which share a chain position. */
  readonly ordinal: number;
}

/** Where a page of access events continues: after this chain position and ordinal. */
export interface EventPlace {
  readonly position: string;
  readonly ordinal: number;
}

/** A request event as the audit queries answer it (no hashes). */
export interface RequestEventView {
  readonly id: string;
  readonly kind: RequestEventKind;
  readonly requestId: string;
  readonly clientName: string;
  readonly purposeKey: string | null;
  readonly reason: string | null;
  readonly query: string | null;
  readonly fields: string[];
  readonly categories: string[];
  readonly capabilities: string[];
  readonly filter: AuditQueryFilter | null;
  readonly at: Date;
  readonly chainPosition: string;
}

export interface EventPage<T> {
  readonly rows: T[];
  readonly hasNextPage: boolean;
  /** Whether an event the filter selects lies at or before the position the page continues after. */
  readonly hasPreviousPage: boolean;
}

/** A WHERE clause being built: each condition names its parameter by the next position. */
class Conditions {
  readonly sql: string[] = [];
  readonly parameters: unknown[] = [];

  add(condition: (parameter: string) => string, value: unknown): this {
    this.parameters.push(value);
    this.sql.push(condition(`$${this.parameters.length}`));
    return this;
  }

  get where(): string {
    return this.sql.length === 0 ? "true" : this.sql.join(" AND ");
  }
}

/** What a page is drawn from: a table, the columns it answers with, and the filter's conditions. */
interface PageSource {
  readonly table: "audit_access_event" | "request_event";
  readonly columns: string;
  /** The second key of the chain order: the ordinal of a read among its request's, or 0 where there is none. */
  readonly ordinal: "ordinal" | "0::integer";
  readonly conditions: Conditions;
  /**
   * Whether an index narrows the filter to its events (a client, a subject, a time window). Then
   * the page's positions are found through that index first, and only then ordered: left to
   * itself, the planner would walk the chain from its first event and filter, expecting matches
   * spread evenly through it — when a month's events all lie near its end (seen: 833,000 events
   * read for a page of 20 over a million).
   */
  readonly narrowed: boolean;
}

export const ACCESS_EVENT_COLUMNS = `id, request_id::text AS "requestId", client_name AS "clientName", purpose_key AS "purposeKey",
  subject_id::text AS "subjectId", operation, written, released, denied, decision::text AS "decision", at,
  recipient_type::text AS "recipientType", processor_name AS "processorName", chain_position::text AS "chainPosition", ordinal`;

/**
 * A subject's events in `audit_access_event`: `subject_ids @>` lets the planner find the subject's
 * read events through their GIN index (an `access_event` row's subject_ids is its one subject).
 */
export const OF_SUBJECT = (parameter: string): string => `subject_id = ${parameter}::uuid AND subject_ids @> ARRAY[${parameter}::uuid]`;

const REQUEST_EVENT_COLUMNS = `id::text AS "id", kind::text AS "kind", request_id::text AS "requestId", client_name AS "clientName",
  purpose_key AS "purposeKey", reason, query, fields, categories, capabilities, filter, at, chain_position::text AS "chainPosition"`;

/** The `size` events the filter selects after chain position `after` (from the first when null), in chain order. */
export async function pageOfAccessEvents(
  manager: EntityManager,
  filter: AccessEventFilter,
  size: number,
  after: EventPlace | null,
): Promise<EventPage<AccessEventView>> {
  const conditions = new Conditions();
  if (filter.clientName !== undefined) conditions.add((p) => `client_name = ${p}`, filter.clientName);
  if (filter.purposeKey !== undefined) conditions.add((p) => `purpose_key = ${p}`, filter.purposeKey);
  if (filter.subjectId !== undefined) conditions.add(OF_SUBJECT, filter.subjectId);
  if (filter.operation !== undefined) conditions.add((p) => `operation = ${p}`, filter.operation);
  if (filter.category !== undefined) {
    // starts_with, not LIKE: `_` in a key (`privacy_preferences`) would be LIKE's wildcard.
    conditions.add(
      (p) => `EXISTS (SELECT 1 FROM unnest(released || written || denied) AS named(category)
                       WHERE named.category = ${p} OR starts_with(named.category, ${p} || '.'))`,
      filter.category,
    );
  }
  addWindow(conditions, filter.from, filter.to);
  const narrowed =
    filter.clientName !== undefined || filter.subjectId !== undefined || filter.from !== undefined || filter.to !== undefined;
  return pageInChainOrder<AccessEventView>(
    manager,
    { table: "audit_access_event", columns: ACCESS_EVENT_COLUMNS, ordinal: "ordinal", conditions, narrowed },
    size,
    after,
  );
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
): Promise<EventPage<RequestEventView>> {
  const conditions = new Conditions();
  if (filter.clientName !== undefined) conditions.add((p) => `client_name = ${p}`, filter.clientName);
  if (filter.kind !== undefined) conditions.add((p) => `kind = ${p}::request_event_kind`, filter.kind);
  addWindow(conditions, filter.from, filter.to);
  const narrowed = filter.clientName !== undefined;
  return pageInChainOrder<RequestEventView>(
    manager,
    // A cast, not a bare 0, which ORDER BY would read as the first column.
    { table: "request_event", columns: REQUEST_EVENT_COLUMNS, ordinal: "0::integer", conditions, narrowed },
    size,
    after === null ? null : { position: after, ordinal: 0 },
  );
}

function addWindow(conditions: Conditions, from: Date | undefined, to: Date | undefined): void {
  if (from !== undefined) conditions.add((p) => `at >= ${p}`, from);
  if (to !== undefined) conditions.add((p) => `at < ${p}`, to);
}

async function pageInChainOrder<Row>(
  manager: EntityManager,
  source: PageSource,
  size: number,
  after: EventPlace | null,
): Promise<EventPage<Row>> {
  const { table, columns, conditions } = source;
  const place = `(chain_position, ${source.ordinal})`;
  const parameters = [...conditions.parameters, after?.position ?? null, after?.ordinal ?? 0, size + 1];
  const n = parameters.length;
  const [afterAt, limitAt] = [`$${n - 2}::bigint`, `$${n}`];
  const afterPlace = `(${afterAt} IS NULL OR ${place} > (${afterAt}, $${n - 1}::integer))`;
  const rows: Row[] = await manager.query(
    source.narrowed
      ? // The page's positions as an array first: `= ANY` of it reaches each table's position index
        // (a join with the page would not, through the union of access_event and read_event).
        `WITH matching AS MATERIALIZED (
           SELECT chain_position, ${source.ordinal} AS ordinal FROM ${table} WHERE ${conditions.where} AND ${afterPlace}),
         page AS MATERIALIZED (SELECT chain_position, ordinal FROM matching ORDER BY chain_position, ordinal LIMIT ${limitAt})
         SELECT ${columns} FROM ${table}
          WHERE chain_position = ANY (ARRAY(SELECT chain_position FROM page)) AND ${place} IN (SELECT chain_position, ordinal FROM page)
          ORDER BY chain_position, ${source.ordinal}`
      : `SELECT ${columns} FROM ${table}
          WHERE ${conditions.where} AND ${afterPlace}
          ORDER BY chain_position, ${source.ordinal} LIMIT ${limitAt}`,
    parameters,
  );
  return {
    rows: rows.slice(0, size),
    hasNextPage: rows.length > size,
    hasPreviousPage: after !== null && (await anyAtOrBefore(manager, source, after)),
  };
}

async function anyAtOrBefore(manager: EntityManager, source: PageSource, after: EventPlace): Promise<boolean> {
  const { table, conditions } = source;
  const parameters = [...conditions.parameters, after.position, after.ordinal];
  const n = parameters.length;
  const atOrBefore = `(chain_position, ${source.ordinal}) <= ($${n - 1}::bigint, $${n}::integer)`;
  const [answer]: { found: boolean }[] = await manager.query(
    source.narrowed
      ? `WITH matching AS MATERIALIZED (SELECT chain_position FROM ${table} WHERE ${conditions.where} AND ${atOrBefore})
         SELECT EXISTS (SELECT 1 FROM matching) AS "found"`
      : `SELECT EXISTS (SELECT 1 FROM ${table} WHERE ${conditions.where} AND ${atOrBefore}) AS "found"`,
    parameters,
  );
  return answer?.found === true;
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

// An instant inside a JSON answer: milliseconds since the epoch, whatever the session's time zone.
const millis = (column: string): string => `floor(extract(epoch FROM ${column}) * 1000)::float8`;
const WRITTEN = `'${AccessDecision.WRITTEN}'`;

/**
 * What one client did in [from, to), in one statement (so one snapshot: the figures agree with each
 * other and with the page). The window's events are read once, through the client's index, then
 * grouped by hash, never sorted whole: per subject (read? written? when first and last?) and per
 * category and subject. Everything is counted from those — the figures, the categories released
 * and written with the number of subjects each reached, the writes per operation, one page of the
 * subjects touched (by id, after `subjectPage.after`) with what was read and written of each — and
 * the client's refusals in the window beside them.
 */
export async function scopeOf(
  manager: EntityManager,
  window: ScopeWindow,
  subjectPage: { readonly size: number; readonly after: string | null },
): Promise<Scope> {
  type Instant = number;
  const [answer]: {
    events: Pick<ScopeFigures, "events" | "readEvents" | "writeEvents"> & { firstEventAt: Instant | null; lastEventAt: Instant | null };
    subjectCounts: Pick<ScopeFigures, "subjectsRead" | "subjectsWritten" | "subjectsTouched">;
    categories: (CategoryReach & { kind: "released" | "written" })[];
    writes: OperationReach[];
    refusals: (Omit<RefusalCount, "firstAt" | "lastAt"> & { firstAt: Instant; lastAt: Instant })[];
    subjects: (Omit<SubjectInScope, "firstEventAt" | "lastEventAt"> & { firstEventAt: Instant; lastEventAt: Instant })[];
  }[] = await manager.query(
    `WITH scoped AS MATERIALIZED (
            SELECT subject_id, released, written, decision, operation, at
              FROM audit_access_event WHERE client_name = $1 AND at >= $2 AND at < $3),
          per_subject AS MATERIALIZED (
            SELECT subject_id,
                   bool_or(cardinality(released) > 0) AS was_read,
                   bool_or(cardinality(written) > 0) AS was_written,
                   min(at) FILTER (WHERE cardinality(released) > 0 OR cardinality(written) > 0) AS first_at,
                   max(at) FILTER (WHERE cardinality(released) > 0 OR cardinality(written) > 0) AS last_at
              FROM scoped GROUP BY subject_id),
          per_category AS MATERIALIZED (
            SELECT kind, category, subject_id, count(*) AS events
              FROM (SELECT 'released' AS kind, category, subject_id FROM scoped CROSS JOIN LATERAL unnest(scoped.released) AS category
                    UNION ALL
                    SELECT 'written', category, subject_id FROM scoped CROSS JOIN LATERAL unnest(scoped.written) AS category) AS named
             GROUP BY kind, category, subject_id),
          page AS (
            SELECT subject_id, first_at, last_at FROM per_subject
             WHERE (was_read OR was_written) AND ($4::uuid IS NULL OR subject_id > $4::uuid)
             ORDER BY subject_id LIMIT $5),
          page_categories AS (
            SELECT subject_id,
                   array_agg(category ORDER BY category) FILTER (WHERE kind = 'released') AS released,
                   array_agg(category ORDER BY category) FILTER (WHERE kind = 'written') AS written
              FROM per_category JOIN page USING (subject_id) GROUP BY subject_id)
     SELECT
       (SELECT json_build_object(
                 'events', count(*),
                 'readEvents', count(*) FILTER (WHERE decision <> ${WRITTEN}),
                 'writeEvents', count(*) FILTER (WHERE decision = ${WRITTEN}),
                 'firstEventAt', ${millis("min(at)")},
                 'lastEventAt', ${millis("max(at)")})
          FROM scoped) AS "events",
       (SELECT json_build_object(
                 'subjectsRead', count(*) FILTER (WHERE was_read),
                 'subjectsWritten', count(*) FILTER (WHERE was_written),
                 'subjectsTouched', count(*) FILTER (WHERE was_read OR was_written))
          FROM per_subject) AS "subjectCounts",
       (SELECT coalesce(json_agg(reach ORDER BY reach.kind, reach.category), '[]')
          FROM (SELECT kind, category, count(*) AS subjects, sum(events) AS events FROM per_category GROUP BY kind, category) AS reach) AS "categories",
       (SELECT coalesce(json_agg(reach ORDER BY reach.operation), '[]')
          FROM (SELECT operation, count(*) AS events, count(DISTINCT subject_id) AS subjects
                  FROM scoped WHERE decision = ${WRITTEN} GROUP BY operation) AS reach) AS "writes",
       (SELECT coalesce(json_agg(refused ORDER BY refused.reason), '[]')
          FROM (SELECT reason, count(*) AS requests, ${millis("min(at)")} AS "firstAt", ${millis("max(at)")} AS "lastAt"
                  FROM request_event
                 WHERE client_name = $1 AND at >= $2 AND at < $3 AND kind = '${RequestEventKind.REFUSAL}'
                 GROUP BY reason) AS refused) AS "refusals",
       (SELECT coalesce(json_agg(json_build_object(
                 'subjectId', page.subject_id,
                 'firstEventAt', ${millis("page.first_at")},
                 'lastEventAt', ${millis("page.last_at")},
                 'released', coalesce(page_categories.released, '{}'),
                 'written', coalesce(page_categories.written, '{}'))
                 ORDER BY page.subject_id), '[]')
          FROM page LEFT JOIN page_categories USING (subject_id)) AS "subjects"`,
    [window.clientName, window.from, window.to, subjectPage.after, subjectPage.size + 1],
  );
  if (!answer) throw new Error("a statement of one row returned none");
  const instant = (millisSinceEpoch: Instant): Date => new Date(millisSinceEpoch);
  const { events, subjectCounts } = answer;
  const subjects = answer.subjects.map((subject) => ({
    ...subject,
    firstEventAt: instant(subject.firstEventAt),
    lastEventAt: instant(subject.lastEventAt),
  }));
  const reach = ({ category, subjects: reached, events: releases }: CategoryReach): CategoryReach => ({
    category,
    subjects: reached,
    events: releases,
  });
  return {
    figures: {
      ...events,
      ...subjectCounts,
      firstEventAt: events.firstEventAt === null ? null : instant(events.firstEventAt),
      lastEventAt: events.lastEventAt === null ? null : instant(events.lastEventAt),
    },
    categoriesReleased: answer.categories.filter((row) => row.kind === "released").map(reach),
    categoriesWritten: answer.categories.filter((row) => row.kind === "written").map(reach),
    writes: answer.writes,
    refusals: answer.refusals.map((refusal) => ({ ...refusal, firstAt: instant(refusal.firstAt), lastAt: instant(refusal.lastAt) })),
    subjects: { rows: subjects.slice(0, subjectPage.size), hasNextPage: subjects.length > subjectPage.size },
  };
}
