import type { EntityManager } from "typeorm";
import type { Recorder } from "./consent-repository";
import { returnedIds } from "./consent-repository";
import { ObjectionRow } from "./entities";

export interface RecordedObjection {
  readonly objection: ObjectionRow;
  /** False when an open objection existed already and is returned as it is. */
  readonly created: boolean;
}

/** Every objection of the subject, open or lifted. */
export async function objectionsOf(manager: EntityManager, subjectId: string): Promise<ObjectionRow[]> {
  return manager.getRepository(ObjectionRow).findBy({ subjectId });
}

/** Records an objection; an objection already open is returned as it is (concurrent calls race on the unique partial index). */
export async function recordObjection(
  manager: EntityManager,
  subjectId: string,
  purposeKey: string,
  now: Date,
  recorder: Recorder,
): Promise<RecordedObjection> {
  const inserted = await manager
    .createQueryBuilder()
    .insert()
    .into(ObjectionRow)
    .values({ subjectId, purposeKey, objectedAt: now, liftedAt: null, recordedBy: recorder.clientName, requestId: recorder.requestId })
    .orIgnore()
    .returning(["id"])
    .execute();
  const repository = manager.getRepository(ObjectionRow);
  const insertedId = returnedIds(inserted.raw)[0];
  if (insertedId !== undefined) return { objection: await repository.findOneByOrFail({ id: insertedId }), created: true };
  const open = await repository
    .createQueryBuilder("o")
    .where("o.subject_id = :subjectId AND o.purpose_key = :purposeKey AND o.lifted_at IS NULL", { subjectId, purposeKey })
    .getOne();
  if (!open) throw new Error("objection was neither inserted nor found open");
  return { objection: open, created: false };
}

export interface ObjectionLift {
  readonly subjectId: string;
  readonly purposeKey: string;
  /** The compelling legitimate grounds that override the subject's interests (GDPR Art. 21(1)); null for a lift by request. */
  readonly assessment: string | null;
  /** The subject's own OBJECTION request that lifts an objection to direct marketing (Art. 21(3)); null for a lift on grounds. */
  readonly subjectRequestId: string | null;
  readonly at: Date;
  readonly recorder: Recorder;
}

/** Lifts the subject's open objection to the purpose, storing what justifies it (assessment or request); null when none is open. */
export async function liftObjection(manager: EntityManager, lift: ObjectionLift): Promise<ObjectionRow | null> {
  const updated = await manager
    .createQueryBuilder()
    .update(ObjectionRow)
    .set({
      liftedAt: lift.at,
      liftedBy: lift.recorder.clientName,
      liftAssessment: lift.assessment,
      liftedByRequestId: lift.subjectRequestId,
    })
    .where("subject_id = :subjectId AND purpose_key = :purposeKey AND lifted_at IS NULL", {
      subjectId: lift.subjectId,
      purposeKey: lift.purposeKey,
    })
    .returning(["id"])
    .execute();
  const id = returnedIds(updated.raw)[0];
  return id === undefined ? null : manager.getRepository(ObjectionRow).findOneByOrFail({ id });
}
