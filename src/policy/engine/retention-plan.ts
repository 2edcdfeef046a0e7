import { FACT_CATEGORIES } from "../../domain/fact-categories";
import { ArchiveReason, RetentionAction, SubjectStatus } from "../../domain/policy-terms";
import { anonymiserOf } from "../anonymisation";
import { isUnder } from "../keys";
import type { CompiledPolicy, PurposeRule } from "./compiled-policy";
import { heldCategories, legalBasisHoldsAt, retentionEndsAt, type SubjectFacts } from "./lawfulness";

/**
 * What happens to one category of one subject's data:
 *  - DELETE: the value is removed from the record;
 *  - ANONYMISE: removed from the record, and only its generalisation counted with no link to anyone
 *    (src/policy/anonymisation.ts);
 *  - ARCHIVE: moved out of live processing into the archive, kept for a legal duty or a legal hold
 *    until `keptUntil` (null: a date not known yet, e.g. five years after a service that still runs);
 *  - PURGE: an archived value whose duty and holds have all ended is removed from the archive.
 * `rule` says in words which rule decided it; `decidedBy` names the purpose or the hold.
 */
export type RetentionStep =
  | {
      readonly category: string;
      readonly action: "DELETE" | "ANONYMISE" | "PURGE";
      readonly decidedBy: string | null;
      readonly rule: string;
    }
  | {
      readonly category: string;
      readonly action: "ARCHIVE";
      readonly reason: ArchiveReason;
      readonly decidedBy: string;
      readonly keptUntil: Date | null;
      readonly rule: string;
    };

export interface RetentionPlan {
  readonly steps: readonly RetentionStep[];
  /** The subject's status once the steps are done (unchanged while anything live remains or a purpose still serves the person). */
  readonly statusAfter: SubjectStatus;
}

/** Where one subject stands: its facts, which categories have a live value, and which the archive keeps. */
export interface RetentionSubject {
  readonly facts: SubjectFacts;
  readonly liveCategories: readonly string[];
  /** Whether records of the person's choices and requests exist (consents, objections, requests). */
  readonly holdsRecords: boolean;
}

/** Why a category must be kept out of live processing rather than deleted, or null when nothing requires it. */
export interface KeptFor {
  readonly reason: ArchiveReason;
  readonly decidedBy: string;
  readonly keptUntil: Date | null;
  readonly rule: string;
}

const RUNNING = Number.POSITIVE_INFINITY;

/**
 * The retention sweep's decision for one subject at `now` (docs/DESIGN.md §8). Pure.
 *
 * Rules, in this order, for each category with a live value:
 *  1. the value lives until the latest end among the purposes that grant its category and serve the
 *     person (`livePurposesGranting`: not the record-keeping ones, nor the one answering requests): a purpose whose basis holds and whose
 *     retention trigger has not happened runs on; one whose trigger happened ends at trigger + days
 *     (`retentionEndsAt`, the instant reads are refused RETENTION_EXPIRED); one whose basis never
 *     held (no consent, never a customer) holds nothing. Restriction and objection stop use, not
 *     storage, so they do not end it;
 *  2. once it has ended, an open legal hold covering the category archives it (Art. 17(3)(e));
 *  3. else a record-keeping purpose that grants it and whose own retention has not run out archives
 *     it (Art. 17(3)(b)), kept until that retention's end;
 *  4. else the action of the purpose that ended last applies (of purposes ending at the same instant,
 *     one that anonymises): DELETE, or ANONYMISE where the category has a generalisation (else
 *     DELETE); a value no purpose ever held is deleted.
 * Each archived category is purged once no hold covers it and no record-keeping purpose that grants
 * it still keeps it. The subject becomes ARCHIVED (archive not empty) or ERASED when nothing is left
 * live and no purpose serving the person still runs. Once ERASED, the records of the person's
 * consents, objections and requests (`user.privacy_preferences`: the proof of lawfulness, Art. 7(1),
 * 5(2)) are purged too, when no hold covers them and no record-keeping purpose that grants them —
 * the period the policy names — keeps them any longer.
 */
export function planRetention(policy: CompiledPolicy, subject: RetentionSubject, now: Date): RetentionPlan {
  const { facts } = subject;
  const steps: RetentionStep[] = [];
  for (const category of subject.liveCategories) {
    const ends = policy
      .livePurposesGranting(category)
      .map((purpose) => ({ purpose, end: purposeEnd(policy, purpose, facts, now) }))
      .filter((entry): entry is { purpose: PurposeRule; end: number } => entry.end !== null);
    const last = ends.reduce<{ purpose: PurposeRule; end: number } | null>(
      (latest, entry) => (latest && !endsLater(entry, latest) ? latest : entry),
      null,
    );
    if (last && last.end > now.getTime()) continue;
    const kept = keptFor(policy, facts, category, now);
    if (kept) {
      steps.push({ category, action: "ARCHIVE", ...kept });
      continue;
    }
    steps.push(endOfLife(category, last?.purpose ?? null));
  }
  for (const category of facts.archivedCategories) {
    if (keptFor(policy, facts, category, now)) continue;
    steps.push({
      category,
      action: "PURGE",
      decidedBy: null,
      rule: "No legal duty or legal hold keeps it any longer: removed from the archive.",
    });
  }
  const after = statusAfter(policy, subject, steps, now);
  // Once nothing else of the person is kept, the records of their choices and requests go when no duty keeps them.
  if (after === SubjectStatus.ERASED && subject.holdsRecords && !keptFor(policy, facts, FACT_CATEGORIES.privacyPreferences, now)) {
    steps.push({
      category: FACT_CATEGORIES.privacyPreferences,
      action: "PURGE",
      decidedBy: null,
      rule: "Nothing else of the person is kept, and no legal duty keeps the proof of their consents, their objections and requests any longer: those records are deleted.",
    });
  }
  return { steps, statusAfter: after };
}

