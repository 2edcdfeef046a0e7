import { IsNull, type EntityManager } from "typeorm";
import { ObjectionRow } from "./entities";

/** Records an objection; an objection already open is returned as it is. */
export async function recordObjection(manager: EntityManager, subjectId: string, purposeKey: string, now: Date): Promise<ObjectionRow> {
  const repository = manager.getRepository(ObjectionRow);
  const open = await repository.findOneBy({ subjectId, purposeKey, liftedAt: IsNull() });
  return open ?? repository.save(repository.create({ subjectId, purposeKey, objectedAt: now, liftedAt: null }));
}
