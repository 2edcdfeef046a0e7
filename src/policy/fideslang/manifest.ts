import { z } from "zod";
import { LegalBasisCode } from "../../domain/policy-terms";

/**
 * The fideslang resources PurposeQL writes and reads: a manifest in fideslang 3's form, top-level
 * keys as its `Taxonomy` model names them (`organization`, `data_category`, `data_use`, `dataset`,
 * `system`), each resource in the shape Fides's API accepts (test/fixtures/fideslang/README.md names
 * the schema the export is checked against). Only the fields PurposeQL fills are typed here.
 */

/** Contact details as fideslang's `ContactDetails` holds them: every field a string, empty when unknown. */
export interface FidesContactDetails {
  readonly name: string;
  readonly address: string;
  readonly email: string;
  readonly phone: string;
}

export interface FidesOrganization {
  readonly fides_key: string;
  readonly name: string;
  readonly description: string;
  readonly controller: FidesContactDetails;
  readonly data_protection_officer: FidesContactDetails;
}

/** A data category or a data use: the two taxonomies share fideslang's hierarchical shape. */
export interface FidesTaxonomyEntry {
  readonly fides_key: string;
  readonly organization_fides_key: string;
  readonly name: string;
  readonly description: string;
  readonly parent_key: string | null;
}

export interface FidesDatasetField {
  readonly name: string;
  readonly description?: string;
  readonly data_categories: readonly string[];
}

export interface FidesDatasetCollection {
  readonly name: string;
  readonly description?: string;
  readonly fields: readonly FidesDatasetField[];
}

export interface FidesDataset {
  readonly fides_key: string;
  readonly organization_fides_key: string;
  readonly name: string;
  readonly description: string;
  readonly collections: readonly FidesDatasetCollection[];
}

/** fideslang's `LegalBasisForProcessingEnum` (GDPR Art. 6(1)). */
export const FIDES_LEGAL_BASES = [
  "Consent",
  "Contract",
  "Legal obligations",
  "Vital interests",
  "Public interest",
  "Legitimate interests",
] as const;
export type FidesLegalBasis = (typeof FIDES_LEGAL_BASES)[number];

/** Each legal basis of the policy and fideslang's name for it: a one-to-one map (Art. 6(1)(a)–(f)). */
export const FIDES_LEGAL_BASIS_OF: Readonly<Record<LegalBasisCode, FidesLegalBasis>> = {
  [LegalBasisCode.CONSENT]: "Consent",
  [LegalBasisCode.CONTRACT]: "Contract",
  [LegalBasisCode.LEGAL_OBLIGATION]: "Legal obligations",
  [LegalBasisCode.VITAL_INTERESTS]: "Vital interests",
  [LegalBasisCode.PUBLIC_TASK]: "Public interest",
  [LegalBasisCode.LEGITIMATE_INTERESTS]: "Legitimate interests",
};

/** fideslang's `SpecialCategoryLegalBasisEnum`, by the letter of GDPR Art. 9(2) each one is. */
export const FIDES_SPECIAL_CATEGORY_BASES = {
  a: "Explicit consent",
  b: "Employment, social security and social protection",
  c: "Vital interests",
  d: "Not-for-profit bodies",
  e: "Made public by the data subject",
  f: "Legal claims or judicial acts",
  g: "Reasons of substantial public interest (with a basis in law)",
  h: "Health or social care (with a basis in law)",
  i: "Public health (with a basis in law)",
  j: "Archiving, research and statistics (with a basis in law)",
} as const;
export type FidesSpecialCategoryBasis = (typeof FIDES_SPECIAL_CATEGORY_BASES)[keyof typeof FIDES_SPECIAL_CATEGORY_BASES];

export interface FidesPrivacyDeclaration {
  readonly name: string;
  readonly data_use: string;
  readonly data_categories: readonly string[];
  readonly data_subjects: readonly string[];
  readonly flexible_legal_basis_for_processing: boolean;
  readonly legal_basis_for_processing: FidesLegalBasis;
  readonly impact_assessment_location?: string;
  readonly retention_period: string;
  readonly processes_special_category_data: boolean;
  readonly special_category_legal_basis?: FidesSpecialCategoryBasis;
}

/** fideslang's `DataResponsibilityTitle`. */
export type FidesResponsibility = "Controller" | "Processor" | "Sub-Processor";

