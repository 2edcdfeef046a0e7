import type { DataSource, EntityManager } from "typeorm";
import { insertChangeEvents, type ChangeEventToWrite, type EventActor } from "../persistence/access-event-repository";
import { erasedAmong } from "../persistence/subject-repository";
import { erasedSubjectWriteRefusal } from "../policy/erased-subjects";

/** Who makes a change (the client, the recipient it is, its processor), for which purpose, in which request. */
export interface ChangeAuthor extends EventActor {
  readonly requestId: string;
  readonly purposeKey: string;
  /** The request's time, from the server's clock: when the change is recorded as made. */
  readonly at: Date;
}

/** A write to a subject whose data was erased (`erasedSubjectWriteRefusal`): rolled back, nothing changed. */
export class ErasedSubjectWriteError extends Error {
  constructor(
    readonly subjectId: string,
    readonly refusal: string,
  ) {
    super(refusal);
    this.name = "ErasedSubjectWriteError";
  }
}

/**
 * An erased subject accepts no write (docs/DESIGN.md §8). Checked once the work is done, from what
 * it logged, so every mutation obeys the one rule; the subjects' rows are share-locked, so an
 * erasure running meanwhile waits for this transaction or this one sees the erasure.
 */
async function refuseWritesToErasedSubjects(manager: EntityManager, operation: string, log: ChangeLog): Promise<void> {
  const entries = log.entries();
  if (entries.length === 0) return;
  const erased = await erasedAmong(
    manager,
    entries.map(([subjectId]) => subjectId),
  );
  for (const [subjectId, written] of entries) {
    if (!erased.has(subjectId)) continue;
    const refusal = erasedSubjectWriteRefusal(operation, written);
    if (refusal !== undefined) throw new ErasedSubjectWriteError(subjectId, refusal);
  }
}

/** The change could not be audited, so it was rolled back: nothing changed. */
export class ChangeNotAuditedError extends Error {
  constructor(cause: unknown) {
    super(`change event could not be written: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "ChangeNotAuditedError";
  }
}

/** Collects, during one write, which categories of which subject were written. */
export class ChangeLog {
  private readonly bySubject = new Map<string, Set<string>>();

  wrote(subjectId: string, categories: Iterable<string>): void {
    let written = this.bySubject.get(subjectId);
    if (!written) {
      written = new Set();
      this.bySubject.set(subjectId, written);
    }
    for (const category of categories) written.add(category);
  }

  /** Each subject written and the categories written to it. */
  entries(): [string, string[]][] {
    return [...this.bySubject].map(([subjectId, written]) => [subjectId, [...written]]);
  }

  events(author: ChangeAuthor, operation: string): ChangeEventToWrite[] {
    return [...this.bySubject].map(([subjectId, written]) => ({ ...author, subjectId, operation, written: [...written] }));
  }
}

/**
 * Runs `work` in one transaction and writes its change events — who, purpose, operation, subject,
 * categories, never values — in that same transaction, after the change. No event, no change: if
 * the events cannot be written the whole transaction rolls back and `ChangeNotAuditedError` is thrown.
 * A write that changed nothing (`work` logged nothing) writes no event.
 */
export async function writeWithChangeEvents<T>(
  dataSource: DataSource,
  author: ChangeAuthor,
  operation: string,
  work: (manager: EntityManager, log: ChangeLog) => Promise<T>,
): Promise<T> {
  return dataSource.transaction(async (manager) => {
    const log = new ChangeLog();
    const result = await work(manager, log);
    await refuseWritesToErasedSubjects(manager, operation, log);
    try {
      await insertChangeEvents(manager, log.events(author, operation));
    } catch (error) {
      throw new ChangeNotAuditedError(error);
    }
    return result;
  });
}
