import { IsNull, type EntityManager } from "typeorm";
import { ConsentRow } from "./entities";

export interface ConsentEvidence {
  ipAddress?: string | null;
  browser?: string | null;
  operatingSystem?: string | null;
  device?: string | null;
  method: string;
}

export async function findActiveConsent(manager: EntityManager, subjectId: string, purposeKey: string): Promise<ConsentRow | null> {
  return manager.getRepository(ConsentRow).findOneBy({ subjectId, purposeKey, withdrawnAt: IsNull() });
}

export async function insertConsent(
  manager: EntityManager,
  subjectId: string,
  purposeKey: string,
  evidence: ConsentEvidence,
  policyVersion: number,
  now: Date,
): Promise<ConsentRow> {
  const repository = manager.getRepository(ConsentRow);
  return repository.save(
    repository.create({
      subjectId,
      purposeKey,
      givenAt: now,
      withdrawnAt: null,
      evidenceIpAddress: evidence.ipAddress ?? null,
      evidenceBrowser: evidence.browser ?? null,
      evidenceOperatingSystem: evidence.operatingSystem ?? null,
      evidenceDevice: evidence.device ?? null,
      evidenceMethod: evidence.method,
      policyVersion,
    }),
  );
}

export async function markWithdrawn(manager: EntityManager, consent: ConsentRow, now: Date): Promise<ConsentRow> {
  consent.withdrawnAt = now;
  return manager.getRepository(ConsentRow).save(consent);
}
