import { Document } from "yaml";
import { isInEea } from "../../domain/eea";
import { LegalBasisCode } from "../../domain/policy-terms";
import { compileDocument } from "../compile-document";
import { DataSubjectGroup, dataSubjectGroupOf } from "../data-subject-groups";
import { parentKeyOf } from "../keys";
import type { PolicyDocument, PolicyPurpose } from "../policy-document";
import { erasureOf } from "../records-of-processing";
import { intersectKeys, minimalKeys } from "./category-sets";
import { FIDESLANG_DEFAULT_DATA_CATEGORIES, FIDESLANG_DEFAULT_DATA_USES } from "./default-taxonomy";
import {
  FIDES_LEGAL_BASIS_OF,
  FIDES_SPECIAL_CATEGORY_BASES,
  type FidesContactDetails,
  type FidesDataset,
  type FideslangManifest,
  type FidesOrganization,
  type FidesPrivacyDeclaration,
  type FidesSpecialCategoryBasis,
  type FidesSystem,
  type FidesTaxonomyEntry,
} from "./manifest";

/** One personal type of the GraphQL schema: a collection whose fields each carry one data category. */
export interface PersonalCollection {
  readonly name: string;
  readonly description: string | null;
  readonly fields: readonly { readonly name: string; readonly description: string | null; readonly category: string }[];
}

/** Fides's own organisation: every Fides server has it, and the export describes the controller as it. */
export const FIDES_ORGANIZATION_KEY = "default_organization";
/** The system that is PurposeQL itself: the controller's, declaring every purpose. */
export const PURPOSEQL_SYSTEM_KEY = "purposeql";
export const PURPOSEQL_DATASET_KEY = "purposeql_personal_data";

/** fideslang's data subjects for each group of people an activity concerns. */
const FIDES_DATA_SUBJECTS: Readonly<Record<DataSubjectGroup, readonly string[]>> = {
  REQUESTERS: ["customer", "prospect"],
  FORMER_CUSTOMERS: ["customer"],
  ENQUIRERS: ["customer", "prospect"],
  CONSENTING_CUSTOMERS: ["customer"],
  CUSTOMERS: ["customer"],
};

/**
 * The policy as a fideslang manifest: the controller as Fides's organisation; the policy's own data
 * categories and purposes (those fideslang's default taxonomy lacks: Fides refuses to redefine a
 * default key) as data categories and data uses; the personal types as one dataset whose fields
 * carry their categories; PurposeQL as the controller's system, with one privacy declaration per
 * purpose (what it reads, whose data, on which legal basis, for how long); each processor as a
 * system declaring the purposes it serves and the categories its contract covers for each. Stable
 * order throughout, so two exports diff line by line. Pure.
 */
