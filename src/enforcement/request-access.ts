import DataLoader from "dataloader";
import type { GraphQLError } from "graphql";
import type { EntityManager } from "typeorm";
import { AccessRecorder } from "../audit/access-recorder";
import type { DataSubjectRow } from "../persistence/entities";
import { lawfulCondition, whereLawful, type LawfulCondition } from "../persistence/lawful-subjects";
import type { SubjectFilter } from "../persistence/subject-repository";
import { archiveViewOf } from "../persistence/archived-values";
import { loadSubjectFacts, noFacts, subjectFactsOf, type LoadedFacts } from "../persistence/subject-facts-repository";
import { readSubjects, type SubjectRead } from "../persistence/subject-reads";
import type { CompiledPolicy, PurposeRule } from "../policy/engine/compiled-policy";
import { EVERY_FACT, factsNeededBy, type FactsNeeded } from "../policy/engine/facts-needed";
import { lawfulness, releaseOf, type Lawfulness } from "../policy/engine/lawfulness";
import { contractCovers, type ClientStanding } from "../policy/engine/recipient-rules";
import type { FieldGuard } from "./field-guard";
import { purposeLimitationError, type ReadDenialReason } from "./purpose-limitation-error";

type Decision = Lawfulness | { readonly lawful: false; readonly reason: ReadDenialReason };

/**
 * Everything one request needs to release personal data: its purpose, the policy version it
 * started with, per-request loaders (a page of N subjects costs a constant number of statements),
 * one decision per subject, the one field guard, and the recorder the audit is written from. It
 * hands out guards; which objects carry them is the GraphQL layer's business (graphql/guarded-types.ts).
 */
export class RequestAccess {
  readonly recorder = new AccessRecorder();
  /** The facts outside a subject's row this request's purpose decides on (`factsNeededBy`); only those are loaded. */
  readonly factsNeeded: FactsNeeded;
  /** Each subject's row with those facts, in one statement per batch (persistence/subject-reads.ts). */
  private readonly subjects: DataLoader<string, SubjectRead | null>;
  /** The archive's categories, values and legal holds: loaded only for a purpose that reads the archive. */
  private readonly archives: DataLoader<string, LoadedFacts>;
  private readonly decisions = new Map<string, Decision>();
  private readonly denials = new Map<string, GraphQLError>();
  /** For a processor's client, whether its contract covers a category; null for any other client (no contract limits it). */
  private readonly contractCovers: ((category: string) => boolean) | null;
  private current: Date;

  constructor(
    readonly purposeKey: string | null,
    readonly policy: CompiledPolicy,
    manager: EntityManager,
    now: Date,
    /** The client as a recipient; its processor's contract is checked again at every field (the check before execution is the first). */
    standing: ClientStanding | null = null,
  ) {
    this.current = now;
    this.contractCovers =
      standing === null || standing.processorName === null ? null : (category) => contractCovers(policy, standing, category);
    this.factsNeeded = purposeKey === null ? EVERY_FACT : factsNeededBy(policy, purposeKey);
    this.subjects = new DataLoader(async (ids) => {
      const found = await readSubjects(manager, ids, this.factsNeeded);
      return ids.map((id) => found.get(id) ?? null);
    });
    this.archives = new DataLoader(async (ids) => {
      const loaded = await loadSubjectFacts(manager, ids, { consents: false, objections: false, inquiries: false, archive: true });
      return ids.map((id) => loaded.get(id) ?? noFacts());
    });
  }

  /** The request's time, from the server's one clock: every decision of the request is taken at it. */
  get now(): Date {
    return this.current;
  }

  /**
   * A request's time never runs behind a fact it is shown. Two simultaneous `giveConsent` calls
   * race to record one consent: the one that began first may find the consent the other recorded,
   * given at the other's (later) time; judged at its own time that consent would not have begun
   * yet, and the caller would be told its consent is missing. So the request's time moves on to
   * `instant`, and what it decided before is decided afresh.
   */
  catchUpTo(instant: Date): void {
    if (instant.getTime() <= this.current.getTime()) return;
    this.current = instant;
    this.decisions.clear();
    this.denials.clear();
  }

  /** The subject's row, loaded once per request (null when there is none). */
  async loadSubject(id: string): Promise<DataSubjectRow | null> {
    return (await this.subjects.load(id))?.row ?? null;
  }

  /** Subjects read with their facts elsewhere (a page): their guards need no further statement. */
  primeSubjects(reads: readonly SubjectRead[]): void {
    for (const read of reads) this.subjects.prime(read.row.id, read);
  }

  /** The guard of a subject whose row is at hand (a page, a write): its facts are loaded, batched, and it is decided once. */
  async guardOfRow(row: DataSubjectRow): Promise<FieldGuard> {
    return this.guardWith(row, await this.factsOf(row.id));
  }

