import type { AuthenticatedClient } from "../auth/authenticate";
import type { CompiledPolicy } from "../policy/engine/compiled-policy";
import { contractCovers, purposeRefusal } from "../policy/engine/recipient-rules";
import { personalFieldsByType } from "./personal-data";
import type { FieldPurposeRule, PersonalFieldRules, PrivacyManifest, Viewer } from "./types/partner.types";

/**
 * The manifest is a function of the compiled policy alone (the fields are fixed at build time), so
 * it is computed once per policy version: a grant or revocation compiles a new policy, and with it
 * a new manifest, exactly when enforcement changes.
 */
const manifests = new WeakMap<CompiledPolicy, PrivacyManifest>();

/**
 * Every personal field × every purpose of the policy, decided by `policy.grants` — the very lookup
 * the check before execution makes — so what the manifest says and what is enforced cannot drift.
 * All purposes are listed, not only the caller's: the policy is public already (`purposes`), and a
 * partner planning a new integration needs to see what another purpose would allow.
 */
export function privacyManifestOf(policy: CompiledPolicy): PrivacyManifest {
  const cached = manifests.get(policy);
  if (cached) return cached;
  const purposeKeys = policy.purposeKeys().sort();
  const fields: PersonalFieldRules[] = [];
  for (const [typeName, categoryByField] of personalFieldsByType()) {
    for (const [fieldName, category] of categoryByField) {
      fields.push({
        field: `${typeName}.${fieldName}`,
        category,
        purposes: purposeKeys.map((purposeKey) => fieldPurposeRule(policy, purposeKey, category)),
      });
    }
  }
  fields.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  const manifest: PrivacyManifest = { policyVersion: policy.version, fields };
  manifests.set(policy, manifest);
  return manifest;
}

function fieldPurposeRule(policy: CompiledPolicy, purposeKey: string, category: string): FieldPurposeRule {
  const purpose = policy.purpose(purposeKey);
  if (!purpose || !policy.grants(purposeKey, category)) return { purpose: purposeKey, readable: false, legalBasis: null, retention: null };
  const { trigger, days, action } = purpose.retention;
  return { purpose: purposeKey, readable: true, legalBasis: purpose.legalBasis, retention: { trigger, days, action } };
}

/**
 * The calling client as it is authenticated for this request, and what each of its purposes may
 * read now — as the recipient it is: a processor's client reads only what its contract covers.
 */
export function viewerOf(client: AuthenticatedClient, policy: CompiledPolicy): Viewer {
  const covered = (category: string): boolean => contractCovers(policy, client, category);
  return {
    clientName: client.name,
    role: client.role,
    capabilities: [...client.capabilities].sort(),
    processor: client.processorName,
    recipientType: client.recipientType,
    purposes: [...client.purposes].sort().flatMap((key) => {
      const purpose = policy.purpose(key);
      // A purpose the policy no longer has, or one it may not declare as the recipient it is, is refused: it is not listed.
      if (!purpose || purposeRefusal(policy, client, key)) return [];
      return [{ key, legalBasis: purpose.legalBasis, readableCategories: policy.readableCategories(key).filter(covered) }];
    }),
  };
}
