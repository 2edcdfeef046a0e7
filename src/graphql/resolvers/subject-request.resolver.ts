import type { GraphQLResolveInfo } from "graphql";
import { DateTimeResolver } from "graphql-scalars";
import type { EntityManager } from "typeorm";
import { Arg, Ctx, ID, Info, Int, Mutation, Query, Resolver } from "type-graphql";
import { recipientsToNotify, type Recipient } from "../../audit/recipients-to-notify";
import type { ChangeLog } from "../../audit/change-events";
import { Capability } from "../../domain/capabilities";
import { FACT_CATEGORIES } from "../../domain/fact-categories";
import { SubjectRequestChannel, SubjectRequestKind, SubjectRequestStatus } from "../../domain/policy-terms";
import { apiError, badUserInput, invalidInput, notFound } from "../../errors";
import { extendedDeadline, firstDeadline, MAX_EXTENSION_MONTHS } from "../../policy/engine/request-deadlines";
import { deadlineOf, transitionRefusal, type RequestTransition } from "../../policy/engine/subject-request-rules";
import { accessEventsOfSubject } from "../../persistence/access-event-repository";
import type { SubjectRequestRow } from "../../persistence/entities";
import {
  insertSubjectRequest,
  lockSubjectRequest,
  pageOfSubjectRequests,
  updateSubjectRequest,
  type RequestPosition,
  type SubjectRequestChange,
} from "../../persistence/subject-request-repository";
import { findSubjectsByIds, updateSubjectFields } from "../../persistence/subject-repository";
import { accessOf, requestIdArgument, statedText, subjectIdArgument, type DeclaredAccess } from "../arguments";
import { auditedWrite, categoriesWrittenBy } from "../audited-write";
import { ListCursors, PAGE_ARGUMENTS, type PositionCodec } from "../connections";
import type { RequestContext } from "../context";
import { requireRequestAnsweringPurpose } from "../request-answering";
import { guardedObject } from "../guarded-types";
import { RectificationInput } from "../inputs/subject-request.inputs";
import { subjectRequestValues } from "../mappers";
import { RequiresCapability } from "../personal-data";
import { recorderOf } from "../roles";
import { TouchesPersonalData } from "../touches-personal-data";
import { RecipientToNotify, SubjectRequest, SubjectRequestConnection, SubjectRequestOutcome } from "../types/subject-request.types";

const TEXT_MAX = 2_000;
/**
 * A request cannot have been received before the GDPR applied (Art. 99(2)). The bound also keeps
 * out years 0–99, which the database stores but drivers read back a century or two later.
 */
const GDPR_APPLIES_FROM = new Date("2018-05-25T00:00:00.000Z");

/**
 * Data-subject requests (GDPR Art. 12–22): opened, the person's identity verified, extended once,
 * then completed or refused. Every change is a change event of the subject (category
 * `user.privacy_preferences`); the rules of each change are the pure `transitionRefusal`.
 */
/** A position in the queue of requests: the deadline in force, then the id. */
const REQUEST_POSITIONS: PositionCodec<RequestPosition> = {
  list: "subjectRequests",
  format: (position) => `${position.deadline.toISOString()}|${position.id}`,
  parse: (text) => {
    const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f-]{36})$/.exec(text);
    const deadline = new Date(match?.[1] ?? "");
    return match?.[2] === undefined || Number.isNaN(deadline.getTime()) ? null : { deadline, id: match[2] };
  },
};

