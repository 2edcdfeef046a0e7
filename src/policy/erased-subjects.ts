import { FACT_CATEGORIES } from "../domain/fact-categories";

/**
 * What may still change about a subject whose data was erased or archived. The person may still
 * exercise their rights — ask, be answered, have an erasure repeated — and a legal hold may still
 * be opened or released; nothing else is written about them, least of all a value.
 */
const ANSWERING_OPERATIONS: ReadonlySet<string> = new Set([
  "openSubjectRequest",
  "verifySubjectIdentity",
  "extendSubjectRequest",
  "completeSubjectRequest",
  "refuseSubjectRequest",
]);
const ERASURE_OPERATIONS: ReadonlySet<string> = new Set(["eraseSubject", "openLegalHold", "releaseLegalHold"]);

/**
 * Why `operation` may not write `written` to a subject that was erased or archived, or undefined
 * when it may. Rules, in order: erasure and legal holds act on such subjects by design; answering a
 * request may write only the request's own record (`user.privacy_preferences`), so a rectification
 * cannot write a value back; anything else is refused. Pure.
 */
export function erasedSubjectWriteRefusal(operation: string, written: readonly string[]): string | undefined {
  if (ERASURE_OPERATIONS.has(operation)) return undefined;
  if (ANSWERING_OPERATIONS.has(operation) && written.every((category) => category === FACT_CATEGORIES.privacyPreferences)) return undefined;
  return `the subject's data was erased: ${operation} may not write to it (GDPR Art. 17)`;
}
