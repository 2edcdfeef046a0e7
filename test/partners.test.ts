import { readFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  parse,
  type GraphQLArgument,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { ClientRole, LegalBasisCode, RetentionAction, RetentionTrigger } from "../src/domain/policy-terms";
import { analyseOperation } from "../src/enforcement/operation-analysis";
import { personalFieldsByType } from "../src/graphql/personal-data";
import { buildPurposeQLSchema } from "../src/graphql/schema";
import type { PrivacyManifest } from "../src/graphql/types/partner.types";
import { createTestClient, DEV_KEY, overHttpPurposeQLForThisFile, type GraphQLResponse } from "./support/harness";

/**
 * Issue 12, items 2 and 5, as a partner meets them over HTTP with a PARTNER key: the classification
 * as data (the SDL with its tags, `viewer`, `privacyManifest`), and answers about personal data that
 * no cache keeps or shares across purposes.
 */

const purposeql = overHttpPurposeQLForThisFile();
const SERVICE = "essential.service";
const ANALYTICS = "analytics.reporting";
let partnerKey: string;
let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildPurposeQLSchema();
  // Acting for a processor: a PARTNER acting for none is a third party, and may declare only purposes based on consent.
  partnerKey = await createTestClient(purposeql, {
    name: "partner-of-issue-12",
    role: ClientRole.PARTNER,
    purposes: [SERVICE, ANALYTICS],
    processor: "Example Hosting SIA",
  });
});

const sdlUrl = (): string => `${purposeql.url}/schema.graphql`;

async function getQuery<TData>(
  query: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: GraphQLResponse<TData> }> {
  const response = await fetch(`${purposeql.url}?${new URLSearchParams({ query }).toString()}`, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<TData> };
}

async function postQuery<TData>(
  query: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: GraphQLResponse<TData> }> {
  const response = await fetch(purposeql.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<TData> };
}

const varyOf = (headers: Headers): string[] => (headers.get("vary") ?? "").split(",").map((name) => name.trim().toLowerCase());

