import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { LegalBasisCode } from "../../domain/policy-terms";
import { findActiveConsent, insertConsent, markWithdrawn } from "../../persistence/consent-repository";
import { findSubjectsByIds } from "../../persistence/subject-repository";
import { accessOf, purposeArgument, subjectIdArgument } from "../arguments";
import type { RequestContext } from "../context";
import { notFound } from "../errors";
import { ConsentEvidenceInput } from "../inputs/subject.inputs";
import { TouchesPersonalData } from "../touches-personal-data";
import { Consent } from "../types/consent.types";

@Resolver(() => Consent)
export class ConsentResolver {
  @TouchesPersonalData()
  @Mutation(() => Consent, {
    description:
      "Records the subject's consent to a consent-based purpose (and its sub-purposes). The server records the time and the policy version. Giving consent that is already active returns it unchanged.",
  })
  async giveConsent(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Arg("purpose", { description: "Key of the purpose consented to, e.g. `marketing.advertising`." }) purpose: string,
    @Arg("evidence", () => ConsentEvidenceInput, { nullable: true, description: "How the consent is being given." })
    evidence: ConsentEvidenceInput | null,
    @Ctx() context: RequestContext,
  ): Promise<Consent> {
    const access = accessOf(context);
    const id = subjectIdArgument(subjectId, "subjectId");
    purposeArgument(access, purpose, [LegalBasisCode.CONSENT], "consent to it would have no effect");
    const row = await context.app.dataSource.transaction(async (manager) => {
      const [subject] = await findSubjectsByIds(manager, [id]);
      if (!subject) throw notFound(`No subject with id ${subjectId}`);
      const active = await findActiveConsent(manager, id, purpose);
      if (active) return active;
      const evidenceGiven = { ...evidence, method: evidence?.method ?? "API" };
      return insertConsent(manager, id, purpose, evidenceGiven, access.policy.version, access.now);
    });
    access.forget(id);
    return access.guardConsent(row);
  }

  @TouchesPersonalData()
  @Mutation(() => Consent, {
    description: "Withdraws the subject's active consent to a purpose, from now on (GDPR Art. 7(3)). Reads that relied on it stop at once.",
  })
  async withdrawConsent(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Arg("purpose", { description: "Key of the purpose whose consent is withdrawn." }) purpose: string,
    @Ctx() context: RequestContext,
  ): Promise<Consent> {
    const access = accessOf(context);
    const id = subjectIdArgument(subjectId, "subjectId");
    const row = await context.app.dataSource.transaction(async (manager) => {
      const active = await findActiveConsent(manager, id, purpose);
      if (!active) throw notFound(`Subject ${subjectId} has no active consent to ${purpose}`);
      return markWithdrawn(manager, active, access.now);
    });
    access.forget(id);
    return access.guardConsent(row);
  }
}
