import { LegalBasisCode, RetentionTrigger, SubjectStatus } from "../../domain/policy-terms";
import { isArchivePurpose, type CompiledPolicy, type PurposeRule, type RetentionRule } from "./compiled-policy";
import { isUnder } from "../keys";
import { stoppingObjection, type ObjectionFact } from "./objections";

export type { ObjectionFact } from "./objections";

/** Why a read of a subject's data under a purpose was refused at read time (docs/DESIGN.md §4, rules 3–5, and §8). */
export type DenialReason =
  | "ERASED"
  | "ARCHIVED"
  | "NOT_ARCHIVED"
  | "CONSENT_MISSING"
  | "CONSENT_WITHDRAWN"
  | "CONSENT_SCOPE"
  | "OBJECTED"
  | "RESTRICTED"
  | "CONTRACT_INACTIVE"
  | "NO_INQUIRY"
  | "RETENTION_EXPIRED";

export const DENIAL_REASONS: readonly DenialReason[] = [
  "ERASED",
  "ARCHIVED",
  "NOT_ARCHIVED",
  "CONSENT_MISSING",
  "CONSENT_WITHDRAWN",
  "CONSENT_SCOPE",
  "OBJECTED",
  "RESTRICTED",
  "CONTRACT_INACTIVE",
  "NO_INQUIRY",
  "RETENTION_EXPIRED",
];

export interface ConsentFact {
  readonly purposeKey: string;
  readonly givenAt: Date;
  readonly withdrawnAt: Date | null;
  /** The categories the purpose granted when the consent was given: all the consent covers. */
  readonly scope: readonly string[];
}

/** A legal hold (GDPR Art. 17(3)(e)) on some of a subject's categories. */
export interface LegalHoldFact {
  /** The case or proceedings the hold is for, e.g. a court file number. */
  readonly reference: string;
  readonly categories: readonly string[];
  readonly openedAt: Date;
  readonly until: Date;
  readonly releasedAt: Date | null;
}

/** A question the subject sent: open from `receivedAt` until `closedAt`. */
export interface InquiryFact {
  readonly receivedAt: Date;
  readonly closedAt: Date | null;
}

/** What the engine needs to know about one subject; loaded once per request and subject. */
export interface SubjectFacts {
  readonly status: SubjectStatus;
  /** When the service relationship began; null for someone who never became a customer (an inquiry). */
  readonly serviceActiveSince: Date | null;
  readonly serviceActiveUntil: Date | null;
  /** When the subject's data was collected (the record's creation). */
  readonly collectedAt: Date;
  readonly consents: readonly ConsentFact[];
  readonly objections: readonly ObjectionFact[];
  /**
   * Categories whose values the archive keeps for the subject. Only a purpose that reads the archive
   * looks at them and at `legalHolds`; a request under any other purpose may leave both empty.
   */
  readonly archivedCategories: readonly string[];
  readonly legalHolds: readonly LegalHoldFact[];
  /** The subject's inquiries. Only a purpose counted from an inquiry's close looks at them; a request under another may leave them empty. */
  readonly inquiries: readonly InquiryFact[];
}

/** Every category the purpose grants: the scope of a purpose that does not rest on consent. */
export const EVERY_GRANTED_CATEGORY = "EVERY_GRANTED_CATEGORY";

/**
 * The decision for one subject. When lawful, `scope` says which categories it covers: under consent,
 * only those the subject's active consents covered when given (a later, wider grant is not consented
 * to), and a category outside it is CONSENT_SCOPE; for a purpose that reads the archive, only what
 * the archive keeps or a legal hold covers, and a category outside it is NOT_ARCHIVED; otherwise
 * every category the purpose grants. Read a category's outcome with `releaseOf`.
 */
export type Lawfulness =
  | { readonly lawful: true; readonly scope: typeof EVERY_GRANTED_CATEGORY }
  | { readonly lawful: true; readonly scope: ReadonlySet<string>; readonly outsideScope: "CONSENT_SCOPE" | "NOT_ARCHIVED" }
  | { readonly lawful: false; readonly reason: DenialReason };

