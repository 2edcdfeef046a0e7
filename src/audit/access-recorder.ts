import { READ_OPERATION, type AccessEventToWrite } from "../persistence/access-event-repository";

/** An export handed out in this request: one event of its own, whatever else the request read. */
interface RecordedExport {
  readonly subjectId: string;
  readonly operation: string;
  readonly released: readonly string[];
}

/**
 * Collects, during one request, which categories of which subject were released or denied, and the
 * exports it produced. The purpose-limitation plugin writes all of them in one statement before the
 * response leaves, and withholds the response when it cannot.
 */
export class AccessRecorder {
  private readonly bySubject = new Map<string, { released: Set<string>; denied: Set<string> }>();
  private readonly exports: RecordedExport[] = [];

  released(subjectId: string, category: string): void {
    this.entryOf(subjectId).released.add(category);
  }

  denied(subjectId: string, category: string): void {
    this.entryOf(subjectId).denied.add(category);
  }

  /**
   * An export of the subject's data (`accessExport`, `portabilityExport`), which bypasses the field
   * guard by design: it is audited as one event of its own operation, releasing `categories`.
   */
  exported(subjectId: string, operation: string, categories: Iterable<string>): void {
    this.exports.push({ subjectId, operation, released: [...new Set(categories)].sort() });
  }

  get isEmpty(): boolean {
    return this.bySubject.size === 0 && this.exports.length === 0;
  }

  /** One read event per subject, then one event per export; a category both released and denied in one request counts as denied too. */
  events(request: Omit<AccessEventToWrite, "subjectId" | "operation" | "released" | "denied">): AccessEventToWrite[] {
    const reads = [...this.bySubject].map(([subjectId, entry]) => ({
      ...request,
      subjectId,
      operation: READ_OPERATION,
      released: [...entry.released].sort(),
      denied: [...entry.denied].sort(),
    }));
    const exports = this.exports.map((exported) => ({ ...request, ...exported, denied: [] }));
    return [...reads, ...exports];
  }

  private entryOf(subjectId: string): { released: Set<string>; denied: Set<string> } {
    let entry = this.bySubject.get(subjectId);
    if (!entry) {
      entry = { released: new Set(), denied: new Set() };
      this.bySubject.set(subjectId, entry);
    }
    return entry;
  }
}
