import DataLoader from "dataloader";
import type { GraphQLError } from "graphql";
import type { EntityManager } from "typeorm";
import { AccessRecorder } from "../audit/access-recorder";
import type { ConsentRow, DataSubjectRow, ObjectionRow } from "../persistence/entities";
import { whereLawful } from "../persistence/lawful-subjects";
import { findSubjectsByIds, type SubjectFilter } from "../persistence/subject-repository";
import { loadConsentsAndObjections, type ConsentsAndObjections } from "../persistence/subject-facts-repository";
import type { CompiledPolicy } from "../policy/engine/compiled-policy";
import { lawfulness, releaseOf, type Lawfulness } from "../policy/engine/lawfulness";
import { consentValues, evidenceValues, objectionValues, subjectValues } from "../graphql/mappers";
import { Objection } from "../graphql/types/audit.types";
import { Consent, ConsentEvidence } from "../graphql/types/consent.types";
import { DataSubject } from "../graphql/types/subject.types";
import { guardedObject, type FieldGuard } from "./guarded-object";
import { purposeLimitationError, type ReadDenialReason } from "./purpose-limitation-error";

type Decision = Lawfulness | { readonly lawful: false; readonly reason: ReadDenialReason };

/**
 * Everything one request needs to release personal data: its purpose, the policy version it
 * started with, per-request loaders (a page of N subjects costs a constant number of statements),
 * one decision per subject, and the recorder the audit is written from.
 */
export class RequestAccess {
  readonly recorder = new AccessRecorder();
  private readonly rows: DataLoader<string, DataSubjectRow | null>;
  private readonly facts: DataLoader<string, ConsentsAndObjections>;
  private readonly decisions = new Map<string, Decision>();
  private readonly denials = new Map<string, GraphQLError>();

  constructor(
    readonly purposeKey: string | null,
    readonly policy: CompiledPolicy,
    manager: EntityManager,
    readonly now: Date,
  ) {
    this.rows = new DataLoader(async (ids) => {
      const found = new Map((await findSubjectsByIds(manager, ids)).map((row) => [row.id, row]));
      return ids.map((id) => found.get(id) ?? null);
    });
    this.facts = new DataLoader(async (ids) => {
      const loaded = await loadConsentsAndObjections(manager, ids);
      return ids.map((id) => loaded.get(id) ?? { consents: [], objections: [] });
    });
  }

  async subjectById(id: string): Promise<DataSubject | null> {
    const row = await this.rows.load(id);
    return row ? this.guardSubject(row) : null;
  }

  async guardSubject(row: DataSubjectRow): Promise<DataSubject> {
    this.rows.prime(row.id, row);
    return this.guardLoadedSubject(row, await this.facts.load(row.id));
  }

  /** The subject as GraphQL sees it, its personal fields behind the guard; `facts` already loaded. */
  guardLoadedSubject(row: DataSubjectRow, facts: ConsentsAndObjections): DataSubject {
    return guardedObject(DataSubject, subjectValues(row, this.now), this.guardWith(row, facts));
  }

  /** A subject this request has just written: loaded and decided afresh, not from what the request saw before. */
  async guardChangedSubject(row: DataSubjectRow): Promise<DataSubject> {
    this.forget(row.id);
    return this.guardSubject(row);
  }

  async guardSubjects(rows: readonly DataSubjectRow[]): Promise<DataSubject[]> {
    return Promise.all(rows.map((row) => this.guardSubject(row)));
  }

  /** A consent, every field but its identifiers behind the guard of its subject (that she consented is personal data). */
  async guardConsent(row: ConsentRow): Promise<Consent> {
    const guard = await this.guardOfSubject(row.subjectId);
    return guardedObject(Consent, { ...consentValues(row, this.now), evidence: guardedObject(ConsentEvidence, evidenceValues(row), guard) }, guard);
  }

  /** An objection, guarded like a consent. */
  async guardObjection(row: ObjectionRow): Promise<Objection> {
    return guardedObject(Objection, objectionValues(row, this.now), await this.guardOfSubject(row.subjectId));
  }

  /** Keeps, in SQL, only the subjects this request's purpose may lawfully process now (the twin of `lawfulness`). */
  readonly lawfulSubjects: SubjectFilter = (query, alias) => {
    const purpose = this.purposeKey === null ? undefined : this.policy.purpose(this.purposeKey);
    if (!purpose) throw new Error("lawfulSubjects needs a declared, known purpose");
    return whereLawful(query, alias, purpose, this.policy.lineageOf(purpose.key), this.now);
  };

  /** After a write: the next read of this subject loads it, and decides, afresh. */
  forget(subjectId: string): void {
    this.rows.clear(subjectId);
    this.facts.clear(subjectId);
    this.decisions.delete(subjectId);
  }

  private async guardOfSubject(subjectId: string): Promise<FieldGuard> {
    const subject = await this.rows.load(subjectId);
    return subject ? this.guardWith(subject, await this.facts.load(subject.id)) : this.denyingGuard(subjectId);
  }

  private guardWith(row: DataSubjectRow, facts: ConsentsAndObjections): FieldGuard {
    let decision = this.decisions.get(row.id);
    if (!decision) {
      decision = this.decide(row, facts);
      this.decisions.set(row.id, decision);
    }
    const settled = decision;
    return { read: (_field, category, value) => this.read(row.id, settled, category, value) };
  }

  private decide(row: DataSubjectRow, facts: ConsentsAndObjections): Decision {
    if (this.purposeKey === null) return { lawful: false, reason: "NO_PURPOSE" };
    try {
      return lawfulness(
        this.policy,
        this.purposeKey,
        { status: row.status, serviceActiveUntil: row.serviceActiveUntil, collectedAt: row.createdAt, ...facts },
        this.now,
      );
    } catch {
      return { lawful: false, reason: "CHECK_FAILED" };
    }
  }

  private denyingGuard(subjectId: string): FieldGuard {
    return { read: (_field, category, value) => this.read(subjectId, { lawful: false, reason: "CHECK_FAILED" }, category, value) };
  }

  /** The one field guard: a set lookup, then the subject's decision for this category; any failure is a denial. */
  private read(subjectId: string, decision: Decision, category: string, value: unknown): unknown {
    try {
      const reason: ReadDenialReason | null =
        this.purposeKey === null
          ? "NO_PURPOSE"
          : !this.policy.grants(this.purposeKey, category)
            ? "NOT_GRANTED"
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
