import { CompiledPolicy } from "./engine/compiled-policy";
import { nearestDeclaredAncestor, parentKeyOf } from "./keys";
import type { PolicyDocument } from "./policy-document";

/** Compiles a policy document straight from the file, as the database would hold it. Pure. */
export function compileDocument(document: PolicyDocument, version = 0): CompiledPolicy {
  const declared = new Set(document.purposes.map((purpose) => purpose.key));
  return new CompiledPolicy(
    version,
    document.categories.map((category) => ({ key: category.key, parentKey: parentKeyOf(category.key), special: category.special })),
    document.purposes.map((purpose) => ({
      key: purpose.key,
      parentKey: nearestDeclaredAncestor(purpose.key, declared),
      legalBasis: purpose.legalBasis,
      allowedUnderRestriction: purpose.allowedUnderRestriction,
      consentAtRegistration: purpose.consentAtRegistration,
      legalReference: purpose.legalReference ?? null,
      answersRequests: purpose.answersRequests,
      neverGrants: purpose.neverGrants,
      showsAds: purpose.showsAds,
      article9Condition: purpose.article9Condition ?? null,
      retention: purpose.retention,
      grants: purpose.grants,
    })),
    document.organisation.noticeVersion,
    document.organisation,
    document.processors.map((processor) => ({ name: processor.name, purposes: processor.purposes, categories: processor.categories })),
  );
}
