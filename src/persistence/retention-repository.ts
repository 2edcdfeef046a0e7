import { type EntityManager } from "typeorm";
import { FACT_CATEGORIES } from "../domain/fact-categories";
import { ArchiveReason, SubjectStatus } from "../domain/policy-terms";
import { anonymiserOf } from "../policy/anonymisation";
import type { RetentionStep } from "../policy/engine/retention-plan";
import { fieldOfCategory, liveValueOf } from "./archived-values";
import { AnonymousStatisticRow, ArchivedValueRow, ConsentRow, DataSubjectRow } from "./entities";
import { keyringOf, sealArchivedValue } from "./field-encryption";
import { loadSubjectFacts, type LoadedFacts } from "./subject-facts-repository";

/** A subject as retention sees it: the row and every fact outside it. */
export interface RetentionCandidate {
  readonly row: DataSubjectRow;
  readonly facts: LoadedFacts;
  /** Whether records of the person's consents, objections or requests exist. */
  readonly holdsRecords: boolean;
}

/** Of these subjects, those with a subject request on record. */
async function withRequests(manager: EntityManager, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows: { subject_id: string }[] = await manager.query(`SELECT DISTINCT subject_id FROM subject_request WHERE subject_id = ANY($1)`, [
    [...ids],
  ]);
  return new Set(rows.map((row) => row.subject_id));
}

function candidateOf(row: DataSubjectRow, facts: LoadedFacts, requested: ReadonlySet<string>): RetentionCandidate {
  return { row, facts, holdsRecords: facts.consents.length > 0 || facts.objections.length > 0 || requested.has(row.id) };
}

/**
 * A page of subjects in creation order after `afterSeq`, with their facts: what the sweep plans
 * from. Erased subjects are left out: nothing of them is left to act on.
 */
export async function subjectsForRetention(manager: EntityManager, afterSeq: string | null, limit: number): Promise<RetentionCandidate[]> {
  const query = manager
    .getRepository(DataSubjectRow)
    .createQueryBuilder("subject")
    // An erased subject is looked at only while records of their choices and requests remain.
    .where(
      `(subject.status <> :erased OR EXISTS (SELECT 1 FROM consent c WHERE c.subject_id = subject.id)
        OR EXISTS (SELECT 1 FROM objection o WHERE o.subject_id = subject.id)
        OR EXISTS (SELECT 1 FROM subject_request r WHERE r.subject_id = subject.id))`,
      { erased: SubjectStatus.ERASED },
    )
    .orderBy("subject.seq", "ASC")
    .limit(limit);
  if (afterSeq !== null) query.andWhere("subject.seq > :afterSeq", { afterSeq });
  const rows = await query.getMany();
  const ids = rows.map((row) => row.id);
  const facts = await loadSubjectFacts(manager, ids);
  const requested = await withRequests(manager, ids);
  return rows.map((row) => candidateOf(row, facts.get(row.id) as LoadedFacts, requested));
}

/** The subject locked for the rest of the transaction (FOR UPDATE: erasure and retention change the row whole), with its facts. */
export async function lockForRetention(manager: EntityManager, subjectId: string): Promise<RetentionCandidate | null> {
  const row = await manager
    .getRepository(DataSubjectRow)
    .createQueryBuilder("subject")
    .where("subject.id = :subjectId", { subjectId })
    .setLock("pessimistic_write")
    .getOne();
  if (!row) return null;
  const facts = await loadSubjectFacts(manager, [row.id]);
  return candidateOf(row, facts.get(row.id) as LoadedFacts, await withRequests(manager, [row.id]));
}

/**
 * Carries out retention or erasure steps on a locked subject, in the caller's transaction: deletes,
 * anonymises (the value leaves the row; only its generalisation is counted), archives (the value
 * moves to `archived_value`) and purges the archive; then sets the status. A subject left with
 * nothing keeps only the minimal proof of its consents (who, when, what, which notice): their
 * device evidence is cleared.
 */
