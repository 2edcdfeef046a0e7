import { objectionCovers, type ObjectionFact } from "../policy/engine/objections";
import type { DeclaredAccess } from "./arguments";
import { conflict } from "../errors";

/** What a consent needs besides a consent-based purpose, checked by `giveConsent` before anything is written. */

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
