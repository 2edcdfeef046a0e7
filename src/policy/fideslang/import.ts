import { Document, isScalar } from "yaml";
import { LegalBasisCode } from "../../domain/policy-terms";
import { isUnder, nearestDeclaredAncestor, parentKeyOf } from "../keys";
import type { PolicyDocument } from "../policy-document";
import { parsePolicy } from "../policy-file";
import { parseYamlSource } from "../yaml-source";
import { coverOf, covered, leavesCovered, minimalKeys } from "./category-sets";
import { FIDESLANG_DEFAULT_DATA_CATEGORIES, FIDESLANG_DEFAULT_DATA_USES } from "./default-taxonomy";
import { processorKeys } from "./export";
import {
  FIDES_LEGAL_BASIS_OF,
  FIDES_SPECIAL_CATEGORY_BASES,
  type FidesLegalBasis,
  type FideslangDatasetFieldInput,
  type FideslangInput,
  type FideslangSystemInput,
  type FidesSpecialCategoryBasis,
} from "./manifest";
import { mergedIntoBase, type PolicyDraft } from "./merge-into-base";
import { isProcessorSystem, readManifest, type Manifest } from "./read-manifest";

/** Something the policy needs that fideslang does not carry and no base policy gave: left null in the file. */
export interface Placeholder {
  /** Its path in the policy file, e.g. `purposes.2.retention`. */
  readonly path: string;
  /** The path with the key or name of the item it is in, e.g. `purposes.2 (essential.service).retention`. */
  readonly item: string;
  readonly reason: string;
}

export interface FideslangImport {
  /** The policy file's text. */
  readonly yaml: string;
  /** Each value left null: the loader and `npm run policy:lint` refuse the file until it is filled in. */
  readonly placeholders: readonly Placeholder[];
  /** Where PurposeQL will read more than the fideslang file declares (a sub-purpose inherits its parent's grants). */
  readonly warnings: readonly string[];
}

/** The policy file to take from what fideslang does not carry, and whose comments and order to keep. */
export interface BasePolicy {
  readonly file: string;
  readonly source: string;
}

/** The comment that marks a placeholder in the file. */
export const PLACEHOLDER_MARK = "fides import: fill in";

/**
 * A policy file from a fideslang manifest. What fideslang carries comes from the manifest: the
 * categories it defines or references (with their ancestors, and the base's, which the schema's
 * fields carry whatever Fides holds), one purpose per data use declared by a
 * system that is not a processor (its name, basis, and the categories declared for it as grants,
 * less what its parent purpose already grants), the processors (systems whose responsibility is
 * Processor or Sub-Processor: name, DPA reference, security measures, transfer safeguard, the
 * purposes they serve and the categories declared for them) and the controller's name, contact and
 * DPO. What it does not carry (retention, assessments, legal references, the notice's version, a
 * processor's country and dates, names of fideslang's default keys, which categories are special)
 * comes from `base`, matched by key or name; without one it is left null, marked
 * `# fides import: fill in`. With a base, the file keeps the base's comments, notice citations and
 * order. Pure: throws FideslangFileError for a manifest it cannot read, PolicyFileError for a base
 * that is not a valid policy.
 */
export function policyFromFideslang(file: string, source: string, base?: BasePolicy): FideslangImport {
  const manifest = readManifest(file, source);
  const baseDocument = base ? parsePolicy(base.file, base.source) : undefined;
  const placeholders = new Placeholders();
  const warnings: string[] = [];
  const draft = draftPolicy(manifest, baseDocument, placeholders, warnings);

  const yaml = base && baseDocument ? mergedIntoBase(parseYamlSource(base.source).document, baseDocument, draft) : fresh(draft, file);
  for (const placeholder of placeholders.list) {
    const node = yaml.getIn(placeholder.path, true);
    if (isScalar(node)) node.comment = ` ${PLACEHOLDER_MARK}: ${placeholder.reason}`;
  }
  return {
    yaml: yaml.toString({ lineWidth: 100 }),
    placeholders: inDocumentOrder(draft, placeholders.list).map((placeholder) => ({
      path: placeholder.path.join("."),
      item: itemOf(draft, placeholder.path),
      reason: placeholder.reason,
    })),
    warnings,
  };
}