export function fideslangOf(document: PolicyDocument, collections: readonly PersonalCollection[]): FideslangManifest {
  const compiled = compileDocument(document);
  const specialCategories = document.categories.filter((category) => category.special).map((category) => category.key);
  const declarationOf = (purpose: PolicyPurpose, categories: readonly string[]): FidesPrivacyDeclaration => {
    const special = compiled.readableCategories(purpose.key).some((key) => specialCategories.includes(key));
    const specialBasis = special ? specialCategoryBasisOf(purpose.article9Condition) : undefined;
    return {
      name: purpose.name,
      data_use: purpose.key,
      data_categories: categories,
      data_subjects: FIDES_DATA_SUBJECTS[dataSubjectGroupOf(purpose, compiled.readsArchiveOnly(purpose.key))],
      // The policy fixes each purpose's basis; a notice cannot override it.
      flexible_legal_basis_for_processing: false,
      legal_basis_for_processing: FIDES_LEGAL_BASIS_OF[purpose.legalBasis],
      ...(purpose.legalBasis === LegalBasisCode.LEGITIMATE_INTERESTS
        ? {
            impact_assessment_location: `PurposeQL policy of ${document.organisation.name}: purpose ${purpose.key}, legitimateInterestAssessment`,
          }
        : {}),
      retention_period: erasureOf(purpose),
      processes_special_category_data: special,
      ...(specialBasis ? { special_category_legal_basis: specialBasis } : {}),
    };
  };
  const purposes = [...document.purposes].sort((a, b) => compareKeys(a.key, b.key));
  const purposeByKey = new Map(purposes.map((purpose) => [purpose.key, purpose]));

  const controllerSystem: FidesSystem = {
    fides_key: PURPOSEQL_SYSTEM_KEY,
    organization_fides_key: FIDES_ORGANIZATION_KEY,
    name: "PurposeQL",
    description: `The GraphQL API that holds ${document.organisation.name}'s personal data: every field read and write is checked against the declared purpose, the person's legal basis and retention, and audited.`,
    system_type: "Service",
    responsibility: ["Controller"],
    legal_name: document.organisation.name,
    does_international_transfers: false,
    legal_basis_for_transfers: [],
    uses_profiling: document.organisation.automatedDecisions.length > 0,
    dataset_references: [PURPOSEQL_DATASET_KEY],
    privacy_declarations: purposes.map((purpose) => declarationOf(purpose, minimalKeys(compiled.effectiveGrants(purpose.key)))),
  };

  const keyOfProcessor = processorKeys(document.processors.map((processor) => processor.name));
  const processorSystems: FidesSystem[] = document.processors.map((processor) => ({
    fides_key: keyOfProcessor.get(processor.name) ?? fidesKeyOfName(processor.name),
    organization_fides_key: FIDES_ORGANIZATION_KEY,
    name: processor.name,
    description: `Processor (GDPR Art. 28) for ${document.organisation.name}, established in ${processor.country}; DPA ${processor.dpaReference} signed on ${processor.dpaSignedOn}, last vetted on ${processor.lastVettedOn}.`,
    system_type: "Service",
    responsibility: ["Processor"],
    legal_name: processor.name,
    dpa_location: processor.dpaReference,
    data_security_practices: processor.securityMeasures.join("\n"),
    does_international_transfers: !isInEea(processor.country),
    legal_basis_for_transfers: processor.transferSafeguard ? [processor.transferSafeguard] : [],
    uses_profiling: false,
    dataset_references: [],
    // Per purpose, only what both the contract and the purpose cover: what the processor may process for it.
    privacy_declarations: [...processor.purposes].sort(compareKeys).flatMap((key) => {
      const purpose = purposeByKey.get(key);
      return purpose ? [declarationOf(purpose, intersectKeys(processor.categories, compiled.effectiveGrants(key)))] : [];
    }),
  }));

  return {
    organization: [organizationOf(document.organisation)],
    data_category: document.categories
      .filter((category) => !FIDESLANG_DEFAULT_DATA_CATEGORIES.has(category.key))
      .map((category) => taxonomyEntry(category.key, category.name, category.description))
      .sort((a, b) => compareKeys(a.fides_key, b.fides_key)),
    data_use: ownDataUses(purposes),
    dataset: [datasetOf(document, collections)],
    system: [controllerSystem, ...processorSystems.sort((a, b) => compareKeys(a.fides_key, b.fides_key))],
  };
}

/** The manifest as YAML, `header` as its opening comment. */
export function fideslangYaml(manifest: FideslangManifest, header: string): string {
  // No anchors for repeated lists, and no folding: each description stays one line, so a change diffs as one.
  const yaml = new Document(manifest, { aliasDuplicateObjects: false });
  yaml.commentBefore = header;
  return yaml.toString({ lineWidth: 0 });
}

/**
 * Each processor's system key, from its name (`Example Hosting SIA` → `example_hosting_sia`), unique
 * among the manifest's systems: a name that makes a key already taken gets `_2`, `_3`, … in name order.
 */
export function processorKeys(names: readonly string[]): ReadonlyMap<string, string> {
  const taken = new Set([PURPOSEQL_SYSTEM_KEY]);
  const keys = new Map<string, string>();
  for (const name of [...names].sort(compareKeys)) {
    const slug = fidesKeyOfName(name);
    let key = slug;
    for (let suffix = 2; taken.has(key); suffix++) key = `${slug}_${suffix}`;
    taken.add(key);
    keys.set(name, key);
  }
  return keys;
}

