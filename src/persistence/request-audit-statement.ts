import type { DataSource, QueryRunner } from "typeorm";
import type { EventActor } from "./access-event-repository";
import { categoryBits, maskOf, type CategoryBits } from "./audit-categories";
import { preparedStatement, runPrepared, type PreparedStatement } from "./prepared-statement";
import { insertRequestEvents, type RequestEventToWrite } from "./request-event-repository";

/** What one request read of one subject through the field guard: the categories released and denied. */
export interface SubjectRead {
  readonly subjectId: string;
  readonly released: readonly string[];
  readonly denied: readonly string[];
}

/** An export of one subject's data handed out in the request (`accessExport`, …): its operation and the categories it released. */
export interface SubjectExport {
  readonly subjectId: string;
  readonly operation: string;
  readonly released: readonly string[];
}

/** A request's accesses: who, for what purpose, when, its reads (in the order they are recorded) and its exports. */
export interface RequestAccesses extends EventActor {
  readonly requestId: string;
  readonly purposeKey: string;
  /** The request's time, from the server's one clock (not the database's). */
  readonly at: Date;
  readonly reads: readonly SubjectRead[];
  readonly exports: readonly SubjectExport[];
}

/**
 * The request's accesses as ONE statement whose text never changes, whatever the number of
 * subjects: the request's columns are scalars, the per-subject columns arrays. Its reads are one
 * row of `read_event` (migration CompactReadAudit: the subjects' ids and one released and one
 * denied category mask each, in order), written only when it read anyone; its exports, rare, are
 * one `access_event` row each, expanded by `unnest` in their order (a category list travels as an
 * array literal, since an array of arrays must be rectangular). Both inserts are one statement, so
 * one is never written without the other; the database chains each row (their BEFORE INSERT
 * triggers). A text per page size would be parsed and planned anew for every size, and a
 * multi-row VALUES of 8 parameters a row cost its builder more than the database its insert.
 */
export const REQUEST_AUDIT_STATEMENT: PreparedStatement = preparedStatement(`WITH reads AS (
  INSERT INTO read_event (request_id, client_id, client_name, purpose_key, recipient_type, processor_name, at, subject_ids, released, denied)
  SELECT $1::uuid, $2::uuid, $3::text, $4::text, $5::recipient_type, $6::text, $7::timestamptz, $8::uuid[], $9::bigint[], $10::bigint[]
   WHERE cardinality($8::uuid[]) > 0
  RETURNING chain_position)
INSERT INTO access_event (request_id, client_id, client_name, purpose_key, recipient_type, processor_name, at,
                          subject_id, operation, written, released, denied, decision)
SELECT $1::uuid, $2::uuid, $3::text, $4::text, $5::recipient_type, $6::text, $7::timestamptz,
       entry.subject_id, entry.operation, '{}'::text[], entry.released::text[], '{}'::text[], 'RELEASED'::access_decision
  FROM unnest($11::uuid[], $12::text[], $13::text[]) WITH ORDINALITY AS entry(subject_id, operation, released, n)
 ORDER BY entry.n`);

/** The values of REQUEST_AUDIT_STATEMENT for `request`: always thirteen, whatever the number of subjects. */
export function requestAuditValues(request: RequestAccesses, bits: CategoryBits): unknown[] {
  const { reads, exports } = request;
  return [
    request.requestId,
    request.clientId,
    request.clientName,
    request.purposeKey,
    request.recipientType,
    request.processorName,
    request.at,
    reads.map((read) => read.subjectId),
    reads.map((read) => maskOf(bits, read.released)),
    reads.map((read) => maskOf(bits, read.denied)),
    exports.map((exported) => exported.subjectId),
    exports.map((exported) => exported.operation),
    exports.map((exported) => arrayLiteral(exported.released)),
  ];
}

/**
 * Writes a request's audit before its answer leaves: its reads and exports in one statement, and its
 * queries of the audit (request events) with them in one transaction when there are any, so the
 * answer is released with all of its audit or none. Throws when anything could not be written.
 * `request` is null when the request declared no purpose (it then read nothing personal).
 */
export async function writeRequestAudit(
  dataSource: DataSource,
  request: RequestAccesses | null,
  auditQueries: readonly RequestEventToWrite[],
): Promise<void> {
  const accesses = request === null || isEmpty(request) ? null : request;
  if (accesses === null && auditQueries.length === 0) return;
  const queryRunner = dataSource.createQueryRunner("master");
  try {
    // Before any transaction: a bit given out is never taken back, so no rollback may unsay what this process learnt.
    const bits = accesses === null ? new Map<string, number>() : await categoryBits(queryRunner, categoriesRead(accesses));
    if (auditQueries.length === 0) {
      if (accesses) await insertAccesses(queryRunner, accesses, bits);
      return;
    }
    await queryRunner.startTransaction();
    try {
      if (accesses) await insertAccesses(queryRunner, accesses, bits);
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

async function insertAccesses(queryRunner: QueryRunner, request: RequestAccesses, bits: CategoryBits): Promise<void> {
  await runPrepared(queryRunner.manager, REQUEST_AUDIT_STATEMENT, requestAuditValues(request, bits));
}

function categoriesRead(request: RequestAccesses): string[] {
  return request.reads.flatMap((read) => [...read.released, ...read.denied]);
}

function isEmpty(request: RequestAccesses): boolean {
  return request.reads.length === 0 && request.exports.length === 0;
}

/** A PostgreSQL array literal of texts, every item quoted, so no key can break out of it. */
export function arrayLiteral(items: readonly string[]): string {
  return `{${items.map((item) => `"${item.replace(/["\\]/g, (special) => `\\${special}`)}"`).join(",")}}`;
}
