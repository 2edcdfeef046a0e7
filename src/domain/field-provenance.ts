import { FACT_CATEGORIES } from "./fact-categories";

/**
 * Where a stored value came from (GDPR Art. 15(1)(g)), in the terms of the Article 29 Working
 * Party's guidelines on the right to data portability (WP242 rev.01, endorsed by the EDPB), which
 * decide what portability covers (Art. 20):
 *  - PROVIDED: the person gave it, actively and knowingly (a form, a correction they asked for);
 *  - OBSERVED: the person's use of the service produced it, here the registration form's record of
 *    their consent, IP address and software (the guidelines count it as "provided by" the person);
 *  - RECORDED: the controller's own systems (a client application or this server) created it about
 *    the relationship: status, service dates, record times. Neither provided nor observed, so not
 *    portable.
 */
export enum Provenance {
  PROVIDED = "PROVIDED",
  OBSERVED = "OBSERVED",
  RECORDED = "RECORDED",
}

/** What each provenance means, in words the person reads in their export. */
export const PROVENANCE_DESCRIPTIONS: Readonly<Record<Provenance, string>> = {
  PROVIDED: "You gave it to us, for example on the registration form or when you asked us to correct it.",
  OBSERVED:
    "Observed when you registered: your browser and device sent it when you consented to advertising on the registration form (the consent time, IP address, browser, operating system and device).",
  RECORDED:
    "Recorded by our own systems (an application of ours or this server) about your relationship with us: the status of your data, when your service began and ended, when your record was created and last changed.",
};

/** Whether data of this provenance is "provided by" the person in the sense of Art. 20(1) (WP242 rev.01 §II.1.b). */
export function isPortableProvenance(provenance: Provenance): boolean {
  return provenance === Provenance.PROVIDED || provenance === Provenance.OBSERVED;
}

export interface StoredField {
  /** The data category of the value, as the policy file declares it. */
  readonly category: string;
  readonly provenance: Provenance;
  /** What the value is, for the person reading their export. */
  readonly description: string;
}

/**
 * Every stored field of a data subject (the `data_subject` row) with its category and provenance:
 * the one place the access export (Art. 15(1)(g), 15(3)) and the portability export (Art. 20) read
 * them from. The order is the order of the exports (and the portability CSV's columns). A field the
 * row gains must be added here or to `SUBJECT_FIELDS_NOT_EXPORTED` (the export module's type and
 * test/exports.test.ts both fail otherwise), so no stored value can be left out of an export unnoticed.
 */
export const SUBJECT_FIELDS = {
  fullName: { category: "user.name", provenance: Provenance.PROVIDED, description: "Your full name." },
  email: { category: "user.contact.email", provenance: Provenance.PROVIDED, description: "Your e-mail address." },
  postalAddress: { category: "user.contact.address", provenance: Provenance.PROVIDED, description: "Your postal address." },
  phone: { category: "user.contact.phone_number", provenance: Provenance.PROVIDED, description: "Your phone number." },
  dateOfBirth: { category: "user.demographic.date_of_birth", provenance: Provenance.PROVIDED, description: "Your date of birth." },
  country: { category: "user.location.coarse", provenance: Provenance.PROVIDED, description: "Your country (ISO 3166-1 alpha-2)." },
  consentedAt: {
    category: "user.registration.consent_time",
    provenance: Provenance.OBSERVED,
    description: "When you consented to advertising on the registration form.",
  },
  ipAddress: { category: "user.device.ip_address", provenance: Provenance.OBSERVED, description: "The IP address you registered from." },
  browser: { category: "user.device.browser", provenance: Provenance.OBSERVED, description: "The browser you registered with." },
  operatingSystem: {
    category: "user.device.operating_system",
    provenance: Provenance.OBSERVED,
    description: "The operating system you registered with.",
  },
  device: { category: "user.device.device_info", provenance: Provenance.OBSERVED, description: "The device you registered with." },
  status: {
    category: FACT_CATEGORIES.accountStatus,
    provenance: Provenance.RECORDED,
    description: "Whether your data is processed as usual, restricted at your request (GDPR Art. 18) or erased.",
  },
  serviceActiveSince: {
    category: FACT_CATEGORIES.serviceRelationship,
    provenance: Provenance.RECORDED,
    description: "When your service relationship (the contract) began.",
  },
  serviceActiveUntil: {
    category: FACT_CATEGORIES.serviceRelationship,
    provenance: Provenance.RECORDED,
    description: "When your service relationship ended; empty while it lasts.",
  },
  createdAt: {
    category: "user.account",
    provenance: Provenance.RECORDED,
    description: "When your record was created: your data was collected from then on.",
  },
  updatedAt: { category: "user.account", provenance: Provenance.RECORDED, description: "When your record last changed." },
} as const satisfies Readonly<Record<string, StoredField>>;

export type SubjectFieldName = keyof typeof SUBJECT_FIELDS;

export const SUBJECT_FIELD_NAMES = Object.keys(SUBJECT_FIELDS) as SubjectFieldName[];

/**
 * The subject's values about the person — those provided or observed, each in one category — which
 * retention deletes, anonymises or archives, and erasure erases (docs/DESIGN.md §8). What the record
 * itself records (status, service dates, record times) stays with the record's id as its bookkeeping.
 */
export const RETAINED_FIELDS = {
  fullName: SUBJECT_FIELDS.fullName.category,
  email: SUBJECT_FIELDS.email.category,
  postalAddress: SUBJECT_FIELDS.postalAddress.category,
  phone: SUBJECT_FIELDS.phone.category,
  dateOfBirth: SUBJECT_FIELDS.dateOfBirth.category,
  country: SUBJECT_FIELDS.country.category,
  consentedAt: SUBJECT_FIELDS.consentedAt.category,
  ipAddress: SUBJECT_FIELDS.ipAddress.category,
  browser: SUBJECT_FIELDS.browser.category,
  operatingSystem: SUBJECT_FIELDS.operatingSystem.category,
  device: SUBJECT_FIELDS.device.category,
} as const satisfies Partial<Record<SubjectFieldName, string>>;

export type RetainedFieldName = keyof typeof RETAINED_FIELDS;

/**
 * Stored columns of the subject's row that are not values about the person, and why. The subject's
 * id is in every export, as the key the rest refers to, but not among the values.
 */
export const SUBJECT_FIELDS_NOT_EXPORTED = {
  id: "the pseudonymous key of the record; the export names it once, as subject.id",
  seq: "the record's position in the table's creation order, for paging; createdAt says the same about the person",
} as const;

/**
 * The consent receipt's evidence (the consent table's `evidence_*` columns): observed when the
 * consent was given, and in the same categories as the registration record's software fields.
 */
export const CONSENT_EVIDENCE_CATEGORIES = {
  ipAddress: "user.device.ip_address",
  browser: "user.device.browser",
  operatingSystem: "user.device.operating_system",
  device: "user.device.device_info",
} as const;
