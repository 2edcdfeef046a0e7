import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { Kind, parse as parseGraphQL } from "graphql";
import { isScalar, parse as parseYaml, parseDocument } from "yaml";
import { FIDES_USAGE, runFidesCommand, UsageError } from "../src/cli/fides-commands";
import { personalCollectionsOf } from "../src/graphql/personal-dataset";
import { privacyManifestOf } from "../src/graphql/privacy-manifest";
import { buildPurposeQLSchema } from "../src/graphql/schema";
import { compileDocument } from "../src/policy/compile-document";
import { covered, leavesCovered } from "../src/policy/fideslang/category-sets";
import {
  FIDESLANG_DEFAULT_DATA_CATEGORIES,
  FIDESLANG_DEFAULT_DATA_SUBJECTS,
  FIDESLANG_DEFAULT_DATA_USES,
} from "../src/policy/fideslang/default-taxonomy";
import { fideslangOf, fideslangYaml, type PersonalCollection } from "../src/policy/fideslang/export";
import { PLACEHOLDER_MARK, policyFromFideslang } from "../src/policy/fideslang/import";
import { FideslangFileError } from "../src/policy/fideslang/read-manifest";
import type { PolicyDocument } from "../src/policy/policy-document";
import { parsePolicy, PolicyFileError } from "../src/policy/policy-file";
import { lintPolicySource } from "../src/policy/policy-lint";

/**
 * `npm run fides`: the policy as a fideslang manifest that Fides accepts, and a fideslang manifest
 * back into a policy file. No database: the export reads the policy file and the built schema
 * (test/fides-database.test.ts exports what a database holds).
 */

const ROOT = path.resolve(__dirname, "..");
const POLICY_FILE = "policy/clubmium.policy.yaml";
const POLICY_SOURCE = readFileSync(path.join(ROOT, POLICY_FILE), "utf8");
const NOTICE = readFileSync(path.join(ROOT, "policy/clubmium-privacy-notice.lv.txt"), "utf8");
const POLICY = parsePolicy(POLICY_FILE, POLICY_SOURCE);
const FIXTURES = path.join(ROOT, "test/fixtures/fideslang");
const EXPORTED = "clubmium.fides.yaml";

type Json = Record<string, unknown>;
interface Manifest {
  organization: Json[];
  data_category: Json[];
  data_use: Json[];
  dataset: { fides_key: string; collections: { name: string; fields: { name: string; data_categories: string[] }[] }[] }[];
  system: System[];
}
interface Declaration {
  name: string;
  data_use: string;
  data_categories: string[];
  data_subjects: string[];
  legal_basis_for_processing: string;
  retention_period: string;
  [key: string]: unknown;
}
interface System {
  fides_key: string;
  name: string;
  responsibility: string[];
  privacy_declarations: Declaration[];
  [key: string]: unknown;
}

let collections: PersonalCollection[];
beforeAll(async () => {
  collections = personalCollectionsOf(await buildPurposeQLSchema());
});

/** Runs `npm run fides -- …` on the repo's files; what it printed, reported and wrote. */
async function fides(argv: string[], files: Record<string, string> = {}) {
  const written = new Map<string, string>();
  let printed = "";
  let reported = "";
  const code = await runFidesCommand(argv, {
    print: (text) => (printed += text),
    report: (text) => (reported += text),
    readFile: (file) => Promise.resolve(files[file] ?? written.get(file) ?? readFileSync(path.resolve(ROOT, file), "utf8")),
    writeFile: (file, text) => {
      written.set(file, text);
      return Promise.resolve();
    },
    defaultPolicyFile: POLICY_FILE,
    personalCollections: () => Promise.resolve(collections),
    policyInForce: () => Promise.reject(new Error("no database in this test")),
  });
  return { code, printed, reported, written };
}

async function exported(): Promise<{ yaml: string; manifest: Manifest }> {
  const { code, printed } = await fides(["export"]);
  expect(code).toBe(0);
  return { yaml: printed, manifest: parseYaml(printed) as Manifest };
}

const controllerOf = (manifest: Manifest): System => manifest.system.find((system) => system.fides_key === "purposeql")!;
const systemNamed = (manifest: Manifest, name: string): System => manifest.system.find((system) => system.name === name)!;
const declarationOf = (system: System, use: string): Declaration => system.privacy_declarations.find((d) => d.data_use === use)!;
const clone = <T>(value: T): T => structuredClone(value);

// What Fides accepts: its published resource schemas (test/fixtures/fideslang/README.md says where they come from).

const RESOURCES_ID = "https://ethyca.github.io/fides/2.84.2/api/openapi.json";

function fidesValidator(options: { strict: boolean }): ValidateFunction {
  const resources = JSON.parse(readFileSync(path.join(FIXTURES, "fides-2.84.2-resources.schema.json"), "utf8")) as Json;
  const taxonomy = JSON.parse(readFileSync(path.join(FIXTURES, "fideslang-taxonomy.schema.json"), "utf8")) as Json;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  // The OpenAPI document's schemas sit under components.schemas, where their $refs point.
  ajv.addKeyword("components");
  ajv.addSchema(options.strict ? closed(resources) : resources, RESOURCES_ID);
  return ajv.compile(options.strict ? closed(taxonomy) : taxonomy);
}

