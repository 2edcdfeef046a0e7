import type { EntityManager } from "typeorm";
import type { SubjectRequestChannel, SubjectRequestKind, SubjectRequestStatus } from "../domain/policy-terms";
import type { Recorder } from "./consent-repository";
import { DataSubjectRow, SubjectRequestRow } from "./entities";
import type { SubjectFilter } from "./subject-repository";
import { keysetPage, type KeysetOrder, type KeysetPage, type KeysetWindow } from "./keyset-page";

export interface NewSubjectRequest {
  readonly subjectId: string;
  readonly kind: SubjectRequestKind;
  readonly channel: SubjectRequestChannel;
  readonly receivedAt: Date;
  readonly dueAt: Date;
  readonly recorder: Recorder;
}

export async function insertSubjectRequest(manager: EntityManager, request: NewSubjectRequest): Promise<SubjectRequestRow> {
  const repository = manager.getRepository(SubjectRequestRow);
  return repository.save(
    repository.create({
      subjectId: request.subjectId,
      kind: request.kind,
      channel: request.channel,
      receivedAt: request.receivedAt,
      dueAt: request.dueAt,
      openedBy: request.recorder.clientName,
      openedInRequest: request.recorder.requestId,
    }),
  );
}

/**
 * The request, locked until the transaction ends: a change is decided on the row as it stands, and
 * of two concurrent changes the second decides on what the first left.
 */
export async function lockSubjectRequest(manager: EntityManager, id: string): Promise<SubjectRequestRow | null> {
  return manager.getRepository(SubjectRequestRow).createQueryBuilder("r").setLock("pessimistic_write").where("r.id = :id", { id }).getOne();
}

export async function findSubjectRequest(manager: EntityManager, id: string): Promise<SubjectRequestRow | null> {
  return manager.getRepository(SubjectRequestRow).findOneBy({ id });
}

/** The columns a change to a request may set; the status and the case file, never who opened it. */
export type SubjectRequestChange = Partial<
  Pick<
    SubjectRequestRow,
    | "status"
    | "identityVerifiedAt"
    | "identityVerificationMethod"
    | "identityVerifiedBy"
    | "extendedDueAt"
    | "extensionReason"
    | "extendedAt"
    | "extendedBy"
    | "closedAt"
    | "closedBy"
    | "refusalReason"
    | "erasureReceipt"
  >
>;

export async function updateSubjectRequest(manager: EntityManager, id: string, change: SubjectRequestChange): Promise<SubjectRequestRow> {
  await manager.getRepository(SubjectRequestRow).update({ id }, change);
  return manager.getRepository(SubjectRequestRow).findOneByOrFail({ id });
}

export interface SubjectRequestQuery {
  readonly statuses: readonly SubjectRequestStatus[] | null;
  /** Only requests whose deadline in force is before this instant. */
  readonly dueBefore: Date | null;
  readonly window: KeysetWindow<RequestPosition>;
}

/** A position in the requests' order: deadline in force, then id. */
export interface RequestPosition {
  readonly deadline: Date;
  readonly id: string;
}

const DEADLINE_IN_FORCE = "COALESCE(r.extended_due_at, r.due_at)";

const URGENCY_ORDER: KeysetOrder<RequestPosition> = {
  keys: [DEADLINE_IN_FORCE, "r.id"],
  valuesOf: (position) => [position.deadline, position.id],
};

/**
 * Requests the query selects, most urgent first (deadline in force, then id), a page at a time;
 * only requests of subjects `lawful` keeps, so a purpose sees no request of a person it may not
 * process — neither in the page, nor in its count, nor in whether pages lie around it.
 */
export async function pageOfSubjectRequests(
  manager: EntityManager,
  query: SubjectRequestQuery,
  lawful: SubjectFilter,
): Promise<KeysetPage<SubjectRequestRow>> {
  const subjects = lawful(manager.getRepository(DataSubjectRow).createQueryBuilder("subject").select("subject.id"), "subject");
  const selection = manager
    .getRepository(SubjectRequestRow)
    .createQueryBuilder("r")
    .where(`r.subject_id IN (${subjects.getQuery()})`)
    .setParameters(subjects.getParameters());
  if (query.statuses !== null) selection.andWhere("r.status IN (:...statuses)", { statuses: query.statuses });
  if (query.dueBefore !== null) selection.andWhere(`${DEADLINE_IN_FORCE} < :dueBefore`, { dueBefore: query.dueBefore });
  return keysetPage(selection, URGENCY_ORDER, query.window);
}
