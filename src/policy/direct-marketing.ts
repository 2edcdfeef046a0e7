import { isUnder } from "./keys";

/**
 * Direct marketing, defined once: a purpose is direct marketing when its key lies under
 * `marketing` (fideslang's root for advertising and marketing communications).
 *
 * Why the key rather than a flag in the policy file: a purpose cannot be declared under
 * `marketing` and forget to be treated as direct marketing — the subject's absolute right to object
 * (GDPR Art. 21(2)–(3)) cannot be switched off by omission. The same key also counts as showing ads
 * for the rule against ads on personal content (grant-rules.ts, beside the `showsAds` flag). Every purpose here processes the data of an identified subject, so marketing
 * under it is marketing directed at that person.
 */
export const MARKETING_PURPOSE_ROOT = "marketing";

export function isDirectMarketing(purposeKey: string): boolean {
  return isUnder(purposeKey, MARKETING_PURPOSE_ROOT);
}