describe("GET /graphql/schema.graphql", () => {
  const categoryIn = (sdl: string, typeName: string, fieldName: string): string | undefined => {
    for (const definition of parse(sdl).definitions) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INPUT_OBJECT_TYPE_DEFINITION) continue;
      if (definition.name.value !== typeName) continue;
      const field = definition.fields?.find((candidate) => candidate.name.value === fieldName);
      const argument = field?.directives?.find((directive) => directive.name.value === "dataCategory")?.arguments?.[0]?.value;
      return argument?.kind === Kind.STRING ? argument.value : undefined;
    }
    return undefined;
  };

  it("serves the SDL, @dataCategory on every personal field and input field: the whole schema to a client that may use all of it", async () => {
    // The development client is ADMIN with every purpose and capability: its view is the whole schema.
    const response = await fetch(sdlUrl(), { headers: { authorization: `Bearer ${DEV_KEY}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/graphql/);
    const sdl = await response.text();
    expect(sdl).toBe(await readFile(path.resolve(__dirname, "../schema.graphql"), "utf8"));
    expect(categoryIn(sdl, "DataSubject", "email")).toBe("user.contact.email");
    expect(categoryIn(sdl, "UpdateSubjectInput", "email")).toBe("user.contact.email");
    for (const [typeName, fields] of personalFieldsByType()) {
      for (const [fieldName, category] of fields)
        expect(`${typeName}.${fieldName}: ${categoryIn(sdl, typeName, fieldName)}`).toBe(`${typeName}.${fieldName}: ${category}`);
    }
  });

  it("serves a partner its view: the personal fields its purposes read, each tagged, and no mutation", async () => {
    const response = await fetch(sdlUrl(), { headers: { authorization: `Bearer ${partnerKey}` } });
    expect(response.status).toBe(200);
    const sdl = await response.text();
    expect(categoryIn(sdl, "DataSubject", "email")).toBe("user.contact.email");
    expect(categoryIn(sdl, "DataSubject", "country")).toBe("user.location.coarse");
    expect(sdl).not.toMatch(/\b(type Mutation|input UpdateSubjectInput|accessLog)\b/);
    const policy = purposeql.services.policy.compiled;
    const viewTypes = new Set(
      parse(sdl).definitions.flatMap((definition) => ("name" in definition && definition.name ? [definition.name.value] : [])),
    );
    for (const [typeName, fields] of personalFieldsByType()) {
      if (!viewTypes.has(typeName)) continue;
      for (const [fieldName, category] of fields) {
        const readable = [SERVICE, ANALYTICS].some((purpose) => policy.grants(purpose, category));
        expect(`${typeName}.${fieldName}: ${categoryIn(sdl, typeName, fieldName)}`).toBe(
          `${typeName}.${fieldName}: ${readable ? category : undefined}`,
        );
      }
    }
  });

  it("answers 401 without a key or with an unknown one, and serves nothing else than GET", async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: "Bearer not-a-key-of-anyone" }, { authorization: "Basic abc" }];
    for (const headers of attempts) {
      const response = await fetch(sdlUrl(), { headers });
      expect(response.status).toBe(401);
      const body = (await response.json()) as GraphQLResponse;
      expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      expect(JSON.stringify(body)).not.toContain("not-a-key-of-anyone");
    }
    const post = await fetch(sdlUrl(), { method: "POST", headers: { authorization: `Bearer ${partnerKey}` } });
    expect(post.status).toBe(405);
  });
});

describe("viewer", () => {
  it("answers the calling partner's own role, capabilities and purposes, with no purpose declared and no private caching", async () => {
    const { status, headers, body } = await postQuery<{ viewer: unknown }>(
      `{ viewer { clientName role capabilities purposes { key legalBasis readableCategories } } }`,
      { authorization: `Bearer ${partnerKey}` },
    );
    expect(status).toBe(200);
    const policy = purposeql.services.policy.compiled;
    expect(body).toEqual({
      data: {
        viewer: {
          clientName: "partner-of-issue-12",
          role: "PARTNER",
          capabilities: [],
          purposes: [
            {
              key: ANALYTICS,
              legalBasis: LegalBasisCode.LEGITIMATE_INTERESTS,
              readableCategories: [...policy.readableCategories(ANALYTICS)],
            },
            { key: SERVICE, legalBasis: LegalBasisCode.CONTRACT, readableCategories: [...policy.readableCategories(SERVICE)] },
          ],
        },
      },
    });
    expect(policy.readableCategories(SERVICE)).toContain("user.contact.email");
    expect(policy.readableCategories(ANALYTICS)).not.toContain("user.contact.email");
    expect(headers.get("cache-control")).not.toMatch(/private/);
  });
});

describe("privacyManifest", () => {
  const MANIFEST = `{ privacyManifest { policyVersion fields { field category purposes { purpose readable legalBasis retention { trigger days action } } } } }`;
  let manifest: PrivacyManifest;

  beforeAll(async () => {
    const { body } = await postQuery<{ privacyManifest: PrivacyManifest }>(MANIFEST, { authorization: `Bearer ${partnerKey}` });
    expect(body.errors).toBeUndefined();
    manifest = body.data?.privacyManifest as PrivacyManifest;
  });

  it("lists every personal field with its category, under every purpose of the policy", () => {
    const policy = purposeql.services.policy.compiled;
    expect(manifest.policyVersion).toBe(policy.version);
    const expected = [...personalFieldsByType()].flatMap(([typeName, fields]) =>
      [...fields].map(([fieldName, category]) => ({ field: `${typeName}.${fieldName}`, category })),
    );
    expect(manifest.fields.map(({ field, category }) => ({ field, category }))).toEqual(
      expected.sort((a, b) => (a.field < b.field ? -1 : 1)),
    );
    for (const entry of manifest.fields) expect(entry.purposes.map((rule) => rule.purpose)).toEqual(policy.purposeKeys().sort());
  });

  it("says DataSubject.email is not readable for website statistics, and readable for the service on its contract", () => {
    const email = manifest.fields.find((entry) => entry.field === "DataSubject.email");
    expect(email?.category).toBe("user.contact.email");
    expect(email?.purposes.find((rule) => rule.purpose === ANALYTICS)).toEqual({
      purpose: ANALYTICS,
      readable: false,
      legalBasis: null,
      retention: null,
    });
    expect(email?.purposes.find((rule) => rule.purpose === SERVICE)).toEqual({
      purpose: SERVICE,
      readable: true,
      legalBasis: LegalBasisCode.CONTRACT,
      retention: { trigger: RetentionTrigger.SERVICE_ENDED, days: 0, action: RetentionAction.DELETE },
    });
  });

  const SCALAR_LITERALS: Readonly<Record<string, string>> = {
    Int: "1",
    Float: "1",
    Boolean: "true",
    DateTime: `"2024-01-01T00:00:00.000Z"`,
    LocalDate: `"2024-01-01"`,
  };

  /**
   * An operation from a root to `Type.field`, with a literal for each required argument on the way:
   * a query where one reaches the type, else a mutation (a consent is returned only by the
   * mutations that record it); null when neither does.
   */
  function operationReading(
    typeName: string,
    fieldName: string,
    roots: readonly ("query" | "mutation")[] = ["query", "mutation"],
  ): string | null {
    for (const root of roots) {
      const rootType = root === "query" ? schema.getQueryType() : schema.getMutationType();
      const selection = rootType ? pathTo(rootType.name, typeName, fieldName) : null;
      if (selection !== null) return `${root} { ${selection} }`;
    }
    return null;
  }

  function pathTo(rootName: string, typeName: string, fieldName: string): string | null {
    const literal = (argument: GraphQLArgument): string | null => {
      const type = getNamedType(argument.type);
      if (isScalarType(type)) return SCALAR_LITERALS[type.name] ?? `"x"`;
      if (isEnumType(type)) return type.getValues()[0]?.name ?? null;
      return null;
    };
    const queue: { typeName: string; path: string[] }[] = [{ typeName: rootName, path: [] }];
    const seen = new Set([rootName]);
    while (queue.length > 0) {
      const current = queue.shift() as { typeName: string; path: string[] };
      const type = schema.getType(current.typeName);
      if (!isObjectType(type)) continue;
      if (current.typeName === typeName) {
        return current.path.reduceRight((inner, step) => `${step} { ${inner} }`, fieldName);
      }
      for (const field of Object.values(type.getFields())) {
        const required = field.args.filter((argument) => isNonNullType(argument.type) && argument.defaultValue === undefined);
        const literals = required.map((argument) => [argument.name, isInputType(argument.type) ? literal(argument) : null] as const);
        if (literals.some(([, value]) => value === null)) continue;
        const named = getNamedType(getNullableType(field.type));
        if (!isObjectType(named) || seen.has(named.name)) continue;
        seen.add(named.name);
        const args = literals.length > 0 ? `(${literals.map(([name, value]) => `${name}: ${String(value)}`).join(", ")})` : "";
        queue.push({ typeName: named.name, path: [...current.path, `${field.name}${args}`] });
      }
    }
    return null;
  }

  it("agrees with the check before execution for every field and purpose", () => {
    const policy = purposeql.services.policy.compiled;
    let refusals = 0;
    for (const entry of manifest.fields) {
      const [typeName, fieldName] = entry.field.split(".") as [string, string];
      const text = operationReading(typeName, fieldName);
      if (text === null) throw new Error(`${entry.field} is reachable from no root field`);
      const operation = parse(text).definitions[0] as OperationDefinitionNode;
      const shape = analyseOperation(schema, operation, {}, {});
      expect(shape.touchesPersonalData).toBe(true);
      const target = shape.personalSelections.filter((selection) => selection.field === entry.field);
      expect(target.map(({ field, category }) => ({ field, category }))).toEqual([{ field: entry.field, category: entry.category }]);
      for (const rule of entry.purposes) {
        // The plugin's own test (enforcement-plugin.ts): refused iff a selected field's category is not granted.
        const refused = target.some((selection) => !policy.grants(rule.purpose, selection.category));
        expect(`${entry.field} under ${rule.purpose}: ${refused ? "refused" : "allowed"}`).toBe(
          `${entry.field} under ${rule.purpose}: ${rule.readable ? "allowed" : "refused"}`,
        );
        if (refused) refusals += 1;
      }
    }
    expect(refusals).toBeGreaterThan(0);
  });

  it("agrees with real requests: a field the manifest calls unreadable is refused before execution, a readable one is not", async () => {
    // Queries only: a readable field reached through a mutation would run the mutation.
    const pairs = manifest.fields.flatMap((entry) => {
      const [typeName, fieldName] = entry.field.split(".") as [string, string];
      const query = operationReading(typeName, fieldName, ["query"]);
      return query === null ? [] : entry.purposes.map((rule) => ({ entry, rule, query }));
    });
    expect(new Set(pairs.map((pair) => pair.entry.field)).size).toBeGreaterThan(manifest.fields.length / 2);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...pairs), async ({ entry, rule, query }) => {
        // The development client may declare every purpose; the partner only two.
        const { status, body } = await postQuery(query, {
          authorization: `Bearer ${DEV_KEY}`,
          "x-purpose": rule.purpose,
        });
        const notGranted = (body.errors ?? []).filter((error) => error.extensions?.reason === "NOT_GRANTED");
        if (rule.readable) {
          expect(notGranted).toEqual([]);
        } else {
          expect(status).toBe(403);
          expect(body.data).toBeUndefined();
          expect(notGranted[0]?.extensions?.fields).toEqual([
            { field: entry.field, category: entry.category, message: `${entry.category} is not granted to ${rule.purpose}` },
          ]);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe("caching: answers about personal data are private to the key and the purpose", () => {
  const PERSONAL = `{ subjects(first: 1) { totalCount edges { node { id email } } } }`;

  function expectPersonal(headers: Headers): void {
    expect(headers.get("cache-control")).toBe("private, no-store");
    expect(varyOf(headers)).toEqual(expect.arrayContaining(["authorization", "x-purpose"]));
  }

  function expectNotPersonal(headers: Headers): void {
    expect(headers.get("cache-control")).not.toMatch(/private/);
    expect(varyOf(headers)).not.toContain("x-purpose");
  }

  it("marks a personal read over POST, and one refused before execution", async () => {
    const read = await postQuery(PERSONAL, { authorization: `Bearer ${partnerKey}`, "x-purpose": SERVICE });
    expect(read.status).toBe(200);
    expect(read.body.errors).toBeUndefined();
    expectPersonal(read.headers);
    const refused = await postQuery(PERSONAL, { authorization: `Bearer ${partnerKey}`, "x-purpose": ANALYTICS });
    expect(refused.status).toBe(403);
    expectPersonal(refused.headers);
  });

  it("serves a personal read over GET with just the documented headers, Authorization and X-Purpose, and marks it", async () => {
    const read = await getQuery(PERSONAL, { authorization: `Bearer ${partnerKey}`, "x-purpose": SERVICE });
    expect(read.status).toBe(200);
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data).toEqual({ subjects: expect.objectContaining({ totalCount: expect.any(Number) }) as unknown });
    expectPersonal(read.headers);
  });

  it("leaves the answers that carry no personal data as they were (policyVersion, over POST and GET)", async () => {
    const post = await postQuery<{ policyVersion: number }>(`{ policyVersion }`, { authorization: `Bearer ${partnerKey}` });
    expect(post.body.data?.policyVersion).toBe(purposeql.services.policy.version);
    expectNotPersonal(post.headers);
    const get = await getQuery<{ policyVersion: number }>(`{ policyVersion }`, { authorization: `Bearer ${partnerKey}` });
    expect(get.status).toBe(200);
    expect(get.body.data?.policyVersion).toBe(purposeql.services.policy.version);
    expectNotPersonal(get.headers);
  });

  it("still refuses, as Apollo's CSRF prevention does, a GET a browser could send cross-site without asking (no header that forces a preflight)", async () => {
    const simple = await getQuery(`{ policyVersion }`, {});
    expect(simple.status).toBe(400);
    expect(simple.body.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
  });
});
