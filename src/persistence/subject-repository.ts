import { randomUUID } from "node:crypto";
import { In, type EntityManager, type SelectQueryBuilder } from "typeorm";
import { SubjectStatus } from "../domain/policy-terms";
import { DataSubjectRow } from "./entities";
import { keyringOf, sealSubjectFields } from "./field-encryption";

/** The personal fields a caller may write; the registration record is written once, at creation. */
export interface SubjectFields {
  fullName?: string | null;
  email?: string | null;
  postalAddress?: string | null;
  phone?: string | null;
  dateOfBirth?: string | null;
  country?: string | null;
}

export interface RegistrationRecord {
  consentedAt: Date;
  ipAddress?: string | null;
  browser?: string | null;
  operatingSystem?: string | null;
  device?: string | null;
}

export async function insertSubject(
  manager: EntityManager,
  fields: SubjectFields,
  registration: RegistrationRecord | null,
  now: Date,
  startService = true,
): Promise<DataSubjectRow> {
  const repository = manager.getRepository(DataSubjectRow);
  // The id is chosen here, not by the database: each encrypted value is bound to its row's id.
  const id = randomUUID();
  const values = {
    ...fields,
    consentedAt: registration?.consentedAt ?? null,
    ipAddress: registration?.ipAddress ?? null,
    browser: registration?.browser ?? null,
    operatingSystem: registration?.operatingSystem ?? null,
    device: registration?.device ?? null,
    serviceActiveSince: startService ? now : null,
    serviceActiveUntil: null,
  };
  // `insert`, not `save`: with the id given, `save` would first look the row up.
  await repository.insert(repository.create({ id, ...sealSubjectFields(keyringOf(manager), id, values) }));
  return repository.findOneByOrFail({ id });
}

/** A subject after a write, and whether the write changed anything. */
export interface SubjectWrite {
  readonly row: DataSubjectRow;
  readonly changed: boolean;
}

/** Applies the given fields (undefined leaves a field unchanged); null when the subject does not exist. */
export async function updateSubjectFields(manager: EntityManager, id: string, fields: SubjectFields): Promise<SubjectWrite | null> {
  const repository = manager.getRepository(DataSubjectRow);
  const changes = Object.fromEntries(
    Object.entries(sealSubjectFields(keyringOf(manager), id, fields)).filter(([, value]) => value !== undefined),
  );
  const changed = Object.keys(changes).length > 0 && ((await repository.update({ id }, changes)).affected ?? 0) > 0;
  const row = await repository.findOneBy({ id });
  return row && { row, changed };
}

/** Ends the service relationship; keeps the first end date when it had already ended (then `changed` is false). */
export async function endServiceOf(manager: EntityManager, id: string, now: Date): Promise<SubjectWrite | null> {
  return updateWhere(manager, id, { serviceActiveUntil: now }, "service_active_until IS NULL AND status NOT IN (:...gone)", {
    gone: [SubjectStatus.ERASED, SubjectStatus.ARCHIVED],
  });
}

/** Which of these subjects were erased or archived; their rows are share-locked until the transaction ends. */
export async function erasedAmong(manager: EntityManager, ids: readonly string[]): Promise<Set<string>> {
  const rows: { id: string }[] = await manager.query(`SELECT id FROM data_subject WHERE id = ANY($1) AND status IN ($2, $3) FOR SHARE`, [
    [...ids],
    SubjectStatus.ERASED,
    SubjectStatus.ARCHIVED,
  ]);
  return new Set(rows.map((row) => row.id));
}

/** Starts the service relationship now: for someone who never was a customer, or again after it ended; `changed` is false while it runs. */
export async function startServiceOf(manager: EntityManager, id: string, now: Date): Promise<SubjectWrite | null> {
  return updateWhere(
    manager,
    id,
    { serviceActiveSince: now, serviceActiveUntil: null },
    "(service_active_since IS NULL OR (service_active_until IS NOT NULL AND service_active_until <= :now))",
    { now },
  );
}

export async function findSubjectsByIds(manager: EntityManager, ids: readonly string[]): Promise<DataSubjectRow[]> {
  return ids.length === 0 ? [] : manager.getRepository(DataSubjectRow).findBy({ id: In([...ids]) });
}

/**
 * The subject's row, locked until the transaction ends (FOR NO KEY UPDATE), or null when there is
 * none. Recording a consent and recording or lifting an objection take this lock first, so for one
 * subject they run one after the other: a consent and an objection to the same direct marketing
 * recorded at once cannot both stand, whichever comes first.
 */
export async function lockSubject(manager: EntityManager, id: string): Promise<DataSubjectRow | null> {
  return manager
    .getRepository(DataSubjectRow)
    .createQueryBuilder("subject")
    .where("subject.id = :id", { id })
    .setLock("for_no_key_update")
    .getOne();
}

export type SubjectFilter = (query: SelectQueryBuilder<DataSubjectRow>, alias: string) => SelectQueryBuilder<DataSubjectRow>;

/** Sets the subject's processing status (restriction, GDPR Art. 18); `changed` is false when it had that status already. */
export async function setSubjectStatus(manager: EntityManager, id: string, status: SubjectStatus): Promise<SubjectWrite | null> {
  // Only retention and erasure move a subject to or between ERASED and ARCHIVED; restriction never revives one.
  return updateWhere(manager, id, { status }, "status <> :status AND status NOT IN (:...gone)", {
    status,
    gone: [SubjectStatus.ERASED, SubjectStatus.ARCHIVED],
  });
}

/** Whether the subject's data was erased or archived: nothing is written to it any more (`erasedSubjectWriteRefusal`). */
export function isErased(row: Pick<DataSubjectRow, "status">): boolean {
  return row.status === SubjectStatus.ERASED || row.status === SubjectStatus.ARCHIVED;
}

async function updateWhere(
  manager: EntityManager,
  id: string,
  changes: Partial<Pick<DataSubjectRow, "status" | "serviceActiveSince" | "serviceActiveUntil">>,
  condition: string,
  parameters: Record<string, unknown> = {},
): Promise<SubjectWrite | null> {
  const result = await manager
    .createQueryBuilder()
    .update(DataSubjectRow)
    .set(changes)
    .where(`id = :id AND ${condition}`, { ...parameters, id })
    .returning(["id"])
    .execute();
  const row = await manager.getRepository(DataSubjectRow).findOneBy({ id });
  return row && { row, changed: Array.isArray(result.raw) && result.raw.length > 0 };
}
