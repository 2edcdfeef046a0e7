import { AccessDecision } from "../domain/policy-terms";
import type { RecipientType } from "../domain/recipients";
import { READ_OPERATION } from "../persistence/access-event-repository";

/** What the computation needs of an audit event: who, when, what was released or written. */
export interface AuditedEvent {
  readonly clientName: string;
  /** Null for an event recorded before recipients were. */
  readonly recipientType: RecipientType | null;
  readonly processorName: string | null;
  readonly operation: string;
  readonly at: Date;
  readonly decision: AccessDecision;
  readonly released: readonly string[];
  readonly written: readonly string[];
}

export interface Recipient {
  readonly clientName: string;
  /** The recipient it was when it last received them (THIRD_PARTY: a disclosure); null when its events predate recipients. */
  readonly recipientType: RecipientType | null;
  /** The processor it acted for then; null when none. */
  readonly processorName: string | null;
  /** The corrected categories it received, sorted. */
  readonly categories: string[];
  readonly lastReceivedAt: Date;
}

/**
 * The recipients to tell of a rectification (GDPR Art. 19): every client that received a corrected
 * category after that category was last written, for what it received may be the inaccurate value
 * (values received before an earlier correction were corrected, and notified, then). `events` is
 * the subject's audit trail before the correction. Pure; ordered by client name.
 */
export function recipientsToNotify(events: readonly AuditedEvent[], corrected: readonly string[]): Recipient[] {
  const lastWritten = new Map<string, number>();
  for (const event of events) {
    if (event.decision !== AccessDecision.WRITTEN) continue;
    for (const category of event.written) lastWritten.set(category, Math.max(lastWritten.get(category) ?? 0, event.at.getTime()));
  }
  return recipientsSince(events, corrected, lastWritten);
}

/**
 * The recipients to tell of an erasure (GDPR Art. 19): every client that ever received one of the
 * erased categories, whatever value it received — every copy of it must go. Pure; ordered by client name.
 */
export function recipientsOfErasure(events: readonly AuditedEvent[], erased: readonly string[]): Recipient[] {
  return recipientsSince(events, erased, new Map());
}

function recipientsSince(
  events: readonly AuditedEvent[],
  corrected: readonly string[],
  lastWritten: ReadonlyMap<string, number>,
): Recipient[] {
  const byClient = new Map<
    string,
    { categories: Set<string>; last: number; recipientType: RecipientType | null; processorName: string | null }
  >();
  for (const event of events) {
    // Only reads go to a recipient: an export is the person's own copy.
    if (event.operation !== READ_OPERATION) continue;
    const received = event.released.filter(
      (category) => corrected.includes(category) && event.at.getTime() >= (lastWritten.get(category) ?? 0),
    );
    if (received.length === 0) continue;
    const entry = byClient.get(event.clientName) ?? { categories: new Set<string>(), last: 0, recipientType: null, processorName: null };
    for (const category of received) entry.categories.add(category);
    if (event.at.getTime() >= entry.last && event.recipientType !== null) {
      entry.recipientType = event.recipientType;
      entry.processorName = event.processorName;
    }
    entry.last = Math.max(entry.last, event.at.getTime());
    byClient.set(event.clientName, entry);
  }
  return [...byClient]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([clientName, entry]) => ({
      clientName,
      recipientType: entry.recipientType,
      processorName: entry.processorName,
      categories: [...entry.categories].sort(),
      lastReceivedAt: new Date(entry.last),
    }));
}