/**
 * The schemas with every object closed to the properties it lists. Fides ignores a key it does not
 * know (pydantic's default), so the published schemas accept one; closed, they prove the export
 * writes nothing Fides would silently drop.
 */
function closed(schema: Json): Json {
  const close = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(close);
    if (node === null || typeof node !== "object") return node;
    const copy = Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, key === "properties" ? mapValues(value, close) : close(value)]),
    );
    return "properties" in copy && !("additionalProperties" in copy) ? { ...copy, additionalProperties: false } : copy;
  };
  return close(schema) as Json;
}

function mapValues(value: unknown, map: (item: unknown) => unknown): unknown {
  return Object.fromEntries(Object.entries(value as Json).map(([key, item]) => [key, map(item)]));
}

const validateLoose = fidesValidator({ strict: false });
const validateClosed = fidesValidator({ strict: true });

function schemaErrors(validate: ValidateFunction, manifest: unknown): string[] {
  return validate(manifest) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ""}`);
}

/**
 * fideslang's pydantic validators that no JSON schema states (fideslang's validation.py, transcribed:
 * the FidesKey pattern, parent keys, version fields, unique names), and Fides's references: every key
 * the manifest names is defined in it or in fideslang's default taxonomy, and none redefines a default.
 */
function fideslangViolations(manifest: Manifest): string[] {
  const violations: string[] = [];
  const FIDES_KEY = /^[a-zA-Z0-9_.<>-]+$/;
  const key = (value: unknown, where: string): void => {
    if (typeof value !== "string" || !FIDES_KEY.test(value)) violations.push(`${where}: ${String(value)} is not a FidesKey`);
  };
  const categories = new Set([...FIDESLANG_DEFAULT_DATA_CATEGORIES, ...manifest.data_category.map((entry) => String(entry.fides_key))]);
  const uses = new Set([...FIDESLANG_DEFAULT_DATA_USES, ...manifest.data_use.map((entry) => String(entry.fides_key))]);
  const organizations = new Set(manifest.organization.map((organization) => String(organization.fides_key)));
  const datasets = new Set(manifest.dataset.map((dataset) => dataset.fides_key));
  const known = (set: ReadonlySet<string>, value: string, where: string): void => {
    key(value, where);
    if (!set.has(value)) violations.push(`${where}: ${value} is defined neither in the file nor in fideslang's default taxonomy`);
  };

  for (const [section, defaults, own] of [
    ["data_category", FIDESLANG_DEFAULT_DATA_CATEGORIES, categories],
    ["data_use", FIDESLANG_DEFAULT_DATA_USES, uses],
  ] as const) {
    for (const entry of manifest[section]) {
      const fidesKey = String(entry.fides_key);
      key(fidesKey, `${section} ${fidesKey}`);
      if (defaults.has(fidesKey)) violations.push(`${section} ${fidesKey}: redefines a key of fideslang's default taxonomy`);
      const expectedParent = fidesKey.includes(".") ? fidesKey.slice(0, fidesKey.lastIndexOf(".")) : null;
      if ((entry.parent_key ?? null) !== expectedParent)
        violations.push(`${section} ${fidesKey}: parent_key ${JSON.stringify(entry.parent_key)}`);
      if (entry.parent_key === fidesKey) violations.push(`${section} ${fidesKey}: refers to itself`);
      if (typeof entry.parent_key === "string") known(own, entry.parent_key, `${section} ${fidesKey} parent_key`);
      if (entry.is_default || entry.version_added || entry.version_deprecated || entry.replaced_by)
        violations.push(`${section} ${fidesKey}: non-default items can't have version information`);
      known(organizations, String(entry.organization_fides_key), `${section} ${fidesKey} organization_fides_key`);
    }
  }
  for (const dataset of manifest.dataset) {
    const names = dataset.collections.map((collection) => collection.name);
    if (new Set(names).size !== names.length) violations.push(`dataset ${dataset.fides_key}: duplicate collection names`);
    for (const collection of dataset.collections) {
      const fieldNames = collection.fields.map((field) => field.name);
      if (new Set(fieldNames).size !== fieldNames.length) violations.push(`${collection.name}: duplicate field names`);
      for (const field of collection.fields)
        field.data_categories.forEach((category) => known(categories, category, `${collection.name}.${field.name}`));
    }
  }
  for (const system of manifest.system) {
    key(system.fides_key, `system ${system.fides_key}`);
    (system.dataset_references as string[]).forEach((reference) => known(datasets, reference, `system ${system.fides_key} dataset`));
    for (const declaration of system.privacy_declarations) {
      const where = `system ${system.fides_key} ${declaration.data_use}`;
      known(uses, declaration.data_use, where);
      declaration.data_categories.forEach((category) => known(categories, category, where));
      declaration.data_subjects.forEach((subject) => known(FIDESLANG_DEFAULT_DATA_SUBJECTS, subject, where));
      if (declaration.egress || declaration.ingress) violations.push(`${where}: names a data flow the system does not define`);
    }
  }
  return violations;
}

