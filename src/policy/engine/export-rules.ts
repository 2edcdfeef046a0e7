import type { SubjectRequestKind } from "../../domain/policy-terms";
import { requestActRefusal, type RequestActRefusal, type RequestActRefusalReason, type RequestFacts } from "./subject-request-rules";

/** Why an export is not produced for a request. */
export type ExportRefusalReason = RequestActRefusalReason;

export type ExportRefusal = RequestActRefusal;

/**
 * Why the export of `kind` may not be produced for `request`, or undefined when it may: the rules of
 * acting on a request's behalf (`requestActRefusal`) — an access export answers an ACCESS request
 * (Art. 15), a portability export a PORTABILITY request (Art. 20), and nothing else; the request is
 * open; the person's identity is verified, since the export discloses everything held about them.
 * Pure.
 */
export function exportRefusal(request: Pick<RequestFacts, "kind" | "status">, kind: SubjectRequestKind): ExportRefusal | undefined {
  return requestActRefusal(request, kind, { act: "this export", whyVerified: "the export discloses all their data" });
}
