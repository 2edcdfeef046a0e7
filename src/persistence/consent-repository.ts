import { IsNull, type EntityManager } from "typeorm";
import { ConsentRow } from "./entities";

/** The evidence a consent is given with (GDPR Art. 7(1)). */
export interface EvidenceGiven {
  ipAddress?: string | null;
  browser?: string | null;
  operatingSystem?: string | null;
  device?: string | null;
  /** The holder of parental responsibility's consent, for a subject below the age of digital consent (GDPR Art. 8(1)). */
  parentalConsentReference?: string | null;
  method: string;
}

/** Who recorded a consent or a withdrawal, in which request. */
export interface Recorder {
  readonly clientName: string;
  readonly requestId: string;
}

export interface NewConsent {
  readonly subjectId: string;
  readonly purposeKey: string;
  /** The categories the purpose grants now, sorted: all the consent will ever cover. */
  readonly scope: readonly string[];
  readonly evidence: EvidenceGiven;
  readonly policyVersion: number;
  readonly noticeVersion: string;
  /** When the subject gave consent (the registration form's time, or now). */
  readonly givenAt: Date;
  readonly recordedAt: Date;
  readonly recorder: Recorder;
}

export interface RecordedConsent {
  readonly consent: ConsentRow;
  /** False when an active consent with the same scope existed already and is returned as it is. */
  readonly created: boolean;
}

/**
 * Records a consent unless one with the same scope is active. Concurrent calls race on the unique
 * partial index `consent_one_active_per_scope`: one inserts, the others wait for it and read its row.
 */
export async function recordConsent(manager: EntityManager, consent: NewConsent): Promise<RecordedConsent> {
  const inserted = await manager
    .createQueryBuilder()
    .insert()
    .into(ConsentRow)
    .values({
      subjectId: consent.subjectId,
      purposeKey: consent.purposeKey,
      givenAt: consent.givenAt,
      withdrawnAt: null,
      evidenceIpAddress: consent.evidence.ipAddress ?? null,
      evidenceBrowser: consent.evidence.browser ?? null,
      evidenceOperatingSystem: consent.evidence.operatingSystem ?? null,
      evidenceDevice: consent.evidence.device ?? null,
      evidenceParentalConsentReference: consent.evidence.parentalConsentReference ?? null,
      evidenceMethod: consent.evidence.method,
      policyVersion: consent.policyVersion,
      recordedAt: consent.recordedAt,
      recordedBy: consent.recorder.clientName,
      requestId: consent.recorder.requestId,
      scope: [...consent.scope],
      noticeVersion: consent.noticeVersion,
    })
    .orIgnore()
    .returning(["id"])
    .execute();
  const insertedId = returnedIds(inserted.raw)[0];
  const repository = manager.getRepository(ConsentRow);
  if (insertedId !== undefined) return { consent: await repository.findOneByOrFail({ id: insertedId }), created: true };
  const active = await repository
    .createQueryBuilder("consent")
    .where("consent.subject_id = :subjectId AND consent.purpose_key = :purposeKey AND consent.withdrawn_at IS NULL", consent)
    .andWhere("consent.scope = :scope", { scope: [...consent.scope] })
    .getOne();
  if (!active) throw new Error("consent was neither inserted nor found active");
  return { consent: active, created: false };
}

export interface Withdrawal {
  readonly subjectId: string;
  /** The purposes whose consents are withdrawn: one (withdrawConsent), or a purpose and its sub-purposes (an objection). */
  readonly purposeKeys: readonly string[];
  readonly method: string;
  readonly at: Date;
  readonly recorder: Recorder;
}

/**
 * Withdraws every active consent of the subject to the purposes (one per purpose and scope), once: of
 * two concurrent withdrawals, the second finds nothing active. Returns the consents withdrawn, newest first.
 */
export async function withdrawConsents(manager: EntityManager, withdrawal: Withdrawal): Promise<ConsentRow[]> {
  const updated = await manager
    .createQueryBuilder()
    .update(ConsentRow)
    .set({
      withdrawnAt: withdrawal.at,
      withdrawnBy: withdrawal.recorder.clientName,
      withdrawalMethod: withdrawal.method,
      withdrawalRequestId: withdrawal.recorder.requestId,
    })
    .where("subject_id = :subjectId AND purpose_key = ANY(:purposeKeys) AND withdrawn_at IS NULL", {
      subjectId: withdrawal.subjectId,
      purposeKeys: [...withdrawal.purposeKeys],
    })
    .returning(["id"])
    .execute();
  const ids = returnedIds(updated.raw);
  if (ids.length === 0) return [];
  const rows = await manager.getRepository(ConsentRow).findBy(ids.map((id) => ({ id })));
  return rows.sort((a, b) => b.givenAt.getTime() - a.givenAt.getTime());
}

export async function findActiveConsent(manager: EntityManager, subjectId: string, purposeKey: string): Promise<ConsentRow | null> {
  return manager.getRepository(ConsentRow).findOne({ where: { subjectId, purposeKey, withdrawnAt: IsNull() }, order: { givenAt: "DESC" } });
}

/** The ids a `RETURNING id` statement answered with (`pg` and PGlite shape them alike through TypeORM's builders). */
export function returnedIds(raw: unknown): string[] {
  return Array.isArray(raw) ? raw.map((row: { id: string }) => row.id) : [];
}
