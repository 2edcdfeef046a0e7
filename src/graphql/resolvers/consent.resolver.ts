import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, ID, Info, Mutation, Resolver } from "type-graphql";
import { Capability } from "../../domain/capabilities";
import { FACT_CATEGORIES } from "../../domain/fact-categories";
import { LegalBasisCode } from "../../domain/policy-terms";
import { recordConsent, withdrawConsents } from "../../persistence/consent-repository";
import { objectionsOf } from "../../persistence/objection-repository";
import { lockSubject } from "../../persistence/subject-repository";
import { accessOf, purposeArgument, subjectIdArgument } from "../arguments";
import { auditedWrite, categoriesWrittenBy } from "../audited-write";
import { consentReceipt } from "../consent-receipt";
import { refuseConsentUnderObjection, requireParentalConsentIfChild } from "../consent-conditions";
import { recorderOf } from "../roles";
import type { RequestContext } from "../context";
import { guardConsent } from "../guarded-types";
import { invalidInput, notFound } from "../../errors";
import { CONSENT_METHODS, ConsentEvidenceInput } from "../inputs/subject.inputs";
import { RequiresCapability } from "../personal-data";
import { TouchesPersonalData } from "../touches-personal-data";
import { Consent } from "../types/consent.types";

@Resolver(() => Consent)
export class ConsentResolver {
  @TouchesPersonalData()
  @RequiresCapability(Capability.RECORD_CONSENT)
  @Mutation(() => Consent, {
    description:
      "Records the subject's consent to a consent-based purpose (and its sub-purposes), with its receipt: the server's time, who recorded it, the request, the policy and notice versions, and the categories the purpose grants now (its scope). Giving consent that is already active under the same scope returns it unchanged. Refused while the subject's objection to the purpose (or a purpose above it) stands (CONFLICT, reason OBJECTED), and for a subject below the age of digital consent without `evidence.parentalConsentReference` (BAD_USER_INPUT, reason PARENTAL_CONSENT_REQUIRED); then nothing is written. Needs RECORD_CONSENT.",
  })
  async giveConsent(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Arg("purpose", { description: "Key of the purpose consented to, e.g. `marketing.advertising`." }) purpose: string,
    @Arg("evidence", () => ConsentEvidenceInput, { nullable: true, description: "How the consent is being given." })
    evidence: ConsentEvidenceInput | null,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Consent> {
    const access = accessOf(context);
    const id = subjectIdArgument(subjectId, "subjectId");
    purposeArgument(access, purpose, [LegalBasisCode.CONSENT], "consent to it would have no effect");
    const receipt = consentReceipt(context, purpose);
    const row = await auditedWrite(context, "giveConsent", async (manager, log) => {
      const subject = await lockSubject(manager, id);
      if (!subject) throw notFound(`No subject with id ${subjectId}`);
      refuseConsentUnderObjection(access, purpose, await objectionsOf(manager, id));
      requireParentalConsentIfChild(access, subject.dateOfBirth, evidence?.parentalConsentReference, "evidence.parentalConsentReference");
      const recorded = await recordConsent(manager, {
        ...receipt,
        subjectId: id,
        evidence: { ...evidence, method: evidence?.method ?? "API" },
        givenAt: access.now,
      });
      if (recorded.created) log.wrote(id, [FACT_CATEGORIES.privacyPreferences, ...categoriesWrittenBy(info, { evidence })]);
      return recorded.consent;
    });
    access.catchUpTo(row.givenAt);
    access.forget(id);
    return guardConsent(access, row);
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.RECORD_CONSENT)
  @Mutation(() => Consent, {
    description:
      "Withdraws the subject's active consent to a purpose, from now on (GDPR Art. 7(3)), recording when, by whom and how; a withdrawal never moves once recorded. Reads that relied on it stop at once. Needs RECORD_CONSENT.",
  })
  async withdrawConsent(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Arg("purpose", { description: "Key of the purpose whose consent is withdrawn." }) purpose: string,
    @Arg("method", () => String, {
      nullable: true,
      description: `How the subject withdrew: one of ${CONSENT_METHODS.join(", ")}; API when omitted.`,
    })
    method: string | null,
    @Ctx() context: RequestContext,
  ): Promise<Consent> {
    const access = accessOf(context);
    const id = subjectIdArgument(subjectId, "subjectId");
    const how = method ?? "API";
    if (!(CONSENT_METHODS as readonly string[]).includes(how)) {
      throw invalidInput("method", `must be one of ${CONSENT_METHODS.join(", ")}`);
    }
    const latest = await auditedWrite(context, "withdrawConsent", async (manager, log) => {
      const withdrawn = await withdrawConsents(manager, {
        subjectId: id,
        purposeKeys: [purpose],
        method: how,
        at: access.now,
        recorder: recorderOf(context),
      });
      const [newest] = withdrawn;
      if (!newest) throw notFound(`Subject ${subjectId} has no active consent to ${purpose}`);
      log.wrote(id, [FACT_CATEGORIES.privacyPreferences]);
      return newest;
    });
    access.forget(id);
    return guardConsent(access, latest);
  }
}
