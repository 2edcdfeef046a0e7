import { isDirectMarketing } from "./direct-marketing";
import type { CompiledPolicy } from "./engine/compiled-policy";
import { isUnder } from "./keys";

/** The invariant the Clubmium notice promises: personal content is never used for advertising. */
export const PERSONAL_CONTENT_ROOT = "user.content";

/** A key reaches another when either lies under the other: a grant on `user` covers `user.content`, a grant on `user.content.private` lies within it. */
function reaches(a: string, b: string): boolean {
  return isUnder(a, b) || isUnder(b, a);
}

/** Whether the purpose shows ads: flagged so (`showsAds`), or itself or a purpose above it direct marketing, or flagged. */
export function showsAds(policy: CompiledPolicy, purposeKey: string): boolean {
  return isDirectMarketing(purposeKey) || policy.lineageOf(purposeKey).some((key) => policy.purpose(key)?.showsAds === true);
}

/**
 * Why purpose `purposeKey` may not hold a grant reaching `categoryKey` (its own, or inherited), or
 * undefined when it may. The one implementation of the policy's grant invariants, used by the policy
 * loader (and so by `npm run policy:lint`) and by `grantCategory` at run time. Rules, in order:
 *  1. `no-ads-on-personal-content`: a purpose that shows ads never reaches personal content (the
 *     notice: "we do not use your e-mail, chat data, files or other personal content to show you ads");
 *  2. `never-grants`: no grant reaches what the purpose, or one above it, declares it never reads;
 *  3. `special-category-condition`: a grant reaching a special category (GDPR Art. 9) needs the
 *     purpose, or one above it, to name its Art. 9(2) condition.
 * Pure.
 */
export function grantViolation(
  policy: CompiledPolicy,
  purposeKey: string,
  categoryKey: string,
): { rule: string; message: string } | undefined {
  if (showsAds(policy, purposeKey) && reaches(categoryKey, PERSONAL_CONTENT_ROOT)) {
    return {
      rule: "no-ads-on-personal-content",
      message: `${purposeKey} may not be granted ${categoryKey}: it shows ads, and no purpose that shows ads may read personal content (${PERSONAL_CONTENT_ROOT}: messages, chat, files)`,
    };
  }
  const lineage = policy.lineageOf(purposeKey);
  for (const key of lineage) {
    const never = policy.purpose(key)?.neverGrants.find((forbidden) => reaches(categoryKey, forbidden));
    if (never !== undefined) {
      return {
        rule: "never-grants",
        message: `${purposeKey} may not be granted ${categoryKey}: ${key === purposeKey ? "it declares" : `${key}, above it, declares`} that it never reads ${never}`,
      };
    }
  }
  const special = policy.categories.find((category) => category.special && reaches(categoryKey, category.key));
  if (special && !lineage.some((key) => policy.purpose(key)?.article9Condition)) {
    return {
      rule: "special-category-condition",
      message: `${purposeKey} may not be granted ${categoryKey}: it reaches ${special.key}, a special category (GDPR Art. 9), and the purpose names no Art. 9(2) condition (article9Condition)`,
    };
  }
  return undefined;
}
