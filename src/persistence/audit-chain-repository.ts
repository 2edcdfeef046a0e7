import type { EntityManager } from "typeorm";

/** The tables the audit's one hash chain runs through, in the order a (forged) tie of position is read. */
export type ChainTable = "access_event" | "request_event" | "read_event";

/**
 * What every event of the chain has, each column as the text the database's canonical encoding
 * uses (ids and positions in decimal, `at` in microseconds since the epoch, hashes in hex), so the
 * verifier depends on neither driver's parsing.
 */
interface ChainLink {
  readonly id: string;
  readonly chainPosition: string;
  readonly requestId: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly atMicros: string;
  readonly previousHash: string;
  readonly hash: string;
}

/** An access event as the chain covers it (`access_event_canonical`). */
export interface ChainedAccessEvent extends ChainLink {
  readonly table: "access_event";
  readonly purposeKey: string;
  readonly subjectId: string;
  readonly operation: string;
  readonly written: readonly string[];
  readonly released: readonly string[];
  readonly denied: readonly string[];
  readonly decision: string;
  /** Null for an event recorded before recipients were (it is hashed with the first encoding). */
  readonly recipientType: string | null;
  readonly processorName: string | null;
}

/** A request event as the chain covers it (`request_event_canonical`); `filter` is the JSON text as stored. */
export interface ChainedRequestEvent extends ChainLink {
  readonly table: "request_event";
  readonly kind: string;
  readonly purposeKey: string | null;
  readonly reason: string | null;
  readonly query: string | null;
  readonly fields: readonly string[];
  readonly categories: readonly string[];
  readonly capabilities: readonly string[];
  readonly filter: string | null;
}

/**
 * A request's reads as the chain covers them (`read_event_canonical`, migration CompactReadAudit):
 * subject ids as lowercase text, category masks in decimal, one of each per subject.
 */
export interface ChainedReadEvent extends ChainLink {
  readonly table: "read_event";
  readonly purposeKey: string;
  readonly recipientType: string;
  readonly processorName: string | null;
  readonly subjectIds: readonly string[];
  readonly released: readonly string[];
  readonly denied: readonly string[];
}

export type ChainedEvent = ChainedAccessEvent | ChainedRequestEvent | ChainedReadEvent;

/** Where a batch of the chain continues: after this position, table and id. */
export interface ChainCursor {
  readonly position: string;
  readonly table: ChainTable;
  readonly id: string;
}

export const CHAIN_START: ChainCursor = { position: "0", table: "access_event", id: "0" };

const TABLE_ORDER: Readonly<Record<ChainTable, number>> = { access_event: 0, request_event: 1, read_event: 2 };

const LINK_COLUMNS = `id::text AS "id", chain_position::text AS "chainPosition", request_id::text AS "requestId", client_id::text AS "clientId",
            client_name AS "clientName", ((extract(epoch FROM at) * 1000000)::bigint)::text AS "atMicros",
            encode(previous_hash, 'hex') AS "previousHash", encode(hash, 'hex') AS "hash"`;

/**
 * The events of both tables after `after` in chain order, at most `limit` of them. Ties of position
 * (a forged event) are ordered access events first, then by id — the column, not its text.
 * `chain_position >= $1` lets each table's unique index on the position do the work.
 */
export async function chainedEventsAfter(manager: EntityManager, after: ChainCursor, limit: number): Promise<ChainedEvent[]> {
  const parameters = [after.position, TABLE_ORDER[after.table], after.id, limit];
  const accessEvents: Omit<ChainedAccessEvent, "table">[] = await manager.query(
    `SELECT ${LINK_COLUMNS}, purpose_key AS "purposeKey", subject_id::text AS "subjectId", operation,
            written, released, denied, decision::text AS "decision",
            recipient_type::text AS "recipientType", processor_name AS "processorName"
       FROM access_event
      WHERE access_event.chain_position >= $1::bigint AND (access_event.chain_position, 0, access_event.id) > ($1::bigint, $2::int, $3::bigint)
      ORDER BY access_event.chain_position, access_event.id
      LIMIT $4`,
    parameters,
  );
  const requestEvents: Omit<ChainedRequestEvent, "table">[] = await manager.query(
    `SELECT ${LINK_COLUMNS}, kind::text AS "kind", purpose_key AS "purposeKey", reason, query,
            fields, categories, capabilities, filter::text AS "filter"
       FROM request_event
      WHERE request_event.chain_position >= $1::bigint AND (request_event.chain_position, 1, request_event.id) > ($1::bigint, $2::int, $3::bigint)
      ORDER BY request_event.chain_position, request_event.id
      LIMIT $4`,
    parameters,
  );
  const readEvents: Omit<ChainedReadEvent, "table">[] = await manager.query(
    `SELECT ${LINK_COLUMNS}, purpose_key AS "purposeKey", recipient_type::text AS "recipientType", processor_name AS "processorName",
            subject_ids::text[] AS "subjectIds", released::text[] AS "released", denied::text[] AS "denied"
       FROM read_event
      WHERE read_event.chain_position >= $1::bigint AND (read_event.chain_position, 2, read_event.id) > ($1::bigint, $2::int, $3::bigint)
      ORDER BY read_event.chain_position, read_event.id
      LIMIT $4`,
    parameters,
  );
  const merged: ChainedEvent[] = [
    ...accessEvents.map((event) => ({ ...event, table: "access_event" as const })),
    ...requestEvents.map((event) => ({ ...event, table: "request_event" as const })),
    ...readEvents.map((event) => ({ ...event, table: "read_event" as const })),
  ];
  return merged.sort(inChainOrder).slice(0, limit);
}

function inChainOrder(a: ChainedEvent, b: ChainedEvent): number {
  return compareDecimal(a.chainPosition, b.chainPosition) || TABLE_ORDER[a.table] - TABLE_ORDER[b.table] || compareDecimal(a.id, b.id);
}

function compareDecimal(a: string, b: string): number {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
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
