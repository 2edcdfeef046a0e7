import { needsParentalConsent } from "../policy/engine/consent-age";
import { objectionCovers, type ObjectionFact } from "../policy/engine/objections";
import { dayIn } from "../policy/engine/request-deadlines";
import type { DeclaredAccess } from "./arguments";
import { badUserInput, conflict } from "../errors";

/**
 * What a consent needs besides a consent-based purpose, checked by `giveConsent` and by
 * `createSubject` with a registration consent before anything is written.
 */

/**
 * No objection that stands covers the purpose (an objection to direct marketing is absolute, GDPR
 * Art. 21(3)): recording a consent under it would contradict what the subject asked for. CONFLICT,
 * reason OBJECTED. "Stands" is the recorded state — not lifted — rather than the request's clock:
 * an objection committed by a request that started a moment after this one still stands.
 */
export function refuseConsentUnderObjection(access: DeclaredAccess, purposeKey: string, objections: readonly ObjectionFact[]): void {
  const objection = objections.find((o) => o.liftedAt === null && objectionCovers(access.policy, purposeKey, o.purposeKey));
  if (!objection) return;
  throw conflict(
    `Consent to ${purposeKey} cannot be recorded: the subject objected to ${objection.purposeKey} (GDPR Art. 21), and the objection stands. Nothing was written.`,
    { reason: "OBJECTED", purpose: purposeKey, objectedPurpose: objection.purposeKey },
  );
}

/**
 * A subject below the age of digital consent (GDPR Art. 8(1)), by date of birth on the controller's
 * calendar at the server's clock, consents only through the holder of parental responsibility: the
 * consent must carry a parental-consent reference. A subject with no date of birth is not checked
 * (nothing to count from). BAD_USER_INPUT naming `field`, reason PARENTAL_CONSENT_REQUIRED.
 */
export function requireParentalConsentIfChild(
  access: DeclaredAccess,
  dateOfBirth: string | null | undefined,
  parentalConsentReference: string | null | undefined,
  field: string,
): void {
  const policy = access.policy;
  if (!needsParentalConsent(policy, dateOfBirth, access.now) || (parentalConsentReference ?? "").trim() !== "") return;
  const problem = "must give the reference of the consent given or authorised by the holder of parental responsibility";
  throw badUserInput(
    `Invalid input: the subject is under ${policy.ageOfDigitalConsent}, the age of digital consent (GDPR Art. 8(1)), on ${dayIn(access.now, policy.timeZone)} (${policy.timeZone}): ` +
      `${field} ${problem}. Nothing was written.`,
    { fields: [{ field, message: problem }], reason: "PARENTAL_CONSENT_REQUIRED", ageOfDigitalConsent: policy.ageOfDigitalConsent },
  );
}
