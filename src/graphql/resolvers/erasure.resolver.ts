import { Arg, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { DateTimeResolver } from "graphql-scalars";
import { Capability } from "../../domain/capabilities";
import type { ErasureReceipt as StoredReceipt } from "../../domain/erasure-receipt";
import { LegalBasisCode, SubjectRequestKind, SubjectRequestStatus } from "../../domain/policy-terms";
import { apiError, forbidden, invalidInput, notFound } from "../../errors";
import type { LegalHoldRow } from "../../persistence/entities";
import { insertLegalHold, lockLegalHold, releaseHold } from "../../persistence/legal-hold-repository";
import { lockSubjectRequest, updateSubjectRequest } from "../../persistence/subject-request-repository";
import { lockSubject } from "../../persistence/subject-repository";
import { requestActRefusal } from "../../policy/engine/subject-request-rules";
import { eraseSubjectData } from "../../retention/erasure";
import { accessOf, legalHoldIdArgument, requestIdArgument, statedText, subjectIdArgument, type DeclaredAccess } from "../arguments";
import { auditedWrite } from "../audited-write";
import type { RequestContext } from "../context";
import { RequiresCapability } from "../personal-data";
import { requireRequestAnsweringPurpose } from "../request-answering";
import { TouchesPersonalData } from "../touches-personal-data";
import { ErasureReceipt, LegalHold } from "../types/erasure.types";

/** The audit operation of handing out an erasure's receipt (which names the erased categories and their recipients). */
export const ERASURE_RECEIPT_OPERATION = "erasureReceipt";

const REFERENCE_MAX = 500;

@Resolver()
export class ErasureResolver {
  @TouchesPersonalData()
  @RequiresCapability(Capability.ERASE)
  @Mutation(() => ErasureReceipt, {
    description:
      "Erases the subject of a verified, open ERASURE request (GDPR Art. 17) and completes the request: the service ends, open consents are withdrawn, and every category is deleted unless a legal obligation (Art. 17(3)(b)) or an open legal hold (Art. 17(3)(e)) must keep it — those are archived, out of live processing. Answers with the receipt: what was erased, what was kept, why and until when, and whom to tell (Art. 19). Erasing again answers with the same receipt and changes nothing. Declare a purpose that answers requests. Needs ERASE.",
  })
  async eraseSubject(
    @Arg("requestId", () => ID, { description: "The ERASURE request." }) requestId: string,
    @Ctx() context: RequestContext,
  ): Promise<ErasureReceipt> {
    const access = accessOf(context);
    requireRequestAnsweringPurpose(access, "An erasure");
    const id = requestIdArgument(requestId);
    const receipt = await auditedWrite(context, "eraseSubject", async (manager, log) => {
      const request = await lockSubjectRequest(manager, id);
      if (!request) throw notFound(`No subject request with id ${requestId}`);
      // Repeating an erasure is harmless: the completed request answers with what the erasure did.
      if (request.kind === SubjectRequestKind.ERASURE && request.status === SubjectRequestStatus.COMPLETED && request.erasureReceipt) {
        return request.erasureReceipt;
      }
      const refusal = requestActRefusal(request, SubjectRequestKind.ERASURE, {
        act: "an erasure",
        whyVerified: "erasing the wrong person's data cannot be undone",
      });
      if (refusal) {
        throw apiError(refusal.code, `Request ${requestId} cannot be answered by an erasure: ${refusal.message}.`, {
          reason: refusal.reason,
          ...(refusal.code === "BAD_USER_INPUT" ? { fields: [{ field: "requestId", message: refusal.message }] } : {}),
        });
      }
      const erasure = await eraseSubjectData(
        manager,
        access.policy,
        context.app.policy.snapshot.processors,
        request.subjectId,
        { id: request.id, clientName: context.client.name },
        access.now,
      );
      if (!erasure) throw notFound(`The subject of request ${requestId} no longer exists`);
      await updateSubjectRequest(manager, request.id, {
        status: SubjectRequestStatus.COMPLETED,
        closedAt: access.now,
        closedBy: context.client.name,
        erasureReceipt: erasure.receipt,
      });
      log.wrote(request.subjectId, [...erasure.written, "user.privacy_preferences"]);
      return erasure.receipt;
    });
    access.forget(receipt.subjectId);
    access.recorder.exported(receipt.subjectId, ERASURE_RECEIPT_OPERATION, ["user.privacy_preferences"]);
    return receiptValues(receipt);
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.ERASE)
  @Mutation(() => LegalHold, {
    description:
      "Opens a legal hold (GDPR Art. 17(3)(e)) on categories of a subject until `until`: while it is open, what it covers is archived rather than deleted by retention or erased, and the record-keeping purpose may read it. Declare a legal-obligation purpose. Needs ERASE.",
  })
  async openLegalHold(
    @Arg("subjectId", () => ID, { description: "The subject whose data the hold covers." }) subjectId: string,
    @Arg("categories", () => [String], { description: "Category keys; a key covers its sub-categories." }) categories: string[],
    @Arg("reference", { description: `The case or proceedings (1–${REFERENCE_MAX} characters).` }) reference: string,
    @Arg("until", () => DateTimeResolver, { description: "When the hold ends of itself; in the future." }) until: Date,
    @Ctx() context: RequestContext,
  ): Promise<LegalHold> {
    const access = accessOf(context);
    requireLegalObligationPurpose(access);
    const id = subjectIdArgument(subjectId, "subjectId");
    const held = heldCategoriesArgument(access, categories);
    const stated = statedText(reference, "reference", REFERENCE_MAX);
    if (until.getTime() <= access.now.getTime()) throw invalidInput("until", "must lie in the future");
    const hold = await auditedWrite(context, "openLegalHold", async (manager, log) => {
      if (!(await lockSubject(manager, id))) throw notFound(`No subject with id ${subjectId}`);
      const opened = await insertLegalHold(manager, {
        subjectId: id,
        categories: held,
        reference: stated,
        until,
        openedBy: context.client.name,
        openedAt: access.now,
      });
      // A hold writes no value of the person's: the event records that it was opened.
      log.wrote(id, []);
      return opened;
    });
    access.forget(id);
    return holdValues(hold);
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.ERASE)
  @Mutation(() => LegalHold, {
    description:
      "Releases a legal hold now: what it covered is deleted or purged by the next retention sweep unless another duty keeps it. Releasing twice keeps the first release. Needs ERASE.",
  })
  async releaseLegalHold(
    @Arg("id", () => ID, { description: "The legal hold's id." }) holdId: string,
    @Ctx() context: RequestContext,
  ): Promise<LegalHold> {
    const access = accessOf(context);
    requireLegalObligationPurpose(access);
    const id = legalHoldIdArgument(holdId, "id");
    const hold = await auditedWrite(context, "releaseLegalHold", async (manager, log) => {
      const found = await lockLegalHold(manager, id);
      if (!found) throw notFound(`No legal hold with id ${holdId}`);
      if (found.releasedAt !== null) return found;
      log.wrote(found.subjectId, []);
      return releaseHold(manager, id, context.client.name, access.now);
    });
    access.forget(hold.subjectId);
    return holdValues(hold);
  }
}

/** A hold serves a legal duty, so it is opened or released under a legal-obligation purpose. */
function requireLegalObligationPurpose(access: DeclaredAccess): void {
  if (access.policy.purpose(access.purposeKey)?.legalBasis === LegalBasisCode.LEGAL_OBLIGATION) return;
  throw forbidden(
    `A legal hold serves a legal duty (GDPR Art. 17(3)(e)): declare a LEGAL_OBLIGATION purpose; ${access.purposeKey} is not one.`,
    {
      purpose: access.purposeKey,
      requiredLegalBasis: LegalBasisCode.LEGAL_OBLIGATION,
    },
  );
}

function heldCategoriesArgument(access: DeclaredAccess, categories: readonly string[]): string[] {
  const unique = [...new Set(categories)].sort();
  if (unique.length === 0) throw invalidInput("categories", "must name at least one category");
  const unknown = unique.filter((key) => !access.policy.hasCategory(key));
  if (unknown.length > 0) throw invalidInput("categories", `holds ${unknown.length} unknown category key(s)`);
  return unique;
}

function receiptValues(receipt: StoredReceipt): ErasureReceipt {
  return {
    ...receipt,
    erasedAt: new Date(receipt.erasedAt),
    erased: [...receipt.erased],
    kept: receipt.kept.map((kept) => ({ ...kept, until: kept.until === null ? null : new Date(kept.until) })),
    recipientsToNotify: receipt.recipientsToNotify.map((recipient) => ({
      clientName: recipient.clientName,
      recipientType: recipient.recipientType ?? null,
      processorName: recipient.processorName ?? null,
      categories: [...recipient.categories],
      lastReceivedAt: new Date(recipient.lastReceivedAt),
    })),
    processorsToNotify: receipt.processorsToNotify.map((processor) => ({ ...processor, categories: [...processor.categories] })),
  };
}

function holdValues(row: LegalHoldRow): LegalHold {
  return { ...row };
}
