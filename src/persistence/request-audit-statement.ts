import type { PoolClient } from "pg";
import type { DataSource, QueryRunner } from "typeorm";
import { AccessDecision } from "../domain/policy-terms";
import type { EventActor } from "./access-event-repository";
import { insertRequestEvents, type RequestEventToWrite } from "./request-event-repository";

/** What one request read of one subject, or one export it handed out. */
export interface SubjectAccess {
  readonly subjectId: string;
  /** `read` for reads through the field guard; an export's own operation (`accessExport`) for an export. */
  readonly operation: string;
  readonly released: readonly string[];
  readonly denied: readonly string[];
}

/** A request's accesses: who, for what purpose, when, and the subjects (in the order they are chained). */
export interface RequestAccesses extends EventActor {
  readonly requestId: string;
  readonly purposeKey: string;
  /** The request's time, from the server's one clock (not the database's). */
  readonly at: Date;
  readonly accesses: readonly SubjectAccess[];
}

/**
 * The request's access events as ONE statement whose text never changes, whatever the number of
 * subjects: the request's columns are scalars, the per-subject columns arrays of equal length, each
 * of its own type, expanded by `unnest` and inserted in their given order (`ORDER BY n`, so the
 * chain positions follow it). A text per page size would be parsed and planned anew for every size,
 * and a multi-row VALUES of 8 parameters a row costs its builder more than the database its insert.
 * A category list travels as one array literal (a text), since an array of arrays must be
 * rectangular and these lists are not. The database still chains each row (its BEFORE INSERT trigger).
 */
export const ACCESS_EVENTS_STATEMENT = {
  // A named statement is parsed and planned once per connection, then only executed.
  name: "purposeql_access_events_v1",
  text: `INSERT INTO access_event (request_id, client_id, client_name, purpose_key, recipient_type, processor_name, at,
                          subject_id, operation, written, released, denied, decision)
SELECT $1::uuid, $2::uuid, $3::text, $4::text, $5::recipient_type, $6::text, $7::timestamptz,
       entry.subject_id, entry.operation, '{}'::text[], entry.released::text[], entry.denied::text[], entry.decision::access_decision
  FROM unnest($8::uuid[], $9::text[], $10::text[], $11::text[], $12::text[])
       WITH ORDINALITY AS entry(subject_id, operation, released, denied, decision, n)
 ORDER BY entry.n`,
} as const;

/** The values of ACCESS_EVENTS_STATEMENT for `request`: always twelve, whatever the number of subjects. */
export function accessEventsValues(request: RequestAccesses): unknown[] {
  const { accesses } = request;
  return [
    request.requestId,
    request.clientId,
    request.clientName,
    request.purposeKey,
    request.recipientType,
    request.processorName,
    request.at,
    accesses.map((access) => access.subjectId),
    accesses.map((access) => access.operation),
    accesses.map((access) => arrayLiteral(access.released)),
    accesses.map((access) => arrayLiteral(access.denied)),
    accesses.map(decisionOf),
  ];
}

/**
 * Writes a request's audit before its answer leaves: its access events in one statement, and its
 * queries of the audit (request events) with them in one transaction when there are any, so the
 * answer is released with all of its audit or none. Throws when anything could not be written.
 * `request` is null when the request declared no purpose (it then read nothing personal).
 */
export async function writeRequestAudit(
  dataSource: DataSource,
  request: RequestAccesses | null,
  auditQueries: readonly RequestEventToWrite[],
): Promise<void> {
  if ((request === null || request.accesses.length === 0) && auditQueries.length === 0) return;
  const queryRunner = dataSource.createQueryRunner("master");
  try {
    if (auditQueries.length === 0) {
      await insertAccessEvents(dataSource, queryRunner, request);
      return;
    }
    await queryRunner.startTransaction();
    try {
      await insertAccessEvents(dataSource, queryRunner, request);
      await insertRequestEvents(queryRunner.manager, auditQueries);
      await queryRunner.commitTransaction();
    } catch (error) {
      if (queryRunner.isTransactionActive) await queryRunner.rollbackTransaction();
      throw error;
    }
  } finally {
    await queryRunner.release();
  }
}

async function insertAccessEvents(dataSource: DataSource, queryRunner: QueryRunner, request: RequestAccesses | null): Promise<void> {
  if (request === null || request.accesses.length === 0) return;
  const values = accessEventsValues(request);
  if (usesPg(dataSource)) {
    // TypeORM's query() takes no statement name: the query runner's own pg connection does.
    const connection = (await queryRunner.connect()) as PoolClient;
    await connection.query({ ...ACCESS_EVENTS_STATEMENT, values });
  } else {
    await queryRunner.query(ACCESS_EVENTS_STATEMENT.text, values);
  }
}

/** PGlite is handed to TypeORM as `options.driver` (data-source.ts); without one, TypeORM's postgres driver is `pg`. */
function usesPg(dataSource: DataSource): boolean {
  return dataSource.options.type === "postgres" && dataSource.options.driver === undefined;
}

/** RELEASED when nothing was denied, DENIED when nothing was released, else PARTIAL. */
function decisionOf(access: SubjectAccess): AccessDecision {
  if (access.denied.length === 0) return AccessDecision.RELEASED;
  return access.released.length === 0 ? AccessDecision.DENIED : AccessDecision.PARTIAL;
}

/** A PostgreSQL array literal of texts, every item quoted, so no key can break out of it. */
export function arrayLiteral(items: readonly string[]): string {
  return `{${items.map((item) => `"${item.replace(/["\\]/g, (special) => `\\${special}`)}"`).join(",")}}`;
}
