import type { EntityManager } from "typeorm";
import { recipientsOfErasure, type Recipient } from "../audit/recipients-to-notify";
import type { ErasureReceipt, KeptCategory, ProcessorToTell } from "../domain/erasure-receipt";
import { accessEventsOfSubject } from "../persistence/access-event-repository";
import { liveCategoriesOf } from "../persistence/archived-values";
import { ConsentRow, DataSubjectRow, type ProcessorRow } from "../persistence/entities";
import { applyRetentionSteps, lockForRetention, reduceConsentProofs } from "../persistence/retention-repository";
import { subjectFactsOf } from "../persistence/subject-facts-repository";
import type { CompiledPolicy } from "../policy/engine/compiled-policy";
import { planErasure } from "../policy/engine/retention-plan";
import { isUnder } from "../policy/keys";

/** The change the erasure made, for its change event. */
export interface Erasure {
  readonly receipt: ErasureReceipt;
  /** Every category the erasure changed: erased, archived, the status, the service and the consents. */
  readonly written: readonly string[];
}

/**
 * Erases a subject (GDPR Art. 17) in the caller's transaction, the row locked: the service ends now
 * and every open consent is withdrawn (the person asked to leave); then each live category is
 * deleted unless a legal hold or a legal obligation keeps it, in which case it is archived
 * (`planErasure`). What the person's consents prove is reduced to who, when, what and which notice
 * unless their device evidence is kept. Null when there is no such subject.
 */
export async function eraseSubjectData(
  manager: EntityManager,
  policy: CompiledPolicy,
  processors: readonly ProcessorRow[],
  subjectId: string,
  request: { readonly id: string; readonly clientName: string },
  now: Date,
): Promise<Erasure | null> {
  const locked = await lockForRetention(manager, subjectId);
  if (!locked) return null;
  const before = await accessEventsOfSubject(manager, subjectId);

  // A service that never started does not end: the record must not claim a contract there never was.
  const serviceEnds =
    locked.row.serviceActiveSince !== null && (locked.row.serviceActiveUntil === null || locked.row.serviceActiveUntil > now);
  if (serviceEnds) await manager.getRepository(DataSubjectRow).update({ id: subjectId }, { serviceActiveUntil: now });
  const withdrawn = await manager
    .createQueryBuilder()
    .update(ConsentRow)
    .set({ withdrawnAt: now, withdrawnBy: request.clientName, withdrawalMethod: "ERASURE_REQUEST", withdrawalRequestId: request.id })
    .where("subject_id = :subjectId AND withdrawn_at IS NULL", { subjectId })
    .execute();

  const ended = await lockForRetention(manager, subjectId);
  if (!ended) return null;
  const planned = planErasure(
    policy,
    { facts: subjectFactsOf(ended.row, ended.facts), liveCategories: liveCategoriesOf(ended.row), holdsRecords: ended.holdsRecords },
    now,
  );
  await applyRetentionSteps(manager, ended, planned.steps, planned.statusAfter, now);
  const archivedCategories = new Set([
    ...ended.facts.archivedCategories,
    ...planned.steps.filter((step) => step.action === "ARCHIVE").map((step) => step.category),
  ]);
  if (![...archivedCategories].some((category) => isUnder(category, "user.device"))) await reduceConsentProofs(manager, subjectId);

  const erased = planned.steps
    .filter((step) => step.action === "DELETE")
    .map((step) => step.category)
    .sort();
  const kept: KeptCategory[] = planned.steps.flatMap((step) =>
    step.action === "ARCHIVE"
      ? [
          {
            category: step.category,
            reason: step.reason,
            keptFor: step.decidedBy,
            until: step.keptUntil?.toISOString() ?? null,
            rule: step.rule,
          },
        ]
      : [],
  );
  const recipients: Recipient[] = recipientsOfErasure(before, erased);
  const receipt: ErasureReceipt = {
    subjectId,
    requestId: request.id,
    erasedAt: now.toISOString(),
    statusAfter: planned.statusAfter,
    erased,
    kept,
    recipientsToNotify: recipients.map((recipient) => ({ ...recipient, lastReceivedAt: recipient.lastReceivedAt.toISOString() })),
    processorsToNotify: processorsOf(processors, erased),
  };
  const written = [
    ...erased,
    ...kept.map((entry) => entry.category),
    "user.account.status",
    ...(serviceEnds ? ["user.account.service_relationship"] : []),
    ...((withdrawn.affected ?? 0) > 0 ? ["user.privacy_preferences"] : []),
  ];
  return { receipt, written: [...new Set(written)].sort() };
}

/** The processors whose contract covers one of the erased categories (a processor's category covers its sub-categories). */
function processorsOf(processors: readonly ProcessorRow[], erased: readonly string[]): ProcessorToTell[] {
  return processors
    .map((processor) => ({
      name: processor.name,
      country: processor.country,
      categories: erased.filter((category) => processor.categories.some((covered) => isUnder(category, covered.key))),
    }))
    .filter((processor) => processor.categories.length > 0)
    .sort((a, b) => a.name.localeCompare(b.name));
}
