import type { GraphQLError } from "graphql";
import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import type { EntityManager } from "typeorm";
import { Capability } from "../../domain/capabilities";
import { FACT_CATEGORIES } from "../../domain/fact-categories";
import { RightToObject, SubjectStatus } from "../../domain/policy-terms";
import { withdrawConsents } from "../../persistence/consent-repository";
import { liftObjection, recordObjection } from "../../persistence/objection-repository";
import { lockSubject, setSubjectStatus } from "../../persistence/subject-repository";
import { lockSubjectRequest } from "../../persistence/subject-request-repository";
import type { PurposeRule } from "../../policy/engine/compiled-policy";
import { absoluteObjectionLiftRefusal, consentsEndedByObjection, rightToObject } from "../../policy/engine/objections";
import { accessOf, knownPurposeArgument, requestIdArgument, statedText, subjectIdArgument } from "../arguments";
import { auditedWrite, logSubjectWrite } from "../audited-write";
import { recorderOf } from "../roles";
import type { RequestContext } from "../context";
import { guardChangedSubject, guardObjection } from "../guarded-types";
import { apiError, badUserInput, invalidInput, notFound } from "../../errors";
import { RequiresCapability } from "../personal-data";
import { TouchesPersonalData } from "../touches-personal-data";
import { WITHDRAWN_BY_OBJECTION } from "../inputs/subject.inputs";
import { Objection } from "../types/audit.types";
import { DataSubject } from "../types/subject.types";

const ASSESSMENT_MAX = 5_000;

