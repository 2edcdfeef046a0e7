import { z } from "zod";
import { LegalBasisCode, RetentionAction, RetentionTrigger } from "../domain/policy-terms";
import { compileDocument } from "./compile-document";
import { isKnownTimeZone } from "./engine/request-deadlines";
import { isInEea } from "../domain/eea";
import { grantViolation } from "./grant-rules";
import { isUnder, parentKeyOf } from "./keys";

const KEY_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const keySchema = z.string().regex(KEY_PATTERN, "must be dot-separated lower-case segments, e.g. user.contact.email");
const isoDate = z.union([z.iso.date(), z.date().transform((date) => date.toISOString().slice(0, 10))]);
const countryCode = z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code, e.g. LV");
const text = z.string().trim().min(1);

const categorySchema = z.strictObject({
  key: keySchema,
  name: text,
  description: text,
  special: z.boolean().default(false),
});

const retentionSchema = z.strictObject({
  trigger: z.enum(RetentionTrigger),
  days: z.number().int().min(0).nullable().default(null),
  action: z.enum(RetentionAction),
});

const purposeSchema = z.strictObject({
  key: keySchema,
  name: text,
  description: text,
  legalBasis: z.enum(LegalBasisCode),
  legitimateInterestAssessment: text.optional(),
  allowedUnderRestriction: z.boolean().default(false),
  consentAtRegistration: z.boolean().default(false),
  /** The law a legal-obligation purpose complies with (GDPR Art. 6(3)): required for that basis. */
  legalReference: text.optional(),
  /** A legal-obligation purpose that answers data subjects' requests: it reads live data, not only the archive. */
  answersRequests: z.boolean().default(false),
  /** Categories the purpose never reads, whatever is granted later: the loader and grantCategory refuse a grant that reaches one. */
  neverGrants: z.array(keySchema).default([]),
  /** A purpose that shows ads: it never reaches personal content (a flag, whatever the purpose's key). */
  showsAds: z.boolean().default(false),
  /** The GDPR Art. 9(2) condition that lets the purpose process special categories, e.g. "Art. 9(2)(a) explicit consent". */
  article9Condition: text.optional(),
  grants: z.array(keySchema),
  retention: retentionSchema,
});

const processorSchema = z.strictObject({
  name: text,
  country: countryCode,
  /** For a processor outside the EEA: the transfer's safeguard (GDPR Art. 44–49), e.g. an adequacy decision or standard contractual clauses. */
  transferSafeguard: text.optional(),
  dpaReference: text,
  dpaSignedOn: isoDate,
  lastVettedOn: isoDate,
  securityMeasures: z.array(text).min(1, "a processor must list its security measures"),
  purposes: z.array(keySchema).min(1),
  categories: z.array(keySchema).min(1),
});

const supervisoryAuthoritySchema = z.strictObject({
  name: text,
  country: countryCode,
  address: text.optional(),
  website: z.url().optional(),
  email: z.email().optional(),
  phone: text.optional(),
});

/** The data protection officer (GDPR Art. 37–39), or the statement that none is appointed. */
const dataProtectionOfficerSchema = z.union([
  z.literal("none appointed"),
  z.strictObject({ name: text, email: z.email().optional(), phone: text.optional(), address: text.optional() }),
]);

const organisationSchema = z.strictObject({
  name: text,
  country: countryCode,
  /** The controller's entry in its country's register of companies, when the file states it. */
  registrationNumber: text.optional(),
  /** Required, so that the file says which: a DPO's contact details (Art. 13(1)(b)), or "none appointed". */
  dataProtectionOfficer: dataProtectionOfficerSchema,
  phone: text.optional(),
  email: z.email().optional(),
  address: text.optional(),
  /** The version of the privacy notice this policy encodes; every consent records the version it was given under. */
  noticeVersion: text,
  /**
   * The age below which a consent needs the holder of parental responsibility (GDPR Art. 8(1)): the
   * Member State's age, which may not be lower than 13 nor above 16. Required: it differs from state
   * to state, so the file must say which law it follows.
   */
  ageOfDigitalConsent: z.number().int().min(13, "GDPR Art. 8(1) allows no age below 13").max(16, "GDPR Art. 8(1) allows no age above 16"),
  /** The controller's time zone: the calendar that request deadlines (GDPR Art. 12(3)) and subjects' ages (Art. 8) are counted on. */
  timeZone: text.refine(isKnownTimeZone, "must be an IANA time zone, e.g. Europe/Riga").default("UTC"),
  /** Where a person may lodge a complaint (GDPR Art. 13(2)(d), 15(1)(f)). */
  supervisoryAuthority: supervisoryAuthoritySchema.optional(),
  /** Automated decisions, including profiling (Art. 22): what the controller makes, or an explicit empty list. */
  automatedDecisions: z.array(text).default([]),
});

/** The controller as the policy file declares it. */
export type Organisation = z.infer<typeof organisationSchema>;

