import { forbidden } from "../errors";
import type { DeclaredAccess } from "./arguments";

/**
 * Refuses, before anything is read or changed, a request that answers a person (an export, an
 * erasure) under a purpose that does not answer data subjects' requests: the answer is the
 * controller's legal obligation to the person (GDPR Art. 6(1)(c), 12), so declaring advertising, say,
 * would audit a complete copy of someone's data as released for advertising — and the record-keeping
 * purpose reads only the archive.
 */
export function requireRequestAnsweringPurpose(access: DeclaredAccess, what: string): void {
  const purpose = access.policy.purpose(access.purposeKey);
  if (purpose?.answersRequests) return;
  const answering = access.policy
    .purposeKeys()
    .filter((key) => access.policy.purpose(key)?.answersRequests)
    .join(", ");
  throw forbidden(
    `${what} answers the controller's legal obligation to the person (GDPR Art. 6(1)(c), 12): declare a purpose that answers data subjects' requests (${answering || "the policy has none"}); ${access.purposeKey} does not.`,
    { purpose: access.purposeKey, requiredPurpose: "answersRequests" },
  );
}
