import { createHash } from "node:crypto";
import type { DataSource } from "typeorm";
import {
  CHAIN_START,
  chainedEventsAfter,
  chainHead,
  type ChainedAccessEvent,
  type ChainedEvent,
  type ChainedReadEvent,
  type ChainedRequestEvent,
  type ChainTable,
} from "../persistence/audit-chain-repository";

/** The hash before the first event. */
export const GENESIS_HASH = "00".repeat(32);

/**
 * The canonical encoding the database hashes (`access_event_canonical`, migrations AuditHashChain
 * and ProcessorClients; `request_event_canonical`, migration AuditQueries), re-implemented here so
 * that verification does not trust functions an owner of the database could replace: each value as
 * a netstring, each array as its length then its items, in a fixed order, after a tag naming the
 * table and the encoding. An access event recorded with its recipient is encoded
 * `purposeql-audit-v2`, the first encoding's fields followed by the recipient type and the processor
 * (a list of none or one name); an access event recorded before recipients were keeps
 * `purposeql-audit-v1`. A request's reads (`read_event_canonical`, migration CompactReadAudit) are
 * encoded `purposeql-read-v1`: the request's columns, then its subjects and their released and
 * denied category masks, one list each.
 */
export function canonicalEncoding(event: ChainedEvent): string {
  switch (event.table) {
    case "access_event":
      return accessEventEncoding(event);
    case "request_event":
      return requestEventEncoding(event);
    case "read_event":
      return readEventEncoding(event);
  }
}

function accessEventEncoding(event: ChainedAccessEvent): string {
  const withRecipient = event.recipientType !== null;
  return [
    netstring(withRecipient ? "purposeql-audit-v2" : "purposeql-audit-v1"),
    netstring(event.chainPosition),
    netstring(event.id),
    netstring(event.requestId),
    netstring(event.clientId),
    netstring(event.clientName),
    netstring(event.purposeKey),
    netstring(event.subjectId),
    netstring(event.operation),
    netstrings(event.written),
    netstrings(event.released),
    netstrings(event.denied),
    netstring(event.decision),
    netstring(event.atMicros),
    ...(withRecipient ? [netstring(event.recipientType), netstrings(event.processorName === null ? [] : [event.processorName])] : []),
  ].join("");
}

function requestEventEncoding(event: ChainedRequestEvent): string {
  return [
    netstring("purposeql-request-v1"),
    netstring(event.chainPosition),
    netstring(event.id),
    netstring(event.kind),
    netstring(event.requestId),
    netstring(event.clientId),
    netstring(event.clientName),
    nullable(event.purposeKey),
    nullable(event.reason),
    nullable(event.query),
    netstrings(event.fields),
    netstrings(event.categories),
    netstrings(event.capabilities),
    nullable(event.filter),
    netstring(event.atMicros),
  ].join("");
}

function readEventEncoding(event: ChainedReadEvent): string {
  return [
    netstring("purposeql-read-v1"),
    netstring(event.chainPosition),
    netstring(event.id),
    netstring(event.requestId),
    netstring(event.clientId),
    netstring(event.clientName),
    netstring(event.purposeKey),
    netstring(event.recipientType),
    netstrings(event.processorName === null ? [] : [event.processorName]),
    netstring(event.atMicros),
    netstrings(event.subjectIds),
    netstrings(event.released),
    netstrings(event.denied),
  ].join("");
}

/** sha256(previous hash || canonical encoding), in hex: what the event's `hash` must be. */
export function eventHash(previousHash: string, event: ChainedEvent): string {
  return createHash("sha256").update(Buffer.from(previousHash, "hex")).update(canonicalEncoding(event), "utf8").digest("hex");
}

// A column nulled behind the constraints' back cannot be hashed by the database (its insert would
// fail); here it encodes as `~`, which no netstring is, so it never matches.
function netstring(value: string | null): string {
  return value === null ? "~" : `${Buffer.byteLength(value, "utf8")}:${value},`;
}

function netstrings(items: readonly (string | null)[] | null): string {
  return items === null ? "~" : netstring(String(items.length)) + items.map(netstring).join("");
}

/** A column that may be NULL: `~` stands for NULL in the encoding itself (request events). */
function nullable(value: string | null): string {
  return value === null ? "~" : netstring(value);
}

export type TamperKind = "edited" | "inserted" | "deleted";

/** An event of the chain: its table and its id there. */
interface EventRef {
  readonly table: ChainTable;
  readonly id: string;
}

/** How a report names an event: access events as before (`event 12`), request and read events as such. */
export function nameOf(event: EventRef): string {
  switch (event.table) {
    case "access_event":
      return `event ${event.id}`;
    case "request_event":
      return `request event ${event.id}`;
    case "read_event":
      return `read event ${event.id}`;
  }
}

/** The first place the chain does not hold. */
export interface Tamper {
  readonly kind: TamperKind;
  /** The table of `eventId` (null with it). */
  readonly table: ChainTable | null;
  /** The event found edited or inserted, or the event right after the deleted ones (null when the tail was deleted). */
  readonly eventId: string | null;
  readonly position: string;
  readonly detail: string;
}