/**
 * What an erasure (GDPR Art. 17) does to one subject whose service has been ended and consents
 * withdrawn at `now` (the caller does both first, so `facts` says so): every live category is
 * deleted unless an open legal hold (Art. 17(3)(e)) or a record-keeping purpose (Art. 17(3)(b))
 * must keep it — those are archived, with the reason and until when. Pure.
 */
export function planErasure(policy: CompiledPolicy, subject: RetentionSubject, now: Date): RetentionPlan {
  const steps: RetentionStep[] = subject.liveCategories.map((category) => {
    const kept = keptFor(policy, subject.facts, category, now);
    return kept
      ? { category, action: "ARCHIVE", ...kept }
      : { category, action: "DELETE", decidedBy: null, rule: "Erased at the person's request (GDPR Art. 17(1))." };
  });
  const archived = new Set([
    ...subject.facts.archivedCategories,
    ...steps.filter((step) => step.action === "ARCHIVE").map((step) => step.category),
  ]);
  return { steps, statusAfter: archived.size > 0 ? SubjectStatus.ARCHIVED : SubjectStatus.ERASED };
}

/**
 * Whether `entry` decides over `latest`: it ended later, or at the same instant and anonymises where
 * the other deletes — the anonymous form is not personal data, and the purpose that wants it is served.
 */
function endsLater(entry: { purpose: PurposeRule; end: number }, latest: { purpose: PurposeRule; end: number }): boolean {
  if (entry.end !== latest.end) return entry.end > latest.end;
  return entry.purpose.retention.action === RetentionAction.ANONYMISE && latest.purpose.retention.action !== RetentionAction.ANONYMISE;
}

/** Rules 2 and 3: a hold first (it names a case), then the record-keeping purpose that keeps it longest. */
export function keptFor(policy: CompiledPolicy, facts: SubjectFacts, category: string, now: Date): KeptFor | null {
  const hold = facts.legalHolds
    .filter((candidate) => heldCategories([candidate], now).some((key) => isUnder(category, key)))
    .sort((a, b) => b.until.getTime() - a.until.getTime())[0];
  if (hold) {
    return {
      reason: ArchiveReason.LEGAL_HOLD,
      decidedBy: hold.reference,
      keptUntil: hold.until,
      rule: `Kept under legal hold ${hold.reference} (GDPR Art. 17(3)(e)).`,
    };
  }
  const duty = policy
    .archivePurposesGranting(category)
    .map((purpose) => ({ purpose, end: purposeEnd(policy, purpose, facts, now) }))
    // A duty that does not apply to this subject (no accounting records of someone who never was a customer) keeps nothing.
    .filter((entry): entry is { purpose: PurposeRule; end: number } => entry.end !== null && entry.end > now.getTime())
    .sort((a, b) => b.end - a.end)[0];
  if (!duty) return null;
  return {
    reason: ArchiveReason.LEGAL_OBLIGATION,
    decidedBy: duty.purpose.key,
    keptUntil: Number.isFinite(duty.end) ? new Date(duty.end) : null,
    rule: `Kept for ${duty.purpose.key}, a legal obligation (GDPR Art. 17(3)(b)): ${duty.purpose.legalReference ?? "its legal reference"}.`,
  };
}

/**
 * When the purpose stops holding this subject's data, in epoch milliseconds: RUNNING while its basis
 * holds and its retention has not started running out, the instant retention ends once its trigger
 * happened, or null when its basis never held (the purpose holds nothing of this subject).
 */
function purposeEnd(policy: CompiledPolicy, purpose: PurposeRule, facts: SubjectFacts, now: Date): number | null {
  const ends = retentionEndsAt(policy, purpose.key, facts, now);
  if (ends !== null) return ends.getTime();
  return legalBasisHoldsAt(policy, purpose.key, facts, now) ? RUNNING : null;
}

function endOfLife(category: string, lastPurpose: PurposeRule | null): RetentionStep {
  if (!lastPurpose) return { category, action: "DELETE", decidedBy: null, rule: "No purpose the person is served for holds it: deleted." };
  const retention = `${lastPurpose.key}'s retention ended (the last purpose holding it)`;
  if (lastPurpose.retention.action === RetentionAction.ANONYMISE) {
    return anonymiserOf(category)
      ? { category, action: "ANONYMISE", decidedBy: lastPurpose.key, rule: `${retention}: anonymised.` }
      : {
          category,
          action: "DELETE",
          decidedBy: lastPurpose.key,
          rule: `${retention}: anonymise, but it has no anonymous form, so deleted.`,
        };
  }
  return { category, action: "DELETE", decidedBy: lastPurpose.key, rule: `${retention}: deleted.` };
}

function statusAfter(policy: CompiledPolicy, subject: RetentionSubject, steps: readonly RetentionStep[], now: Date): SubjectStatus {
  const { facts } = subject;
  const leavesLive = new Set(steps.filter((step) => step.action !== "PURGE").map((step) => step.category));
  const stillLive = subject.liveCategories.some((category) => !leavesLive.has(category));
  const stillServed = policy.servingPurposes().some((purpose) => (purposeEnd(policy, purpose, facts, now) ?? 0) > now.getTime());
  if (stillLive || stillServed) return facts.status;
  const purged = new Set(steps.filter((step) => step.action === "PURGE").map((step) => step.category));
  const archived = [
    ...facts.archivedCategories.filter((category) => !purged.has(category)),
    ...steps.filter((step) => step.action === "ARCHIVE").map((step) => step.category),
  ];
  return archived.length > 0 ? SubjectStatus.ARCHIVED : SubjectStatus.ERASED;
}