const LAWFUL: Lawfulness = { lawful: true, scope: EVERY_GRANTED_CATEGORY };
const deny = (reason: DenialReason): Lawfulness => ({ lawful: false, reason });
const DAY_MS = 86_400_000;

/**
 * Whether purpose `purposeKey` may process this subject's data at `now`: an erased subject releases
 * nothing, and an archived one nothing live; then restriction (rule 4); a purpose that keeps records
 * for a legal duty then reads only the archive and what a legal hold covers (`archiveLawfulness`);
 * any other purpose then faces an open objection to it (rule 3; see `stoppingObjection`), whether it
 * applies to the subject at all (`inapplicability`), its legal basis (rule 3), then retention (rule
 * 5). Pure; an unknown purpose is refused.
 *
 * The objection is checked before and apart from the legal basis: an objection to direct marketing
 * stops it whatever its basis (Art. 21(2)–(3)). Recording such an objection withdraws the consents it
 * concerns, so under consent this is defence in depth: a consent recorded around the objection still
 * releases nothing while the objection stands.
 */
export function lawfulness(policy: CompiledPolicy, purposeKey: string, subject: SubjectFacts, now: Date): Lawfulness {
  const purpose = policy.purpose(purposeKey);
  if (!purpose) throw new Error(`Unknown purpose ${purposeKey}`);
  const lineage = new Set(policy.lineageOf(purposeKey));
  const readsArchive = isArchivePurpose(purpose);

  if (subject.status === SubjectStatus.ERASED) return deny("ERASED");
  if (subject.status === SubjectStatus.ARCHIVED && !readsArchive) return deny("ARCHIVED");
  if (subject.status === SubjectStatus.RESTRICTED && !purpose.allowedUnderRestriction) return deny("RESTRICTED");
  if (readsArchive) return archiveLawfulness(policy, purpose, lineage, subject, now);
  if (stoppingObjection(policy, purposeKey, subject.objections, now)) return deny("OBJECTED");
  const inapplicable = inapplicability(purpose, subject, now);
  if (inapplicable) return deny(inapplicable);
  const basis = legalBasisHolds(purpose, lineage, subject, now);
  if (!basis.lawful) return basis;
  return retentionExpired(purpose, lineage, subject, now) ? deny("RETENTION_EXPIRED") : basis;
}

/**
 * The outcome for one category of a subject whose decision is `decided`, once the purpose is known
 * to grant the category (rule 2): the subject's denial reason, CONSENT_SCOPE for a category outside
 * what the consent covered, or null when the category may be released.
 */
export function releaseOf(decided: Lawfulness, category: string): DenialReason | null {
  if (!decided.lawful) return decided.reason;
  if (decided.scope === EVERY_GRANTED_CATEGORY) return null;
  return decided.scope.has(category) ? null : decided.outsideScope;
}

/**
 * What a purpose that keeps records for a legal duty may read of this subject: the categories the
 * archive keeps, while the purpose's own retention lasts, and those an open legal hold covers. For
 * a live customer with neither, nothing (NOT_ARCHIVED); once the retention ran out and no hold
 * stands, RETENTION_EXPIRED — even before the sweep has removed the archived values.
 */
function archiveLawfulness(
  policy: CompiledPolicy,
  purpose: PurposeRule,
  lineage: ReadonlySet<string>,
  subject: SubjectFacts,
  now: Date,
): Lawfulness {
  const expired = retentionExpired(purpose, lineage, subject, now);
  const archived = new Set(expired ? [] : subject.archivedCategories);
  const held = heldCategories(subject.legalHolds, now);
  const scope = policy.categories
    .map((category) => category.key)
    .filter((key) => policy.grants(purpose.key, key) && (archived.has(key) || held.some((hold) => isUnder(key, hold))));
  if (scope.length === 0) return deny(expired && subject.archivedCategories.length > 0 ? "RETENTION_EXPIRED" : "NOT_ARCHIVED");
  return { lawful: true, scope: new Set(scope), outsideScope: "NOT_ARCHIVED" };
}