/** The placeholders in the order the file holds them: section, item, then the item's own order of keys. */
function inDocumentOrder<T extends { readonly path: readonly (string | number)[] }>(draft: PolicyDraft, list: readonly T[]): T[] {
  const sections = ["organisation", "categories", "purposes", "processors"];
  const rank = ({ path: [section, index, field] }: T): number[] => {
    const item =
      typeof index === "number" ? (draft[section as keyof PolicyDraft] as readonly Record<string, unknown>[])[index] : draft.organisation;
    const key = typeof index === "number" ? field : index;
    return [sections.indexOf(String(section)), typeof index === "number" ? index : 0, Object.keys(item ?? {}).indexOf(String(key))];
  };
  const compare = (a: number[], b: number[]): number => a.reduce((order, value, position) => order || value - (b[position] ?? 0), 0);
  return [...list].sort((a, b) => compare(rank(a), rank(b)));
}

function itemOf(draft: PolicyDraft, path: readonly (string | number)[]): string {
  const [section, index, ...rest] = path;
  const items = section === "categories" || section === "purposes" || section === "processors" ? draft[section] : undefined;
  const item = typeof index === "number" ? items?.[index] : undefined;
  const label = item ? ` (${String(item.key ?? item.name)})` : "";
  return [`${String(section)}${index === undefined ? "" : `.${index}`}${label}`, ...rest].join(".");
}

// The draft: the policy as plain data, null where a placeholder stands

type Pending<T> = T | null;
type Organisation = PolicyDocument["organisation"];
type Retention = PolicyDocument["purposes"][number]["retention"];

class Placeholders {
  readonly list: { path: (string | number)[]; reason: string }[] = [];

  /** `value` when there is one; otherwise null, recorded as a placeholder at `path`. */
  fill<T>(value: T | undefined, path: (string | number)[], reason: string): Pending<T> {
    if (value !== undefined) return value;
    this.list.push({ path, reason });
    return null;
  }
}

const LEGAL_BASIS_OF_FIDES = new Map(Object.values(LegalBasisCode).map((code) => [FIDES_LEGAL_BASIS_OF[code], code]));
const ARTICLE_9_LETTER_OF = new Map(Object.entries(FIDES_SPECIAL_CATEGORY_BASES).map(([letter, basis]) => [basis, letter]));

/** What the controller's systems declare for one data use, merged across them. */
interface DeclaredUse {
  readonly key: string;
  name: string | undefined;
  readonly categories: string[];
  basis: FidesLegalBasis | undefined;
  specialBasis: FidesSpecialCategoryBasis | undefined;
  special: boolean;
}

function draftPolicy(manifest: Manifest, base: PolicyDocument | undefined, placeholders: Placeholders, warnings: string[]): PolicyDraft {
  const { input } = manifest;
  const systems = input.system ?? [];
  const controllerSystems = systems.filter((system) => !isProcessorSystem(system));
  const uses = declaredUses(controllerSystems);
  // The base's categories stay whatever the file names: the schema's fields carry them, not Fides.
  const baseCategoryKeys = base?.categories.map((category) => category.key) ?? [];
  const categoryKeys = ordered([...new Set([...referencedCategories(input), ...baseCategoryKeys])], baseCategoryKeys);
  const purposeKeys = ordered(
    [...uses.keys()],
    base?.purposes.map((purpose) => purpose.key),
  );

  const organisation = draftOrganisation(input, controllerSystems, base?.organisation, placeholders);
  const categories = categoryKeys.map((key, index) =>
    draftCategory(
      key,
      (input.data_category ?? []).find((entry) => entry.fides_key === key),
      base?.categories.find((category) => category.key === key),
      ["categories", index],
      placeholders,
    ),
  );
  const purposes = purposeKeys.map((key, index) =>
    draftPurpose(uses.get(key) as DeclaredUse, {
      input,
      base,
      uses,
      purposeKeys,
      categoryKeys,
      path: ["purposes", index],
      placeholders,
      warnings,
    }),
  );
  const processorSystems = orderedBy(
    systems.filter(isProcessorSystem),
    base?.processors.map((processor) => processor.name),
    processorNameOf,
  );
  return {
    organisation,
    categories,
    purposes,
    processors: processorSystems.map((system, index) => draftProcessor(system, base, categoryKeys, ["processors", index], placeholders)),
  };
}

function declaredUses(systems: readonly FideslangSystemInput[]): Map<string, DeclaredUse> {
  const uses = new Map<string, DeclaredUse>();
  for (const declaration of systems.flatMap((system) => system.privacy_declarations)) {
    const use = uses.get(declaration.data_use) ?? {
      key: declaration.data_use,
      name: undefined,
      categories: [],
      basis: undefined,
      specialBasis: undefined,
      special: false,
    };
    use.name ??= declaration.name ?? undefined;
    use.categories.push(...declaration.data_categories);
    use.basis ??= declaration.legal_basis_for_processing ?? undefined;
    use.specialBasis ??= declaration.special_category_legal_basis ?? undefined;
    use.special ||= declaration.processes_special_category_data === true;
    uses.set(declaration.data_use, use);
  }
  return uses;
}