  /** The guard of a subject known by id (a consent's, an objection's); a subject that does not exist releases nothing. */
  async guardOf(subjectId: string): Promise<FieldGuard> {
    const read = await this.subjects.load(subjectId);
    return read ? this.guardWith(read.row, await this.factsOf(subjectId)) : this.denyingGuard(subjectId);
  }

  /**
   * The subject's values as this request's purpose may see them: the row itself, or for a purpose
   * that reads the archive, the row with the archived values in place of the live ones.
   */
  async subjectView(row: DataSubjectRow): Promise<DataSubjectRow> {
    if (!this.factsNeeded.archive) return row;
    return archiveViewOf(row, (await this.archives.load(row.id)).archivedValues);
  }

  /** The lawful-list condition for this request's purpose and time, on the rows of `alias` (the twin of `lawfulness`). */
  lawfulCondition(alias: string): LawfulCondition {
    return lawfulCondition(alias, this.policy, this.declaredPurposeRule(), this.now);
  }

  /** Keeps, in SQL, only the subjects this request's purpose may lawfully process now (the twin of `lawfulness`). */
  readonly lawfulSubjects: SubjectFilter = (query, alias) => whereLawful(query, alias, this.policy, this.declaredPurposeRule(), this.now);

  private declaredPurposeRule(): PurposeRule {
    const purpose = this.purposeKey === null ? undefined : this.policy.purpose(this.purposeKey);
    if (!purpose) throw new Error("the lawful list needs a declared, known purpose");
    return purpose;
  }

  /** The facts outside the subject's row the decision needs: read with the row; for the archive's purposes, the archive too. */
  private async factsOf(subjectId: string): Promise<LoadedFacts> {
    const read = await this.subjects.load(subjectId);
    const facts = read?.facts ?? noFacts();
    if (!this.factsNeeded.archive) return facts;
    const archive = await this.archives.load(subjectId);
    return {
      ...facts,
      archivedCategories: archive.archivedCategories,
      archivedValues: archive.archivedValues,
      legalHolds: archive.legalHolds,
    };
  }

  /** After a write: the next read of this subject loads it, and decides, afresh. */
  forget(subjectId: string): void {
    this.subjects.clear(subjectId);
    this.archives.clear(subjectId);
    this.decisions.delete(subjectId);
  }

  /** The guard of a subject whose row and facts are at hand; the decision is made once per request. */
  guardWith(row: DataSubjectRow, facts: LoadedFacts): FieldGuard {
    let decision = this.decisions.get(row.id);
    if (!decision) {
      decision = this.decide(row, facts);
      this.decisions.set(row.id, decision);
    }
    const settled = decision;
    return { read: (_field, category, value) => this.read(row.id, settled, category, value) };
  }

  private decide(row: DataSubjectRow, facts: LoadedFacts): Decision {
    if (this.purposeKey === null) return { lawful: false, reason: "NO_PURPOSE" };
    try {
      return lawfulness(this.policy, this.purposeKey, subjectFactsOf(row, facts), this.now);
    } catch {
      return { lawful: false, reason: "CHECK_FAILED" };
    }
  }

  private denyingGuard(subjectId: string): FieldGuard {
    return { read: (_field, category, value) => this.read(subjectId, { lawful: false, reason: "CHECK_FAILED" }, category, value) };
  }

  /**
   * The one field guard: a set lookup, the processor's contract (for a processor's client), then the
   * subject's decision for this category; any failure is a denial.
   */
  private read(subjectId: string, decision: Decision, category: string, value: unknown): unknown {
    try {
      const reason: ReadDenialReason | null =
        this.purposeKey === null
          ? "NO_PURPOSE"
          : !this.policy.grants(this.purposeKey, category)
            ? "NOT_GRANTED"
            : this.contractCovers !== null && !this.contractCovers(category)
              ? "PROCESSOR_NOT_AUTHORISED"
              : decision.lawful
                ? releaseOf(decision, category)
                : decision.reason;
      if (reason === null) {
        this.recorder.released(subjectId, category);
        return value;
      }
      this.recorder.denied(subjectId, category);
      return this.denial(reason, category);
    } catch {
      this.recorder.denied(subjectId, category);
      return this.denial("CHECK_FAILED", category);
    }
  }

  /** One error per reason and category for the whole request; graphql-js adds each field's path to a copy. */
  private denial(reason: ReadDenialReason, category: string): GraphQLError {
    const key = `${reason} ${category}`;
    let error = this.denials.get(key);
    if (!error) {
      error = purposeLimitationError(reason, category, this.purposeKey);
      this.denials.set(key, error);
    }
    return error;
  }
}
