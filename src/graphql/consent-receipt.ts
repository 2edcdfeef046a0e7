import type { NewConsent } from "../persistence/consent-repository";
import { accessOf } from "./arguments";
import { recorderOf } from "./roles";
import type { RequestContext } from "./context";
import { apiError } from "../errors";

/**
 * The receipt of a consent about to be recorded for `purposeKey`: who records it, in which request,
 * under which policy and notice versions, and its scope — every category the purpose may read now.
 */
export function consentReceipt(
  context: RequestContext,
  purposeKey: string,
): Pick<NewConsent, "purposeKey" | "scope" | "policyVersion" | "noticeVersion" | "recordedAt" | "recorder"> {
  const access = accessOf(context);
  const noticeVersion = access.policy.noticeVersion;
  if (noticeVersion === null) {
    throw apiError(
      "CONFLICT",
      "The policy in force names no notice version, so no consent can be recorded under it: load the policy file again (npm run seed).",
    );
  }
  return {
    purposeKey,
    scope: access.policy.readableCategories(purposeKey),
    policyVersion: access.policy.version,
    noticeVersion,
    recordedAt: access.now,
    recorder: recorderOf(context),
  };
}
