import { RequestEventKind, type AuditQueryFilter } from "../domain/request-events";
import { READ_OPERATION, type AccessEventToWrite } from "../persistence/access-event-repository";
import type { RequestEventToWrite } from "../persistence/request-event-repository";
import type { SubjectExport, SubjectRead } from "../persistence/request-audit-statement";

/** An export handed out in this request: one event of its own, whatever else the request read. */
interface RecordedExport {
  readonly subjectId: string;
  readonly operation: string;
  readonly released: readonly string[];
}

/** A query of the audit itself: the root field and its validated arguments. */
interface RecordedAuditQuery {
  readonly query: string;
  readonly filter: AuditQueryFilter;
}

/**
 * Collects, during one request, which categories of which subject were released or denied, the
 * exports it produced, and its queries of the audit. The purpose-limitation plugin writes all of
 * them before the response leaves, and withholds the response when it cannot.
 */
export class AccessRecorder {
  private readonly bySubject = new Map<string, { released: Set<string>; denied: Set<string> }>();
  private readonly exports: RecordedExport[] = [];
  private readonly audited: RecordedAuditQuery[] = [];

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

  /**
   * A query of the audit (`accessEvents`, `breachScope`, …): the audit is read only with a record of
   * who read it and with what filter — the ids and keys the auditor gave, never a personal value.
   */
  auditQueried(query: string, filter: AuditQueryFilter): void {
    this.audited.push({ query, filter: { ...filter } });
  }

  get isEmpty(): boolean {
    return this.bySubject.size === 0 && this.exports.length === 0 && this.audited.length === 0;
  }

  /** One request event per query of the audit. */
  auditQueries(request: Pick<RequestEventToWrite, "requestId" | "clientId" | "clientName" | "purposeKey" | "at">): RequestEventToWrite[] {
    return this.audited.map(({ query, filter }) => ({
      ...request,
      kind: RequestEventKind.AUDIT_QUERY,
      reason: null,
      query,
      fields: [],
      categories: [],
      capabilities: [],
      filter,
    }));
  }

  /** One read per subject, in the order first read; a category both released and denied in one request counts as denied too. */
  reads(): SubjectRead[] {
    return [...this.bySubject].map(([subjectId, entry]) => ({
      subjectId,
      released: [...entry.released].sort(),
      denied: [...entry.denied].sort(),
    }));
  }

  /** The exports handed out, in order. */
  exportsMade(): SubjectExport[] {
    return [...this.exports];
  }

  /** The reads, then the exports, as the events they stand for, each with the request's columns. */
  events(request: Omit<AccessEventToWrite, "subjectId" | "operation" | "released" | "denied">): AccessEventToWrite[] {
    const reads = this.reads().map((read) => ({ ...request, ...read, operation: READ_OPERATION }));
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