function fidesKeyOfName(name: string): string {
  return (
    name
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "") || "processor"
  );
}

function organizationOf(organisation: PolicyDocument["organisation"]): FidesOrganization {
  const officer = organisation.dataProtectionOfficer;
  return {
    fides_key: FIDES_ORGANIZATION_KEY,
    name: organisation.name,
    description: `The controller (GDPR Art. 4(7)) of the personal data PurposeQL holds, established in ${organisation.country}${organisation.registrationNumber ? `, registration number ${organisation.registrationNumber}` : ""}.`,
    controller: contactOf({ name: organisation.name, address: organisation.address, email: organisation.email, phone: organisation.phone }),
    // fideslang has no "none appointed": the name says it.
    data_protection_officer: contactOf(officer === "none appointed" ? { name: officer } : officer),
  };
}

function contactOf(contact: { name: string; address?: string; email?: string; phone?: string }): FidesContactDetails {
  return { name: contact.name, address: contact.address ?? "", email: contact.email ?? "", phone: contact.phone ?? "" };
}

/**
 * The purposes fideslang's default taxonomy lacks, as data uses, with any ancestor neither declares
 * (Fides needs each data use's parent to exist; the policy's purposes may skip levels).
 */
function ownDataUses(purposes: readonly PolicyPurpose[]): FidesTaxonomyEntry[] {
  const entries = new Map<string, FidesTaxonomyEntry>();
  const declared = new Map(purposes.map((purpose) => [purpose.key, purpose]));
  for (const purpose of purposes) {
    for (let key: string | null = purpose.key; key !== null && !FIDESLANG_DEFAULT_DATA_USES.has(key); key = parentKeyOf(key)) {
      const own = declared.get(key);
      entries.set(
        key,
        taxonomyEntry(
          key,
          own?.name ?? key,
          own?.description ?? `Groups the purposes under ${key}; no purpose of the policy is ${key} itself.`,
        ),
      );
    }
  }
  return [...entries.values()].sort((a, b) => compareKeys(a.fides_key, b.fides_key));
}

function taxonomyEntry(key: string, name: string, description: string): FidesTaxonomyEntry {
  return { fides_key: key, organization_fides_key: FIDES_ORGANIZATION_KEY, name, description, parent_key: parentKeyOf(key) };
}

function datasetOf(document: PolicyDocument, collections: readonly PersonalCollection[]): FidesDataset {
  return {
    fides_key: PURPOSEQL_DATASET_KEY,
    organization_fides_key: FIDES_ORGANIZATION_KEY,
    name: "PurposeQL personal data",
    description: `${document.organisation.name}'s personal data as PurposeQL serves it: each collection is a personal type of its GraphQL schema, each field tagged with the data category its @dataCategory directive names, which is what enforcement reads.`,
    collections: [...collections]
      .sort((a, b) => compareKeys(a.name, b.name))
      .map((collection) => ({
        name: collection.name,
        ...(collection.description ? { description: collection.description } : {}),
        fields: [...collection.fields]
          .sort((a, b) => compareKeys(a.name, b.name))
          .map((field) => ({
            name: field.name,
            ...(field.description ? { description: field.description } : {}),
            data_categories: [field.category],
          })),
      })),
  };
}

/** fideslang's name for the GDPR Art. 9(2) condition a purpose cites, when it cites one by its letter. */
function specialCategoryBasisOf(condition: string | undefined): FidesSpecialCategoryBasis | undefined {
  const letter = /9\s*\(\s*2\s*\)\s*\(\s*([a-j])\s*\)/i.exec(condition ?? "")?.[1]?.toLowerCase() as
    keyof typeof FIDES_SPECIAL_CATEGORY_BASES | undefined;
  return letter ? FIDES_SPECIAL_CATEGORY_BASES[letter] : undefined;
}

/** Code-point order, independent of the locale the export runs in. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
