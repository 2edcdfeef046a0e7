import { LegalBasisCode, RightToObject, SubjectRequestKind } from "../../domain/policy-terms";
import { isDirectMarketing } from "../direct-marketing";
import type { CompiledPolicy, PurposeRule } from "./compiled-policy";
import { requestActRefusal, type RequestActRefusal, type RequestFacts } from "./subject-request-rules";

/**
 * The right to object (GDPR Art. 21), as rules over the compiled policy. Pure.
 *
 * An objection has legal effect on a purpose based on legitimate interests or a public task (Art.
 * 21(1)) and on any purpose that is direct marketing, whatever its basis (Art. 21(2)). It has none
 * on a purpose the subject cannot object to (a contract, a legal obligation, vital interests, or a
 * consent outside marketing, which is withdrawn instead): an objection to an ancestor does not stop
 * such a sub-purpose. The API records objections only where they apply, and the engine, the SQL list
 * filter and `giveConsent` all ask this module, so the three cannot disagree.
 */

/** A recorded objection, as the engine sees it. */
export interface ObjectionFact {
  readonly purposeKey: string;
  readonly objectedAt: Date;
  readonly liftedAt: Date | null;
}

const OBJECTIONABLE_BASES: ReadonlySet<LegalBasisCode> = new Set([LegalBasisCode.LEGITIMATE_INTERESTS, LegalBasisCode.PUBLIC_TASK]);

/**
 * The subject's right to object to the purpose. Direct marketing first: it must stop on objection,
 * whatever its basis, and no compelling grounds can lift that (Art. 21(3)); only the subject can, by
 * their own request. Otherwise legitimate interests and a public task, liftable on compelling
 * legitimate grounds (Art. 21(1)).
 */
export function rightToObject(purpose: PurposeRule): RightToObject {
  if (isDirectMarketing(purpose.key)) return RightToObject.ABSOLUTE;
  return OBJECTIONABLE_BASES.has(purpose.legalBasis) ? RightToObject.LIFTABLE : RightToObject.NONE;
}

/** Whether the subject may object to the purpose, and the objection stops it (Art. 21(1) and (2)). */
export function objectionApplies(purpose: PurposeRule): boolean {
  return rightToObject(purpose) !== RightToObject.NONE;
}

/**
 * The purposes whose consents an objection to `purposeKey` withdraws, in the transaction that records
 * it: for direct marketing, the purpose and its sub-purposes (all direct marketing too), since their
 * data "shall no longer be processed for such purposes" (Art. 21(3)); none otherwise.
 */
export function consentsEndedByObjection(policy: CompiledPolicy, purposeKey: string): readonly string[] {
  const purpose = policy.purpose(purposeKey);
  return purpose && rightToObject(purpose) === RightToObject.ABSOLUTE ? policy.purposeAndDescendants(purposeKey) : [];
}

/** Whether the objection is open at `now`: recorded at or before it and not lifted by then. */
export function isOpenObjection(objection: ObjectionFact, now: Date): boolean {
  return objection.objectedAt <= now && (objection.liftedAt === null || objection.liftedAt > now);
}

/**
 * Whether an objection to `objectedKey` concerns `purposeKey`: the objection applies to the purpose,
 * and is to the purpose itself or to an ancestor (an objection covers the sub-purposes).
 */
export function objectionCovers(policy: CompiledPolicy, purposeKey: string, objectedKey: string): boolean {
  const purpose = policy.purpose(purposeKey);
  return purpose !== undefined && objectionApplies(purpose) && policy.lineageOf(purposeKey).includes(objectedKey);
}

/** The subject's objection that stops `purposeKey` at `now`, if any: open then, and covering the purpose. */
export function stoppingObjection<T extends ObjectionFact>(
  policy: CompiledPolicy,
  purposeKey: string,
  objections: readonly T[],
  now: Date,
): T | undefined {
  return objections.find((objection) => isOpenObjection(objection, now) && objectionCovers(policy, purposeKey, objection.purposeKey));
}

/**
 * Why the subject's request may not lift their objection to direct marketing, or undefined when it
 * may. An absolute objection (Art. 21(3)) yields to no compelling grounds; only the subject can lift
 * it, so the lift acts on their own OBJECTION request, open, with their identity verified
 * (`requestActRefusal`). That the request is this subject's is the caller's to check, by id.
 */
export function absoluteObjectionLiftRefusal(request: Pick<RequestFacts, "kind" | "status">): RequestActRefusal | undefined {
  return requestActRefusal(request, SubjectRequestKind.OBJECTION, {
    act: "lifting an objection to direct marketing",
    whyVerified: "only the person themself may lift it",
  });
}