/** The category keys (a key covers its sub-categories) of the legal holds open at `now`: from `openedAt` until `until` or the release. */
export function heldCategories(holds: readonly LegalHoldFact[], now: Date): string[] {
  return [
    ...new Set(
      holds.filter((hold) => isOpen(hold.openedAt, earliest(hold.until, hold.releasedAt), now)).flatMap((hold) => hold.categories),
    ),
  ];
}

function earliest(a: Date, b: Date | null): Date {
  return b !== null && b < a ? b : a;
}

/**
 * Whether the purpose's legal basis holds for the subject at `now` (rule 3's basis alone: not
 * restriction, objection or retention, which stop use rather than storage). Retention uses it to
 * tell a purpose that still runs from one that never applied. Pure; an unknown purpose throws.
 */
export function legalBasisHoldsAt(policy: CompiledPolicy, purposeKey: string, subject: SubjectFacts, now: Date): boolean {
  const purpose = policy.purpose(purposeKey);
  if (!purpose) throw new Error(`Unknown purpose ${purposeKey}`);
  return (
    inapplicability(purpose, subject, now) === null && legalBasisHolds(purpose, new Set(policy.lineageOf(purposeKey)), subject, now).lawful
  );
}

/**
 * Why a purpose does not apply to this subject at all, or null when it does. A purpose whose
 * retention counts from the end of the service serves customers: someone whose service never
 * started is none (CONTRACT_INACTIVE), or else their data would wait forever for an end that never
 * comes. A purpose counted from an inquiry's close serves someone who asked (NO_INQUIRY). The
 * purpose that answers requests applies to anyone we hold data about.
 */
function inapplicability(purpose: PurposeRule, subject: SubjectFacts, now: Date): DenialReason | null {
  if (purpose.answersRequests) return null;
  switch (purpose.retention.trigger) {
    case RetentionTrigger.SERVICE_ENDED:
      return subject.serviceActiveSince === null ? "CONTRACT_INACTIVE" : null;
    case RetentionTrigger.INQUIRY_CLOSED:
      return subject.inquiries.some((inquiry) => inquiry.receivedAt <= now) ? null : "NO_INQUIRY";
    case RetentionTrigger.COLLECTED:
    case RetentionTrigger.CONSENT_WITHDRAWN:
      return null;
  }
}

function legalBasisHolds(purpose: PurposeRule, lineage: ReadonlySet<string>, subject: SubjectFacts, now: Date): Lawfulness {
  switch (purpose.legalBasis) {
    case LegalBasisCode.CONSENT: {
      const active = activeConsents(lineage, subject, now);
      if (active.length > 0)
        return { lawful: true, scope: new Set(active.flatMap((consent) => consent.scope)), outsideScope: "CONSENT_SCOPE" };
      const everWithdrawn = subject.consents.some((c) => lineage.has(c.purposeKey) && c.withdrawnAt !== null && c.withdrawnAt <= now);
      return deny(everWithdrawn ? "CONSENT_WITHDRAWN" : "CONSENT_MISSING");
    }
    case LegalBasisCode.CONTRACT:
      return serviceActive(subject, now) ? LAWFUL : deny("CONTRACT_INACTIVE");
    // Legitimate interests and a public task hold unless the subject objected, checked above.
    case LegalBasisCode.LEGITIMATE_INTERESTS:
    case LegalBasisCode.LEGAL_OBLIGATION:
    case LegalBasisCode.PUBLIC_TASK:
    case LegalBasisCode.VITAL_INTERESTS:
      return LAWFUL;
  }
}

/**
 * The instant a retention period must have started after for the data to be kept at `now`: data
 * whose trigger happened at or before it has run out. Null when the rule keeps data for as long as
 * its trigger has not happened. Days are 24-hour days counted on the instant line, so the answer
 * is the same in every time zone and across DST; the SQL list filter receives this instant rather
 * than doing its own date arithmetic.
 */
