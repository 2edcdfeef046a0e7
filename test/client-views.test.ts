import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  Kind,
  parse,
  print,
  printSchema,
  type IntrospectionQuery,
  type OperationDefinitionNode,
} from "graphql";
import { Capability } from "../src/domain/capabilities";
import { ClientRole } from "../src/domain/policy-terms";
import { introspectionPart } from "../src/graphql/introspection-part";
import { createTestClient, DEV_KEY, overHttpPurposeQLForThisFile, type GraphQLResponse } from "./support/harness";

/**
 * Issue 12, item 1: a schema per client. Introspection answers with the client's view — the
 * operations its role and capabilities allow, the personal fields its purposes may read — while
 * execution keeps the full schema and the checks before it. The view is built once per policy
 * version and set of grants, never per request.
 */

const purposeql = overHttpPurposeQLForThisFile({ introspection: true });
const ANALYTICS = "analytics.reporting";
// analytics.reporting rests on legitimate interests: a partner reads under it only as a processor's client (a third party needs a consent purpose).
const HOSTING = "Example Hosting SIA";
const SERVICE = "essential.service";
const SUPPORT = "essential.service.operations.support";
const ADVERTISING = "marketing.advertising";
const EMAIL = "user.contact.email";
const BIRTH = "user.demographic.date_of_birth";

let statsKey: string;
let crmKey: string;

beforeAll(async () => {
  statsKey = await createTestClient(purposeql, { name: "stats", role: ClientRole.PARTNER, processor: HOSTING, purposes: [ANALYTICS] });
  crmKey = await createTestClient(purposeql, {
    name: "crm",
    role: ClientRole.INTERNAL_APP,
    purposes: [SERVICE, SUPPORT],
    capabilities: [Capability.MANAGE_SUBJECTS],
  });
});

