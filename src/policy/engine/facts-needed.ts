import { LegalBasisCode, RetentionTrigger } from "../../domain/policy-terms";
import { isArchivePurpose, type CompiledPolicy } from "./compiled-policy";
import { objectionApplies } from "./objections";

/**
 * Which facts kept outside a subject's row `lawfulness` reads for a purpose. A request loads only
 * these, in the same statement as the rows: a contract purpose reads no consent, a purpose nobody
 * may object to no objection. A property test (test/engine.test.ts, "leaving out the facts") holds the engine to it:
 * for every purpose and subject, leaving out what is not needed changes no decision.
 */
export interface FactsNeeded {
  /** The consents to the purpose's lineage: its basis is consent, or its retention counts from a withdrawal. */
  readonly consents: boolean;
  /** Objections: only a purpose the subject may object to is stopped by one (`objectionApplies`). */
  readonly objections: boolean;
  /** Inquiries: only a purpose counted from an inquiry's close looks at them. */
  readonly inquiries: boolean;
  /** The archive's categories and values and the legal holds: only a purpose that reads the archive. */
  readonly archive: boolean;
}

export const EVERY_FACT: FactsNeeded = { consents: true, objections: true, inquiries: true, archive: true };

export function factsNeededBy(policy: CompiledPolicy, purposeKey: string): FactsNeeded {
  const purpose = policy.purpose(purposeKey);
  if (!purpose) return EVERY_FACT;
  const archive = isArchivePurpose(purpose);
  return {
    consents: purpose.legalBasis === LegalBasisCode.CONSENT || purpose.retention.trigger === RetentionTrigger.CONSENT_WITHDRAWN,
    objections: !archive && objectionApplies(purpose),
    inquiries: purpose.retention.trigger === RetentionTrigger.INQUIRY_CLOSED,
    archive,
  };
}
