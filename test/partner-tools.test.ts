import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CriticalityLevel, diff } from "@graphql-inspector/core";
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  isInputObjectType,
  isObjectType,
  Kind,
  parse,
  print,
  visit,
  type DocumentNode,
  type GraphQLSchema,
  type IntrospectionQuery,
} from "graphql";
import { schemaFromSdl } from "../src/cli/purpose-check";
import { ClientRole } from "../src/domain/policy-terms";
import { extensionsOf } from "../src/enforcement/schema-extensions";
import { buildPurposeQLSchema } from "../src/graphql/schema";
import type { PrivacyManifest } from "../src/graphql/types/partner.types";
import { createTestClient, overHttpPurposeQLForThisFile, POLICY_FILE, type GraphQLResponse } from "./support/harness";

/**
 * Issue 12, items 3 and 4: the public tools a partner uses, run for real against a running server
 * with a PARTNER key — GraphQL Inspector, GraphQL Code Generator — and `purposeql-check`, the
 * purpose check shipped in this package, offline and online.
 */

const ROOT = path.resolve(__dirname, "..");
const CHECK = path.join(ROOT, "dist/src/cli/purposeql-check.js");
const GOOD = "examples/partner/operations/website-statistics.graphql";
const OVERREACHING = "examples/partner/overreaching/statistics-with-email.graphql";
const ANALYTICS = "analytics.reporting";
// analytics.reporting rests on legitimate interests: a partner reads under it only as a processor's client (a third party needs a consent purpose).
const HOSTING = "Example Hosting SIA";
const SERVICE = "essential.service";

const purposeql = overHttpPurposeQLForThisFile({ introspection: true });
let partnerKey: string;
let statsKey: string;
let scratch: string;

beforeAll(async () => {
  execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "ignore" });
  partnerKey = await createTestClient(purposeql, {
    name: "tools-partner",
    role: ClientRole.PARTNER,
    processor: HOSTING,
    purposes: [SERVICE, ANALYTICS],
  });
  statsKey = await createTestClient(purposeql, {
    name: "tools-stats",
    role: ClientRole.PARTNER,
    processor: HOSTING,
    purposes: [ANALYTICS],
  });
  scratch = await mkdtemp(path.join(tmpdir(), "purposeql-tools-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command as a partner's CI would, from the repository's root, without a shell. */
function run(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

const check = (args: readonly string[], env: Record<string, string> = {}): Promise<Run> => run(process.execPath, [CHECK, ...args], env);

interface JsonReport {
  purpose: string;
  operations: number;
  findings: { file: string; operation: string; reason: string; access?: string; path?: string; field?: string; category?: string }[];
}

async function introspect(key: string): Promise<IntrospectionQuery> {
  const response = await fetch(purposeql.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({
      query: getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
      }),
    }),
  });
  const body = (await response.json()) as GraphQLResponse<IntrospectionQuery>;
  expect(body.errors).toBeUndefined();
  return body.data as IntrospectionQuery;
}