export interface FidesSystem {
  readonly fides_key: string;
  readonly organization_fides_key: string;
  readonly name: string;
  readonly description: string;
  readonly system_type: string;
  readonly responsibility: readonly FidesResponsibility[];
  readonly legal_name?: string;
  readonly dpa_location?: string;
  readonly data_security_practices?: string;
  readonly does_international_transfers: boolean;
  readonly legal_basis_for_transfers: readonly string[];
  readonly uses_profiling: boolean;
  readonly dataset_references: readonly string[];
  readonly privacy_declarations: readonly FidesPrivacyDeclaration[];
}

export interface FideslangManifest {
  readonly organization: readonly FidesOrganization[];
  readonly data_category: readonly FidesTaxonomyEntry[];
  readonly data_use: readonly FidesTaxonomyEntry[];
  readonly dataset: readonly FidesDataset[];
  readonly system: readonly FidesSystem[];
}

// Reading: what the import takes from a fideslang file, as fideslang itself would accept it (unknown
// keys are ignored, as fideslang's models ignore them; optional fields may be null or absent).

/** fideslang's `FidesKey`: `^[a-zA-Z0-9_.<>-]+$` (fideslang's validation.py). */
const fidesKey = z.string().regex(/^[a-zA-Z0-9_.<>-]+$/, "must be a fides_key: letters, digits, '.', '_', '<', '>' or '-'");
const optionalText = z.string().nullish();
const keyList = z.array(fidesKey).nullish();

const contactDetailsSchema = z.looseObject({
  name: optionalText,
  address: optionalText,
  email: optionalText,
  phone: optionalText,
});

const organizationSchema = z.looseObject({
  fides_key: fidesKey,
  name: optionalText,
  description: optionalText,
  controller: contactDetailsSchema.nullish(),
  data_protection_officer: contactDetailsSchema.nullish(),
});

const taxonomyEntrySchema = z.looseObject({
  fides_key: fidesKey,
  name: optionalText,
  description: optionalText,
  parent_key: fidesKey.nullish(),
});

interface DatasetFieldInput {
  readonly name: string;
  readonly data_categories?: readonly string[] | null;
  readonly fields?: readonly DatasetFieldInput[] | null;
}

const datasetFieldSchema: z.ZodType<DatasetFieldInput> = z.looseObject({
  name: z.string(),
  data_categories: keyList,
  get fields() {
    return z.array(datasetFieldSchema).nullish();
  },
});

const datasetSchema = z.looseObject({
  fides_key: fidesKey,
  data_categories: keyList,
  collections: z.array(
    z.looseObject({
      name: z.string(),
      data_categories: keyList,
      fields: z.array(datasetFieldSchema),
    }),
  ),
});

const privacyDeclarationSchema = z.looseObject({
  name: optionalText,
  data_use: fidesKey,
  data_categories: z.array(fidesKey),
  legal_basis_for_processing: z.enum(FIDES_LEGAL_BASES).nullish(),
  processes_special_category_data: z.boolean().nullish(),
  special_category_legal_basis: z.enum(Object.values(FIDES_SPECIAL_CATEGORY_BASES) as [FidesSpecialCategoryBasis]).nullish(),
});

const systemSchema = z.looseObject({
  fides_key: fidesKey,
  name: optionalText,
  description: optionalText,
  system_type: z.string(),
  responsibility: z.array(z.enum(["Controller", "Processor", "Sub-Processor"])).nullish(),
  dpa_location: optionalText,
  data_security_practices: optionalText,
  legal_basis_for_transfers: z.array(z.string()).nullish(),
  uses_profiling: z.boolean().nullish(),
  privacy_declarations: z.array(privacyDeclarationSchema),
});

/** A fideslang manifest as the import reads it. */
export const fideslangInputSchema = z.looseObject({
  organization: z.array(organizationSchema).nullish(),
  data_category: z.array(taxonomyEntrySchema).nullish(),
  data_use: z.array(taxonomyEntrySchema).nullish(),
  dataset: z.array(datasetSchema).nullish(),
  system: z.array(systemSchema).nullish(),
});

export type FideslangInput = z.infer<typeof fideslangInputSchema>;
export type FideslangSystemInput = NonNullable<FideslangInput["system"]>[number];
export type FideslangDatasetFieldInput = DatasetFieldInput;