export type ChainVerdict =
  | { readonly intact: true; readonly events: number; readonly head: { readonly position: string; readonly hash: string } }
  | { readonly intact: false; readonly eventsChecked: number; readonly tamper: Tamper };

/**
 * Recomputes the whole chain — access, request and read events, one sequence of positions — in
 * position order, in one snapshot (REPEATABLE READ, so events the
 * server writes meanwhile are neither half-seen nor mistaken for tampering), `batchSize` events at a
 * time. Reports the first event that was edited (its columns no longer give its hash), inserted (a
 * position taken twice, or an event whose successor chains past it) or deleted (a gap in the
 * positions, or a head beyond the last event).
 *
 * The limit of any unkeyed chain: someone able to rewrite every hash from a point on, and the head,
 * leaves a chain that verifies. Record the head this reports somewhere the database's owner cannot
 * write, and pass it back as `anchors`: an anchor no longer in the chain is tampering.
 */
export async function verifyAuditChain(
  dataSource: DataSource,
  options: { readonly batchSize?: number; readonly anchors?: readonly { position: string; hash: string }[] } = {},
): Promise<ChainVerdict> {
  const batchSize = options.batchSize ?? 5000;
  const anchors = new Map((options.anchors ?? []).map((anchor) => [anchor.position, anchor.hash.toLowerCase()]));
  return dataSource.transaction("REPEATABLE READ", async (manager) => {
    const head = await chainHead(manager);
    let expected = 1n;
    let previous: (EventRef & { hash: string }) | null = null;
    let beforePrevious = GENESIS_HASH;
    let checked = 0;
    let firstPastHead: EventRef | null = null;
    const tampered = (kind: TamperKind, event: EventRef | null, position: string, detail: string): ChainVerdict => ({
      intact: false,
      eventsChecked: checked,
      tamper: { kind, table: event?.table ?? null, eventId: event?.id ?? null, position, detail },
    });

    for (let batch = await chainedEventsAfter(manager, CHAIN_START, batchSize); batch.length > 0;) {
      for (const event of batch) {
        const position = BigInt(event.chainPosition);
        const previousHash = previous?.hash ?? GENESIS_HASH;
        if (position < expected) {
          return tampered("inserted", event, event.chainPosition, `a second event at position ${event.chainPosition}`);
        }
        if (position > expected) {
          return tampered(
            "deleted",
            event,
            event.chainPosition,
            `the events at positions ${expected}–${position - 1n}, before this one, are missing`,
          );
        }
        if (eventHash(event.previousHash, event) !== event.hash) {
          return tampered("edited", event, event.chainPosition, "its columns do not give its hash");
        }
        if (event.previousHash !== previousHash) {
          // Chains past its predecessor to the one before: the predecessor was slipped in.
          if (previous && event.previousHash === beforePrevious) {
            return tampered(
              "inserted",
              previous,
              String(position - 1n),
              `${nameOf(event)}, next in the chain, does not chain from it but from the event before it`,
            );
          }
          return tampered(
            "edited",
            previous ?? event,
            String(previous ? position - 1n : position),
            previous
              ? `its hash was rewritten: ${nameOf(event)}, next in the chain, chains from a different hash`
              : "the first event does not chain from the genesis hash",
          );
        }
        const anchored = anchors.get(event.chainPosition);
        if (anchored !== undefined && anchored !== event.hash) {
          return tampered(
            "edited",
            event,
            event.chainPosition,
            `its hash is not the anchored ${anchored}: the chain was rewritten up to here`,
          );
        }
        anchors.delete(event.chainPosition);
        if (position === BigInt(head.position) + 1n) firstPastHead = event;
        beforePrevious = previousHash;
        previous = { table: event.table, id: event.id, hash: event.hash };
        expected = position + 1n;
        checked += 1;
      }
      const last = batch[batch.length - 1];
      batch = last ? await chainedEventsAfter(manager, { position: last.chainPosition, table: last.table, id: last.id }, batchSize) : [];
    }

    const lastPosition = expected - 1n;
    const headPosition = BigInt(head.position);
    if (headPosition > lastPosition) {
      return tampered(
        "deleted",
        null,
        String(lastPosition + 1n),
        `the chain head is at position ${head.position}, but the last event is at ${lastPosition}: the events after it are missing`,
      );
    }
    if (headPosition < lastPosition) {
      return tampered(
        "inserted",
        firstPastHead,
        String(headPosition + 1n),
        `the chain head is at position ${head.position}: this event and those after it were added past it`,
      );
    }
    if (head.hash !== (previous?.hash ?? GENESIS_HASH)) {
      return tampered("edited", previous, String(lastPosition), "its hash is not the one the chain head recorded");
    }
    const [missingAnchor] = anchors;
    if (missingAnchor) {
      return tampered("deleted", null, missingAnchor[0], `the anchored event at position ${missingAnchor[0]} is no longer in the chain`);
    }
    return { intact: true, events: checked, head };
  });
}
