/**
 * What PurposeQL itself records about a person is personal data too: that her account is
 * restricted, when her contract ended, that she consented, withdrew or objected. These are the
 * categories of those facts; the policy file declares them and grants them like any other.
 * Keys sit under fideslang's `user.account` and `user.privacy_preferences`.
 */
export const FACT_CATEGORIES = {
  /** Whether processing is active, restricted (GDPR Art. 18) or the data erased. */
  accountStatus: "user.account.status",
  /** When the service relationship (the contract) began and ended. */
  serviceRelationship: "user.account.service_relationship",
  /** The subject's consents, withdrawals and objections, with their receipts. */
  privacyPreferences: "user.privacy_preferences",
} as const;
