/**
 * The six personal fields each case reads, the same for every server. A contract purpose
 * (essential.service) grants name, contact, date of birth and country; the consent purpose
 * (marketing.advertising) grants name, e-mail, date of birth, country, registration and device — no
 * phone or postal address — so its six differ in two. Columns marked encrypted are sealed at rest
 * (src/persistence/field-encryption.ts): PurposeQL decrypts them, PostGraphile and the floor answer
 * the stored envelopes as they are.
 */
export interface PersonalField {
  /** The GraphQL field of PurposeQL's DataSubject, and PostGraphile's name for the column (camelCase). */
  readonly field: string;
  readonly column: string;
  readonly encrypted: boolean;
}

export const CONTRACT_PURPOSE = "essential.service";
export const CONSENT_PURPOSE = "marketing.advertising";
/** What the PARTNER declares: it grants country and device software, never name or contact data. */
export const REFUSED_PURPOSE = "analytics.reporting";
/** The processor of the policy's register the PARTNER acts for (policy/clubmium.policy.yaml). */
export const PARTNER_PROCESSOR = "Example Hosting SIA";

export const CONTRACT_FIELDS: readonly PersonalField[] = [
  { field: "fullName", column: "full_name", encrypted: false },
  { field: "email", column: "email", encrypted: true },
  { field: "phone", column: "phone", encrypted: true },
  { field: "postalAddress", column: "postal_address", encrypted: true },
  { field: "dateOfBirth", column: "date_of_birth", encrypted: true },
  { field: "country", column: "country", encrypted: false },
];

export const CONSENT_FIELDS: readonly PersonalField[] = [
  { field: "fullName", column: "full_name", encrypted: false },
  { field: "email", column: "email", encrypted: true },
  { field: "dateOfBirth", column: "date_of_birth", encrypted: true },
  { field: "country", column: "country", encrypted: false },
  { field: "ipAddress", column: "ip_address", encrypted: true },
  { field: "browser", column: "browser", encrypted: false },
];

export const PAGE_SIZE = 100;

/** `full_name AS "fullName", …`: the floor answers the same keys as the GraphQL servers. */
export function selectList(fields: readonly PersonalField[]): string {
  return fields.map(({ field, column }) => `${column} AS "${field}"`).join(", ");
}

export function selection(fields: readonly PersonalField[]): string {
  return fields.map(({ field }) => field).join(" ");
}
