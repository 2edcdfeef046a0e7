import { ClientRole } from "../../src/domain/policy-terms";
import { categoryOfField } from "../../src/graphql/personal-data";
import type { ClientStanding } from "../../src/policy/engine/recipient-rules";

/**
 * The data the fuzzer attacks, seeded over HTTP by the development client as any client would: a
 * few subjects with every field filled with a distinctive marker (so a value that escapes is seen
 * wherever it lands), consents with their evidence, an ended service, a restriction, an objection,
 * verified requests, and an erased subject.
 */

export interface Marker {
  readonly value: string;
  /** The value is released when the purpose may read any of these. */
  readonly categories: readonly string[];
  /** Short values (a country code) count only as a whole string, never inside another. */
  readonly exact: boolean;
  /** Where it was written, for the report: "subject A DataSubject.email". */
  readonly where: string;
}

export interface FuzzWorld {
  readonly keys: Readonly<Record<string, string>>;
  /** The purposes each client besides the development one may declare. */
  readonly clientPurposes: Readonly<Record<string, readonly string[]>>;
  /** Each client besides the development one as a recipient: its role and the processor it acts for. */
  readonly clientStandings: Readonly<Record<string, ClientStanding>>;
  readonly ids: readonly string[];
  readonly markers: readonly Marker[];
}

const COUNTRIES = ["NR", "TV", "KI", "PW", "FM"] as const;

type Fields = Record<string, string>;

/** The subject's own fields, each with a marker of its tag. */
function subjectFields(tag: string, index: number): Fields {
  return {
    fullName: `FUZZNAME-${tag} Zvirbule`,
    email: `fuzzmail-${tag.toLowerCase()}@example.lv`,
    postalAddress: `FUZZADDR-${tag}, Brīvības iela 1, Rīga`,
    phone: `+3712947150${index}`,
    dateOfBirth: `1937-03-1${index}`,
    country: COUNTRIES[index] ?? "NR",
  };
}

function deviceFields(tag: string, index: number): Fields {
  return {
    ipAddress: `203.0.113.17${index}`,
    browser: `FuzzBrowser-${tag}/1.0`,
    operatingSystem: `FuzzOS-${tag}`,
    device: `FuzzDevice-${tag}`,
  };
}

function categoryOf(typeName: string, field: string): string {
  const category = categoryOfField(typeName, field);
  if (!category) throw new Error(`${typeName}.${field} carries no data category: the fuzzer's markers are out of date`);
  return category;
}

export class GraphQLClient {
  constructor(
    private readonly url: string,
    private readonly key: string,
  ) {}

