import type { EntityManager } from "typeorm";
import type { SubjectStatus } from "../domain/policy-terms";
import type { FactsNeeded } from "../policy/engine/facts-needed";
import type { ConsentFact, InquiryFact, ObjectionFact } from "../policy/engine/lawfulness";
import type { DataSubjectRow } from "./entities";
import { keyringOf, openSubjectFields } from "./field-encryption";
import type { KeysetPage, KeysetWindow } from "./keyset-page";
import type { LawfulCondition } from "./lawful-subjects";
import { positional, preparedStatement, runPrepared, type PreparedStatement } from "./prepared-statement";
import { noFacts, type LoadedFacts } from "./subject-facts-repository";

/**
 * The read path's statements: a request reads its subjects — by id, or a page of the lawful list —
 * with the facts its purpose's decision needs (`factsNeededBy`: consents, objections, inquiries),
 * in ONE prepared statement whatever the number of subjects. The archive, which only a purpose kept
 * for a legal duty reads, is loaded apart (subject-facts-repository.ts).
 */

/** A subject as a request reads it: the row, decrypted, and the facts outside it that were asked for. */
export interface SubjectRead {
  readonly row: DataSubjectRow;
  readonly facts: LoadedFacts;
}

const ROW_COLUMNS = `s.id, s.seq::text AS seq, s.full_name, s.email, s.postal_address, s.phone, s.date_of_birth, s.country,
  s.consented_at, s.ip_address, s.browser, s.operating_system, s.device, s.status, s.service_active_since,
  s.service_active_until, s.created_at, s.updated_at`;

/** Each fact as JSON, per subject `s`: the columns the engine reads, nothing else. */
const FACT_COLUMNS: Readonly<Record<Exclude<keyof FactsNeeded, "archive">, string>> = {
  consents: `(SELECT json_agg(json_build_array(c.purpose_key, c.given_at, c.withdrawn_at, c.scope)) FROM consent c WHERE c.subject_id = s.id) AS consents`,
  objections: `(SELECT json_agg(json_build_array(o.purpose_key, o.objected_at, o.lifted_at)) FROM objection o WHERE o.subject_id = s.id) AS objections`,
  inquiries: `(SELECT json_agg(json_build_array(i.received_at, i.closed_at)) FROM inquiry i WHERE i.subject_id = s.id) AS inquiries`,
};

function factColumns(needed: FactsNeeded): string {
  return (["consents", "objections", "inquiries"] as const)
    .filter((fact) => needed[fact])
    .map((fact) => `, ${FACT_COLUMNS[fact]}`)
    .join("");
}

const BY_IDS = new Map<string, PreparedStatement>();

/** The subjects with these ids (those that exist), with the facts `needed`: one statement. */
export async function readSubjects(manager: EntityManager, ids: readonly string[], needed: FactsNeeded): Promise<Map<string, SubjectRead>> {
  if (ids.length === 0) return new Map();
  const columns = factColumns(needed);
  let statement = BY_IDS.get(columns);
  if (!statement) {
    statement = preparedStatement(`SELECT ${ROW_COLUMNS}${columns} FROM data_subject s WHERE s.id = ANY($1::uuid[])`);
    BY_IDS.set(columns, statement);
  }
  const rows = await runPrepared<RawSubject>(manager, statement, [[...new Set(ids)]]);
  return new Map(rows.map((raw) => [raw.id, subjectReadOf(manager, raw)]));
}

/** What a page statement needs to know: where, which way, how many, whether to count the whole list. */
export interface PageRequest {
  readonly window: KeysetWindow<string>;
  /** The lawful-list condition on `s` (lawful-subjects.ts). */
  readonly lawful: LawfulCondition;
  readonly needed: FactsNeeded;
  /** COUNT(*) over the whole lawful list: only when the caller asked for `totalCount`. */
  readonly countTotal: boolean;
}

/** A page of subjects; `totalCount` is null when it was not asked for (not counted). */
export interface SubjectPage extends Omit<KeysetPage<SubjectRead>, "totalCount"> {
  readonly totalCount: number | null;
}

/** The smallest and largest positions of the list: a window without a bound is bounded by them. */
const NO_POSITION_BEFORE = "0";
const NO_POSITION_AFTER = "9223372036854775807";

const PAGES = new Map<
  string,
  { readonly statement: PreparedStatement; readonly valuesOf: (named: Readonly<Record<string, unknown>>) => unknown[] }
>();

/**
 * One page of the lawful list in creation order (keyset pagination on the `seq` index, so a page
 * costs the same at any depth and any table size), whether lawful subjects lie before and after
 * it, the whole list's count when asked, and each subject's facts — ONE statement, so one snapshot:
 * the page and what is said around it agree even while others write.
 */
