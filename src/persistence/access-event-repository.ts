import type { EntityManager } from "typeorm";
import { AccessDecision } from "../domain/policy-terms";
import type { RecipientType } from "../domain/recipients";
import { ACCESS_EVENT_COLUMNS, OF_SUBJECT, type AccessEventView } from "./audit-query-repository";
import { AccessEventRow } from "./entities";

/** Who read or wrote, as every event records it: the client, the recipient it is, and the processor it acts for. */
export interface EventActor {
  readonly clientId: string;
  readonly clientName: string;
  /** THIRD_PARTY for a disclosure (src/domain/recipients.ts). */
  readonly recipientType: RecipientType;
  /** The processor the client acts for; null unless `recipientType` is PROCESSOR. */
  readonly processorName: string | null;
}

export interface AccessEventToWrite extends EventActor {
  readonly requestId: string;
  readonly purposeKey: string;
  readonly subjectId: string;
  /** `read` for a request's reads through the field guard; an export's own operation (`accessExport`) for an export. */
  readonly operation: string;
  readonly released: readonly string[];
  readonly denied: readonly string[];
}

/** The operation an access event of reads records. */
export const READ_OPERATION = "read";

/** What one mutation changed about one subject: the categories written, never the values. */
export interface ChangeEventToWrite extends EventActor {
  readonly requestId: string;
  readonly purposeKey: string;
  readonly subjectId: string;
  /** The mutation, e.g. `updateSubject`. */
  readonly operation: string;
  readonly written: readonly string[];
  /** The request's time, from the server's clock. */
  readonly at: Date;
}

/** Change events go in the same transaction as the change (`manager` is that transaction's). */
export async function insertChangeEvents(manager: EntityManager, events: readonly ChangeEventToWrite[]): Promise<void> {
  if (events.length === 0) return;
  await manager.insert(
    AccessEventRow,
    events.map((event) => ({
      ...event,
      written: [...new Set(event.written)].sort(),
      released: [],
      denied: [],
      decision: AccessDecision.WRITTEN,
    })),
  );
}

/** A subject's access events, reads in `read_event` included (migration CompactReadAudit), oldest first. */
export async function accessEventsOfSubject(manager: EntityManager, subjectId: string): Promise<AccessEventView[]> {
  return manager.query(
    `SELECT ${ACCESS_EVENT_COLUMNS} FROM audit_access_event WHERE ${OF_SUBJECT("$1")} ORDER BY at, chain_position, ordinal`,
    [subjectId],
  );
}
