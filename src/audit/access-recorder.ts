import type { AccessEventToWrite } from "../persistence/access-event-repository";

/** Collects, during one request, which categories of which subject were released or denied. */
export class AccessRecorder {
  private readonly bySubject = new Map<string, { released: Set<string>; denied: Set<string> }>();

  released(subjectId: string, category: string): void {
    this.entryOf(subjectId).released.add(category);
  }

  denied(subjectId: string, category: string): void {
    this.entryOf(subjectId).denied.add(category);
  }

  get isEmpty(): boolean {
    return this.bySubject.size === 0;
  }

  /** One event per subject; a category both released and denied in one request counts as denied too. */
  events(request: Omit<AccessEventToWrite, "subjectId" | "released" | "denied">): AccessEventToWrite[] {
    return [...this.bySubject].map(([subjectId, entry]) => ({
      ...request,
      subjectId,
      released: [...entry.released].sort(),
      denied: [...entry.denied].sort(),
    }));
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