/** Every category the manifest defines or names anywhere (declarations, dataset fields), with its ancestors. */
function referencedCategories(input: FideslangInput): string[] {
  const keys = new Set<string>();
  const add = (list: readonly string[] | null | undefined): void => list?.forEach((key) => keys.add(key));
  (input.data_category ?? []).forEach((entry) => keys.add(entry.fides_key));
  (input.system ?? []).forEach((system) => system.privacy_declarations.forEach((declaration) => add(declaration.data_categories)));
  const addField = (field: FideslangDatasetFieldInput): void => {
    add(field.data_categories);
    field.fields?.forEach(addField);
  };
  (input.dataset ?? []).forEach((dataset) => {
    add(dataset.data_categories);
    dataset.collections.forEach((collection) => {
      add(collection.data_categories);
      collection.fields.forEach(addField);
    });
  });
  for (const key of [...keys]) {
    for (let parent = parentKeyOf(key); parent !== null; parent = parentKeyOf(parent)) keys.add(parent);
  }
  return [...keys];
}

function draftCategory(
  key: string,
  defined: { name?: string | null; description?: string | null } | undefined,
  base: PolicyDocument["categories"][number] | undefined,
  path: (string | number)[],
  placeholders: Placeholders,
): Record<string, unknown> {
  const missing = FIDESLANG_DEFAULT_DATA_CATEGORIES.has(key)
    ? "fideslang's default taxonomy defines this key, and the file does not"
    : "the file defines no data_category for it";
  const name = placeholders.fill(text(defined?.name) ?? base?.name, [...path, "name"], missing);
  const description = placeholders.fill(text(defined?.description) ?? base?.description, [...path, "description"], missing);
  const special = placeholders.fill(
    base?.special,
    [...path, "special"],
    "whether it is a special category (GDPR Art. 9): fideslang does not say",
  );
  return { key, name, description, ...(special === false ? {} : { special }) };
}

interface PurposeContext {
  readonly input: FideslangInput;
  readonly base: PolicyDocument | undefined;
  readonly uses: ReadonlyMap<string, DeclaredUse>;
  readonly purposeKeys: readonly string[];
  readonly categoryKeys: readonly string[];
  readonly path: (string | number)[];
  readonly placeholders: Placeholders;
  readonly warnings: string[];
}

