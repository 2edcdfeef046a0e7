import { In, type EntityManager } from "typeorm";
import type { ConsentFact, ObjectionFact } from "../policy/engine/lawfulness";
import { ConsentRow, ObjectionRow } from "./entities";

export interface ConsentsAndObjections {
  readonly consents: ConsentFact[];
  readonly objections: ObjectionFact[];
}

/** Consents and objections of many subjects: two statements, whatever the number of subjects. */
export async function loadConsentsAndObjections(
  manager: EntityManager,
  subjectIds: readonly string[],
): Promise<Map<string, ConsentsAndObjections>> {
  const ids = [...new Set(subjectIds)];
  const result = new Map<string, ConsentsAndObjections>(ids.map((id) => [id, { consents: [], objections: [] }]));
  if (ids.length === 0) return result;
  const [consents, objections] = [
    await manager.getRepository(ConsentRow).find({
      select: { subjectId: true, purposeKey: true, givenAt: true, withdrawnAt: true, scope: true },
      where: { subjectId: In(ids) },
    }),
    await manager.getRepository(ObjectionRow).find({
      select: { subjectId: true, purposeKey: true, objectedAt: true, liftedAt: true },
      where: { subjectId: In(ids) },
    }),
  ];
  for (const consent of consents) result.get(consent.subjectId)?.consents.push(consent);
  for (const objection of objections) result.get(objection.subjectId)?.objections.push(objection);
  return result;
}