describe("npm run fides -- export", () => {
  it("writes a fideslang manifest that Fides's published schemas accept, with no key they do not know", async () => {
    const { manifest } = await exported();
    expect(schemaErrors(validateLoose, manifest)).toEqual([]);
    expect(schemaErrors(validateClosed, manifest)).toEqual([]);
    expect(Object.keys(manifest)).toEqual(["organization", "data_category", "data_use", "dataset", "system"]);
  });

  it("is refused by those schemas when it breaks them (the check can fail)", async () => {
    const { manifest } = await exported();
    const badBasis = clone(manifest);
    badBasis.system[0]!.privacy_declarations[0]!.legal_basis_for_processing = "Because we can";
    expect(schemaErrors(validateLoose, badBasis)).toContain(
      "/system/0/privacy_declarations/0/legal_basis_for_processing must be equal to one of the allowed values",
    );
    const noType = clone(manifest);
    delete noType.system[1]!.system_type;
    expect(schemaErrors(validateLoose, noType)).toContain("/system/1 must have required property 'system_type'");
    const unknownKey = clone(manifest);
    unknownKey.system[0]!.privacy_declarations[0]!.purpose_key = "personalize";
    expect(schemaErrors(validateLoose, unknownKey)).toEqual([]);
    expect(schemaErrors(validateClosed, unknownKey)).toContain("/system/0/privacy_declarations/0 must NOT have additional properties");
  });

  it("obeys fideslang's own validators and names only keys it defines or fideslang's default taxonomy has; it redefines no default", async () => {
    const { manifest } = await exported();
    expect(fideslangViolations(manifest)).toEqual([]);

    const broken = clone(manifest);
    broken.data_category.push({ fides_key: "user.name", organization_fides_key: "default_organization", name: "Name", parent_key: "user" });
    broken.data_use[0]!.parent_key = "essential.service";
    controllerOf(broken).privacy_declarations[0]!.data_categories.push("user.shoe_size");
    expect(fideslangViolations(broken)).toEqual([
      "data_category user.name: redefines a key of fideslang's default taxonomy",
      `data_use essential.data_subject_rights: parent_key "essential.service"`,
      "system purposeql analytics.reporting: user.shoe_size is defined neither in the file nor in fideslang's default taxonomy",
    ]);
  });

  it("defines the policy's own categories and purposes, those fideslang's default taxonomy lacks, under their fideslang parents", async () => {
    const { manifest } = await exported();
    const own = POLICY.categories.filter((category) => !FIDESLANG_DEFAULT_DATA_CATEGORIES.has(category.key));
    expect(manifest.data_category).toEqual(
      own
        .map((category) => ({
          fides_key: category.key,
          organization_fides_key: "default_organization",
          name: category.name,
          description: category.description,
          parent_key: category.key.slice(0, category.key.lastIndexOf(".")),
        }))
        .sort((a, b) => (a.fides_key < b.fides_key ? -1 : 1)),
    );
    expect(manifest.data_category.map((entry) => entry.fides_key)).toEqual([
      "user.account.service_relationship",
      "user.account.status",
      "user.device.browser",
      "user.device.device_info",
      "user.device.operating_system",
      "user.location.coarse",
      "user.registration",
      "user.registration.consent_time",
    ]);
    expect(manifest.data_use).toEqual([
      expect.objectContaining({
        fides_key: "essential.data_subject_rights",
        name: "Answering data-subject requests",
        parent_key: "essential",
      }),
      expect.objectContaining({ fides_key: "essential.service.inquiries", name: "Answering inquiries", parent_key: "essential.service" }),
    ]);
  });

  it("gives a purpose whose parent neither fideslang nor the policy declares that parent, and each processor a key of its own", () => {
    const policy: PolicyDocument = clone(POLICY);
    policy.purposes.push({
      ...clone(policy.purposes.find((purpose) => purpose.key === "functional.service.improve")!),
      key: "research.surveys",
    });
    const hosting = policy.processors[0]!;
    policy.processors.push({ ...clone(hosting), name: "EXAMPLE hosting, SIA" }, { ...clone(hosting), name: "PurposeQL" });
    const manifest = fideslangOf(policy, collections) as unknown as Manifest;
    expect(fideslangViolations(manifest)).toEqual([]);
    expect(manifest.data_use.map((entry) => [entry.fides_key, entry.parent_key])).toEqual([
      ["essential.data_subject_rights", "essential"],
      ["essential.service.inquiries", "essential.service"],
      ["research", null],
      ["research.surveys", "research"],
    ]);
    expect(manifest.system.map((system) => [system.fides_key, system.name])).toEqual([
      ["purposeql", "PurposeQL"],
      ["example_hosting_sia", "EXAMPLE hosting, SIA"],
      ["example_hosting_sia_2", "Example Hosting SIA"],
      ["example_mail_delivery_ltd", "Example Mail Delivery Ltd"],
      ["purposeql_2", "PurposeQL"],
    ]);
  });

  it("describes the personal types as one dataset, each field with the category enforcement reads: schema.graphql's @dataCategory tags and the privacy manifest", async () => {
    const { manifest } = await exported();
    expect(manifest.dataset).toHaveLength(1);
    const [dataset] = manifest.dataset;
    const fromExport = dataset!.collections.flatMap((collection) =>
      collection.fields.map((field) => [`${collection.name}.${field.name}`, field.data_categories] as const),
    );
    expect(fromExport.every(([, categories]) => categories.length === 1)).toBe(true);
    const exportedCategories = Object.fromEntries(fromExport.map(([field, categories]) => [field, categories[0]]));

    // What partners read: the object types' @dataCategory directives in the checked-in SDL.
    const tagged: Record<string, string> = {};
    for (const definition of parseGraphQL(readFileSync(path.join(ROOT, "schema.graphql"), "utf8")).definitions) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
      for (const field of definition.fields ?? []) {
        const argument = field.directives?.find((directive) => directive.name.value === "dataCategory")?.arguments?.[0]?.value;
        if (argument?.kind === Kind.STRING) tagged[`${definition.name.value}.${field.name.value}`] = argument.value;
      }
    }
    expect(exportedCategories).toEqual(tagged);
    // What the privacy manifest says of each field, from the same compiled policy enforcement uses.
    const manifestFields = privacyManifestOf(compileDocument(POLICY)).fields.map((field) => [field.field, field.category]);
    expect(exportedCategories).toEqual(Object.fromEntries(manifestFields));
    expect(Object.keys(exportedCategories)).toEqual(
      expect.arrayContaining(["DataSubject.email", "Inquiry.receivedAt", "ConsentEvidence.ipAddress"]),
    );
    expect(dataset!.collections.find((collection) => collection.name === "DataSubject")?.fields).toContainEqual({
      name: "email",
      description: "E-mail address.",
      data_categories: ["user.contact.email"],
    });
    expect(controllerOf(manifest).dataset_references).toEqual(["purposeql_personal_data"]);
  });

  it("declares each purpose on PurposeQL's system with what the compiled policy lets it read, its legal basis, whose data and for how long", async () => {
    const { manifest } = await exported();
    const compiled = compileDocument(POLICY);
    const categoryKeys = POLICY.categories.map((category) => category.key);
    const controller = controllerOf(manifest);
    expect(controller).toMatchObject({
      responsibility: ["Controller"],
      system_type: "Service",
      legal_name: "Clubmium",
      uses_profiling: false,
    });
    expect(controller.privacy_declarations.map((declaration) => declaration.data_use)).toEqual(POLICY.purposes.map((p) => p.key).sort());
    for (const purpose of POLICY.purposes) {
      const declaration = declarationOf(controller, purpose.key);
      expect({ key: purpose.key, reads: covered(declaration.data_categories, categoryKeys) }).toEqual({
        key: purpose.key,
        reads: [...compiled.readableCategories(purpose.key)].sort((a, b) => categoryKeys.indexOf(a) - categoryKeys.indexOf(b)),
      });
    }
    expect(declarationOf(controller, "essential.service.operations.support")).toEqual({
      name: "Customer service",
      data_use: "essential.service.operations.support",
      // Its own grant and everything providing the services grants, which it inherits.
      data_categories: [
        "user.account",
        "user.contact",
        "user.demographic.date_of_birth",
        "user.location.coarse",
        "user.name",
        "user.privacy_preferences",
      ],
      data_subjects: ["customer"],
      flexible_legal_basis_for_processing: false,
      legal_basis_for_processing: "Contract",
      retention_period: "At the end of the service: deleted.",
      processes_special_category_data: false,
    });
    expect(declarationOf(controller, "essential.service.security")).toMatchObject({
      legal_basis_for_processing: "Legitimate interests",
      impact_assessment_location: "PurposeQL policy of Clubmium: purpose essential.service.security, legitimateInterestAssessment",
    });
    expect(declarationOf(controller, "essential.legal_obligation")).toMatchObject({
      legal_basis_for_processing: "Legal obligations",
      retention_period: "1826 days after the end of the service: kept in the archive until then, then deleted.",
    });
    expect(declarationOf(controller, "essential.service.inquiries").data_subjects).toEqual(["customer", "prospect"]);
    expect(manifest.organization).toEqual([
      {
        fides_key: "default_organization",
        name: "Clubmium",
        description: "The controller (GDPR Art. 4(7)) of the personal data PurposeQL holds, established in LV.",
        controller: { name: "Clubmium", address: "", email: "", phone: "+37167881528" },
        data_protection_officer: { name: "none appointed", address: "", email: "", phone: "" },
      },
    ]);
  });

  it("makes each processor a system declaring, per purpose, only what both its contract and that purpose cover", async () => {
    const { manifest } = await exported();
    const mail = systemNamed(manifest, "Example Mail Delivery Ltd");
    expect(mail).toMatchObject({
      fides_key: "example_mail_delivery_ltd",
      responsibility: ["Processor"],
      dpa_location: "DPA-2022-014",
      data_security_practices: "TLS for every message relay\nMessage logs deleted after 30 days",
      does_international_transfers: false,
      legal_basis_for_transfers: [],
    });
    expect(mail.privacy_declarations.map((declaration) => [declaration.data_use, declaration.data_categories])).toEqual([
      ["essential.service.inquiries", ["user.contact.email", "user.content.private", "user.name"]],
      // Customer service reads no private messages, so the mail processor processes none for it.
      ["essential.service.operations.support", ["user.contact.email", "user.name"]],
    ]);
    const hosting = systemNamed(manifest, "Example Hosting SIA");
    expect(declarationOf(hosting, "personalize").data_categories).toEqual(
      declarationOf(controllerOf(manifest), "personalize").data_categories,
    );
  });

  it("names a processor's transfer outside the EEA and its safeguard, and a special category's Art. 9 condition", () => {
    const policy: PolicyDocument = clone(POLICY);
    policy.processors.push({
      name: "Example Analytics Inc.",
      country: "US",
      transferSafeguard: "Standard contractual clauses (Commission Implementing Decision (EU) 2021/914)",
      dpaReference: "DPA-2026-001",
      dpaSignedOn: "2026-01-10",
      lastVettedOn: "2026-02-01",
      securityMeasures: ["SOC 2 Type II"],
      purposes: ["analytics.reporting"],
      categories: ["user.device.browser"],
    });
    policy.categories.push({ key: "user.health", name: "Health", description: "Health data.", special: true });
    const personalize = policy.purposes.find((purpose) => purpose.key === "personalize")!;
    personalize.grants.push("user.health");
    personalize.article9Condition = "GDPR Art. 9(2)(a): the person's explicit consent";
    const manifest = fideslangOf(policy, collections) as unknown as Manifest;
    expect(schemaErrors(validateClosed, manifest)).toEqual([]);
    expect(systemNamed(manifest, "Example Analytics Inc.")).toMatchObject({
      fides_key: "example_analytics_inc",
      does_international_transfers: true,
      legal_basis_for_transfers: ["Standard contractual clauses (Commission Implementing Decision (EU) 2021/914)"],
    });
    expect(declarationOf(controllerOf(manifest), "personalize")).toMatchObject({
      processes_special_category_data: true,
      special_category_legal_basis: "Explicit consent",
    });
    expect(declarationOf(controllerOf(manifest), "marketing.advertising").processes_special_category_data).toBe(false);
  });

  it("writes the same bytes for the same policy, every list in key order, so two exports diff line by line", async () => {
    const first = await exported();
    expect((await exported()).yaml).toBe(first.yaml);
    const shuffled: PolicyDocument = {
      ...clone(POLICY),
      categories: [...POLICY.categories].reverse(),
      purposes: [...POLICY.purposes].reverse(),
    };
    expect(
      fideslangYaml(
        fideslangOf(shuffled, [...collections].reverse()),
        " fideslang manifest of Clubmium's PurposeQL policy (from policy/clubmium.policy.yaml), written by npm run fides -- export.\n Push it to Fides with: fides push <this file>",
      ),
    ).toBe(first.yaml);
    const names = first.manifest.dataset[0]!.collections.map((collection) => collection.name);
    expect(names).toEqual([...names].sort());
    expect(first.yaml).not.toMatch(/[&*]a\d/);
  });

  it("writes to --out, and refuses a usage it cannot follow", async () => {
    const { code, printed, reported, written } = await fides(["export", "--out", EXPORTED]);
    expect({ code, printed }).toEqual({ code: 0, printed: "" });
    expect(written.get(EXPORTED)).toBe((await exported()).yaml);
    expect(reported).toBe(`Wrote the fideslang manifest (from ${POLICY_FILE}) to ${EXPORTED}.\n`);

    await expect(fides(["export", "--policy", POLICY_FILE, "--database"])).rejects.toThrow(UsageError);
    await expect(fides(["export", "--as-of", "zero"])).rejects.toThrow("--as-of must be a policy version");
    await expect(fides(["export", "policy.yaml"])).rejects.toThrow(UsageError);
    await expect(fides(["publish"])).rejects.toThrow("Unknown command publish");
    await expect(fides(["export", "--policy", "missing.yaml"])).rejects.toThrow(
      new PolicyFileError("missing.yaml", ["cannot be read: ENOENT"]),
    );
    expect(FIDES_USAGE).toContain("npm run fides -- import <fideslang file> [--base <policy file>] [--out <policy file>]");
  });
});

