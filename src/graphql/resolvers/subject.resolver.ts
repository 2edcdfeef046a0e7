import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, ID, Info, Int, Mutation, Query, Resolver } from "type-graphql";
import { Capability } from "../../domain/capabilities";
import { FACT_CATEGORIES } from "../../domain/fact-categories";
import { recordConsent, type NewConsent } from "../../persistence/consent-repository";
import { endServiceOf, insertSubject, startServiceOf, updateSubjectFields } from "../../persistence/subject-repository";
import { readPageOfSubjects } from "../../persistence/subject-reads";
import { accessOf, subjectIdArgument } from "../arguments";
import { ListCursors, notCounted, PAGE_ARGUMENTS, type PositionCodec } from "../connections";
import { selectsField } from "../selection";
import { auditedWrite, categoriesWrittenBy, logSubjectWrite } from "../audited-write";
import { consentReceipt } from "../consent-receipt";
import { requireParentalConsentIfChild } from "../consent-conditions";
import type { RequestContext } from "../context";
import { guardChangedSubject, guardSubject, guardSubjects, subjectById } from "../guarded-types";
import { badUserInput, invalidInput, notFound } from "../../errors";
import { CreateSubjectInput, RegistrationRecordInput, UpdateSubjectInput } from "../inputs/subject.inputs";
import { RequiresCapability } from "../personal-data";
import { TouchesPersonalData } from "../touches-personal-data";
import { DataSubject, DataSubjectConnection } from "../types/subject.types";

/** A position in the subjects' list: a subject's `seq` (creation order). */
const SUBJECT_POSITIONS: PositionCodec<string> = {
  list: "subjects",
  format: (seq) => seq,
  parse: (text) => (/^\d{1,18}$/.test(text) ? text : null),
};

