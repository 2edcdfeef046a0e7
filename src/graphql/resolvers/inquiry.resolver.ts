import { DateTimeResolver } from "graphql-scalars";
import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { Capability } from "../../domain/capabilities";
import { SubjectRequestChannel } from "../../domain/policy-terms";
import { apiError, invalidInput, notFound } from "../../errors";
import type { InquiryRow } from "../../persistence/entities";
import { closeInquiryRow, insertInquiry, lockInquiry } from "../../persistence/inquiry-repository";
import { lockSubject } from "../../persistence/subject-repository";
import { accessOf, inquiryIdArgument, subjectIdArgument, type DeclaredAccess } from "../arguments";
import { auditedWrite } from "../audited-write";
import type { RequestContext } from "../context";
import { guardedObject } from "../guarded-types";
import { RequiresCapability } from "../personal-data";
import { TouchesPersonalData } from "../touches-personal-data";
import { Inquiry } from "../types/inquiry.types";

/** The category an inquiry's record is written in: the person's message. */
const INQUIRY_CATEGORY = "user.content.private";

@Resolver(() => Inquiry)
export class InquiryResolver {
  @TouchesPersonalData()
  @RequiresCapability(Capability.MANAGE_SUBJECTS)
  @Mutation(() => Inquiry, {
    description:
      "Records that a person sent a question (never the message itself): purposes counted from an inquiry's close (INQUIRY_CLOSED, e.g. essential.service.inquiries) then read their data — customer or not — until it is closed and their retention after. Declare a purpose that grants user.content.private. Needs MANAGE_SUBJECTS.",
  })
  async openInquiry(
    @Arg("subjectId", () => ID, { description: "The subject who asked." }) subjectId: string,
    @Arg("receivedAt", () => DateTimeResolver, { description: "When the question arrived; not in the future." }) receivedAt: Date,
    @Arg("channel", () => SubjectRequestChannel, { description: "How it arrived." }) channel: SubjectRequestChannel,
    @Ctx() context: RequestContext,
  ): Promise<Inquiry> {
    const access = accessOf(context);
    requireInquiryPurpose(access);
    const id = subjectIdArgument(subjectId, "subjectId");
    if (receivedAt.getTime() > access.now.getTime()) throw invalidInput("receivedAt", "lies in the future");
    const row = await auditedWrite(context, "openInquiry", async (manager, log) => {
      if (!(await lockSubject(manager, id))) throw notFound(`No subject with id ${subjectId}`);
      const opened = await insertInquiry(manager, { subjectId: id, receivedAt, channel, openedBy: context.client.name });
      log.wrote(id, [INQUIRY_CATEGORY]);
      return opened;
    });
    return guardInquiry(access, row);
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.MANAGE_SUBJECTS)
  @Mutation(() => Inquiry, {
    description:
      "Closes an inquiry once answered: its retention starts counting. Closing it twice keeps the first close. Declare a purpose that grants user.content.private. Needs MANAGE_SUBJECTS.",
  })
  async closeInquiry(
    @Arg("id", () => ID, { description: "The inquiry's id." }) inquiryId: string,
    @Ctx() context: RequestContext,
  ): Promise<Inquiry> {
    const access = accessOf(context);
    requireInquiryPurpose(access);
    const id = inquiryIdArgument(inquiryId, "id");
    const row = await auditedWrite(context, "closeInquiry", async (manager, log) => {
      const found = await lockInquiry(manager, id);
      if (!found) throw notFound(`No inquiry with id ${inquiryId}`);
      if (found.closedAt !== null) return found;
      log.wrote(found.subjectId, [INQUIRY_CATEGORY]);
      return closeInquiryRow(manager, id, context.client.name, access.now);
    });
    return guardInquiry(access, row);
  }
}

/**
 * Writing an inquiry's record is processing the person's message: the declared purpose must grant
 * its category, decided before anything is written, as for every other write (README, Writes).
 */
function requireInquiryPurpose(access: DeclaredAccess): void {
  if (access.policy.grants(access.purposeKey, INQUIRY_CATEGORY)) return;
  throw apiError(
    "PURPOSE_LIMITATION",
    `Purpose ${access.purposeKey} may not write an inquiry (${INQUIRY_CATEGORY}). Nothing was executed.`,
    {
      reason: "NOT_GRANTED",
      purpose: access.purposeKey,
      fields: [{ field: "Inquiry", category: INQUIRY_CATEGORY, message: `${INQUIRY_CATEGORY} is not granted to ${access.purposeKey}` }],
    },
  );
}

async function guardInquiry(access: DeclaredAccess, row: InquiryRow): Promise<Inquiry> {
  access.forget(row.subjectId);
  const guard = await access.guardOf(row.subjectId);
  return guardedObject(
    Inquiry,
    { id: row.id, subjectId: row.subjectId, receivedAt: row.receivedAt, channel: row.channel, closedAt: row.closedAt },
    guard,
  );
}