export function retentionCutoff(retention: RetentionRule, now: Date): Date | null {
  return retention.days === null ? null : new Date(now.getTime() - retention.days * DAY_MS);
}

function retentionExpired(purpose: PurposeRule, lineage: ReadonlySet<string>, subject: SubjectFacts, now: Date): boolean {
  const cutoff = retentionCutoff(purpose.retention, now);
  if (cutoff === null) return false;
  const triggeredAt = triggerTime(purpose.retention.trigger, lineage, subject, now);
  return triggeredAt !== null && triggeredAt.getTime() <= cutoff.getTime();
}

/**
 * The instant purpose `purposeKey`'s retention for this subject runs out, as known at `now`: when
 * its trigger happened plus the rule's days. Null while the trigger has not happened (the service
 * lasts, the consent stands) or when the rule keeps data for as long as its trigger has not
 * happened. It is the instant from which `lawfulness` answers RETENTION_EXPIRED — the same trigger
 * and the same 24-hour days as `retentionCutoff` — for the person's access export (Art. 15(1)(d)).
 * Pure; an unknown purpose throws.
 */
export function retentionEndsAt(policy: CompiledPolicy, purposeKey: string, subject: SubjectFacts, now: Date): Date | null {
  const purpose = policy.purpose(purposeKey);
  if (!purpose) throw new Error(`Unknown purpose ${purposeKey}`);
  if (purpose.retention.days === null) return null;
  const triggeredAt = triggerTime(purpose.retention.trigger, new Set(policy.lineageOf(purposeKey)), subject, now);
  return triggeredAt === null ? null : new Date(triggeredAt.getTime() + purpose.retention.days * DAY_MS);
}

/** When the retention period started counting, or null while its trigger has not happened. */
function triggerTime(trigger: RetentionTrigger, lineage: ReadonlySet<string>, subject: SubjectFacts, now: Date): Date | null {
  switch (trigger) {
    case RetentionTrigger.SERVICE_ENDED:
      return serviceActive(subject, now) ? null : subject.serviceActiveUntil;
    case RetentionTrigger.COLLECTED:
      return subject.collectedAt;
    case RetentionTrigger.INQUIRY_CLOSED: {
      const received = subject.inquiries.filter((inquiry) => inquiry.receivedAt <= now);
      if (received.some((inquiry) => inquiry.closedAt === null || inquiry.closedAt > now)) return null;
      const closes = received.map((inquiry) => (inquiry.closedAt as Date).getTime());
      return closes.length === 0 ? null : new Date(Math.max(...closes));
    }
    case RetentionTrigger.CONSENT_WITHDRAWN: {
      if (hasActiveConsent(lineage, subject, now)) return null;
      const withdrawals = subject.consents
        .filter((c) => lineage.has(c.purposeKey) && c.withdrawnAt !== null && c.withdrawnAt <= now)
        .map((c) => (c.withdrawnAt as Date).getTime());
      return withdrawals.length === 0 ? null : new Date(Math.max(...withdrawals));
    }
  }
}

function activeConsents(lineage: ReadonlySet<string>, subject: SubjectFacts, now: Date): ConsentFact[] {
  return subject.consents.filter((c) => lineage.has(c.purposeKey) && isOpen(c.givenAt, c.withdrawnAt, now));
}

function hasActiveConsent(lineage: ReadonlySet<string>, subject: SubjectFacts, now: Date): boolean {
  return activeConsents(lineage, subject, now).length > 0;
}

/** The contract holds from the start of the service (null: never started) until its end. */
export function serviceActive(subject: Pick<SubjectFacts, "serviceActiveSince" | "serviceActiveUntil">, now: Date): boolean {
  return subject.serviceActiveSince !== null && (subject.serviceActiveUntil === null || subject.serviceActiveUntil > now);
}

function isOpen(from: Date, until: Date | null, now: Date): boolean {
  return from <= now && (until === null || until > now);
}
