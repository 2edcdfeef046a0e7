import type { EntityManager } from "typeorm";
import type { SubjectRequestChannel } from "../domain/policy-terms";
import { InquiryRow } from "./entities";

export interface NewInquiry {
  readonly subjectId: string;
  readonly receivedAt: Date;
  readonly channel: SubjectRequestChannel;
  readonly openedBy: string;
}

export async function insertInquiry(manager: EntityManager, inquiry: NewInquiry): Promise<InquiryRow> {
  const repository = manager.getRepository(InquiryRow);
  return repository.save(repository.create({ ...inquiry, closedAt: null, closedBy: null }));
}

/** The inquiry, locked until the transaction ends; null when there is none. */
export async function lockInquiry(manager: EntityManager, id: string): Promise<InquiryRow | null> {
  return manager
    .getRepository(InquiryRow)
    .createQueryBuilder("inquiry")
    .where("inquiry.id = :id", { id })
    .setLock("pessimistic_write")
    .getOne();
}

export async function closeInquiryRow(manager: EntityManager, id: string, closedBy: string, closedAt: Date): Promise<InquiryRow> {
  await manager.getRepository(InquiryRow).update({ id }, { closedAt, closedBy });
  return manager.getRepository(InquiryRow).findOneByOrFail({ id });
}