function draftPurpose(use: DeclaredUse, context: PurposeContext): Record<string, unknown> {
  const { base, path, placeholders } = context;
  const basePurpose = base?.purposes.find((purpose) => purpose.key === use.key);
  const defined = (context.input.data_use ?? []).find((entry) => entry.fides_key === use.key);
  const legalBasis = placeholders.fill(
    (use.basis && LEGAL_BASIS_OF_FIDES.get(use.basis)) ?? basePurpose?.legalBasis,
    [...path, "legalBasis"],
    "no system declares this data use's legal basis",
  );
  const citesLaw = legalBasis === LegalBasisCode.LEGAL_OBLIGATION || legalBasis === LegalBasisCode.PUBLIC_TASK;
  const specialCondition = use.specialBasis
    ? `GDPR Art. 9(2)(${ARTICLE_9_LETTER_OF.get(use.specialBasis) ?? "?"}): ${use.specialBasis.toLowerCase()}`
    : undefined;

  // A sub-purpose reads what its parent grants: its own grants are what its declaration adds.
  const declared = minimalKeys(use.categories);
  const parent = nearestDeclaredAncestor(use.key, new Set(context.purposeKeys));
  const inherited = parent ? minimalKeys(context.uses.get(parent)?.categories ?? []) : [];
  const grants = declared.filter((key) => !inherited.some((grant) => isUnder(key, grant)));
  const widened = inherited.filter((grant) => !declared.some((key) => isUnder(grant, key)));
  if (parent && widened.length > 0) {
    context.warnings.push(
      `${use.key} will also read ${widened.join(", ")}: in PurposeQL a sub-purpose reads what its parent ${parent} grants, and its privacy declaration does not list them.`,
    );
  }

  return {
    key: use.key,
    name: placeholders.fill(text(defined?.name) ?? text(use.name) ?? basePurpose?.name, [...path, "name"], "no name in the file"),
    description: placeholders.fill(
      text(defined?.description) ?? basePurpose?.description,
      [...path, "description"],
      FIDESLANG_DEFAULT_DATA_USES.has(use.key)
        ? "fideslang's default taxonomy defines this data use, and the file does not"
        : "the file defines no data_use for it",
    ),
    legalBasis,
    ...(legalBasis === LegalBasisCode.LEGITIMATE_INTERESTS
      ? {
          legitimateInterestAssessment: placeholders.fill(
            basePurpose?.legitimateInterestAssessment,
            [...path, "legitimateInterestAssessment"],
            "fideslang carries where the assessment is kept, not the assessment",
          ),
        }
      : {}),
    ...(citesLaw
      ? {
          legalReference: placeholders.fill(
            basePurpose?.legalReference,
            [...path, "legalReference"],
            "the law it complies with (GDPR Art. 6(3)): fideslang has no field for it",
          ),
        }
      : {}),
    ...(basePurpose?.allowedUnderRestriction ? { allowedUnderRestriction: true } : {}),
    ...(basePurpose?.consentAtRegistration ? { consentAtRegistration: true } : {}),
    ...(basePurpose?.answersRequests ? { answersRequests: true } : {}),
    ...(basePurpose && basePurpose.neverGrants.length > 0 ? { neverGrants: basePurpose.neverGrants } : {}),
    // fideslang's advertising uses show ads, whatever the base says.
    ...(basePurpose?.showsAds || isUnder(use.key, "marketing.advertising") ? { showsAds: true } : {}),
    ...(basePurpose?.article9Condition || specialCondition
      ? { article9Condition: basePurpose?.article9Condition ?? specialCondition }
      : use.special
        ? {
            article9Condition: placeholders.fill(
              undefined,
              [...path, "article9Condition"],
              "it processes special categories, and no system names its GDPR Art. 9(2) condition",
            ),
          }
        : {}),
    // The base's own words where they grant the same (a redundant grant in the base stays).
    grants:
      basePurpose &&
      sameSet(
        covered([...grants, ...inherited], context.categoryKeys),
        covered([...basePurpose.grants, ...inherited], context.categoryKeys),
      )
        ? basePurpose.grants
        : grants,
    retention: placeholders.fill<Retention>(
      basePurpose?.retention,
      [...path, "retention"],
      "fideslang's retention_period is prose; write the rule as { trigger, days, action }",
    ),
  };
}

function draftProcessor(
  system: FideslangSystemInput,
  base: PolicyDocument | undefined,
  categoryKeys: readonly string[],
  path: (string | number)[],
  placeholders: Placeholders,
): Record<string, unknown> {
  const name = processorNameOf(system);
  const baseKeys = base && processorKeys(base.processors.map((processor) => processor.name));
  const baseProcessor =
    base?.processors.find((processor) => processor.name === name) ??
    base?.processors.find((processor) => baseKeys?.get(processor.name) === system.fides_key);
  const purposes = [...new Set(system.privacy_declarations.map((declaration) => declaration.data_use))].sort();
  const declared = minimalKeys(system.privacy_declarations.flatMap((declaration) => declaration.data_categories));
  const sameCoverage =
    baseProcessor !== undefined &&
    sameSet([...leavesCovered(baseProcessor.categories, categoryKeys)], [...leavesCovered(declared, categoryKeys)]);
  const safeguards = (system.legal_basis_for_transfers ?? []).filter((safeguard) => safeguard.trim().length > 0);
  const measures = (system.data_security_practices ?? "")
    .split("\n")
    .map((measure) => measure.trim())
    .filter((measure) => measure.length > 0);
  const unknownDate = "fideslang has no field for it";
  const transferSafeguard = safeguards.length > 0 ? safeguards.join("; ") : baseProcessor?.transferSafeguard;
  return {
    name,
    country: placeholders.fill(
      baseProcessor?.country,
      [...path, "country"],
      "a system has no country in fideslang; transfers outside the EEA depend on it",
    ),
    ...(transferSafeguard ? { transferSafeguard } : {}),
    dpaReference: placeholders.fill(
      text(system.dpa_location) ?? baseProcessor?.dpaReference,
      [...path, "dpaReference"],
      "no dpa_location in the file",
    ),
    dpaSignedOn: placeholders.fill(baseProcessor?.dpaSignedOn, [...path, "dpaSignedOn"], unknownDate),
    lastVettedOn: placeholders.fill(baseProcessor?.lastVettedOn, [...path, "lastVettedOn"], unknownDate),
    securityMeasures: placeholders.fill(
      measures.length > 0 ? measures : baseProcessor?.securityMeasures,
      [...path, "securityMeasures"],
      "no data_security_practices in the file",
    ),
    purposes: sameSet(purposes, baseProcessor?.purposes) ? baseProcessor.purposes : purposes,
    categories: sameCoverage ? baseProcessor.categories : coverOf(declared, categoryKeys),
  };
}

