import type { EntityManager } from "typeorm";
import { LegalHoldRow } from "./entities";

export interface NewLegalHold {
  readonly subjectId: string;
  readonly categories: readonly string[];
  readonly reference: string;
  readonly until: Date;
  readonly openedBy: string;
  readonly openedAt: Date;
}

export async function insertLegalHold(manager: EntityManager, hold: NewLegalHold): Promise<LegalHoldRow> {
  const repository = manager.getRepository(LegalHoldRow);
  return repository.save(repository.create({ ...hold, categories: [...hold.categories], releasedAt: null, releasedBy: null }));
}

/** The hold, locked until the transaction ends; null when there is none. */
export async function lockLegalHold(manager: EntityManager, id: string): Promise<LegalHoldRow | null> {
  return manager
    .getRepository(LegalHoldRow)
    .createQueryBuilder("hold")
    .where("hold.id = :id", { id })
    .setLock("pessimistic_write")
    .getOne();
}

export async function releaseHold(manager: EntityManager, id: string, releasedBy: string, releasedAt: Date): Promise<LegalHoldRow> {
  await manager.getRepository(LegalHoldRow).update({ id }, { releasedAt, releasedBy });
  return manager.getRepository(LegalHoldRow).findOneByOrFail({ id });
}

export async function legalHoldsOf(manager: EntityManager, subjectId: string): Promise<LegalHoldRow[]> {
  return manager.getRepository(LegalHoldRow).find({ where: { subjectId }, order: { openedAt: "ASC", id: "ASC" } });
}
