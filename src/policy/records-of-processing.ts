import { isInEea } from "../domain/eea";
import { RetentionAction, RetentionTrigger, type ClientRole } from "../domain/policy-terms";
import { RecipientType, recipientTypeOf } from "../domain/recipients";
import { compileDocument } from "./compile-document";
import { DataSubjectGroup, dataSubjectGroupOf } from "./data-subject-groups";
import { purposeRefusal } from "./engine/recipient-rules";
import type { PolicyDocument, PolicyPurpose } from "./policy-document";

/** A client that may receive data (not revoked): who it is as a recipient, and the purposes it may declare. */
export interface ClientRecipient {
  readonly name: string;
  readonly role: ClientRole;
  readonly processorName: string | null;
  readonly purposeKeys: readonly string[];
}

/**
 * The measures the platform itself takes (GDPR Art. 32), whatever the policy: each is enforced in
 * code and proved by a test named in the README's Security section.
 */
export const PLATFORM_SECURITY_MEASURES: readonly string[] = [
  "Purpose limitation on every field read and write, decided before execution and per subject at read time",
  "An audit event for every release and change, written before the response leaves (fail closed), append-only and hash-chained",
  "Encryption at rest (AES-256-GCM) of e-mail, postal address, phone, date of birth and IP address, with key rotation",
  "API keys stored as SHA-256 hashes; roles and capabilities decide who may change what",
  "Retention executed by a sweep: values are deleted, anonymised or archived when their last purpose ends",
];

/** One processing activity (a purpose) in the terms of GDPR Art. 30(1)(b)–(g). */
export interface ProcessingActivity {
  readonly purpose: { readonly key: string; readonly name: string; readonly description: string };
  readonly legalBasis: string;
  readonly legalReference: string | null;
  readonly legitimateInterestAssessment: string | null;
  readonly dataSubjects: string;
  readonly personalData: readonly { readonly key: string; readonly name: string; readonly special: boolean }[];
  readonly recipients: {
    /** The roles of the clients that may receive the purpose's data. */
    readonly clientRoles: readonly string[];
    /** The kinds of recipient among them (INTERNAL, PROCESSOR, THIRD_PARTY). */
    readonly recipientTypes: readonly RecipientType[];
    /** The processors whose contract covers the purpose. */
    readonly processors: readonly string[];
    /** The third parties (PARTNER clients acting for no processor) it is disclosed to, by name: with the person's consent only. */
    readonly thirdParties: readonly string[];
  };
  readonly transfers: readonly { readonly processor: string; readonly country: string; readonly safeguard: string }[];
  readonly erasure: string;
  readonly securityMeasures: readonly string[];
}

/** The records of processing (GDPR Art. 30(1)) for one policy version. */
export interface RecordsOfProcessing {
  readonly policyVersion: number;
  readonly controller: {
    readonly name: string;
    readonly country: string;
    readonly registrationNumber: string | null;
    readonly contact: string;
    readonly dataProtectionOfficer: string;
  };
  readonly activities: readonly ProcessingActivity[];
}

/**
 * The records of processing of `document` (the whole policy of version `version`), generated from the
 * same compiled policy enforcement uses, so the record and the behaviour cannot disagree. Pure;
 * `clients` are today's (clients are not versioned): a purpose's recipients are the clients that
 * may declare it under that version's rules — as the recipient each is (a processor's client within
 * its contract, a third party only under a purpose based on consent).
 */
export function recordsOfProcessing(document: PolicyDocument, version: number, clients: readonly ClientRecipient[]): RecordsOfProcessing {
  const compiled = compileDocument(document, version);
  const names = new Map(document.categories.map((category) => [category.key, category]));
  const organisation = document.organisation;
  const officer = organisation.dataProtectionOfficer;
  return {
    policyVersion: version,
    controller: {
      name: organisation.name,
      country: organisation.country,
      registrationNumber: organisation.registrationNumber ?? null,
      contact:
        [organisation.address, organisation.email, organisation.phone].filter((part) => part !== undefined).join("; ") || "none stated",
      dataProtectionOfficer:
        officer === "none appointed" ? "none appointed" : [officer.name, officer.email, officer.phone].filter(Boolean).join(", "),
    },
    activities: document.purposes.map((purpose) => {
      const processors = document.processors.filter((processor) => processor.purposes.includes(purpose.key));
      const recipients = clients.filter(
        (client) => client.purposeKeys.includes(purpose.key) && purposeRefusal(compiled, client, purpose.key) === null,
      );
      const typeOf = (client: ClientRecipient): RecipientType => recipientTypeOf(client.role, client.processorName);
      return {
        purpose: { key: purpose.key, name: purpose.name, description: purpose.description },
        legalBasis: purpose.legalBasis,
        legalReference: purpose.legalReference ?? null,
        legitimateInterestAssessment: purpose.legitimateInterestAssessment ?? null,
        dataSubjects: DATA_SUBJECTS_IN_WORDS[dataSubjectGroupOf(purpose, compiled.readsArchiveOnly(purpose.key))],
        personalData: compiled.readableCategories(purpose.key).map((key) => ({
          key,
          name: names.get(key)?.name ?? key,
          special: names.get(key)?.special ?? false,
        })),
        recipients: {
          clientRoles: [...new Set(recipients.map((client) => client.role))].sort(),
          recipientTypes: Object.values(RecipientType).filter((type) => recipients.some((client) => typeOf(client) === type)),
          processors: processors.map((processor) => processor.name),
          thirdParties: recipients
            .filter((client) => typeOf(client) === RecipientType.THIRD_PARTY)
            .map((client) => client.name)
            .sort(),
        },
        transfers: processors
          .filter((processor) => !isInEea(processor.country))
          .map((processor) => ({
            processor: processor.name,
            country: processor.country,
            safeguard: processor.transferSafeguard ?? "none recorded",
          })),
        erasure: erasureOf(purpose),
        securityMeasures: [
          ...PLATFORM_SECURITY_MEASURES,
          ...processors.flatMap((processor) => processor.securityMeasures.map((measure) => `${processor.name}: ${measure}`)),
        ],
      };
    }),
  };
}