export const policyDocumentSchema = z
  .strictObject({
    organisation: organisationSchema,
    categories: z.array(categorySchema).min(1),
    purposes: z.array(purposeSchema).min(1),
    processors: z.array(processorSchema).default([]),
  })
  .superRefine((policy, ctx) => {
    const categoryKeys = new Set(policy.categories.map((category) => category.key));
    const purposeKeys = new Set(policy.purposes.map((purpose) => purpose.key));
    // Each problem names its rule, which `npm run policy:lint` reports beside the file, item and line.
    const problem = (path: (string | number)[], message: string, rule = "policy-structure"): void => {
      ctx.addIssue({ code: "custom", path, message, params: { rule } });
    };

    reportDuplicates(
      policy.categories.map((c) => c.key),
      (index, key) => problem(["categories", index, "key"], `duplicate key ${key}`),
    );
    reportDuplicates(
      policy.purposes.map((p) => p.key),
      (index, key) => problem(["purposes", index, "key"], `duplicate key ${key}`),
    );
    reportDuplicates(
      policy.processors.map((p) => p.name),
      (index, name) => problem(["processors", index, "name"], `duplicate name ${name}`),
    );

    policy.categories.forEach((category, index) => {
      const parent = parentKeyOf(category.key);
      if (parent !== null && !categoryKeys.has(parent)) {
        problem(["categories", index, "key"], `parent category ${parent} is not declared`);
      }
    });

    // Grant inheritance is the compiled policy's, as enforcement uses it.
    const compiled = compileDocument(policy);
    policy.purposes.forEach((purpose, index) => {
      if (purpose.legalBasis === LegalBasisCode.LEGITIMATE_INTERESTS && !purpose.legitimateInterestAssessment) {
        problem(
          ["purposes", index, "legitimateInterestAssessment"],
          "a legitimate-interests purpose must carry its assessment",
          "legitimate-interest-assessment",
        );
      }
      if (purpose.legalBasis === LegalBasisCode.LEGAL_OBLIGATION && !purpose.legalReference) {
        problem(
          ["purposes", index, "legalReference"],
          "a legal-obligation purpose must cite the law it complies with (GDPR Art. 6(3))",
          "legal-reference",
        );
      }
      if (purpose.legalBasis === LegalBasisCode.PUBLIC_TASK && !purpose.legalReference) {
        problem(
          ["purposes", index, "legalReference"],
          "a public-task purpose must cite the law that lays the task down (GDPR Art. 6(3))",
          "legal-reference",
        );
      }
      if (![LegalBasisCode.LEGAL_OBLIGATION, LegalBasisCode.PUBLIC_TASK].includes(purpose.legalBasis) && purpose.legalReference) {
        problem(
          ["purposes", index, "legalReference"],
          "only a legal-obligation or public-task purpose cites a legal reference",
          "legal-reference",
        );
      }
      purpose.neverGrants.forEach((key, keyIndex) => {
        if (!categoryKeys.has(key)) problem(["purposes", index, "neverGrants", keyIndex], `unknown category ${key}`);
      });
      if (purpose.answersRequests && purpose.legalBasis !== LegalBasisCode.LEGAL_OBLIGATION) {
        problem(
          ["purposes", index, "answersRequests"],
          "answering data subjects' requests is a legal obligation (GDPR Art. 12): only a LEGAL_OBLIGATION purpose answers them",
        );
      }
      // Archiving is keeping records the law requires; a purpose that serves the person deletes or anonymises.
      if (
        purpose.retention.action === RetentionAction.ARCHIVE &&
        (purpose.legalBasis !== LegalBasisCode.LEGAL_OBLIGATION || purpose.answersRequests)
      ) {
        problem(
          ["purposes", index, "retention", "action"],
          "only a legal-obligation purpose that keeps records archives; this purpose must DELETE or ANONYMISE",
        );
      }
      if (purpose.consentAtRegistration && purpose.legalBasis !== LegalBasisCode.CONSENT) {
        problem(["purposes", index, "consentAtRegistration"], "only a consent-based purpose can collect consent at registration");
      }
      purpose.grants.forEach((grant, grantIndex) => {
        if (!categoryKeys.has(grant)) problem(["purposes", index, "grants", grantIndex], `unknown category ${grant}`);
      });
      for (const grant of compiled.effectiveGrants(purpose.key)) {
        const violation = grantViolation(compiled, purpose.key, grant);
        if (violation) problem(["purposes", index, "grants"], violation.message, violation.rule);
      }
    });

    policy.purposes.forEach((purpose, index) => {
      if (purpose.consentAtRegistration && policy.purposes.findIndex((other) => other.consentAtRegistration) !== index) {
        problem(["purposes", index, "consentAtRegistration"], "only one purpose may collect consent at registration");
      }
    });

    policy.processors.forEach((processor, index) => {
      processor.purposes.forEach((key, keyIndex) => {
        if (!purposeKeys.has(key)) problem(["processors", index, "purposes", keyIndex], `unknown purpose ${key}`);
      });
      processor.categories.forEach((key, keyIndex) => {
        if (!categoryKeys.has(key)) {
          problem(["processors", index, "categories", keyIndex], `unknown category ${key}`);
          return;
        }
        // A processor processes only what its purposes may read (GDPR Art. 28(3)(a)): every category its contract covers.
        const leaves = policy.categories
          .map((category) => category.key)
          .filter((leaf) => isUnder(leaf, key) && !policy.categories.some((other) => parentKeyOf(other.key) === leaf));
        const unread = leaves.filter((leaf) => !processor.purposes.some((purpose) => compiled.grants(purpose, leaf)));
        if (unread.length > 0) {
          problem(
            ["processors", index, "categories", keyIndex],
            `${processor.name} processes ${key}, but none of its purposes may read ${unread.join(", ")}: a processor processes only what its purposes grant`,
            "processor-categories",
          );
        }
      });
      if (!isInEea(processor.country) && !processor.transferSafeguard) {
        problem(
          ["processors", index, "transferSafeguard"],
          `${processor.name} is outside the EEA (${processor.country}): name the transfer's safeguard (GDPR Art. 44–49)`,
          "transfer-safeguard",
        );
      }
    });
  });

export type PolicyDocument = z.infer<typeof policyDocumentSchema>;
export type PolicyPurpose = PolicyDocument["purposes"][number];

function reportDuplicates(values: readonly string[], report: (index: number, value: string) => void): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (seen.has(value)) report(index, value);
    seen.add(value);
  });
}
