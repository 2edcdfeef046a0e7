import { type EntityManager } from "typeorm";
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
}

/**
 * A page of subjects in creation order after `afterSeq`, with their facts: what the sweep plans
 * from. Erased subjects are left out: nothing of them is left to act on.
 */
export async function subjectsForRetention(manager: EntityManager, afterSeq: string | null, limit: number): Promise<RetentionCandidate[]> {
  const query = manager
    .getRepository(DataSubjectRow)
    .createQueryBuilder("subject")
    .where("subject.status <> :erased", { erased: SubjectStatus.ERASED })
    .orderBy("subject.seq", "ASC")
    .limit(limit);
  if (afterSeq !== null) query.andWhere("subject.seq > :afterSeq", { afterSeq });
  const rows = await query.getMany();
  const facts = await loadSubjectFacts(
    manager,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({ row, facts: facts.get(row.id) as LoadedFacts }));
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
  return { row, facts: facts.get(row.id) as LoadedFacts };
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
        await manager.getRepository(ArchivedValueRow).delete({ subjectId: row.id, category: step.category });
        continue;
    }
    if (field) cleared[field] = null;
  }
  const changes: Partial<DataSubjectRow> = { ...cleared };
  if (statusAfter !== row.status) changes.status = statusAfter;
  if (Object.keys(changes).length > 0) await manager.getRepository(DataSubjectRow).update({ id: row.id }, changes);
  if (statusAfter === SubjectStatus.ERASED) await reduceConsentProofs(manager, row.id);
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