/** The policy file's values, as the loader reads them: comments and folding aside. */
const valuesOf = (source: string): unknown => parseDocument(source).toJS();

describe("npm run fides -- import", () => {
  it("brings an export back over the base policy as the same policy, with the base's comments and notice citations", async () => {
    const { written } = await fides(["export", "--out", EXPORTED]);
    const {
      code,
      printed,
      reported,
      written: imported,
    } = await fides(["import", EXPORTED, "--base", POLICY_FILE, "--out", "imported.yaml"], {
      [EXPORTED]: written.get(EXPORTED)!,
    });
    expect({ code, printed }).toEqual({ code: 0, printed: "" });
    expect(reported).toBe(
      [
        `Read ${EXPORTED}, with what fideslang does not carry from ${POLICY_FILE}; wrote the policy file to imported.yaml.`,
        "The policy loader accepts it. Check that each purpose cites its notice: npm run policy:lint -- <file> --notice <notice text>.",
        "",
      ].join("\n"),
    );
    const yaml = imported.get("imported.yaml")!;
    expect(valuesOf(yaml)).toEqual(valuesOf(POLICY_SOURCE));
    expect(lintPolicySource("imported.yaml", yaml, NOTICE)).toEqual([]);
    for (const comment of POLICY_SOURCE.split("\n").filter((line) => line.trim().startsWith("#"))) expect(yaml).toContain(comment.trim());
  });

  it("without a base, brings back all fideslang carries and leaves the rest null, marked, listed and refused by the loader and policy:lint", async () => {
    const { written } = await fides(["export", "--out", EXPORTED]);
    const { code, printed, reported } = await fides(["import", EXPORTED], { [EXPORTED]: written.get(EXPORTED)! });
    expect(code).toBe(1);
    const result = policyFromFideslang(EXPORTED, written.get(EXPORTED)!);
    expect(printed).toBe(result.yaml);

    const paths = result.placeholders.map((placeholder) => placeholder.item);
    expect(paths).toEqual(
      expect.arrayContaining([
        "organisation.country",
        "organisation.noticeVersion",
        "organisation.timeZone",
        "organisation.ageOfDigitalConsent",
        "categories.0 (user).name",
        "categories.0 (user).special",
        "purposes.0 (analytics.reporting).legitimateInterestAssessment",
        "purposes.0 (analytics.reporting).retention",
        "purposes.2 (essential.legal_obligation).legalReference",
        "processors.0 (Example Hosting SIA).country",
        "processors.0 (Example Hosting SIA).dpaSignedOn",
      ]),
    );
    // What fideslang carries is never a placeholder: the controller's name, the own categories' names, purposes' names,
    // bases and grants, processors' DPA references, security measures, purposes and categories.
    const carried =
      /^organisation\.name$|\((user\.device\.browser|user\.location\.coarse|user\.registration)\)\.(name|description)$|^purposes\.\d+ \([^)]*\)\.(name|legalBasis|grants)$|\.(dpaReference|securityMeasures|purposes|categories)$/;
    expect(paths.filter((item) => carried.test(item))).toEqual([]);
    for (const placeholder of result.placeholders) {
      const node = parseDocument(result.yaml).getIn(
        placeholder.path.split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
        true,
      );
      expect({
        path: placeholder.path,
        value: isScalar(node) ? node.value : node,
        marked: isScalar(node) && node.comment?.includes(PLACEHOLDER_MARK),
      }).toEqual({
        path: placeholder.path,
        value: null,
        marked: true,
      });
    }
    expect(reported).toContain(
      `${result.placeholders.length} value(s) fideslang does not carry are left null, marked "fides import: fill in":`,
    );
    expect(reported).toContain(
      "  purposes.0 (analytics.reporting).retention: fideslang's retention_period is prose; write the rule as { trigger, days, action }",
    );
    expect(reported).toContain("The policy loader refuses it while they are null.");

    const refusal = (() => {
      try {
        parsePolicy("imported.yaml", result.yaml);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(PolicyFileError);
    expect((refusal as PolicyFileError).problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^organisation\.country \(line \d+\): /),
        expect.stringMatching(/^purposes\.0\.retention \(line \d+\): /),
      ]),
    );
    const lint = lintPolicySource("imported.yaml", result.yaml, NOTICE);
    expect(lint).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ item: "organisation.country", rule: "schema" }),
        expect.objectContaining({ item: "purposes.0 (analytics.reporting)", rule: "notice-citation" }),
      ]),
    );
  });

  it("without a base, loses nothing fideslang carries: filled in from the original policy, it compiles to the same categories, grants and processors", async () => {
    const result = policyFromFideslang(EXPORTED, (await exported()).yaml);
    const filled = parsePolicy("filled.yaml", fillPlaceholders(result.yaml, result.placeholders, POLICY));
    expect(equivalence(filled)).toEqual(equivalence(POLICY));
  });

  it("takes changes made in Fides over the base: a widened declaration, a renamed purpose, a processor gone and one added; the categories stay", async () => {
    const { manifest } = await exported();
    const changed = clone(manifest);
    const personalize = declarationOf(controllerOf(changed), "personalize");
    personalize.data_categories.push("user.contact.phone_number");
    personalize.name = "Personalised greetings";
    changed.system = changed.system.filter((system) => system.name !== "Example Mail Delivery Ltd");
    // Categories stay with the base: the schema's fields carry them, whether or not Fides holds the dataset.
    changed.dataset = [];
    changed.system.push({
      fides_key: "example_sms",
      name: "Example SMS OÜ",
      system_type: "Service",
      responsibility: ["Processor"],
      dpa_location: "DPA-2027-002",
      data_security_practices: "TLS\nNo message content stored",
      privacy_declarations: [{ ...clone(personalize), data_categories: ["user.contact.phone_number", "user.name"] }],
    });
    const result = policyFromFideslang("changed.yaml", fideslangYaml(changed as never, " changed in Fides"), {
      file: POLICY_FILE,
      source: POLICY_SOURCE,
    });

    expect(result.placeholders.map((placeholder) => placeholder.item)).toEqual([
      "processors.1 (Example SMS OÜ).country",
      "processors.1 (Example SMS OÜ).dpaSignedOn",
      "processors.1 (Example SMS OÜ).lastVettedOn",
    ]);
    const values = valuesOf(result.yaml) as PolicyDocument;
    expect(values.purposes.find((purpose) => purpose.key === "personalize")).toMatchObject({
      name: "Personalised greetings",
      grants: [
        "user.contact.phone_number",
        "user.demographic.date_of_birth",
        "user.location.coarse",
        "user.name",
        "user.privacy_preferences",
      ],
      retention: { trigger: "CONSENT_WITHDRAWN", days: 0, action: "DELETE" },
    });
    expect(values.processors).toEqual([
      POLICY.processors[0],
      {
        name: "Example SMS OÜ",
        country: null,
        dpaReference: "DPA-2027-002",
        dpaSignedOn: null,
        lastVettedOn: null,
        securityMeasures: ["TLS", "No message content stored"],
        purposes: ["personalize"],
        categories: ["user.contact.phone_number", "user.name"],
      },
    ]);
    // The rest is the base, comments and all.
    expect(result.yaml).toContain(`  # Notice: "sniedzot jums personalizētu pieredzi"; basis:`);
    expect({ ...values, purposes: [], processors: [] }).toEqual({
      ...(valuesOf(POLICY_SOURCE) as PolicyDocument),
      purposes: [],
      processors: [],
    });
  });

  it("makes fideslang's advertising uses show ads, so the loader refuses them personal content whatever the base says", () => {
    const declaring = (use: string, categories: string[]) =>
      JSON.stringify({
        system: [
          {
            fides_key: "shop",
            system_type: "Service",
            privacy_declarations: [{ data_use: use, data_categories: categories, legal_basis_for_processing: "Consent" }],
          },
        ],
      });
    const base = POLICY_SOURCE.replace("    showsAds: true\n", "");
    expect(parsePolicy("base.yaml", base).purposes.find((purpose) => purpose.key === "marketing.advertising")?.showsAds).toBe(false);

    const result = policyFromFideslang("ads.yaml", declaring("marketing.advertising", ["user.name", "user.content.private"]), {
      file: "base.yaml",
      source: base,
    });
    expect(result.placeholders).toEqual([]);
    expect((valuesOf(result.yaml) as PolicyDocument).purposes).toEqual([
      expect.objectContaining({ key: "marketing.advertising", showsAds: true }),
    ]);
    expect(() => parsePolicy("ads.yaml", result.yaml)).toThrow(
      /purposes\.0\.grants \(line \d+\): marketing\.advertising may not be granted user\.content\.private: it shows ads/,
    );

    const foreign = policyFromFideslang("ads.yaml", declaring("marketing.advertising.first_party.targeted", ["user.device"]));
    expect((valuesOf(foreign.yaml) as PolicyDocument).purposes[0]).toMatchObject({ showsAds: true, legalBasis: "CONSENT" });
  });

  it("notes where PurposeQL would read more than a declaration lists: a sub-purpose reads what its parent grants", () => {
    const manifest = {
      system: [
        {
          fides_key: "crm",
          system_type: "Service",
          privacy_declarations: [
            { data_use: "essential.service", data_categories: ["user.name", "user.contact"], legal_basis_for_processing: "Contract" },
            { data_use: "essential.service.operations.support", data_categories: ["user.name"], legal_basis_for_processing: "Contract" },
          ],
        },
      ],
    };
    const result = policyFromFideslang("crm.yaml", JSON.stringify(manifest));
    expect(result.warnings).toEqual([
      "essential.service.operations.support will also read user.contact: in PurposeQL a sub-purpose reads what its parent essential.service grants, and its privacy declaration does not list them.",
    ]);
    expect((valuesOf(result.yaml) as PolicyDocument).purposes.map((purpose) => [purpose.key, purpose.grants])).toEqual([
      ["essential.service", ["user.contact", "user.name"]],
      ["essential.service.operations.support", []],
    ]);
  });

  it("prints the loader's reasons when the file it wrote breaks a rule fideslang does not have, and exits 1", async () => {
    const manifest = [
      "system:",
      "  - fides_key: crm",
      "    system_type: Service",
      "    privacy_declarations:",
      "      - { data_use: Marketing.Newsletter, data_categories: [user.contact.email], legal_basis_for_processing: Consent }",
    ].join("\n");
    const { code, reported, written } = await fides(["import", "crm.yaml", "--base", POLICY_FILE, "--out", "crm.policy.yaml"], {
      "crm.yaml": manifest,
    });
    expect(code).toBe(1);
    expect(written.has("crm.policy.yaml")).toBe(true);
    expect(reported).toContain("The policy loader refuses it while they are null, and for these reasons:");
    expect(reported).toContain("  purposes.0 (Marketing.Newsletter).description: the file defines no data_use for it");
    expect(reported).toMatch(
      /\n {2}purposes\.0\.key \(line \d+\): must be dot-separated lower-case segments, e\.g\. user\.contact\.email\n$/,
    );
  });

  it("refuses a malformed file, naming the path and the line of each problem", async () => {
    const problemsOf = (source: string, base?: { file: string; source: string }): readonly string[] => {
      try {
        policyFromFideslang("bad.yaml", source, base);
      } catch (error) {
        if (error instanceof FideslangFileError || error instanceof PolicyFileError) return error.problems;
        throw error;
      }
      throw new Error("accepted");
    };
    expect(problemsOf("system:\n  - fides_key: a\n    system_type: [unclosed\n")).toEqual([expect.stringMatching(/^line \d+: /)]);
    expect(problemsOf("- just a list\n")).toEqual([
      "(document): a fideslang manifest is a mapping of resource types (data_category, system, …)",
    ]);
    expect(
      problemsOf(
        [
          "system:",
          "  - fides_key: shop",
          "    system_type: Service",
          "    privacy_declarations:",
          "      - data_use: 42",
          "        data_categories: [user.name]",
        ].join("\n"),
      ),
    ).toEqual(["system.0.privacy_declarations.0.data_use (line 5): Invalid input: expected string, received number"]);
    expect(problemsOf(["data_category:", "  - fides_key: user.favourite colour"].join("\n"))).toEqual([
      "data_category.0.fides_key (line 2): must be a fides_key: letters, digits, '.', '_', '<', '>' or '-'",
    ]);
    expect(problemsOf(["system:", "  - fides_key: shop", "    system_type: Service"].join("\n"))).toEqual([
      "system.0.privacy_declarations: Invalid input: expected array, received undefined",
    ]);
    const twoBases = [
      "system:",
      "  - fides_key: a",
      "    system_type: Service",
      "    privacy_declarations:",
      "      - { data_use: personalize, data_categories: [user.name], legal_basis_for_processing: Consent }",
      "  - fides_key: b",
      "    system_type: Service",
      "    privacy_declarations:",
      "      - { data_use: personalize, data_categories: [user.name], legal_basis_for_processing: Contract }",
    ].join("\n");
    expect(problemsOf(twoBases)).toEqual([
      'system.1.privacy_declarations.0.legal_basis_for_processing (line 9): data use personalize is declared "Contract" here and "Consent" on system a; a purpose has one legal basis',
    ]);
    expect(problemsOf("organization:\n  - fides_key: a\n  - fides_key: b\n")).toEqual([
      "organization (line 3): PurposeQL's policy has one controller; the file has 2",
    ]);
    expect(problemsOf("system: []\n", { file: "base.yaml", source: "organisation: {}\n" })[0]).toMatch(/^organisation\.name: /);

    await expect(fides(["import", "missing.fides.yaml"])).rejects.toThrow(
      new FideslangFileError("missing.fides.yaml", ["cannot be read: ENOENT"]),
    );
    await expect(fides(["import"])).rejects.toThrow(UsageError);
  });
});