@Resolver(() => DataSubject)
export class SubjectResolver {
  @TouchesPersonalData()
  @Query(() => DataSubject, {
    nullable: true,
    description:
      "One data subject by id; null when there is none. Fields the declared purpose may not read for this subject are null, with an error.",
  })
  async subject(
    @Arg("id", () => ID, { description: "The subject's id." }) id: string,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject | null> {
    return subjectById(accessOf(context), subjectIdArgument(id));
  }

  @TouchesPersonalData()
  @Query(() => DataSubjectConnection, {
    description:
      "The subjects whose data the declared purpose may lawfully process now, in creation order, a page at a time (a Relay connection: `first`/`after` forward, `last`/`before` backward). `totalCount` and `pageInfo` count the same subjects; cursors are opaque, and valid only for this list, API key and purpose.",
  })
  async subjects(
    @Arg("first", () => Int, { nullable: true, description: PAGE_ARGUMENTS.first }) first: number | null,
    @Arg("after", () => String, { nullable: true, description: PAGE_ARGUMENTS.after }) after: string | null,
    @Arg("last", () => Int, { nullable: true, description: PAGE_ARGUMENTS.last }) last: number | null,
    @Arg("before", () => String, { nullable: true, description: PAGE_ARGUMENTS.before }) before: string | null,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<DataSubjectConnection> {
    const access = accessOf(context);
    const cursors = ListCursors.of(SUBJECT_POSITIONS, context, access.purposeKey);
    const window = cursors.windowOf({ first, after, last, before });
    // One statement: the page, what lies around it, the count if asked for, and the facts each subject's decision needs.
    const page = await readPageOfSubjects(context.app.dataSource.manager, {
      window,
      lawful: access.lawfulCondition("s"),
      needed: access.factsNeeded,
      countTotal: selectsField(info, "totalCount"),
    });
    access.primeSubjects(page.rows);
    const rows = page.rows.map((read) => read.row);
    const connection = cursors.connectionOf({ ...page, rows, totalCount: 0 }, await guardSubjects(access, rows), (row) => row.seq);
    return page.totalCount === null ? notCounted(connection) : { ...connection, totalCount: page.totalCount };
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.MANAGE_SUBJECTS)
  @Mutation(() => DataSubject, {
    description:
      "Records a new data subject; the service relationship starts now, unless `input.startService` is false (someone who only sent a question: contract purposes then read nothing of them until `startService`). With a registration record, the advertising consent given at registration is recorded too, in the same transaction (needs RECORD_CONSENT as well); for a subject below the age of digital consent it needs `registration.parentalConsentReference` (BAD_USER_INPUT, reason PARENTAL_CONSENT_REQUIRED, nothing written). Needs MANAGE_SUBJECTS. The fields returned are guarded like any read.",
  })
  async createSubject(
    @Arg("input", () => CreateSubjectInput, { description: "The subject's personal data." }) input: CreateSubjectInput,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<DataSubject> {
    const access = accessOf(context);
    const { registration, startService, ...fields } = input;
    const registrationConsent = registration ? registrationConsentOf(context, registration, fields.dateOfBirth) : null;
    const row = await auditedWrite(context, "createSubject", async (manager, log) => {
      const record = registration && registrationConsent ? { ...registration, consentedAt: registrationConsent.givenAt } : null;
      const created = await insertSubject(manager, fields, record, access.now, startService !== false);
      log.wrote(created.id, [FACT_CATEGORIES.accountStatus, FACT_CATEGORIES.serviceRelationship, ...categoriesWrittenBy(info, { input })]);
      if (registrationConsent) {
        await recordConsent(manager, { ...registrationConsent, subjectId: created.id });
        log.wrote(created.id, [FACT_CATEGORIES.privacyPreferences]);
      }
      return created;
    });
    return guardSubject(access, row);
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.MANAGE_SUBJECTS)
  @Mutation(() => DataSubject, { description: "Changes a subject's personal data (rectification, GDPR Art. 16). Needs MANAGE_SUBJECTS." })
  async updateSubject(
    @Arg("id", () => ID, { description: "The subject's id." }) id: string,
    @Arg("input", () => UpdateSubjectInput, { description: "The fields to change; omitted fields stay as they are, null clears one." })
    input: UpdateSubjectInput,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<DataSubject> {
    const access = accessOf(context);
    const subjectId = subjectIdArgument(id);
    const row = await auditedWrite(context, "updateSubject", async (manager, log) => {
      const write = await updateSubjectFields(manager, subjectId, { ...input });
      if (!write) throw notFound(`No subject with id ${id}`);
      if (write.changed) log.wrote(subjectId, categoriesWrittenBy(info, { input }));
      return write.row;
    });
    return guardChangedSubject(access, row);
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.MANAGE_SUBJECTS)
  @Mutation(() => DataSubject, {
    description:
      "Starts the subject's service relationship now: for someone recorded without one (`startService: false`), or again after it ended. Starting one that runs changes nothing. Needs MANAGE_SUBJECTS.",
  })
  async startService(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject> {
    const access = accessOf(context);
    const id = subjectIdArgument(subjectId, "subjectId");
    const row = await auditedWrite(context, "startService", async (manager, log) => {
      const write = await startServiceOf(manager, id, access.now);
      if (!write) throw notFound(`No subject with id ${subjectId}`);
      logSubjectWrite(log, id, write, [FACT_CATEGORIES.serviceRelationship]);
      return write.row;
    });
    return guardChangedSubject(access, row);
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.MANAGE_SUBJECTS)
  @Mutation(() => DataSubject, {
    description:
      "Ends the subject's service relationship now; contract-based purposes stop applying. Ending it twice keeps the first date. Needs MANAGE_SUBJECTS.",
  })
  async endService(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject> {
    const access = accessOf(context);
    const id = subjectIdArgument(subjectId, "subjectId");
    const row = await auditedWrite(context, "endService", async (manager, log) => {
      const write = await endServiceOf(manager, id, access.now);
      if (!write) throw notFound(`No subject with id ${subjectId}`);
      logSubjectWrite(log, id, write, [FACT_CATEGORIES.serviceRelationship]);
      return write.row;
    });
    return guardChangedSubject(access, row);
  }
}

/**
 * The advertising consent a registration record is the evidence of (the notice: advertising "only
 * with consent given at registration"). Refused when the policy collects no consent at
 * registration, when the record claims a consent given in the future, and for a subject below the
 * age of digital consent without a parental-consent reference. (A new subject has no objection.)
 */
function registrationConsentOf(
  context: RequestContext,
  registration: RegistrationRecordInput,
  dateOfBirth: string | null | undefined,
): Omit<NewConsent, "subjectId"> {
  const access = accessOf(context);
  const purpose = access.policy.registrationConsentPurpose();
  if (!purpose) {
    throw badUserInput("Invalid input: this policy collects no consent at registration, so no registration record can be kept", {
      fields: [{ field: "input.registration", message: "cannot be kept: this policy collects no consent at registration" }],
    });
  }
  const givenAt = new Date(registration.consentedAt);
  if (givenAt.getTime() > access.now.getTime()) {
    throw invalidInput("input.registration.consentedAt", "lies in the future");
  }
  requireParentalConsentIfChild(access, dateOfBirth, registration.parentalConsentReference, "input.registration.parentalConsentReference");
  return {
    ...consentReceipt(context, purpose.key),
    evidence: {
      ipAddress: registration.ipAddress,
      browser: registration.browser,
      operatingSystem: registration.operatingSystem,
      device: registration.device,
      parentalConsentReference: registration.parentalConsentReference,
      method: "REGISTRATION_FORM",
    },
    givenAt,
  };
}
