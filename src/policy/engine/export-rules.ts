import { SubjectRequestKind, SubjectRequestStatus } from "../../domain/policy-terms";
import { isOpen, type RequestFacts } from "./subject-request-rules";

/** Why an export is not produced for a request. */
export type ExportRefusalReason = "WRONG_KIND" | "REQUEST_CLOSED" | "IDENTITY_NOT_VERIFIED";

export interface ExportRefusal {
  readonly reason: ExportRefusalReason;
  /** WRONG_KIND names a request that is not the caller's to export this way (their input); the others are the request's state. */
  readonly code: "BAD_USER_INPUT" | "CONFLICT";
  readonly message: string;
}

/**
 * Why the export of `kind` may not be produced for `request`, or undefined when it may. Rules, in order:
 *  1. the request is of that kind: an access export answers an ACCESS request (Art. 15), a
 *     portability export a PORTABILITY request (Art. 20), and nothing else;
 *  2. it is open: a completed request was answered, a refused one is not to be answered;
 *  3. the person's identity is verified: the export discloses everything held about them, and
 *     handing it to someone else would be a breach (Art. 12(6), recital 64).
 * Pure.
 */
export function exportRefusal(request: Pick<RequestFacts, "kind" | "status">, kind: SubjectRequestKind): ExportRefusal | undefined {
  if (request.kind !== kind) {
    return {
      reason: "WRONG_KIND",
      code: "BAD_USER_INPUT",
      message: `this export answers a ${kind} request, and this request is ${request.kind}`,
    };
  }
  if (!isOpen(request)) {
    return {
      reason: "REQUEST_CLOSED",
      code: "CONFLICT",
      message: `the request is ${request.status.toLowerCase()}: a closed request is not answered again (open a new one)`,
    };
  }
  if (request.status !== SubjectRequestStatus.IDENTITY_VERIFIED) {
    return {
      reason: "IDENTITY_NOT_VERIFIED",
      code: "CONFLICT",
      message: "verify the person's identity first (verifySubjectIdentity): the export discloses all their data (GDPR Art. 12(6))",
    };
  }
  return undefined;
}
