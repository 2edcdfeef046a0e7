import type { EntityManager } from "typeorm";
import { AccessDecision } from "../domain/policy-terms";
import { AccessEventRow } from "./entities";

export interface AccessEventToWrite {
  readonly requestId: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly purposeKey: string;
  readonly subjectId: string;
  readonly released: readonly string[];
  readonly denied: readonly string[];
}

/** One multi-row INSERT for the whole request: either every event is written or none. */
export async function insertAccessEvents(manager: EntityManager, events: readonly AccessEventToWrite[]): Promise<void> {
  if (events.length === 0) return;
  await manager.insert(
    AccessEventRow,
    events.map((event) => ({
      ...event,
      released: [...event.released],
      denied: [...event.denied],
      decision: decisionOf(event),
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
