import { In, type DataSource, type EntityManager } from "typeorm";
import { AccessDecision } from "../domain/policy-terms";
import type { RecipientType } from "../domain/recipients";
import {
  AccessEventRow,
  ArchivedValueRow,
  InquiryRow,
  ClientRow,
  LegalHoldRow,
  ConsentRow,
  DataSubjectRow,
  ObjectionRow,
  SubjectRequestRow,
} from "./entities";

/** The change events that restrict a subject's processing and lift the restriction (GDPR Art. 18). */
export const RESTRICTION_OPERATIONS = ["restrictProcessing", "liftRestriction"] as const;

/**
 * One client's events of one kind under one purpose, as one recipient, for a subject, aggregated: what the person's
 * access export summarises (who, when, for which purpose, which categories), never a value.
 */
export interface EventSummary {
  readonly clientId: string;
  readonly clientName: string;
  /** The recipient the client was, as its events recorded it: THIRD_PARTY for a disclosure; null for events recorded before recipients were. */
  readonly recipientType: RecipientType | null;
  /** The processor it acted for, as recorded; null when none. */
  readonly processorName: string | null;
  readonly purposeKey: string;
  /** The operations (`read`, `accessExport`, …; or the mutations for changes), sorted. */
  readonly operations: readonly string[];
  readonly firstAt: Date;
  readonly lastAt: Date;
  readonly count: number;
  /** The categories released (for accesses) or written (for changes), sorted. */
  readonly categories: readonly string[];
}

/**
 * Everything the controller holds about one subject, as stored: the subject's row, their consents
 * with receipts, objections, requests, the restriction history, the access and change events
 * summarised per client and purpose (categories only, never values), and the clients (the role of
 * each recipient, and who may receive the data).
 */
export interface SubjectRecord {
  readonly subject: DataSubjectRow;
  readonly consents: readonly ConsentRow[];
  readonly objections: readonly ObjectionRow[];
  readonly requests: readonly SubjectRequestRow[];
  /** The restrictProcessing and liftRestriction change events, oldest first. */
  readonly restrictionEvents: readonly AccessEventRow[];
  /** Events that released at least one category (reads and earlier exports), per client and purpose. */
  readonly accesses: readonly EventSummary[];
  /** Change events, per client and purpose. */
  readonly changes: readonly EventSummary[];
  /** What the archive keeps of the subject (GDPR Art. 15 covers it too). */
  readonly archived: readonly ArchivedValueRow[];
  readonly legalHolds: readonly LegalHoldRow[];
  /** The questions the subject sent (that they asked, when, when answered). */
  readonly inquiries: readonly InquiryRow[];
  /** Every client, revoked ones too (they may have received data), with the purposes it may declare. */
  readonly clients: readonly ClientRow[];
}

/** A data-subject request and, when its subject still exists, the subject's whole record. */
export interface RequestWithRecord {
  readonly request: SubjectRequestRow;
  readonly record: SubjectRecord | null;
}

/**
 * The request and its subject's record, read in one REPEATABLE READ transaction: the request's
 * state the export is checked against and the data exported are one consistent snapshot, so a
 * consent withdrawn or a request closed meanwhile shows wholly or not at all. Null when there is
 * no such request. A fixed number of statements, whatever the size of the record: the audit is
 * aggregated in SQL, so a subject read a hundred thousand times costs no more rows than one read once.
 */
export async function loadRequestWithRecord(dataSource: DataSource, requestId: string): Promise<RequestWithRecord | null> {
  return dataSource.transaction("REPEATABLE READ", async (manager) => {
    const request = await manager.getRepository(SubjectRequestRow).findOneBy({ id: requestId });
    if (!request) return null;
    return { request, record: await loadSubjectRecord(manager, request.subjectId) };
  });
}

async function loadSubjectRecord(manager: EntityManager, subjectId: string): Promise<SubjectRecord | null> {
  const subject = await manager.getRepository(DataSubjectRow).findOneBy({ id: subjectId });
  if (!subject) return null;
  return {
    subject,
    consents: await manager.getRepository(ConsentRow).find({ where: { subjectId }, order: { givenAt: "ASC", id: "ASC" } }),
    objections: await manager.getRepository(ObjectionRow).find({ where: { subjectId }, order: { objectedAt: "ASC", id: "ASC" } }),
    requests: await manager.getRepository(SubjectRequestRow).find({ where: { subjectId }, order: { receivedAt: "ASC", id: "ASC" } }),
    restrictionEvents: await manager.getRepository(AccessEventRow).find({
      where: { subjectId, operation: In([...RESTRICTION_OPERATIONS]) },
      order: { at: "ASC", id: "ASC" },
    }),
    archived: await manager.getRepository(ArchivedValueRow).find({ where: { subjectId }, order: { category: "ASC" } }),
    legalHolds: await manager.getRepository(LegalHoldRow).find({ where: { subjectId }, order: { openedAt: "ASC", id: "ASC" } }),
    inquiries: await manager.getRepository(InquiryRow).find({ where: { subjectId }, order: { receivedAt: "ASC", id: "ASC" } }),
    accesses: await summariseEvents(manager, subjectId, "released"),
    changes: await summariseEvents(manager, subjectId, "written"),
    clients: await manager.getRepository(ClientRow).find({ relations: { purposes: true }, order: { name: "ASC" } }),
  };
}

interface SummaryRow {
  client_id: string;
  client_name: string;
  recipient_type: RecipientType | null;
  processor_name: string | null;
  purpose_key: string;
  operations: string[];
  first_at: Date | string;
  last_at: Date | string;
  /** An int4: a number from both drivers, read defensively. */
  count: number | string;
  categories: string[] | null;
}

/**
 * Events grouped per client, recipient and purpose: accesses are the events that released something (a denial
 * released nothing, so it is no access), changes are the change events. The join with the unnested
 * categories multiplies rows, hence `count(DISTINCT id)`.
 */
async function summariseEvents(manager: EntityManager, subjectId: string, column: "released" | "written"): Promise<EventSummary[]> {
  const which =
    column === "released"
      ? `e.decision IN ('${AccessDecision.RELEASED}', '${AccessDecision.PARTIAL}')`
      : `e.decision = '${AccessDecision.WRITTEN}'`;
  const rows = await manager.query<SummaryRow[]>(
    `SELECT e.client_id, e.client_name, e.recipient_type::text AS recipient_type, e.processor_name, e.purpose_key,
            array_agg(DISTINCT e.operation ORDER BY e.operation) AS operations,
            min(e.at) AS first_at, max(e.at) AS last_at, count(DISTINCT e.id)::int AS count,
            array_agg(DISTINCT c.category ORDER BY c.category) FILTER (WHERE c.category IS NOT NULL) AS categories
       FROM audit_access_event e LEFT JOIN LATERAL unnest(e.${column}) AS c(category) ON true
      WHERE e.subject_id = $1 AND e.subject_ids @> ARRAY[$1::uuid] AND ${which}
      GROUP BY e.client_id, e.client_name, e.recipient_type, e.processor_name, e.purpose_key
      ORDER BY min(e.at), e.client_name, e.purpose_key`,
    [subjectId],
  );
  return rows.map((row) => ({
    clientId: row.client_id,
    clientName: row.client_name,
    recipientType: row.recipient_type,
    processorName: row.processor_name,
    purposeKey: row.purpose_key,
    operations: row.operations,
    firstAt: new Date(row.first_at),
    lastAt: new Date(row.last_at),
    count: Number(row.count),
    categories: row.categories ?? [],
  }));
}