async function post<TData = Record<string, unknown>>(
  query: string,
  key: string,
  options: { purpose?: string; variables?: Record<string, unknown> } = {},
): Promise<{ status: number; headers: Headers; body: GraphQLResponse<TData> }> {
  const response = await fetch(purposeql.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${key}`,
      ...(options.purpose ? { "x-purpose": options.purpose } : {}),
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<TData> };
}

interface RootsAndTypes {
  __schema: {
    queryType: { fields: { name: string }[] };
    mutationType: { fields: { name: string }[] } | null;
    types: { name: string }[];
  };
  subject: { fields: { name: string }[] } | null;
}

const ROOTS_AND_TYPES = `{
  __schema { queryType { fields { name } } mutationType { fields { name } } types { name } }
  subject: __type(name: "DataSubject") { fields { name } }
}`;

async function rootsAndTypes(
  key: string,
): Promise<{ queries: string[]; mutations: string[] | null; types: string[]; subjectFields: string[] }> {
  const { status, body } = await post<RootsAndTypes>(ROOTS_AND_TYPES, key);
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  const schema = body.data?.__schema as RootsAndTypes["__schema"];
  return {
    queries: schema.queryType.fields.map((field) => field.name),
    mutations: schema.mutationType?.fields.map((field) => field.name) ?? null,
    types: schema.types.map((type) => type.name),
    subjectFields: body.data?.subject?.fields.map((field) => field.name) ?? [],
  };
}

async function fullIntrospection(key: string): Promise<IntrospectionQuery> {
  const { body } = await post<IntrospectionQuery>(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true }), key);
  expect(body.errors).toBeUndefined();
  return body.data as IntrospectionQuery;
}

async function servedSdl(key: string): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${purposeql.url}/schema.graphql`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe("introspection answers with the client's view", () => {
  it("shows a PARTNER no mutation, no administration, and only the personal fields its purposes may read", async () => {
    const stats = await rootsAndTypes(statsKey);
    expect(stats.mutations).toBeNull();
    expect(stats.queries).toEqual(
      expect.arrayContaining(["subject", "subjects", "viewer", "privacyManifest", "purposes", "policyVersion"]),
    );
    for (const hidden of [
      "accessLog",
      "clients",
      "policyAt",
      "recordsOfProcessing",
      "accessExport",
      "portabilityExport",
      "subjectRequests",
    ])
      expect(stats.queries).not.toContain(hidden);
    for (const hidden of ["AccessEvent", "Client", "Mutation", "UpdateSubjectInput", "SubjectRequest", "Consent"])
      expect(stats.types).not.toContain(hidden);
    // Website statistics may read country and device software, never name or e-mail.
    const policy = purposeql.services.policy.compiled;
    expect(policy.grants(ANALYTICS, "user.location.coarse")).toBe(true);
    expect(policy.grants(ANALYTICS, EMAIL)).toBe(false);
    expect(stats.subjectFields).toEqual(expect.arrayContaining(["id", "country", "browser"]));
    for (const hidden of ["email", "fullName", "phone", "postalAddress", "dateOfBirth"]) expect(stats.subjectFields).not.toContain(hidden);
  });

  it("shows an INTERNAL_APP the mutations its capabilities allow and the fields its purposes read, and ADMIN the whole schema", async () => {
    const crm = await rootsAndTypes(crmKey);
    expect(crm.mutations).toEqual(expect.arrayContaining(["createSubject", "updateSubject", "endService"]));
    for (const hidden of [
      "giveConsent",
      "objectToPurpose",
      "restrictProcessing",
      "eraseSubject",
      "grantCategory",
      "revokeGrant",
      "createClient",
    ])
      expect(crm.mutations).not.toContain(hidden);
    expect(crm.queries).not.toContain("accessLog");
    expect(crm.subjectFields).toEqual(expect.arrayContaining(["email", "fullName", "phone"]));

    // The development client is ADMIN, with every purpose and capability: its view is the whole schema.
    const admin = await fullIntrospection(DEV_KEY);
    const whole = buildSchema(await readFile(path.resolve(__dirname, "../schema.graphql"), "utf8"));
    expect(printSchema(buildClientSchema(admin))).toBe(printSchema(whole));
    const stats = await fullIntrospection(statsKey);
    expect(printSchema(buildClientSchema(stats))).not.toBe(printSchema(whole));
  });

  it("leaves out an input the client could not fill: the registration record without the consent capability, or without a purpose that writes its required consent time", async () => {
    const policy = purposeql.services.policy.compiled;
    const CONSENT_TIME = "user.registration.consent_time";
    expect(policy.grants(SERVICE, CONSENT_TIME)).toBe(false);
    expect(policy.grants(ADVERTISING, CONSENT_TIME)).toBe(true);
    const inputFieldsOf = async (key: string, type: string): Promise<string[] | null> => {
      const { body } = await post<{ __type: { inputFields: { name: string }[] } | null }>(
        `{ __type(name: "${type}") { inputFields { name } } }`,
        key,
      );
      return body.data?.__type?.inputFields.map((field) => field.name) ?? null;
    };
    const capabilities = [Capability.MANAGE_SUBJECTS, Capability.RECORD_CONSENT];
    const withoutTime = await createTestClient(purposeql, {
      name: "signup-service",
      role: ClientRole.INTERNAL_APP,
      purposes: [SERVICE],
      capabilities,
    });
    const withTime = await createTestClient(purposeql, {
      name: "signup-advertising",
      role: ClientRole.INTERNAL_APP,
      purposes: [SERVICE, ADVERTISING],
      capabilities,
    });
    // crm lacks RECORD_CONSENT, which the registration record needs.
    expect(await inputFieldsOf(crmKey, "CreateSubjectInput")).not.toContain("registration");
    expect(await inputFieldsOf(crmKey, "RegistrationRecordInput")).toBeNull();
    // signup-service holds it, but no purpose of it may write consentedAt, which the record requires.
    expect(await inputFieldsOf(withoutTime, "CreateSubjectInput")).toEqual(expect.arrayContaining(["fullName", "email"]));
    expect(await inputFieldsOf(withoutTime, "CreateSubjectInput")).not.toContain("registration");
    expect(await inputFieldsOf(withoutTime, "RegistrationRecordInput")).toBeNull();
    expect(await inputFieldsOf(withTime, "CreateSubjectInput")).toContain("registration");
    expect(await inputFieldsOf(withTime, "RegistrationRecordInput")).toContain("consentedAt");
  });

  it("answers __type from the view: null for a type the client cannot reach, with variables and aliases", async () => {
    const { body } = await post<{ hidden: unknown; shown: { name: string } | null; mutation: unknown }>(
      `query ($hidden: String!) { hidden: __type(name: $hidden) { name } shown: __type(name: "Viewer") { name } mutation: __type(name: "Mutation") { name } }`,
      statsKey,
      { variables: { hidden: "AccessEvent" } },
    );
    expect(body).toEqual({ data: { hidden: null, shown: { name: "Viewer" }, mutation: null } });
    const admin = await post(`{ __type(name: "AccessEvent") { name } }`, DEV_KEY);
    expect(admin.body).toEqual({ data: { __type: { name: "AccessEvent" } } });
  });

  it("keeps the full schema for execution: what the view hides is refused by the checks, with their reasons, not unknown", async () => {
    const email = await post(`{ subjects(first: 1) { totalCount edges { node { id email } } } }`, statsKey, { purpose: ANALYTICS });
    expect(email.status).toBe(403);
    expect(email.body.errors?.[0]?.extensions).toMatchObject({ code: "PURPOSE_LIMITATION", reason: "NOT_GRANTED" });
    const log = await post(`{ accessLog(subjectId: "00000000-0000-4000-8000-000000000000") { id } }`, statsKey);
    expect(log.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const write = await post(`mutation { endService(subjectId: "00000000-0000-4000-8000-000000000000") { id } }`, statsKey, {
      purpose: ANALYTICS,
    });
    expect(write.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const allowed = await post<{ subjects: { totalCount: number } }>(
      `{ subjects(first: 1) { totalCount edges { node { id country } } } }`,
      statsKey,
      {
        purpose: ANALYTICS,
      },
    );
    expect(allowed.body.errors).toBeUndefined();
    expect(typeof allowed.body.data?.subjects.totalCount).toBe("number");
  });

  it("answers an operation that mixes introspection and data: the data checked and audited as ever, the introspection from the view, __typename as it is", async () => {
    const created = await post<{ createSubject: { id: string } }>(
      `mutation { createSubject(input: { fullName: "Mixed Operation", email: "mixed@example.lv", country: "LV" }) { id } }`,
      crmKey,
      { purpose: SERVICE },
    );
    const subjectId = created.body.data?.createSubject.id as string;
    expect(subjectId).toBeDefined();

    const query = `query Mixed($id: ID!) {
      __typename
      s: __schema { mutationType { name } }
      subject(id: $id) { id country __typename }
      ... on Query { hidden: __type(name: "AccessEvent") { name } }
      ...Roots
    }
    fragment Roots on Query { roots: __schema { queryType { fields { name } } } policyVersion }`;
    const mixed = await post(query, statsKey, { purpose: ANALYTICS, variables: { id: subjectId } });
    expect(mixed.status).toBe(200);
    expect(mixed.body.errors).toBeUndefined();
    const data = mixed.body.data as Record<string, unknown>;
    expect(Object.keys(data)).toEqual(["__typename", "s", "subject", "hidden", "roots", "policyVersion"]);
    expect(data).toMatchObject({
      __typename: "Query",
      s: { mutationType: null },
      subject: { id: subjectId, country: "LV", __typename: "DataSubject" },
      hidden: null,
      policyVersion: purposeql.services.policy.version,
    });
    const roots = (data.roots as { queryType: { fields: { name: string }[] } }).queryType.fields.map((field) => field.name);
    expect(roots).toContain("subjects");
    expect(roots).not.toContain("accessLog");
    expect(mixed.headers.get("cache-control")).toBe("private, no-store");

    // The read was audited as any other: one event, the country released to the partner.
    const log = await post<{ accessLog: { clientName: string; operation: string; released: string[] }[] }>(
      `query ($id: ID!) { accessLog(subjectId: $id) { clientName operation released } }`,
      DEV_KEY,
      { variables: { id: subjectId } },
    );
    expect(log.body.data?.accessLog.filter((event) => event.clientName === "stats")).toEqual([
      { clientName: "stats", operation: "read", released: ["user.location.coarse"] },
    ]);

    // Refused data refuses the whole operation, introspection included: nothing of either leaves.
    const refused = await post(`query ($id: ID!) { __schema { queryType { name } } subject(id: $id) { email } }`, statsKey, {
      purpose: ANALYTICS,
      variables: { id: subjectId },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.data).toBeUndefined();
  });
});

describe("the introspection part of an operation", () => {
  const partOf = (text: string): string | null => {
    const document = parse(text);
    const operation = document.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    const part = introspectionPart(document, operation, "Query");
    return part ? print(part) : null;
  };

  it("keeps the root __schema and __type fields — aliased, in inline fragments, in fragments on the query type — and only the variables they use", () => {
    const part = partOf(`query Q($input: UpdateSubjectInput!, $name: String!, $all: Boolean!) {
      __typename
      updated: subject(id: "x") { id }
      t: __type(name: $name) { name ...TypeName }
      ... on Query @include(if: $all) { __schema { queryType { name } } policyVersion }
      ...Roots
    }
    fragment Roots on Query { subjects(first: 1) { totalCount } s: __schema { types { name } } }
    fragment TypeName on __Type { name }
    fragment Unused on DataSubject { email }`);
    expect(part).toBe(
      print(
        parse(`query Q($name: String!, $all: Boolean!) {
          t: __type(name: $name) { name ...TypeName }
          ... on Query @include(if: $all) { __schema { queryType { name } } }
          ...Roots
        }
        fragment Roots on Query { s: __schema { types { name } } }
        fragment TypeName on __Type { name }
        fragment Unused on DataSubject { email }`),
      ),
    );
  });

  it("is nothing for an operation that introspects nothing (__typename is answered by execution)", () => {
    expect(partOf(`{ __typename subjects(first: 1) { totalCount } ...F } fragment F on Query { policyVersion }`)).toBeNull();
  });
});

describe("GET /graphql/schema.graphql serves the same view", () => {
  it("is the introspected view, with @dataCategory on every personal field and input field it keeps, private to the key", async () => {
    for (const key of [statsKey, crmKey, DEV_KEY]) {
      const sdl = await servedSdl(key);
      expect(sdl.status).toBe(200);
      expect(sdl.headers.get("cache-control")).toBe("private, no-cache");
      expect(sdl.headers.get("vary")).toMatch(/authorization/i);
      expect(printSchema(buildSchema(sdl.text))).toBe(printSchema(buildClientSchema(await fullIntrospection(key))));

      // Every field and input field whose description says it is personal carries its tag.
      for (const definition of parse(sdl.text).definitions) {
        if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INPUT_OBJECT_TYPE_DEFINITION) continue;
        for (const field of definition.fields ?? []) {
          const category = /Personal data, category `([^`]+)`/.exec(field.description?.value ?? "")?.[1];
          const tag = field.directives?.find((directive) => directive.name.value === "dataCategory")?.arguments?.[0]?.value;
          expect(`${definition.name.value}.${field.name.value}: ${tag?.kind === Kind.STRING ? tag.value : "untagged"}`).toBe(
            `${definition.name.value}.${field.name.value}: ${category ?? "untagged"}`,
          );
        }
      }
    }
    expect((await servedSdl(DEV_KEY)).text).toBe(await readFile(path.resolve(__dirname, "../schema.graphql"), "utf8"));
    const stats = (await servedSdl(statsKey)).text;
    expect(stats).toContain(`country: String @dataCategory(key: "user.location.coarse")`);
    expect(stats).not.toContain(`@dataCategory(key: "${EMAIL}")`);
    expect(stats).not.toMatch(/\b(accessLog|accessEvents|breachScope|grantCategory|revokeGrant|type Mutation)\b/);
  });

  it("shows a third party only what it may read on consent: no personal field under a legitimate-interest purpose", async () => {
    const thirdPartyKey = await createTestClient(purposeql, { name: "stats-third-party", role: ClientRole.PARTNER, purposes: [ANALYTICS] });
    const view = (await servedSdl(thirdPartyKey)).text;
    expect(view).not.toContain("@dataCategory(key:");
    expect((await servedSdl(statsKey)).text).toContain("@dataCategory(key:");
  });
});

describe("the view is built once per policy version and set of grants, not per request", () => {
  it("builds a client's view once, shares it with a client of the same grants, and builds anew after a grant changes", async () => {
    await rootsAndTypes(statsKey); // the view of stats exists now, whatever ran before
    const before = purposeql.views.builds;
    for (let request = 0; request < 5; request += 1) await rootsAndTypes(statsKey);
    await servedSdl(statsKey);
    expect(purposeql.views.builds).toBe(before);

    const twinKey = await createTestClient(purposeql, {
      name: "stats-twin",
      role: ClientRole.PARTNER,
      processor: HOSTING,
      purposes: [ANALYTICS],
    });
    await rootsAndTypes(twinKey);
    expect(purposeql.views.builds).toBe(before);

    // A policy change (a new version) builds the view anew, once, and the partner sees what it may read now.
    expect((await rootsAndTypes(statsKey)).subjectFields).not.toContain("dateOfBirth");
    const grant = await post(
      `mutation { grantCategory(purpose: "${ANALYTICS}", category: "${BIRTH}", justification: "Test: visitors by age group") { key } }`,
      DEV_KEY,
    );
    expect(grant.body.errors).toBeUndefined();
    const granted = await rootsAndTypes(statsKey);
    expect(granted.subjectFields).toContain("dateOfBirth");
    expect((await servedSdl(statsKey)).text).toContain(`dateOfBirth: LocalDate @dataCategory(key: "${BIRTH}")`);
    await rootsAndTypes(twinKey);
    const afterGrant = purposeql.views.builds;
    expect(afterGrant).toBe(before + 1);

    const revoke = await post(
      `mutation { revokeGrant(purpose: "${ANALYTICS}", category: "${BIRTH}", justification: "Test: no longer needed") { key } }`,
      DEV_KEY,
    );
    expect(revoke.body.errors).toBeUndefined();
    expect((await rootsAndTypes(statsKey)).subjectFields).not.toContain("dateOfBirth");
    const afterRevoke = purposeql.views.builds;
    expect(afterRevoke).toBe(afterGrant + 1);
    await rootsAndTypes(statsKey);
    expect(purposeql.views.builds).toBe(afterRevoke);
  });

  it("gives a client whose purposes or capabilities changed a view of its new grants at its next request", async () => {
    const before = await rootsAndTypes(crmKey);
    expect(before.mutations).not.toContain("giveConsent");
    const builds = purposeql.views.builds;
    // Changed behind the server's back: its cache of authenticated clients hears of it by NOTIFY (on PGlite, as it commits).
    const told = new Promise<void>((resolve) => {
      const stop = purposeql.services.authenticator.onChange(() => {
        stop();
        resolve();
      });
    });
    await purposeql.services.dataSource.query(`UPDATE client SET capabilities = array_append(capabilities, $1) WHERE name = 'crm'`, [
      Capability.RECORD_CONSENT,
    ]);
    await told;
    const after = await rootsAndTypes(crmKey);
    expect(after.mutations).toContain("giveConsent");
    expect(purposeql.views.builds).toBe(builds + 1);
  });
});
