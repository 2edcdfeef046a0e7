import { In, type EntityManager } from "typeorm";
import { EVERY_FACT, type FactsNeeded } from "../policy/engine/facts-needed";
import type { ConsentFact, InquiryFact, LegalHoldFact, ObjectionFact, SubjectFacts } from "../policy/engine/lawfulness";
import { ArchivedValueRow, ConsentRow, InquiryRow, LegalHoldRow, ObjectionRow, type DataSubjectRow } from "./entities";

/** The facts about a subject kept outside its row. */
export interface LoadedFacts {
  readonly consents: ConsentFact[];
  readonly objections: ObjectionFact[];
  readonly archivedCategories: string[];
  /** The archived values by category, in the archive's text form (persistence/archived-values.ts). */
  readonly archivedValues: Map<string, string>;
  readonly legalHolds: LegalHoldFact[];
  readonly inquiries: InquiryFact[];
}

export const noFacts = (): LoadedFacts => ({
  consents: [],
  objections: [],
  archivedCategories: [],
  archivedValues: new Map(),
  legalHolds: [],
  inquiries: [],
});

/**
 * The facts outside the rows of many subjects that `needed` asks for — consents, objections,
 * inquiries, the categories and values the archive keeps and the legal holds — a fixed number of
 * statements whatever the number of subjects. Facts not needed are left empty (`factsNeededBy`
 * says which a purpose's decisions read). Retention and erasure read every fact; a request's reads
 * go through subject-reads.ts, which brings the row and its facts in one statement.
 */
export async function loadSubjectFacts(
  manager: EntityManager,
  subjectIds: readonly string[],
  needed: FactsNeeded = EVERY_FACT,
): Promise<Map<string, LoadedFacts>> {
  const ids = [...new Set(subjectIds)];
  const result = new Map<string, LoadedFacts>(ids.map((id) => [id, noFacts()]));
  if (ids.length === 0) return result;
  if (needed.consents) {
    const consents = await manager.getRepository(ConsentRow).find({
      select: { subjectId: true, purposeKey: true, givenAt: true, withdrawnAt: true, scope: true },
      where: { subjectId: In(ids) },
    });
    for (const consent of consents) result.get(consent.subjectId)?.consents.push(consent);
  }
  if (needed.objections) {
    const objections = await manager.getRepository(ObjectionRow).find({
      select: { subjectId: true, purposeKey: true, objectedAt: true, liftedAt: true },
      where: { subjectId: In(ids) },
    });
    for (const objection of objections) result.get(objection.subjectId)?.objections.push(objection);
  }
  if (needed.inquiries) {
    const inquiries = await manager.getRepository(InquiryRow).find({
      select: { subjectId: true, receivedAt: true, closedAt: true },
      where: { subjectId: In(ids) },
    });
    for (const inquiry of inquiries) result.get(inquiry.subjectId)?.inquiries.push(inquiry);
  }
  if (!needed.archive) return result;
  const archived = await manager
    .getRepository(ArchivedValueRow)
    .find({ select: { subjectId: true, category: true, value: true }, where: { subjectId: In(ids) } });
  const holds = await manager.getRepository(LegalHoldRow).find({ where: { subjectId: In(ids) } });
  for (const value of archived) {
    result.get(value.subjectId)?.archivedCategories.push(value.category);
    result.get(value.subjectId)?.archivedValues.set(value.category, value.value);
  }
  for (const hold of holds) result.get(hold.subjectId)?.legalHolds.push(hold);
  return result;
}

/** The facts about a subject kept outside its row, as the engine reads them (loaded per request, or from the subject's whole record). */
export type FactsOutsideTheRow = Pick<SubjectFacts, "consents" | "objections" | "archivedCategories" | "legalHolds" | "inquiries">;

/** What the policy engine needs to decide on a subject: its row and the facts kept outside it. */
export function subjectFactsOf(row: DataSubjectRow, loaded: FactsOutsideTheRow = noFacts()): SubjectFacts {
  return {
    status: row.status,
    serviceActiveSince: row.serviceActiveSince,
    serviceActiveUntil: row.serviceActiveUntil,
    collectedAt: row.createdAt,
    consents: loaded.consents,
    objections: loaded.objections,
    archivedCategories: loaded.archivedCategories,
    legalHolds: loaded.legalHolds,
    inquiries: loaded.inquiries,
  };
}