export async function readPageOfSubjects(manager: EntityManager, request: PageRequest): Promise<SubjectPage> {
  const { window, lawful, needed, countTotal } = request;
  const direction = window.from === "start" ? "ASC" : "DESC";
  const key = `${direction}|${countTotal}|${factColumns(needed)}|${lawful.sql}`;
  let page = PAGES.get(key);
  if (!page) {
    const compiled = positional(pageStatementText(lawful.sql, direction, countTotal, factColumns(needed)));
    page = { statement: preparedStatement(compiled.text), valuesOf: compiled.valuesOf };
    PAGES.set(key, page);
  }
  const values = page.valuesOf({
    ...lawful.parameters,
    after: window.after ?? NO_POSITION_BEFORE,
    before: window.before ?? NO_POSITION_AFTER,
    size: window.size + 1,
  });
  const raws = await runPrepared<RawPageRow>(manager, page.statement, values);
  const around = raws[0];
  const rows = raws.filter((raw) => raw.id !== null).map((raw) => subjectReadOf(manager, raw as RawSubject));
  const more = rows.length > window.size;
  const kept = rows.slice(0, window.size);
  if (window.from === "end") kept.reverse();
  const rowsBeforeAfter = around?.rows_before_after === true;
  const rowsFromBefore = around?.rows_from_before === true;
  return {
    rows: kept,
    hasPreviousPage: window.from === "end" ? more || rowsBeforeAfter : rowsBeforeAfter,
    hasNextPage: window.from === "start" ? more || rowsFromBefore : rowsFromBefore,
    totalCount: countTotal ? Number(around?.total_count ?? 0) : null,
  };
}

/**
 * The page's statement. `around` is one row whatever the page holds, so an empty page still says
 * what lies around it; the facts are computed over the page's rows only, after its LIMIT.
 */
function pageStatementText(lawful: string, direction: "ASC" | "DESC", countTotal: boolean, facts: string): string {
  const count = countTotal ? `(SELECT count(*) FROM data_subject s WHERE ${lawful})` : "NULL::bigint";
  return `WITH page AS (
  SELECT s.* FROM data_subject s
   WHERE ${lawful} AND s.seq > CAST(:after AS bigint) AND s.seq < CAST(:before AS bigint)
   ORDER BY s.seq ${direction} LIMIT CAST(:size AS bigint)
), around AS (
  SELECT ${count} AS total_count,
         EXISTS (SELECT 1 FROM data_subject s WHERE ${lawful} AND s.seq <= CAST(:after AS bigint)) AS rows_before_after,
         EXISTS (SELECT 1 FROM data_subject s WHERE ${lawful} AND s.seq >= CAST(:before AS bigint)) AS rows_from_before
)
SELECT around.total_count, around.rows_before_after, around.rows_from_before, ${ROW_COLUMNS}${facts}
  FROM around LEFT JOIN page s ON true
 ORDER BY s.seq ${direction}`;
}

/** A row as the statements return it: snake_case columns, facts as JSON arrays (null when none). */
interface RawSubject {
  readonly id: string;
  readonly seq: string;
  readonly full_name: string | null;
  readonly email: string | null;
  readonly postal_address: string | null;
  readonly phone: string | null;
  readonly date_of_birth: string | null;
  readonly country: string | null;
  readonly consented_at: Date | null;
  readonly ip_address: string | null;
  readonly browser: string | null;
  readonly operating_system: string | null;
  readonly device: string | null;
  readonly status: SubjectStatus;
  readonly service_active_since: Date | null;
  readonly service_active_until: Date | null;
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly consents?: readonly [string, string, string | null, string[]][] | null;
  readonly objections?: readonly [string, string, string | null][] | null;
  readonly inquiries?: readonly [string, string | null][] | null;
}

type RawPageRow = { [K in keyof RawSubject]: RawSubject[K] | null } & {
  readonly total_count: string | number | null;
  readonly rows_before_after: boolean;
  readonly rows_from_before: boolean;
};

const instant = (text: string): Date => new Date(text);
const instantOrNull = (text: string | null): Date | null => (text === null ? null : new Date(text));

function subjectReadOf(manager: EntityManager, raw: RawSubject): SubjectRead {
  const row: DataSubjectRow = {
    id: raw.id,
    // Cast to text in SQL: a bigint reads as a string from pg and as a number from PGlite otherwise.
    seq: raw.seq,
    fullName: raw.full_name,
    email: raw.email,
    postalAddress: raw.postal_address,
    phone: raw.phone,
    dateOfBirth: raw.date_of_birth,
    country: raw.country,
    consentedAt: raw.consented_at,
    ipAddress: raw.ip_address,
    browser: raw.browser,
    operatingSystem: raw.operating_system,
    device: raw.device,
    status: raw.status,
    serviceActiveSince: raw.service_active_since,
    serviceActiveUntil: raw.service_active_until,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
  };
  openSubjectFields(keyringOf(manager), row);
  const consents: ConsentFact[] = (raw.consents ?? []).map(([purposeKey, givenAt, withdrawnAt, scope]) => ({
    purposeKey,
    givenAt: instant(givenAt),
    withdrawnAt: instantOrNull(withdrawnAt),
    scope,
  }));
  const objections: ObjectionFact[] = (raw.objections ?? []).map(([purposeKey, objectedAt, liftedAt]) => ({
    purposeKey,
    objectedAt: instant(objectedAt),
    liftedAt: instantOrNull(liftedAt),
  }));
  const inquiries: InquiryFact[] = (raw.inquiries ?? []).map(([receivedAt, closedAt]) => ({
    receivedAt: instant(receivedAt),
    closedAt: instantOrNull(closedAt),
  }));
  return { row, facts: { ...noFacts(), consents, objections, inquiries } };
}