function draftOrganisation(
  input: FideslangInput,
  controllerSystems: readonly FideslangSystemInput[],
  base: Organisation | undefined,
  placeholders: Placeholders,
): Record<string, unknown> {
  const organization = input.organization?.[0];
  const contact = organization?.controller;
  const path = (key: string): string[] => ["organisation", key];
  const notInFideslang = "fideslang's organization has no field for it";
  const profiles = controllerSystems.some((system) => system.uses_profiling === true);
  return {
    name: placeholders.fill(text(organization?.name) ?? text(contact?.name) ?? base?.name, path("name"), "no organization in the file"),
    country: placeholders.fill(base?.country, path("country"), notInFideslang),
    registrationNumber: base?.registrationNumber,
    phone: text(contact?.phone) ?? base?.phone,
    email: text(contact?.email) ?? base?.email,
    address: text(contact?.address) ?? base?.address,
    dataProtectionOfficer: placeholders.fill(
      officerOf(organization?.data_protection_officer) ?? base?.dataProtectionOfficer,
      path("dataProtectionOfficer"),
      'the data protection officer\'s contact details, or "none appointed"',
    ),
    noticeVersion: placeholders.fill(base?.noticeVersion, path("noticeVersion"), "the version of the privacy notice this policy encodes"),
    timeZone: placeholders.fill(base?.timeZone, path("timeZone"), "the calendar request deadlines are counted on, e.g. Europe/Riga"),
    ageOfDigitalConsent: placeholders.fill(
      base?.ageOfDigitalConsent,
      path("ageOfDigitalConsent"),
      "the Member State's age under GDPR Art. 8(1)",
    ),
    supervisoryAuthority: base?.supervisoryAuthority,
    automatedDecisions: placeholders.fill(
      profiles ? (base && base.automatedDecisions.length > 0 ? base.automatedDecisions : undefined) : (base?.automatedDecisions ?? []),
      path("automatedDecisions"),
      "a system uses profiling: name the automated decisions (GDPR Art. 22)",
    ),
  };
}

function officerOf(
  contact: { name?: string | null; email?: string | null; phone?: string | null; address?: string | null } | null | undefined,
): Organisation["dataProtectionOfficer"] | undefined {
  const name = text(contact?.name);
  if (!contact || !name) return undefined;
  if (name.toLowerCase() === "none appointed") return "none appointed";
  const email = text(contact.email);
  const phone = text(contact.phone);
  const address = text(contact.address);
  return { name, ...(email ? { email } : {}), ...(phone ? { phone } : {}), ...(address ? { address } : {}) };
}

// Writing: a fresh file, or the base file with what changed

function fresh(draft: PolicyDraft, file: string): Document {
  const document = new Document(draft, { aliasDuplicateObjects: false });
  document.commentBefore = [
    ` Drafted from the fideslang file ${file} by npm run fides -- import.`,
    ` Each null marked "${PLACEHOLDER_MARK}" is something fideslang does not carry: the loader and`,
    ` npm run policy:lint refuse the file until it is filled in, and each purpose must cite its notice.`,
  ].join("\n");
  return document;
}

// Small helpers

function processorNameOf(system: FideslangSystemInput): string {
  return text(system.name) ?? system.fides_key;
}

/** A non-empty, trimmed text, or undefined. */
function text(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function sameSet(a: readonly string[], b: readonly string[] | undefined): b is readonly string[] {
  return b !== undefined && a.length === new Set(b).size && a.every((item) => b.includes(item));
}

/** The base's keys first, in the base's order, then the others sorted. */
function ordered(keys: readonly string[], baseOrder: readonly string[] | undefined): string[] {
  const present = new Set(keys);
  const first = (baseOrder ?? []).filter((key) => present.has(key));
  return [...first, ...keys.filter((key) => !first.includes(key)).sort()];
}

function orderedBy<T>(items: readonly T[], baseOrder: readonly string[] | undefined, idOf: (item: T) => string): T[] {
  const order = ordered(items.map(idOf), baseOrder);
  return [...items].sort((a, b) => order.indexOf(idOf(a)) - order.indexOf(idOf(b)));
}