/** What enforcement and the records make of a policy: categories, each purpose's basis and reads, each processor's contract. */
function equivalence(policy: PolicyDocument) {
  const compiled = compileDocument(policy);
  const categoryKeys = policy.categories.map((category) => category.key);
  return {
    categories: compiled.categories.map((category) => ({ ...category })).sort((a, b) => (a.key < b.key ? -1 : 1)),
    purposes: compiled
      .purposeKeys()
      .sort()
      .map((key) => ({ key, legalBasis: compiled.purpose(key)?.legalBasis, reads: [...compiled.readableCategories(key)].sort() })),
    processors: policy.processors
      .map((processor) => ({
        name: processor.name,
        country: processor.country,
        transferSafeguard: processor.transferSafeguard,
        purposes: [...processor.purposes].sort(),
        categories: [...leavesCovered(processor.categories, categoryKeys)].sort(),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

/** The import's file with each placeholder filled from `from` (the item of the same key or name): what a person would write in. */
function fillPlaceholders(yaml: string, placeholders: readonly { path: string }[], from: PolicyDocument): string {
  const document = parseDocument(yaml);
  for (const { path: dotted } of placeholders) {
    const [section, index, ...rest] = dotted.split(".");
    const item = index === undefined ? undefined : (document.getIn([section, Number(index)]) as { get(key: string): unknown } | undefined);
    const id = item?.get("key") ?? item?.get("name");
    const source =
      section === "organisation"
        ? (from.organisation as unknown as Json)
        : (from[section as "categories" | "purposes" | "processors"] as unknown as Json[]).find(
            (candidate) => candidate.key === id || candidate.name === id,
          );
    const fieldPath = section === "organisation" ? [index!, ...rest] : rest;
    const value = fieldPath.reduce<unknown>((node, key) => (node as Json | undefined)?.[key], source);
    document.setIn(
      dotted.split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
      value,
    );
  }
  return document.toString();
}
