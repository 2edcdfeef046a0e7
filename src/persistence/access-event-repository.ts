import type { EntityManager } from "typeorm";
import { AccessDecision } from "../domain/policy-terms";
import type { RecipientType } from "../domain/recipients";
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

/**
 * One multi-row INSERT for the whole request (its reads and its exports): either every event is
 * written or none. `at` is the request's time, from the server's one clock (not the database's), so
 * the audit and the decisions it records share one time line.
 */
export async function insertAccessEvents(manager: EntityManager, events: readonly AccessEventToWrite[], at: Date): Promise<void> {
  if (events.length === 0) return;
  await manager.insert(
    AccessEventRow,
    events.map((event) => ({
      ...event,
      at,
      written: [],
      released: [...event.released],
      denied: [...event.denied],
      decision: decisionOf(event),
    })),
  );
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

export async function accessEventsOfSubject(manager: EntityManager, subjectId: string): Promise<AccessEventRow[]> {
  return manager.getRepository(AccessEventRow).find({ where: { subjectId }, order: { at: "ASC", id: "ASC" } });
}

function decisionOf(event: AccessEventToWrite): AccessDecision {
  if (event.denied.length === 0) return AccessDecision.RELEASED;
  return event.released.length === 0 ? AccessDecision.DENIED : AccessDecision.PARTIAL;
}

/**
 * An access event as the hash chain covers it, every column as the text the database's canonical
 * encoding uses (ids and positions in decimal, `at` in microseconds since the epoch, hashes in hex),
 * so the verifier depends on neither driver's parsing.
 */
export interface ChainedEvent {
  readonly id: string;
  readonly chainPosition: string;
  readonly requestId: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly purposeKey: string;
  readonly subjectId: string;
  readonly operation: string;
  readonly written: readonly string[];
  readonly released: readonly string[];
  readonly denied: readonly string[];
  readonly decision: string;
  readonly atMicros: string;
  /** Null for an event recorded before recipients were (it is hashed with the first encoding). */
  readonly recipientType: string | null;
  readonly processorName: string | null;
  readonly previousHash: string;
  readonly hash: string;
}

/**
 * The events after (`position`, `id`) in chain order, at most `limit` of them. Ties of position (a
 * forged event) are ordered by id — the column, not its text (qualified, as the output is named `id` too).
 */
export async function chainedEventsAfter(
  manager: EntityManager,
  after: { readonly position: string; readonly id: string },
  limit: number,
): Promise<ChainedEvent[]> {
  return manager.query(
    `SELECT id::text AS "id", chain_position::text AS "chainPosition", request_id::text AS "requestId", client_id::text AS "clientId",
            client_name AS "clientName", purpose_key AS "purposeKey", subject_id::text AS "subjectId", operation,
            written, released, denied, decision::text AS "decision",
            ((extract(epoch FROM at) * 1000000)::bigint)::text AS "atMicros",
            recipient_type::text AS "recipientType", processor_name AS "processorName",
            encode(previous_hash, 'hex') AS "previousHash", encode(hash, 'hex') AS "hash"
       FROM access_event
      WHERE (access_event.chain_position, access_event.id) > ($1::bigint, $2::bigint)
      ORDER BY access_event.chain_position, access_event.id
      LIMIT $3`,
    [after.position, after.id, limit],
  );
}

/** Where the chain ends, as the database last extended it: its position (0 when empty) and hash (hex). */
export async function chainHead(manager: EntityManager): Promise<{ position: string; hash: string }> {
  const rows: { position: string; hash: string }[] = await manager.query(
    `SELECT position::text AS "position", encode(hash, 'hex') AS "hash" FROM access_event_chain_head`,
  );
  const head = rows[0];
  if (rows.length !== 1 || !head) throw new Error(`access_event_chain_head holds ${rows.length} rows, not one`);
  return head;
}
