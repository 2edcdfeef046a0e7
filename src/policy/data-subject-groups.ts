import { LegalBasisCode, RetentionTrigger } from "../domain/policy-terms";
import type { PolicyPurpose } from "./policy-document";

/**
 * Whose data a processing activity concerns (GDPR Art. 30(1)(c)), decided from what its purpose
 * serves. One rule, which the records of processing put in words and the fideslang export in
 * fideslang's data subjects.
 */
export enum DataSubjectGroup {
  /** Anyone who exercises their rights: customers, former customers, people who only asked. */
  REQUESTERS = "REQUESTERS",
  /** Former customers whose records the law requires to keep, and people under a legal hold. */
  FORMER_CUSTOMERS = "FORMER_CUSTOMERS",
  /** People who sent a question, customers or not. */
  ENQUIRERS = "ENQUIRERS",
  CONSENTING_CUSTOMERS = "CONSENTING_CUSTOMERS",
  CUSTOMERS = "CUSTOMERS",
}

/** The group `purpose` concerns; `keepsRecords` when it reads only the archive (CompiledPolicy.readsArchiveOnly). */
export function dataSubjectGroupOf(purpose: PolicyPurpose, keepsRecords: boolean): DataSubjectGroup {
  if (purpose.answersRequests) return DataSubjectGroup.REQUESTERS;
  if (keepsRecords) return DataSubjectGroup.FORMER_CUSTOMERS;
  if (purpose.retention.trigger === RetentionTrigger.INQUIRY_CLOSED) return DataSubjectGroup.ENQUIRERS;
  if (purpose.legalBasis === LegalBasisCode.CONSENT) return DataSubjectGroup.CONSENTING_CUSTOMERS;
  return DataSubjectGroup.CUSTOMERS;
}