/** Whose data the activity concerns (Art. 30(1)(c)), in words. */
const DATA_SUBJECTS_IN_WORDS: Readonly<Record<DataSubjectGroup, string>> = {
  REQUESTERS: "Anyone who exercises their rights with the controller",
  FORMER_CUSTOMERS: "Former customers whose records the law requires to keep, and people under a legal hold",
  ENQUIRERS: "People who sent a question, customers or not",
  CONSENTING_CUSTOMERS: "Customers who consented to it",
  CUSTOMERS: "Customers (people who use the services)",
};

/** The envisaged time limit for erasure (Art. 30(1)(f)), in words. */
export function erasureOf(purpose: PolicyPurpose): string {
  const { trigger, days, action } = purpose.retention;
  const from: Record<RetentionTrigger, string> = {
    SERVICE_ENDED: "the end of the service",
    CONSENT_WITHDRAWN: "the withdrawal of consent",
    COLLECTED: "collection",
    INQUIRY_CLOSED: "the answer to the person's question",
  };
  const when =
    days === null ? `while ${from[trigger]} has not happened` : days === 0 ? `at ${from[trigger]}` : `${days} days after ${from[trigger]}`;
  const what =
    action === RetentionAction.ARCHIVE
      ? "kept in the archive until then, then deleted"
      : action === RetentionAction.ANONYMISE
        ? "anonymised"
        : "deleted";
  return `${when[0]?.toUpperCase()}${when.slice(1)}: ${what}.`;
}

/** The records as Markdown: the controller, then one section per activity. */
export function recordsAsMarkdown(records: RecordsOfProcessing): string {
  const lines = [
    `# Records of processing (GDPR Art. 30(1)) — policy version ${records.policyVersion}`,
    "",
    `**Controller:** ${records.controller.name} (${records.controller.country})${records.controller.registrationNumber ? `, ${records.controller.registrationNumber}` : ""}; contact: ${records.controller.contact}; data protection officer: ${records.controller.dataProtectionOfficer}.`,
  ];
  for (const activity of records.activities) {
    lines.push(
      "",
      `## ${activity.purpose.name} (\`${activity.purpose.key}\`)`,
      "",
      `- Purpose: ${activity.purpose.description}`,
      `- Legal basis: ${activity.legalBasis}${activity.legalReference ? ` — ${activity.legalReference}` : ""}${activity.legitimateInterestAssessment ? ` — assessment: ${activity.legitimateInterestAssessment}` : ""}`,
      `- Data subjects: ${activity.dataSubjects}`,
      `- Personal data: ${activity.personalData.map((category) => `${category.name} (\`${category.key}\`${category.special ? ", special category" : ""})`).join(", ") || "none"}`,
      `- Recipients: client roles ${activity.recipients.clientRoles.join(", ") || "none"}${activity.recipients.recipientTypes.length > 0 ? ` (${activity.recipients.recipientTypes.join(", ")})` : ""}; processors ${activity.recipients.processors.join(", ") || "none"}; third parties (disclosed to with the person's consent only) ${activity.recipients.thirdParties.join(", ") || "none"}`,
      `- Transfers to third countries: ${activity.transfers.map((transfer) => `${transfer.processor} (${transfer.country}): ${transfer.safeguard}`).join("; ") || "none"}`,
      `- Erasure: ${activity.erasure}`,
      `- Security measures: ${activity.securityMeasures.join("; ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The records as CSV rows (one per activity), for csv-stringify. */
export function recordsAsRows(records: RecordsOfProcessing): string[][] {
  const header = [
    "policy_version",
    "controller",
    "purpose_key",
    "purpose",
    "legal_basis",
    "legal_reference",
    "data_subjects",
    "personal_data",
    "recipient_roles",
    "recipient_types",
    "processors",
    "third_parties",
    "transfers",
    "erasure",
    "security_measures",
  ];
  return [
    header,
    ...records.activities.map((activity) => [
      String(records.policyVersion),
      records.controller.name,
      activity.purpose.key,
      activity.purpose.name,
      activity.legalBasis,
      activity.legalReference ?? "",
      activity.dataSubjects,
      activity.personalData.map((category) => category.key).join(" "),
      activity.recipients.clientRoles.join(" "),
      activity.recipients.recipientTypes.join(" "),
      activity.recipients.processors.join("; "),
      activity.recipients.thirdParties.join("; "),
      activity.transfers.map((transfer) => `${transfer.processor} (${transfer.country}): ${transfer.safeguard}`).join("; "),
      activity.erasure,
      activity.securityMeasures.join("; "),
    ]),
  ];
}