async function servedSdl(key: string): Promise<string> {
  const response = await fetch(`${purposeql.url}/schema.graphql`, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  return response.text();
}

/** The SDL without its applied directives (their definitions stay): what introspection can say of it. */
function withoutAppliedDirectives(document: DocumentNode): DocumentNode {
  return visit(document, {
    Directive: (_node, _key, _parent, _path, ancestors) =>
      ancestors.some((ancestor) => "kind" in ancestor && ancestor.kind === Kind.DIRECTIVE_DEFINITION) ? undefined : null,
  });
}

describe("GraphQL Inspector: the introspected view and the served SDL", () => {
  it("finds no difference but the applied directives introspection cannot carry — each one a @dataCategory tag the privacy manifest states too", async () => {
    const introspected = buildClientSchema(await introspect(partnerKey));
    const sdl = parse(await servedSdl(partnerKey));

    // Introspection (the GraphQL specification, graphql-js 16) has no place for applied directives, and
    // Inspector compares them from the SDL's syntax tree: stripped of them, the two schemas are the same
    // — types, fields, arguments, input fields, enum values, descriptions, directive definitions.
    expect(await diff(introspected, buildSchema(print(withoutAppliedDirectives(sdl))))).toEqual([]);
    expect(await diff(buildSchema(print(withoutAppliedDirectives(sdl))), introspected)).toEqual([]);

    // Against the SDL as served, every change Inspector lists is an applied directive being added, and
    // each is a category tag that the API also serves as data (privacyManifest) or a scalar's @specifiedBy,
    // whose URL introspection does carry (specifiedByURL): nothing else differs.
    // The README's example script, as a partner runs it, says the same.
    const example = await run(process.execPath, ["examples/partner/inspect-view.mjs"], {
      PURPOSEQL_URL: purposeql.url,
      PURPOSEQL_API_KEY: partnerKey,
    });
    expect(example).toMatchObject({ status: 0, stderr: "" });
    expect(example.stdout).toMatch(/^0 difference\(s\); \d+ @dataCategory tag\(s\) that only the SDL carries\.$/m);

    const changes = await diff(introspected, buildSchema(print(sdl)));
    expect(changes.length).toBeGreaterThan(10);
    expect(changes.filter((change) => !/^DIRECTIVE_USAGE_.*_ADDED$/.test(change.type))).toEqual([]);
    expect(changes.every((change) => change.criticality.level !== CriticalityLevel.Breaking)).toBe(true);

    const manifestResponse = await fetch(purposeql.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${partnerKey}` },
      body: JSON.stringify({ query: "{ privacyManifest { fields { field category } } }" }),
    });
    const manifest = ((await manifestResponse.json()) as GraphQLResponse<{ privacyManifest: PrivacyManifest }>).data?.privacyManifest;
    const categoryOf = new Map(manifest?.fields.map((entry) => [entry.field, entry.category]));
    const tags = new Map<string, string>();
    for (const definition of sdl.definitions) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INPUT_OBJECT_TYPE_DEFINITION) continue;
      for (const field of definition.fields ?? []) {
        const value = field.directives?.find((directive) => directive.name.value === "dataCategory")?.arguments?.[0]?.value;
        if (value?.kind === Kind.STRING) tags.set(`${definition.name.value}.${field.name.value}`, value.value);
      }
    }
    // Each tag appears as a directive added to its field and its `key` argument added with the category.
    const tagged = new Map<string, string>();
    for (const change of changes.filter((candidate) => candidate.path?.includes(".@dataCategory"))) {
      const [coordinate, argument] = (change.path ?? "").split(".@dataCategory");
      if (argument === ".key") tagged.set(coordinate ?? "", JSON.parse(String(change.meta.addedArgumentValue)) as string);
      else expect(argument).toBe("");
    }
    expect(tagged).toEqual(tags);
    for (const [field, category] of tags)
      if (categoryOf.has(field)) expect(`${field}: ${categoryOf.get(field)}`).toBe(`${field}: ${category}`);
    expect([...tags.keys()].filter((field) => categoryOf.has(field)).length).toBeGreaterThan(5);
    // The rest: a scalar's @specifiedBy and its url, which introspection carries as the scalar's specifiedByURL.
    for (const change of changes.filter((candidate) => !candidate.path?.includes(".@dataCategory"))) {
      const [scalarName, argument] = (change.path ?? "").split(".@specifiedBy");
      const scalar = introspected.getType(scalarName ?? "");
      const url = scalar && "specifiedByURL" in scalar ? scalar.specifiedByURL : undefined;
      expect(url).toEqual(expect.any(String));
      if (argument === ".url") expect(JSON.parse(String(change.meta.addedArgumentValue))).toBe(url);
      else expect(argument).toBe("");
    }
  });
});

describe("GraphQL Code Generator with a partner's key", () => {
  const codegen = (key: string, documents: string, out: string): Promise<Run> =>
    run(path.join(ROOT, "node_modules/.bin/graphql-codegen"), ["--config", "examples/partner/codegen.yml", "--verbose"], {
      PURPOSEQL_URL: purposeql.url,
      PURPOSEQL_API_KEY: key,
      PURPOSEQL_CODEGEN_DOCUMENTS: documents,
      PURPOSEQL_CODEGEN_OUT: out,
      // As a partner's CI runs it: under jest's NODE_ENV=test, codegen reports nothing, not even its errors.
      NODE_ENV: "production",
    });

  it("generates types for the example partner operation from the partner's view", async () => {
    const out = path.join(scratch, "operations.ts");
    const result = await codegen(statsKey, GOOD, out);
    expect(result.stderr + result.stdout).not.toMatch(/FAILED/);
    expect(result.status).toBe(0);
    const generated = await readFile(out, "utf8");
    expect(generated).toMatch(/export type WebsiteStatisticsQuery = /);
    expect(generated).toMatch(/export type WebsiteStatisticsQueryVariables = /);
    expect(generated).toContain(
      "export type VisitorDeviceFragment = { id: string, country: string | null, browser: string | null, operatingSystem: string | null };",
    );
    // The types are those of the partner's view: no mutation, no administration, no e-mail of a subject.
    expect(generated).not.toMatch(/\b(Mutation|AccessEvent|UpdateSubjectInput|accessLog)\b/);
    const dataSubject = /export type DataSubject = \{[^}]*\};/.exec(generated)?.[0];
    expect(dataSubject).toContain("country?: Maybe<Scalars['String']['output']>;");
    expect(dataSubject).not.toMatch(/\b(email|fullName|phone)\b/);
  });

  it("refuses, from that view, an operation reading a field none of the partner's purposes may read", async () => {
    const result = await codegen(statsKey, OVERREACHING, path.join(scratch, "overreaching.ts"));
    expect(result.status).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/Cannot query field "email" on type "DataSubject"/);
  });
});

describe("purposeql-check", () => {
  it("is shipped in the package: a bin entry, with a shebang, included by npm pack", async () => {
    const manifest = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(manifest.bin["purposeql-check"]).toBe("dist/src/cli/purposeql-check.js");
    expect((await readFile(CHECK, "utf8")).startsWith("#!/usr/bin/env node\n")).toBe(true);
    const packed = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"]);
    expect(packed.status).toBe(0);
    const files = (JSON.parse(packed.stdout) as { files: { path: string }[] }[])[0]?.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(["dist/src/cli/purposeql-check.js", "dist/src/cli/purpose-check.js", "schema.graphql"]));
  });

  it("walks a schema read from SDL with the very categories the server's schema carries, field by field and input field by input field", async () => {
    const categories = (schema: GraphQLSchema): Map<string, string | undefined> => {
      const found = new Map<string, string | undefined>();
      for (const type of Object.values(schema.getTypeMap())) {
        if (type.name.startsWith("__") || !(isObjectType(type) || isInputObjectType(type))) continue;
        for (const field of Object.values<{ name: string; extensions?: unknown }>(type.getFields()))
          found.set(`${type.name}.${field.name}`, extensionsOf(field).dataCategory);
      }
      return found;
    };
    const server = categories(await buildPurposeQLSchema());
    expect([...server.values()].filter(Boolean).length).toBeGreaterThan(50);
    expect(categories(schemaFromSdl(await readFile(path.join(ROOT, "schema.graphql"), "utf8")))).toEqual(server);
  });

  describe("offline, from schema.graphql and the policy file", () => {
    const offline = ["--schema", "schema.graphql", "--policy", POLICY_FILE];

    it("catches the overreaching operation — through its alias and fragment — and passes the good one", async () => {
      const bad = await check([...offline, "--purpose", ANALYTICS, "--format", "json", "examples/partner/**/*.graphql"]);
      expect(bad.status).toBe(1);
      const report = JSON.parse(bad.stdout) as JsonReport;
      expect(report).toMatchObject({ purpose: ANALYTICS, operations: 2 });
      expect(report.findings).toEqual([
        {
          file: OVERREACHING,
          operation: "StatisticsWithEmail",
          reason: "NOT_GRANTED",
          purpose: ANALYTICS,
          access: "read",
          path: "subjects.edges.node.mail",
          field: "DataSubject.email",
          category: "user.contact.email",
          message: `reads DataSubject.email (user.contact.email), which ${ANALYTICS} does not grant.`,
        },
      ]);
      const text = await check([...offline, "--purpose", ANALYTICS, "examples/partner/**/*.graphql"]);
      expect(text.stdout).toContain(
        `${OVERREACHING}: StatisticsWithEmail: subjects.edges.node.mail reads DataSubject.email (user.contact.email)`,
      );

      const good = await check([...offline, "--purpose", ANALYTICS, GOOD]);
      expect(good).toMatchObject({ status: 0, stderr: "" });
      expect(good.stdout).toContain(`1 operation(s) in 1 file(s): nothing ${ANALYTICS} does not grant.`);
      // Customer service may read e-mail: the same operation passes under it.
      expect((await check([...offline, "--purpose", SERVICE, OVERREACHING])).status).toBe(0);
    });

    it("reports what an input variable could write, whatever its value, and only what a literal writes", async () => {
      await writeFile(
        path.join(scratch, "writes.graphql"),
        `mutation Rectify($id: ID!, $input: UpdateSubjectInput!) { updateSubject(id: $id, input: $input) { id } }
         mutation MoveCountry($id: ID!) { updateSubject(id: $id, input: { country: "EE" }) { id } }
         mutation Nested($id: ID!, $mail: String) { fix: updateSubject(id: $id, input: { country: "EE", email: $mail }) { id } }`,
      );
      const result = await check([...offline, "--purpose", ANALYTICS, "--format", "json", path.join(scratch, "writes.graphql")]);
      expect(result.status).toBe(1);
      const findings = (JSON.parse(result.stdout) as JsonReport).findings;
      expect(findings.filter((finding) => finding.operation === "MoveCountry")).toEqual([]);
      expect(findings.filter((finding) => finding.operation === "Nested")).toEqual([
        expect.objectContaining({
          access: "write",
          path: "fix(input.email)",
          field: "UpdateSubjectInput.email",
          category: "user.contact.email",
        }),
      ]);
      const rectify = findings.filter((finding) => finding.operation === "Rectify").map((finding) => finding.field);
      expect(rectify).toEqual(
        expect.arrayContaining(["UpdateSubjectInput.email", "UpdateSubjectInput.fullName", "UpdateSubjectInput.phone"]),
      );
      expect(rectify).not.toContain("UpdateSubjectInput.country");
    });

    it("reports operations that do not parse or fit the schema, and refuses a misuse with status 2", async () => {
      await writeFile(path.join(scratch, "broken.graphql"), `query Broken { subjects(first: 1) { `);
      await writeFile(path.join(scratch, "unknown.graphql"), `query Unknown { subjects(first: 1) { edges { node { shoeSize } } } }`);
      const invalid = await check([...offline, "--purpose", ANALYTICS, "--format", "json", `${scratch}/{broken,unknown}.graphql`]);
      expect(invalid.status).toBe(1);
      expect((JSON.parse(invalid.stdout) as JsonReport).findings).toEqual([
        expect.objectContaining({ operation: "(document)", reason: "INVALID" }),
        expect.objectContaining({ operation: "Unknown", reason: "INVALID" }),
      ]);

      const misuses: (readonly string[])[] = [
        [...offline, GOOD],
        [...offline, "--purpose", "no.such.purpose", GOOD],
        [...offline, "--purpose", ANALYTICS, "nothing/matches/*.graphql"],
        ["--schema", "schema.graphql", "--purpose", ANALYTICS, GOOD],
        ["--schema", "missing.graphql", "--policy", POLICY_FILE, "--purpose", ANALYTICS, GOOD],
        [...offline, "--purpose", ANALYTICS, "--unknown-option", GOOD],
      ];
      for (const args of misuses) {
        const result = await check(args);
        expect(`${args.join(" ")} → ${result.status}`).toBe(`${args.join(" ")} → 2`);
        expect(result.stderr.length).toBeGreaterThan(0);
      }
    });
  });

  describe("online, against the running server with the partner's key", () => {
    it("catches the overreaching operation under the policy in force, and passes the good one", async () => {
      const schema = `${purposeql.url}/schema.graphql`;
      const bad = await check(["--schema", schema, "--purpose", ANALYTICS, "--format", "json", "examples/partner/**/*.graphql"], {
        PURPOSEQL_API_KEY: partnerKey,
      });
      expect(bad.status).toBe(1);
      expect((JSON.parse(bad.stdout) as JsonReport).findings).toEqual([
        expect.objectContaining({
          operation: "StatisticsWithEmail",
          reason: "NOT_GRANTED",
          path: "subjects.edges.node.mail",
          field: "DataSubject.email",
        }),
      ]);
      const good = await check(["--schema", purposeql.url, "--key", partnerKey, "--purpose", ANALYTICS, GOOD]);
      expect(good.status).toBe(0);

      // A key whose purposes cannot read e-mail at all is not shown the field: the operation does not fit its view.
      const stats = await check(["--schema", schema, "--key", statsKey, "--purpose", ANALYTICS, "--format", "json", OVERREACHING]);
      expect(stats.status).toBe(1);
      expect((JSON.parse(stats.stdout) as JsonReport).findings).toEqual([
        expect.objectContaining({ operation: "StatisticsWithEmail", reason: "INVALID" }),
      ]);
    });

    it("refuses a purpose the key may not declare, and a key the server does not know, with status 2", async () => {
      const schema = `${purposeql.url}/schema.graphql`;
      const undeclared = await check(["--schema", schema, "--key", statsKey, "--purpose", SERVICE, GOOD]);
      expect(undeclared.status).toBe(2);
      expect(undeclared.stderr).toContain(`Client tools-stats may not declare ${SERVICE}; it may declare: ${ANALYTICS}.`);
      const unknown = await check(["--schema", schema, "--key", "not-a-key-of-anyone", "--purpose", ANALYTICS, GOOD]);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toMatch(/answered 401: Unknown or revoked API key/);
      const keyless = await check(["--schema", schema, "--purpose", ANALYTICS, GOOD], { PURPOSEQL_API_KEY: "" });
      expect(keyless.status).toBe(2);
    });
  });
});
