import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { LegalBasisCode, SubjectStatus } from "../../domain/policy-terms";
import { recordObjection } from "../../persistence/objection-repository";
import { findSubjectsByIds, setSubjectStatus } from "../../persistence/subject-repository";
import { accessOf, purposeArgument, subjectIdArgument } from "../arguments";
import type { RequestContext } from "../context";
import { notFound } from "../errors";
import { TouchesPersonalData } from "../touches-personal-data";
import { Objection } from "../types/audit.types";
import { DataSubject } from "../types/subject.types";

const OBJECTIONABLE = [LegalBasisCode.LEGITIMATE_INTERESTS, LegalBasisCode.PUBLIC_TASK];

/** The subject's rights that change what may be processed: objection (Art. 21) and restriction (Art. 18). */
@Resolver()
export class SubjectRightsResolver {
  @TouchesPersonalData()
  @Mutation(() => Objection, {
    description:
      "Records the subject's objection to a purpose based on legitimate interests or a public task (GDPR Art. 21); that purpose, and its sub-purposes, stop reading the subject's data from the next request.",
  })
  async objectToPurpose(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Arg("purpose", { description: "Key of the purpose objected to." }) purposeKey: string,
    @Ctx() context: RequestContext,
  ): Promise<Objection> {
    const access = accessOf(context);
    const id = subjectIdArgument(subjectId, "subjectId");
    purposeArgument(access, purposeKey, OBJECTIONABLE, "an objection (Art. 21) applies only to legitimate interests or a public task");
    const row = await context.app.dataSource.transaction(async (manager) => {
      if ((await findSubjectsByIds(manager, [id])).length === 0) throw notFound(`No subject with id ${subjectId}`);
      return recordObjection(manager, id, purposeKey, access.now);
    });
    access.forget(id);
    return Object.assign(new Objection(), row);
  }

  @TouchesPersonalData()
  @Mutation(() => DataSubject, {
    description: "Restricts processing of the subject's data (GDPR Art. 18): only purposes allowed under restriction may read it until lifted.",
  })
  async restrictProcessing(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject> {
    return this.setStatus(context, subjectId, SubjectStatus.RESTRICTED);
  }

  @TouchesPersonalData()
  @Mutation(() => DataSubject, { description: "Lifts a restriction of processing; the subject's data may be processed as the policy allows again." })
  async liftRestriction(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject> {
    return this.setStatus(context, subjectId, SubjectStatus.ACTIVE);
  }

  private async setStatus(context: RequestContext, subjectId: string, status: SubjectStatus): Promise<DataSubject> {
    const access = accessOf(context);
    const row = await setSubjectStatus(context.app.dataSource.manager, subjectIdArgument(subjectId, "subjectId"), status);
    if (!row) throw notFound(`No subject with id ${subjectId}`);
    return access.guardChangedSubject(row);
  }
}
