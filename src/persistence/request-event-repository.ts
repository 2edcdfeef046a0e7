import type { EntityManager } from "typeorm";
import type { AuditQueryFilter, RequestEventKind } from "../domain/request-events";
import { RequestEventRow } from "./entities";

/** A request event to write: a refusal before execution, or a query of the audit. Never a value from the request. */
export interface RequestEventToWrite {
  readonly kind: RequestEventKind;
  readonly requestId: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly purposeKey: string | null;
  readonly reason: string | null;
  readonly query: string | null;
  readonly fields: readonly string[];
  readonly categories: readonly string[];
  readonly capabilities: readonly string[];
  /** The audit query's validated arguments, in a fixed key order (the chain hashes the JSON text as written). */
  readonly filter: Readonly<AuditQueryFilter> | null;
  /** The request's time, from the server's clock. */
  readonly at: Date;
}

/** One multi-row INSERT; the database chains each row (the same chain as access events). */
export async function insertRequestEvents(manager: EntityManager, events: readonly RequestEventToWrite[]): Promise<void> {
  if (events.length === 0) return;
  await manager.insert(
    RequestEventRow,
    events.map((event) => ({
      ...event,
      fields: [...event.fields],
      categories: [...event.categories],
      capabilities: [...event.capabilities],
      filter: event.filter === null ? null : { ...event.filter },
    })),
  );
}