@Resolver(() => SubjectRequest)
export class SubjectRequestResolver {
  @TouchesPersonalData()
  @RequiresCapability(Capability.HANDLE_REQUESTS)
  @Query(() => SubjectRequestConnection, {
    description:
      "The requests of subjects the declared purpose may process (a purpose that answers requests), most urgent first (deadline in force, then id), a page at a time (a Relay connection: `first`/`after` forward, `last`/`before` backward; cursors are opaque, and valid only for this list, API key and purpose); `overdue` flags open requests past their deadline. Needs HANDLE_REQUESTS.",
  })
  async subjectRequests(
    @Arg("status", () => [SubjectRequestStatus], { nullable: true, description: "Only requests in these states; all when omitted." })
    status: SubjectRequestStatus[] | null,
    @Arg("dueBefore", () => DateTimeResolver, {
      nullable: true,
      description: "Only requests whose deadline in force is before this instant.",
    })
    dueBefore: Date | null,
    @Arg("first", () => Int, { nullable: true, description: PAGE_ARGUMENTS.first }) first: number | null,
    @Arg("after", () => String, { nullable: true, description: PAGE_ARGUMENTS.after }) after: string | null,
    @Arg("last", () => Int, { nullable: true, description: PAGE_ARGUMENTS.last }) last: number | null,
    @Arg("before", () => String, { nullable: true, description: PAGE_ARGUMENTS.before }) before: string | null,
    @Ctx() context: RequestContext,
  ): Promise<SubjectRequestConnection> {
    const access = accessOf(context);
    // The queue is the request handlers' work: the record-keeping purpose, say, would list cases it may not read.
    requireRequestAnsweringPurpose(access, "The queue of requests");
    if (status?.length === 0) throw invalidInput("status", "must name at least one status; omit it for all");
    if (dueBefore && (dueBefore.getUTCFullYear() < 1900 || dueBefore.getUTCFullYear() > 9999)) {
      throw invalidInput("dueBefore", "must lie between the years 1900 and 9999");
    }
    const cursors = ListCursors.of(REQUEST_POSITIONS, context, access.purposeKey);
    // An omitted argument arrives as undefined: normalise it to null.
    const query = { statuses: status ?? null, dueBefore: dueBefore ?? null, window: cursors.windowOf({ first, after, last, before }) };
    const page = await context.app.dataSource.transaction("REPEATABLE READ", (manager) =>
      pageOfSubjectRequests(manager, query, access.lawfulSubjects),
    );
    const nodes = await Promise.all(page.rows.map((row) => guardRequest(access, row)));
    return cursors.connectionOf(page, nodes, (row) => ({ deadline: deadlineOf(row), id: row.id }));
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.HANDLE_REQUESTS)
  @Mutation(() => SubjectRequest, {
    description:
      "Opens a person's request to exercise a right. It is due at the end of the same date one month after receipt on the controller's calendar (31 January → 28 or 29 February; GDPR Art. 12(3)). Needs HANDLE_REQUESTS.",
  })
  async openSubjectRequest(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Arg("kind", () => SubjectRequestKind, { description: "The right exercised." }) kind: SubjectRequestKind,
    @Arg("receivedAt", () => DateTimeResolver, {
      description: "When the controller received the request: not in the future, nor before 2018-05-25 (when the GDPR began to apply).",
    })
    receivedAt: Date,
    @Arg("channel", () => SubjectRequestChannel, { description: "How it reached the controller." }) channel: SubjectRequestChannel,
    @Ctx() context: RequestContext,
  ): Promise<SubjectRequest> {
    const access = accessOf(context);
    const id = subjectIdArgument(subjectId, "subjectId");
    if (receivedAt.getTime() > access.now.getTime() || receivedAt.getTime() < GDPR_APPLIES_FROM.getTime()) {
      throw invalidInput(
        "receivedAt",
        `must lie between ${GDPR_APPLIES_FROM.toISOString().slice(0, 10)} (when the GDPR began to apply) and now`,
      );
    }
    const due = firstDeadline(receivedAt, access.policy.timeZone);
    const row = await auditedWrite(context, "openSubjectRequest", async (manager, log) => {
      if ((await findSubjectsByIds(manager, [id])).length === 0) throw notFound(`No subject with id ${subjectId}`);
      const opened = await insertSubjectRequest(manager, {
        subjectId: id,
        kind,
        channel,
        receivedAt,
        dueAt: due.endsAt,
        recorder: recorderOf(context),
      });
      log.wrote(id, [FACT_CATEGORIES.privacyPreferences]);
      return opened;
    });
    return guardRequest(access, row);
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.HANDLE_REQUESTS)
  @Mutation(() => SubjectRequest, {
    description:
      "Records that the person's identity was verified, and how (GDPR Art. 12(6)); access, portability and erasure requests are completed only after it. Needs HANDLE_REQUESTS.",
  })
  async verifySubjectIdentity(
    @Arg("requestId", () => ID, { description: "The request's id." }) requestId: string,
    @Arg("method", {
      description: `How the identity was verified, e.g. "signed-in account" (1–${TEXT_MAX} characters; never the document).`,
    })
    method: string,
    @Ctx() context: RequestContext,
  ): Promise<SubjectRequest> {
    const access = accessOf(context);
    const how = statedText(method, "method", TEXT_MAX);
    const row = await changeRequest(context, "verifySubjectIdentity", requestId, "VERIFY_IDENTITY", () => ({
      status: SubjectRequestStatus.IDENTITY_VERIFIED,
      identityVerifiedAt: access.now,
      identityVerificationMethod: how,
      identityVerifiedBy: context.client.name,
    }));
    return guardRequest(access, row.request);
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.HANDLE_REQUESTS)
  @Mutation(() => SubjectRequest, {
    description: `Extends the deadline once, by 1 to ${MAX_EXTENSION_MONTHS} further months counted from receipt, with the reason the person is told; only before the first deadline has passed (GDPR Art. 12(3)). Needs HANDLE_REQUESTS.`,
  })
  async extendSubjectRequest(
    @Arg("requestId", () => ID, { description: "The request's id." }) requestId: string,
    @Arg("reason", { description: `Why, as the person is told: the complexity and number of requests (1–${TEXT_MAX} characters).` })
    reason: string,
    @Arg("months", () => Int, {
      defaultValue: MAX_EXTENSION_MONTHS,
      description: `Further months, 1–${MAX_EXTENSION_MONTHS}; ${MAX_EXTENSION_MONTHS} when omitted.`,
    })
    months: number,
    @Ctx() context: RequestContext,
  ): Promise<SubjectRequest> {
    const access = accessOf(context);
    const why = statedText(reason, "reason", TEXT_MAX);
    if (!Number.isInteger(months) || months < 1 || months > MAX_EXTENSION_MONTHS) {
      throw invalidInput("months", `must be 1 to ${MAX_EXTENSION_MONTHS} (GDPR Art. 12(3))`);
    }
    const row = await changeRequest(context, "extendSubjectRequest", requestId, "EXTEND", (request) => ({
      extendedDueAt: extendedDeadline(request.receivedAt, months, access.policy.timeZone).endsAt,
      extensionReason: why,
      extendedAt: access.now,
      extendedBy: context.client.name,
    }));
    return guardRequest(access, row.request);
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.HANDLE_REQUESTS)
  @Mutation(() => SubjectRequestOutcome, {
    description:
      "Completes the request. Access, portability and erasure requests need the identity verified first. A rectification request is completed with its corrections, applied and validated like `updateSubject` (needs MANAGE_SUBJECTS too), and answers with the recipients that received the corrected categories, to be told (GDPR Art. 19). Needs HANDLE_REQUESTS.",
  })
  async completeSubjectRequest(
    @Arg("requestId", () => ID, { description: "The request's id." }) requestId: string,
    @Arg("rectification", () => RectificationInput, {
      nullable: true,
      description: "For a RECTIFICATION request, and only for one: the corrected values.",
    })
    rectification: RectificationInput | null,
    @Ctx() context: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<SubjectRequestOutcome> {
    const access = accessOf(context);
    let recipients: Recipient[] = [];
    const changed = await changeRequest(
      context,
      "completeSubjectRequest",
      requestId,
      "COMPLETE",
      () => ({ status: SubjectRequestStatus.COMPLETED, closedAt: access.now, closedBy: context.client.name }),
      async (manager, request, log) => {
        if (request.kind === SubjectRequestKind.ERASURE) {
          throw apiError("CONFLICT", `Request ${requestId} is an ERASURE request: it is answered, and completed, by eraseSubject`, {
            reason: "ANSWERED_BY_ERASURE",
          });
        }
        const isRectification = request.kind === SubjectRequestKind.RECTIFICATION;
        if (isRectification !== Boolean(rectification)) {
          throw isRectification
            ? badUserInput("Invalid input: a RECTIFICATION request is completed with its corrections (`rectification`)", {
                fields: [{ field: "rectification", message: "is required for a RECTIFICATION request" }],
              })
            : invalidInput("rectification", `applies only to a RECTIFICATION request; this one is ${request.kind}`);
        }
        if (!rectification) return;
        const corrected = categoriesWrittenBy(info, { rectification });
        const before = await accessEventsOfSubject(manager, request.subjectId);
        const write = await updateSubjectFields(manager, request.subjectId, { ...rectification.corrections });
        if (!write) throw notFound(`No subject with id ${request.subjectId}`);
        if (write.changed) log.wrote(request.subjectId, corrected);
        recipients = recipientsToNotify(before, corrected);
      },
    );
    access.forget(changed.request.subjectId);
    const guard = await access.guardOf(changed.request.subjectId);
    return {
      request: await guardRequest(access, changed.request),
      recipientsToNotify: recipients.map((recipient) => guardedObject(RecipientToNotify, recipient, guard)),
    };
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.HANDLE_REQUESTS)
  @Mutation(() => SubjectRequest, {
    description:
      "Refuses the request, with the reason the person is told, and their right to complain to the supervisory authority (GDPR Art. 12(4)). Needs HANDLE_REQUESTS.",
  })
  async refuseSubjectRequest(
    @Arg("requestId", () => ID, { description: "The request's id." }) requestId: string,
    @Arg("reason", { description: `Why the controller does not act on it (1–${TEXT_MAX} characters).` }) reason: string,
    @Ctx() context: RequestContext,
  ): Promise<SubjectRequest> {
    const access = accessOf(context);
    const why = statedText(reason, "reason", TEXT_MAX);
    const row = await changeRequest(context, "refuseSubjectRequest", requestId, "REFUSE", () => ({
      status: SubjectRequestStatus.REFUSED,
      refusalReason: why,
      closedAt: access.now,
      closedBy: context.client.name,
    }));
    return guardRequest(access, row.request);
  }
}

/**
 * One change to a request, in one transaction with its change event: the row is locked, the pure
 * rules decide on it as it stands (a refusal is CONFLICT: the request is not in a state that allows
 * it), `alsoDo` does what the change entails (a rectification's corrections), then the row is updated.
 */
async function changeRequest(
  context: RequestContext,
  operation: string,
  requestId: string,
  transition: RequestTransition,
  change: (request: SubjectRequestRow) => SubjectRequestChange,
  alsoDo?: (manager: EntityManager, request: SubjectRequestRow, log: ChangeLog) => Promise<void>,
): Promise<{ request: SubjectRequestRow }> {
  const access = accessOf(context);
  const id = requestIdArgument(requestId);
  return auditedWrite(context, operation, async (manager, log) => {
    const request = await lockSubjectRequest(manager, id);
    if (!request) throw notFound(`No subject request with id ${requestId}`);
    const refusal = transitionRefusal(request, transition, access.now);
    if (refusal !== undefined) throw apiError("CONFLICT", `Request ${requestId} cannot be changed so: ${refusal}`, { transition });
    await alsoDo?.(manager, request, log);
    const updated = await updateSubjectRequest(manager, id, change(request));
    log.wrote(request.subjectId, [FACT_CATEGORIES.privacyPreferences]);
    return { request: updated };
  });
}

async function guardRequest(access: DeclaredAccess, row: SubjectRequestRow): Promise<SubjectRequest> {
  return guardedObject(SubjectRequest, subjectRequestValues(row, access.now, access.policy.timeZone), await access.guardOf(row.subjectId));
}