export async function applyRetentionSteps(
  manager: EntityManager,
  candidate: RetentionCandidate,
  steps: readonly RetentionStep[],
  statusAfter: SubjectStatus,
  now: Date,
): Promise<void> {
  const { row } = candidate;
  const cleared: Partial<Record<string, null>> = {};
  for (const step of steps) {
    const field = fieldOfCategory(step.category);
    const value = liveValueOf(row, step.category);
    switch (step.action) {
      case "DELETE":
        break;
      case "ANONYMISE": {
        const generalised = value === null ? null : (anonymiserOf(step.category)?.generalise(value) ?? null);
        if (generalised !== null) await countAnonymously(manager, step.category, generalised);
        break;
      }
      case "ARCHIVE":
        if (value !== null) await archive(manager, row.id, step.category, value, step.reason, step.decidedBy, now);
        break;
      case "PURGE":
        // The records of choices and requests go once the status says ERASED (the consent guard allows only that): below.
        if (step.category !== FACT_CATEGORIES.privacyPreferences) {
          await manager.getRepository(ArchivedValueRow).delete({ subjectId: row.id, category: step.category });
        }
        continue;
    }
    if (field) cleared[field] = null;
  }
  const changes: Partial<DataSubjectRow> = { ...cleared };
  if (statusAfter !== row.status) changes.status = statusAfter;
  if (Object.keys(changes).length > 0) await manager.getRepository(DataSubjectRow).update({ id: row.id }, changes);
  if (statusAfter === SubjectStatus.ERASED) await reduceConsentProofs(manager, row.id);
  if (steps.some((step) => step.action === "PURGE" && step.category === FACT_CATEGORIES.privacyPreferences)) {
    await deletePrivacyRecords(manager, row.id);
  }
}

/** Clears the device evidence of the subject's consents, leaving who, when, what and which notice (the consent guard allows only this). */
export async function reduceConsentProofs(manager: EntityManager, subjectId: string): Promise<void> {
  await manager
    .createQueryBuilder()
    .update(ConsentRow)
    .set({ evidenceIpAddress: null, evidenceBrowser: null, evidenceOperatingSystem: null, evidenceDevice: null })
    .where("subject_id = :subjectId", { subjectId })
    .andWhere(
      "(evidence_ip_address IS NOT NULL OR evidence_browser IS NOT NULL OR evidence_operating_system IS NOT NULL OR evidence_device IS NOT NULL)",
    )
    .execute();
}

/**
 * Deletes the records of an erased subject's consents, objections and requests, once the period the
 * policy keeps them for has ended. Objections first: one may name the request that lifted it.
 */
async function deletePrivacyRecords(manager: EntityManager, subjectId: string): Promise<void> {
  await manager.query(`DELETE FROM objection WHERE subject_id = $1`, [subjectId]);
  await manager.query(`DELETE FROM consent WHERE subject_id = $1`, [subjectId]);
  await manager.query(`DELETE FROM subject_request WHERE subject_id = $1`, [subjectId]);
}

async function archive(
  manager: EntityManager,
  subjectId: string,
  category: string,
  value: string,
  reason: ArchiveReason,
  decidedBy: string,
  now: Date,
): Promise<void> {
  await manager
    .createQueryBuilder()
    .insert()
    .into(ArchivedValueRow)
    .values({
      subjectId,
      category,
      value: sealArchivedValue(keyringOf(manager), subjectId, category, value),
      reason,
      decidedBy,
      archivedAt: now,
    })
    .orUpdate(["value", "reason", "decided_by", "archived_at"], ["subject_id", "category"])
    .execute();
}

async function countAnonymously(manager: EntityManager, category: string, value: string): Promise<void> {
  await manager.query(
    `INSERT INTO anonymous_statistic (category, value, count) VALUES ($1, $2, 1)
     ON CONFLICT (category, value) DO UPDATE SET count = anonymous_statistic.count + 1`,
    [category, value],
  );
}

/** The anonymous counts, for tests and reports: category → generalised value → count. */
export async function anonymousStatistics(manager: EntityManager): Promise<AnonymousStatisticRow[]> {
  return manager.getRepository(AnonymousStatisticRow).find({ order: { category: "ASC", value: "ASC" } });
}