  /** Runs one operation and answers its data; any error stops the seeding. */
  async run<T>(purpose: string | null, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(this.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${this.key}`,
        ...(purpose ? { "x-purpose": purpose } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors || !body.data) throw new Error(`seeding failed: ${query}\n${JSON.stringify(body.errors)}`);
    return body.data;
  }
}

const RIGHTS = "essential.data_subject_rights";

export async function seedWorld(url: string, devKey: string): Promise<FuzzWorld> {
  const dev = new GraphQLClient(url, devKey);
  const markers: Marker[] = [];
  const ids: string[] = [];

  const keys: Record<string, string> = { development: devKey };
  const clients: { name: string; role: ClientRole; purposes: string[]; capabilities: string[]; processor?: string }[] = [
    {
      name: "fuzz-app",
      role: ClientRole.INTERNAL_APP,
      purposes: ["essential.service", "essential.service.operations.support", "analytics.reporting", "personalize"],
      capabilities: ["MANAGE_SUBJECTS", "RECORD_CONSENT"],
    },
    // A third party: consent purposes only.
    { name: "fuzz-partner", role: ClientRole.PARTNER, purposes: ["marketing.advertising", "personalize"], capabilities: [] },
    // A processor's client whose purposes grant more than its contract covers (name, e-mail, messages).
    {
      name: "fuzz-processor",
      role: ClientRole.PARTNER,
      purposes: ["essential.service.operations.support", "essential.service.inquiries"],
      capabilities: [],
      processor: "Example Mail Delivery Ltd",
    },
    {
      name: "fuzz-rights",
      role: ClientRole.INTERNAL_APP,
      purposes: [RIGHTS, "essential.legal_obligation"],
      capabilities: ["HANDLE_REQUESTS", "EXPORT", "ERASE"],
    },
    { name: "fuzz-revoked", role: ClientRole.PARTNER, purposes: ["marketing.advertising"], capabilities: [] },
  ];
  for (const client of clients) {
    const created = await dev.run<{ createClient: { apiKey: string } }>(
      null,
      `mutation ($input: CreateClientInput!) { createClient(input: $input) { apiKey } }`,
      { input: client },
    );
    keys[client.name] = created.createClient.apiKey;
  }
  await dev.run(null, `mutation { revokeClient(name: "fuzz-revoked") { name } }`);

  const mark = (where: string, typeName: string, fields: Fields, extraCategories: Record<string, readonly string[]> = {}): void => {
    for (const [field, value] of Object.entries(fields)) {
      markers.push({
        value,
        categories: [categoryOf(typeName, field), ...(extraCategories[field] ?? [])],
        exact: field === "country",
        where: `${where} ${typeName}.${field}`,
      });
    }
  };

  const create = async (purpose: string, input: Record<string, unknown>): Promise<string> => {
    const data = await dev.run<{ createSubject: { id: string } }>(
      purpose,
      `mutation ($input: CreateSubjectInput!) { createSubject(input: $input) { id } }`,
      { input },
    );
    ids.push(data.createSubject.id);
    return data.createSubject.id;
  };

  const verifiedRequest = async (subjectId: string, kind: string, tag: string): Promise<string> => {
    const opened = await dev.run<{ openSubjectRequest: { id: string } }>(
      RIGHTS,
      `mutation ($id: ID!, $kind: SubjectRequestKind!, $at: DateTime!) {
        openSubjectRequest(subjectId: $id, kind: $kind, receivedAt: $at, channel: EMAIL) { id } }`,
      { id: subjectId, kind, at: new Date(Date.now() - 3_600_000).toISOString() },
    );
    const requestId = opened.openSubjectRequest.id;
    const method = `FUZZPREF-${tag}-${kind} signed-in account`;
    await dev.run(RIGHTS, `mutation ($id: ID!, $method: String!) { verifySubjectIdentity(requestId: $id, method: $method) { id } }`, {
      id: requestId,
      method,
    });
    mark(`subject ${tag} ${kind} request`, "SubjectRequest", { identityVerificationMethod: method });
    ids.push(requestId);
    return requestId;
  };

  // A, and D below: registered with the advertising consent and its record, then given the
  // service's own data under the purpose that may write it (README, "Writes").
  const registered = async (tag: string, index: number): Promise<string> => {
    const own = subjectFields(tag, index);
    const device = deviceFields(tag, index);
    const consentedAt = `2020-02-2${index}T03:14:15.000Z`;
    const { postalAddress, phone, ...advertising } = own;
    const id = await create("marketing.advertising", { ...advertising, registration: { consentedAt, ...device } });
    await dev.run(
      "essential.service",
      `mutation ($id: ID!, $input: UpdateSubjectInput!) { updateSubject(id: $id, input: $input) { id } }`,
      {
        id,
        input: { postalAddress, phone },
      },
    );
    mark(`subject ${tag}`, "DataSubject", own);
    mark(`subject ${tag}`, "DataSubject", device);
    // The registration's time is also the consent's `givenAt`, a privacy preference.
    mark(`subject ${tag}`, "DataSubject", { consentedAt: consentedAt.slice(0, 19) }, { consentedAt: [categoryOf("Consent", "givenAt")] });
    return id;
  };

  const a = await registered("A", 0);
  await dev.run("personalize", `mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "personalize") { id } }`, { id: a });
  await verifiedRequest(a, "ACCESS", "A");

  const b = await create("essential.service", subjectFields("B", 1));
  mark("subject B", "DataSubject", subjectFields("B", 1));
  const evidence = deviceFields("B", 1);
  await dev.run(
    "marketing.advertising",
    `mutation ($id: ID!, $evidence: ConsentEvidenceInput) { giveConsent(subjectId: $id, purpose: "marketing.advertising", evidence: $evidence) { id } }`,
    { id: b, evidence },
  );
  mark("subject B consent", "ConsentEvidence", evidence);
  await dev.run("essential.service", `mutation ($id: ID!) { objectToPurpose(subjectId: $id, purpose: "analytics.reporting") { id } }`, {
    id: b,
  });
  await verifiedRequest(b, "PORTABILITY", "B");

  const c = await create("essential.service", subjectFields("C", 2));
  mark("subject C", "DataSubject", subjectFields("C", 2));
  await dev.run("essential.service", `mutation ($id: ID!) { endService(subjectId: $id) { id } }`, { id: c });

  const d = await registered("D", 3);
  const erasure = await verifiedRequest(d, "ERASURE", "D");
  await dev.run(RIGHTS, `mutation ($id: ID!) { eraseSubject(requestId: $id) { erased } }`, { id: erasure });

  const e = await create("essential.service", subjectFields("E", 4));
  mark("subject E", "DataSubject", subjectFields("E", 4));
  await dev.run("essential.service", `mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`, { id: e });

  const clientPurposes = Object.fromEntries(clients.map((client) => [client.name, client.purposes]));
  const clientStandings = Object.fromEntries(
    clients.map((client) => [client.name, { role: client.role, processorName: client.processor ?? null }]),
  );
  return { keys, clientPurposes, clientStandings, ids, markers };
}