/** The subject's rights that change what may be processed: objection (Art. 21) and restriction (Art. 18). */
@Resolver()
export class SubjectRightsResolver {
  @TouchesPersonalData()
  @RequiresCapability(Capability.RECORD_OBJECTION)
  @Mutation(() => Objection, {
    description:
      "Records the subject's objection to a purpose (GDPR Art. 21): one based on legitimate interests or a public task (Art. 21(1)), or any direct-marketing purpose, under `marketing`, whatever its basis (Art. 21(2); see `Purpose.rightToObject`). That purpose, and its sub-purposes, stop reading the subject's data from the next request. An objection to direct marketing also withdraws, in the same transaction, the subject's active consents to the purpose and its sub-purposes (withdrawal method OBJECTION), and while it stands `giveConsent` to them is refused (CONFLICT, reason OBJECTED). Objecting again while the objection stands returns it unchanged. Needs RECORD_OBJECTION.",
  })
  async objectToPurpose(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Arg("purpose", { description: "Key of the purpose objected to." }) purposeKey: string,
    @Ctx() context: RequestContext,
  ): Promise<Objection> {
    const access = accessOf(context);
    const id = subjectIdArgument(subjectId, "subjectId");
    const purpose = knownPurposeArgument(access, purposeKey);
    if (rightToObject(purpose) === RightToObject.NONE) {
      throw invalidInput(
        "purpose",
        `${purposeKey} relies on ${purpose.legalBasis} and is not direct marketing; an objection (Art. 21) applies only to legitimate interests, a public task or direct marketing`,
      );
    }
    const row = await auditedWrite(context, "objectToPurpose", async (manager, log) => {
      if (!(await lockSubject(manager, id))) throw notFound(`No subject with id ${subjectId}`);
      const recorder = recorderOf(context);
      const recorded = await recordObjection(manager, id, purposeKey, access.now, recorder);
      const withdrawn = await withdrawConsents(manager, {
        subjectId: id,
        purposeKeys: consentsEndedByObjection(access.policy, purposeKey),
        method: WITHDRAWN_BY_OBJECTION,
        at: access.now,
        recorder,
      });
      if (recorded.created || withdrawn.length > 0) log.wrote(id, [FACT_CATEGORIES.privacyPreferences]);
      return recorded.objection;
    });
    access.catchUpTo(row.objectedAt);
    access.forget(id);
    return guardObjection(access, row);
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.RECORD_OBJECTION)
  @Mutation(() => Objection, {
    description:
      "Lifts the subject's open objection to a purpose. An objection to a legitimate-interests or public-task purpose is lifted on compelling legitimate grounds that override the subject's interests (GDPR Art. 21(1)): `assessment` is required and stored with the objection. An objection to direct marketing is absolute (Art. 21(3)): no assessment can lift it (BAD_USER_INPUT, reason ABSOLUTE_OBJECTION); only the subject can, through their own OBJECTION request, open and with the identity verified, given as `subjectRequestId` and stored with the objection. Needs RECORD_OBJECTION.",
  })
  async liftObjection(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Arg("purpose", { description: "Key of the purpose the objection is to." }) purposeKey: string,
    @Arg("assessment", () => String, {
      nullable: true,
      description: `For a legitimate-interests or public-task purpose: the compelling legitimate grounds, as assessed (1–${ASSESSMENT_MAX} characters). Refused for direct marketing.`,
    })
    assessment: string | null | undefined,
    @Arg("subjectRequestId", () => ID, {
      nullable: true,
      description:
        "For direct marketing: the subject's own OBJECTION request asking to lift it (open, identity verified). Refused for other purposes.",
    })
    subjectRequestId: string | null | undefined,
    @Ctx() context: RequestContext,
  ): Promise<Objection> {
    const access = accessOf(context);
    const id = subjectIdArgument(subjectId, "subjectId");
    // An omitted argument arrives as undefined: it is given no more than a null one is.
    const lift = liftJustification(knownPurposeArgument(access, purposeKey), assessment ?? null, subjectRequestId ?? null);
    const row = await auditedWrite(context, "liftObjection", async (manager, log) => {
      if (!(await lockSubject(manager, id))) throw notFound(`No subject with id ${subjectId}`);
      if (lift.subjectRequestId !== null) await requireLiftingRequest(manager, id, lift.subjectRequestId);
      const lifted = await liftObjection(manager, { subjectId: id, purposeKey, ...lift, at: access.now, recorder: recorderOf(context) });
      if (!lifted) throw notFound(`Subject ${subjectId} has no open objection to ${purposeKey}`);
      log.wrote(id, [FACT_CATEGORIES.privacyPreferences]);
      return lifted;
    });
    access.forget(id);
    return guardObjection(access, row);
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.RESTRICT)
  @Mutation(() => DataSubject, {
    description:
      "Restricts processing of the subject's data (GDPR Art. 18): only purposes allowed under restriction may read it until lifted. Needs RESTRICT.",
  })
  async restrictProcessing(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject> {
    return this.setStatus(context, "restrictProcessing", subjectId, SubjectStatus.RESTRICTED);
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.LIFT_RESTRICTION)
  @Mutation(() => DataSubject, {
    description:
      "Lifts a restriction of processing; the subject's data may be processed as the policy allows again. Needs LIFT_RESTRICTION.",
  })
  async liftRestriction(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject> {
    return this.setStatus(context, "liftRestriction", subjectId, SubjectStatus.ACTIVE);
  }

  private async setStatus(context: RequestContext, operation: string, subjectId: string, status: SubjectStatus): Promise<DataSubject> {
    const access = accessOf(context);
    const id = subjectIdArgument(subjectId, "subjectId");
    const row = await auditedWrite(context, operation, async (manager, log) => {
      const write = await setSubjectStatus(manager, id, status);
      if (!write) throw notFound(`No subject with id ${subjectId}`);
      logSubjectWrite(log, id, write, [FACT_CATEGORIES.accountStatus]);
      return write.row;
    });
    return guardChangedSubject(access, row);
  }
}

/**
 * What may lift an objection to `purpose`: the assessed compelling grounds (Art. 21(1)), or, for
 * direct marketing, only the subject's own request (Art. 21(3)). Checked before anything is read.
 */
function liftJustification(
  purpose: PurposeRule,
  assessment: string | null,
  subjectRequestId: string | null,
): { assessment: string | null; subjectRequestId: string | null } {
  if (rightToObject(purpose) === RightToObject.ABSOLUTE) {
    const absolute = (field: string, problem: string): GraphQLError =>
      badUserInput(
        `Invalid input: ${field} ${problem}: an objection to direct marketing (${purpose.key}) is absolute (GDPR Art. 21(3)); no compelling grounds can lift it, only the subject, through their own OBJECTION request given as subjectRequestId`,
        { fields: [{ field, message: problem }], reason: "ABSOLUTE_OBJECTION" },
      );
    if (assessment !== null) throw absolute("assessment", "is refused");
    if (subjectRequestId === null) throw absolute("subjectRequestId", "is required");
    return { assessment: null, subjectRequestId: requestIdArgument(subjectRequestId, "subjectRequestId") };
  }
  if (subjectRequestId !== null) {
    throw invalidInput(
      "subjectRequestId",
      `is for direct marketing only; an objection to ${purpose.key} is lifted on compelling legitimate grounds, given as assessment (GDPR Art. 21(1))`,
    );
  }
  return { assessment: statedText(assessment, "assessment", ASSESSMENT_MAX), subjectRequestId: null };
}

/**
 * The request that lifts an objection to direct marketing: this subject's own (else NOT_FOUND, as
 * another subject's request is none of this call's business), locked so that it cannot close
 * meanwhile, and an open OBJECTION request with the identity verified (`absoluteObjectionLiftRefusal`).
 */
async function requireLiftingRequest(manager: EntityManager, subjectId: string, requestId: string): Promise<void> {
  const request = await lockSubjectRequest(manager, requestId);
  if (request?.subjectId !== subjectId) throw notFound(`Subject ${subjectId} has no subject request with id ${requestId}`);
  const refusal = absoluteObjectionLiftRefusal(request);
  if (refusal) {
    throw apiError(refusal.code, `Request ${requestId} cannot lift the objection: ${refusal.message}.`, {
      reason: refusal.reason,
      ...(refusal.code === "BAD_USER_INPUT" ? { fields: [{ field: "subjectRequestId", message: refusal.message }] } : {}),
    });
  }
}
