import { GraphQLError } from "graphql";
import { runClientCommand, UsageError } from "../src/cli/client-commands";
import { Capability } from "../src/domain/capabilities";
import { ClientRole } from "../src/domain/policy-terms";
import { RecipientType } from "../src/domain/recipients";
import { RequestAccess } from "../src/enforcement/request-access";
import { ClientRow } from "../src/persistence/entities";
import { applyPolicy } from "../src/persistence/policy-repository";
import { loadPolicyFile, type LoadedPolicy } from "../src/persistence/policy-file-loader";
import { parsePolicy } from "../src/policy/policy-file";
import { recordsAsMarkdown, recordsAsRows, type RecordsOfProcessing } from "../src/policy/records-of-processing";
import { createTestClient, overHttpPurposeQLForThisFile, POLICY_FILE, type GraphQLResponse } from "./support/harness";

/**
 * Issue 13, item 5: processors bound to their contracts, third parties only on consent. Over HTTP,
 * as clients meet it: a processor's client declares only its processor's purposes and reads or
 * writes only its categories, refused before execution (PROCESSOR_NOT_AUTHORISED) however the
 * field hides; a PARTNER acting for no processor is a third party, refused every purpose not based
 * on consent (THIRD_PARTY_NEEDS_CONSENT); every event names the recipient and the processor, and
 * the access export, the erasure receipt and the records of processing name them too.
 */

const purposeql = overHttpPurposeQLForThisFile();

const SERVICE = "essential.service";
const SUPPORT = "essential.service.operations.support";
const INQUIRIES = "essential.service.inquiries";
const ANALYTICS = "analytics.reporting";
const ADVERTISING = "marketing.advertising";
const RIGHTS = "essential.data_subject_rights";
const MAIL = "Example Mail Delivery Ltd";

type Json = Record<string, unknown>;
const keys: Record<string, string> = {};
let clubmium: LoadedPolicy;
let consenting = "";
let notConsenting = "";

async function client(...argv: string[]): Promise<string> {
  let output = "";
  await runClientCommand(argv, purposeql.services.dataSource, (text) => {
    output += text;
  });
  return output;
}

const keyIn = (output: string): string => /\n {2}(pql_\S+)\n/.exec(output)![1]!;

function post<T = Json>(
  query: string,
  request: { purpose?: string; apiKey?: string; variables?: Json } = {},
): Promise<{ status: number; body: GraphQLResponse<T> }> {
  return purposeql.post<T>(query, request);
}

async function ok<T = Json>(query: string, purpose: string, variables: Json = {}, apiKey?: string): Promise<T> {
  const { body } = await post<T>(query, { purpose, variables, ...(apiKey === undefined ? {} : { apiKey }) });
  expect(body.errors).toBeUndefined();
  return body.data!;
}

interface EventRow {
  client_name: string;
  operation: string;
  decision: string;
  recipient_type: string | null;
  processor_name: string | null;
  released: string[];
  written: string[];
}

const eventsOf = (subjectId: string): Promise<EventRow[]> =>
  purposeql.services.dataSource.query(
    `SELECT client_name, operation, decision::text AS decision, recipient_type::text AS recipient_type, processor_name, released, written
       FROM audit_access_event WHERE subject_id = $1 ORDER BY chain_position, ordinal`,
    [subjectId],
  );

const eventCount = async (): Promise<number> =>
  Number((await purposeql.services.dataSource.query(`SELECT count(*)::int AS n FROM audit_access_event`))[0].n);

/** Applies an edited policy file as a new version and puts it in force, as `npm run seed` and a reload do. */
async function applyEdited(edit: (source: string) => string): Promise<void> {
  const source = edit(clubmium.source);
  await applyPolicy(purposeql.services.dataSource, { source, document: parsePolicy("edited.yaml", source) });
  await purposeql.services.policy.reload();
}

async function restorePolicy(): Promise<void> {
  await applyPolicy(purposeql.services.dataSource, clubmium);
  await purposeql.services.policy.reload();
}

/** The mail processor's own purposes block, as the policy file has it. */
const MAIL_PURPOSES =
  "    purposes:\n      - essential.service.inquiries\n      - essential.service.operations.support\n    categories:\n      - user.name\n";

beforeAll(async () => {
  clubmium = await loadPolicyFile(POLICY_FILE);
  expect(clubmium.source).toContain(MAIL_PURPOSES);
  const created = await ok<{ createSubject: { id: string } }>(
    `mutation { createSubject(input: {
        fullName: "Consenting Person", email: "yes@example.lv", country: "LV",
        registration: { consentedAt: "2026-01-05T09:00:00Z", ipAddress: "192.0.2.7", browser: "Firefox 140", operatingSystem: "Linux", device: "Laptop" }
      }) { id } }`,
    ADVERTISING,
  );
  consenting = created.createSubject.id;
  await ok(`mutation ($id: ID!) { updateSubject(id: $id, input: { phone: "+37120000001" }) { id } }`, SERVICE, { id: consenting });
  const plain = await ok<{ createSubject: { id: string } }>(
    `mutation { createSubject(input: { fullName: "Plain Person", email: "no@example.lv", phone: "+37120000002", country: "EE", postalAddress: "Tirgus iela 2" }) { id } }`,
    SERVICE,
  );
  notConsenting = plain.createSubject.id;
});

describe("registering a client for a processor (npm run client, createClient)", () => {
  it("links a client to a processor of the register; the client and its list line name the processor", async () => {
    const output = await client(
      "create",
      "--name",
      "mailer",
      "--role",
      "PARTNER",
      "--processor",
      MAIL,
      "--purposes",
      `${SUPPORT},${INQUIRIES}`,
    );
    expect(output).toContain(`Created client mailer (PARTNER; processor ${MAIL}; purposes ${SUPPORT}, ${INQUIRIES};`);
    keys.mailer = keyIn(output);
    const stored = await purposeql.services.dataSource.getRepository(ClientRow).findOneByOrFail({ name: "mailer" });
    expect(stored.processorName).toBe(MAIL);
    expect(await client("list")).toMatch(
      new RegExp(`^mailer\\tPARTNER\\tprocessor ${MAIL}\\tactive\\t${INQUIRIES}, ${SUPPORT}\\tno capabilities$`, "m"),
    );
  });

  it("refuses a purpose outside the processor's contract, a processor not in the register, an ADMIN acting for one; writes nothing", async () => {
    const clients = () => purposeql.services.dataSource.getRepository(ClientRow).count();
    const before = await clients();
    await expect(
      client("create", "--name", "m2", "--role", "PARTNER", "--processor", MAIL, "--purposes", `${SUPPORT},${SERVICE}`),
    ).rejects.toThrow(new UsageError(`${MAIL}'s contract does not cover purpose ${SERVICE}; it covers ${INQUIRIES}, ${SUPPORT}`));
    await expect(
      client("create", "--name", "m3", "--role", "INTERNAL_APP", "--processor", "Real Mail SIA", "--purposes", SUPPORT),
    ).rejects.toThrow(/Real Mail SIA is not in the register of processors of the policy in force \(version \d+\)/);
    await expect(client("create", "--name", "m4", "--role", "ADMIN", "--processor", MAIL, "--purposes", SUPPORT)).rejects.toThrow(
      /an ADMIN client acts for the controller, never for a processor/,
    );
    await expect(client("create", "--name", "m5", "--role", "PARTNER", "--processor", " ", "--purposes", SUPPORT)).rejects.toThrow(
      UsageError,
    );
    expect(await clients()).toBe(before);

    // The database holds the last rule itself.
    await expect(
      purposeql.services.dataSource.query(
        `INSERT INTO client (name, role, key_id, key_hash, capabilities, processor_name) VALUES ('raw-admin', 'ADMIN', 'raw-admin', 'x', '{}', $1)`,
        [MAIL],
      ),
    ).rejects.toThrow(/client_admin_acts_for_no_processor/);
  });

  it("refuses a third party (a PARTNER acting for no processor) a purpose not based on consent, and registers it under one that is", async () => {
    await expect(client("create", "--name", "stats-cli", "--role", "PARTNER", "--purposes", `${ADVERTISING},${ANALYTICS}`)).rejects.toThrow(
      new UsageError(
        `${ANALYTICS} rests on LEGITIMATE_INTERESTS, not on consent: a third party (a PARTNER acting for no processor) receives personal data only under a purpose the person consented to`,
      ),
    );
    const output = await client("create", "--name", "adnet", "--role", "PARTNER", "--purposes", ADVERTISING);
    expect(output).toContain("(PARTNER; third party; purposes marketing.advertising;");
    keys.adnet = keyIn(output);
    // The controller's own application is no third party.
    expect(await client("create", "--name", "stats-internal", "--role", "INTERNAL_APP", "--purposes", ANALYTICS)).toContain("internal");
  });

  it("createClient does the same over the API: BAD_USER_INPUT naming the rule; a client answers its processor and recipient type", async () => {
    const outside = await post(
      `mutation { createClient(input: { name: "api-mailer", role: PARTNER, processor: "${MAIL}", purposes: ["${SERVICE}"] }) { apiKey } }`,
    );
    expect(outside.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(outside.body.errors?.[0]?.message).toContain(`${MAIL}'s contract does not cover purpose ${SERVICE}`);
    const thirdParty = await post(
      `mutation { createClient(input: { name: "api-stats", role: PARTNER, purposes: ["${ANALYTICS}"] }) { apiKey } }`,
    );
    expect(thirdParty.body.errors?.[0]?.message).toMatch(/not on consent/);

    const created = await post<{ createClient: { client: Json } }>(
      `mutation { createClient(input: { name: "api-mailer", role: PARTNER, processor: "${MAIL}", purposes: ["${INQUIRIES}"] }) { client { name processor recipientType } } }`,
    );
    expect(created.body.data?.createClient.client).toEqual({ name: "api-mailer", processor: MAIL, recipientType: "PROCESSOR" });
    const listed = await post<{ clients: Json[] }>(`{ clients { name role processor recipientType } }`);
    expect(listed.body.data?.clients).toEqual(
      expect.arrayContaining([
        { name: "adnet", role: "PARTNER", processor: null, recipientType: "THIRD_PARTY" },
        { name: "mailer", role: "PARTNER", processor: MAIL, recipientType: "PROCESSOR" },
        { name: "development", role: "ADMIN", processor: null, recipientType: "INTERNAL" },
      ]),
    );
  });
});

describe("a processor's client, at every request", () => {
  const READ = `query ($id: ID!) { subject(id: $id) { fullName email } }`;

  it("reads what its contract covers, and every event of its reads names the processor", async () => {
    const data = await ok<{ subject: Json }>(READ, SUPPORT, { id: notConsenting }, keys.mailer);
    expect(data.subject).toEqual({ fullName: "Plain Person", email: "no@example.lv" });
    const events = (await eventsOf(notConsenting)).filter((event) => event.client_name === "mailer");
    expect(events).toEqual([
      expect.objectContaining({
        operation: "read",
        decision: "RELEASED",
        recipient_type: "PROCESSOR",
        processor_name: MAIL,
        released: ["user.contact.email", "user.name"],
      }),
    ]);
    const log = await ok<{ accessLog: Json[] }>(
      `query ($id: ID!) { accessLog(subjectId: $id) { clientName recipientType processorName operation } }`,
      SERVICE,
      { id: notConsenting },
    );
    expect(log.accessLog).toEqual([
      { clientName: "development", recipientType: "INTERNAL", processorName: null, operation: "createSubject" },
      { clientName: "mailer", recipientType: "PROCESSOR", processorName: MAIL, operation: "read" },
    ]);
  });

  it("is refused, before execution, a category its contract does not cover, however the field hides", async () => {
    const documents: [string, Json, string][] = [
      [`query ($id: ID!) { subject(id: $id) { fullName p: phone } }`, {}, "DataSubject.phone"],
      [`query ($id: ID!) { subject(id: $id) { ...F } } fragment F on DataSubject { email postalAddress }`, {}, "DataSubject.postalAddress"],
      [`query ($id: ID!) { subject(id: $id) { ... on DataSubject { fullName dateOfBirth } } }`, {}, "DataSubject.dateOfBirth"],
      [
        `query ($id: ID!, $yes: Boolean!) { subject(id: $id) { fullName country @include(if: $yes) } }`,
        { yes: true },
        "DataSubject.country",
      ],
      // Batched behind an allowed read.
      [
        `query ($id: ID!) { a: subject(id: $id) { fullName } b: subjects(first: 5) { edges { node { status } } } }`,
        {},
        "DataSubject.status",
      ],
    ];
    for (const [query, variables, field] of documents) {
      const before = await eventCount();
      const { status, body } = await post(query, { purpose: SUPPORT, apiKey: keys.mailer, variables: { id: notConsenting, ...variables } });
      expect({ query, status, data: body.data }).toEqual({ query, status: 403, data: undefined });
      expect(body.errors).toHaveLength(1);
      expect(body.errors?.[0]?.extensions).toMatchObject({
        code: "PURPOSE_LIMITATION",
        reason: "PROCESSOR_NOT_AUTHORISED",
        processor: MAIL,
        purpose: SUPPORT,
        fields: [expect.objectContaining({ field })],
      });
      expect(body.errors?.[0]?.message).toMatch(/Nothing was executed\.$/);
      expect(JSON.stringify(body)).not.toMatch(/Plain Person|no@example/);
      expect(await eventCount()).toBe(before);
    }
    // The operation as it will run: a field skipped is not read, and the rest is released.
    const skipped = await post<{ subject: Json }>(
      `query ($id: ID!, $yes: Boolean!) { subject(id: $id) { fullName phone @include(if: $yes) } }`,
      {
        purpose: SUPPORT,
        apiKey: keys.mailer,
        variables: { id: notConsenting, yes: false },
      },
    );
    expect(skipped.body).toEqual({ data: { subject: { fullName: "Plain Person" } } });
  });

  it("is refused, before execution, a purpose its processor's contract does not cover, by header or directive", async () => {
    // Registered before the register changed, as it were: the database holds a purpose the contract lacks.
    keys.mailDesk = await createTestClient(purposeql, {
      name: "mail-desk",
      role: ClientRole.PARTNER,
      purposes: [SERVICE, SUPPORT],
      processor: MAIL,
    });
    const before = await eventCount();
    for (const request of [
      { query: READ, purpose: SERVICE },
      { query: `query ($id: ID!) @purpose(key: "${SERVICE}") { subject(id: $id) { fullName } }`, purpose: undefined },
      { query: `{ subjects { totalCount } }`, purpose: SERVICE },
    ]) {
      const { status, body } = await post(request.query, {
        apiKey: keys.mailDesk,
        variables: { id: notConsenting },
        ...(request.purpose ? { purpose: request.purpose } : {}),
      });
      expect(status).toBe(403);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.extensions).toMatchObject({
        code: "PURPOSE_LIMITATION",
        reason: "PROCESSOR_NOT_AUTHORISED",
        processor: MAIL,
        purpose: SERVICE,
      });
      // The purpose refused it, not a field.
      expect(body.errors?.[0]?.extensions).not.toHaveProperty("fields");
      expect(body.errors?.[0]?.message).toBe(
        `${MAIL}'s contract does not cover purpose ${SERVICE}; it covers ${INQUIRIES}, ${SUPPORT}. Nothing was executed.`,
      );
    }
    expect(await eventCount()).toBe(before);

    // What it may read, as data: only the purpose its contract covers, and only the contract's categories.
    const viewer = await post<{ viewer: Json }>(
      `{ viewer { clientName role processor recipientType purposes { key readableCategories } } }`,
      {
        apiKey: keys.mailDesk,
      },
    );
    expect(viewer.body.data?.viewer).toEqual({
      clientName: "mail-desk",
      role: "PARTNER",
      processor: MAIL,
      recipientType: "PROCESSOR",
      purposes: [{ key: SUPPORT, readableCategories: ["user.contact.email", "user.name"] }],
    });
  });

  it("writes only what its contract covers, and its change events name the processor", async () => {
    keys.mailCrm = await createTestClient(purposeql, {
      name: "mail-crm",
      role: ClientRole.INTERNAL_APP,
      purposes: [SUPPORT],
      capabilities: [Capability.MANAGE_SUBJECTS],
      processor: MAIL,
    });
    const phoneBefore = await ok<{ subject: { phone: string } }>(`query ($id: ID!) { subject(id: $id) { phone } }`, SERVICE, {
      id: notConsenting,
    });
    const refused = await post(`mutation ($id: ID!, $input: UpdateSubjectInput!) { updateSubject(id: $id, input: $input) { id } }`, {
      purpose: SUPPORT,
      apiKey: keys.mailCrm,
      variables: { id: notConsenting, input: { phone: "+37129999999" } },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({
      reason: "PROCESSOR_NOT_AUTHORISED",
      fields: [{ field: "UpdateSubjectInput.phone", category: "user.contact.phone_number" }],
    });
    expect(await ok(`query ($id: ID!) { subject(id: $id) { phone } }`, SERVICE, { id: notConsenting })).toEqual(phoneBefore);

    await ok(
      `mutation ($id: ID!) { updateSubject(id: $id, input: { email: "new@example.lv" }) { id } }`,
      SUPPORT,
      { id: notConsenting },
      keys.mailCrm,
    );
    const [change] = (await eventsOf(notConsenting)).filter((event) => event.client_name === "mail-crm");
    expect(change).toMatchObject({
      operation: "updateSubject",
      decision: "WRITTEN",
      written: ["user.contact.email"],
      recipient_type: "PROCESSOR",
      processor_name: MAIL,
    });
  });
});

describe("the field guard, behind the check before execution", () => {
  it("denies a category the processor's contract does not cover, and records the denial", async () => {
    const { policy, dataSource } = purposeql.services;
    const access = new RequestAccess(SUPPORT, policy.compiled, dataSource.manager, new Date(), {
      role: ClientRole.PARTNER,
      processorName: MAIL,
    });
    const guard = await access.guardOfRow((await access.loadSubject(notConsenting))!);
    expect(guard.read("fullName", "user.name", "Plain Person")).toBe("Plain Person");
    const denied = guard.read("phone", "user.contact.phone_number", "+37120000002");
    expect(denied).toBeInstanceOf(GraphQLError);
    expect((denied as GraphQLError).extensions).toMatchObject({ code: "PURPOSE_LIMITATION", reason: "PROCESSOR_NOT_AUTHORISED" });
    const [event] = access.recorder.events({
      requestId: "00000000-0000-4000-8000-000000000009",
      clientId: "00000000-0000-4000-8000-000000000009",
      clientName: "mailer",
      recipientType: RecipientType.PROCESSOR,
      processorName: MAIL,
      purposeKey: SUPPORT,
    });
    expect(event).toMatchObject({ released: ["user.name"], denied: ["user.contact.phone_number"] });
    // The same read for a client acting for no processor: its purpose alone decides.
    const internal = new RequestAccess(SUPPORT, policy.compiled, dataSource.manager, new Date(), {
      role: ClientRole.INTERNAL_APP,
      processorName: null,
    });
    const internalGuard = await internal.guardOfRow((await internal.loadSubject(notConsenting))!);
    expect(internalGuard.read("phone", "user.contact.phone_number", "+37120000002")).toBe("+37120000002");
  });
});

describe("a third party (a PARTNER acting for no processor)", () => {
  it("is refused, before execution, every purpose not based on consent", async () => {
    // Registered directly, as a client made before the rule was: every request is held to it again.
    keys.stats = await createTestClient(purposeql, { name: "stats", role: ClientRole.PARTNER, purposes: [ANALYTICS] });
    const before = await eventCount();
    const { status, body } = await post(`query ($id: ID!) { subject(id: $id) { country } }`, {
      purpose: ANALYTICS,
      apiKey: keys.stats,
      variables: { id: consenting },
    });
    expect(status).toBe(403);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: "PURPOSE_LIMITATION",
      reason: "THIRD_PARTY_NEEDS_CONSENT",
      purpose: ANALYTICS,
    });
    expect(body.errors?.[0]?.extensions).not.toHaveProperty("processor");
    expect(body.errors?.[0]?.message).toMatch(/rests on LEGITIMATE_INTERESTS, not on consent.*Nothing was executed\.$/);
    expect(await eventCount()).toBe(before);
    const viewer = await post<{ viewer: Json }>(`{ viewer { recipientType purposes { key } } }`, { apiKey: keys.stats });
    expect(viewer.body.data?.viewer).toEqual({ recipientType: "THIRD_PARTY", purposes: [] });
  });

  it("receives a person's data only under that person's consent, and each read is recorded as a disclosure", async () => {
    const READ = `query ($id: ID!) { subject(id: $id) { fullName country } }`;
    const given = await ok<{ subject: Json }>(READ, ADVERTISING, { id: consenting }, keys.adnet);
    expect(given.subject).toEqual({ fullName: "Consenting Person", country: "LV" });
    const { body } = await post<{ subject: Json }>(READ, { purpose: ADVERTISING, apiKey: keys.adnet, variables: { id: notConsenting } });
    expect(body.data?.subject).toEqual({ fullName: null, country: null });
    expect(body.errors?.map((error) => error.extensions?.reason)).toEqual(["CONSENT_MISSING", "CONSENT_MISSING"]);
    const list = await ok<{ subjects: { edges: { node: { id: string } }[] } }>(
      `{ subjects(first: 100) { edges { node { id } } } }`,
      ADVERTISING,
      {},
      keys.adnet,
    );
    expect(list.subjects.edges.map((edge) => edge.node.id)).toEqual([consenting]);

    const disclosures = async (subjectId: string) =>
      (await eventsOf(subjectId))
        .filter((event) => event.client_name === "adnet" && event.operation === "read")
        .map(({ decision, recipient_type, processor_name, released }) => ({ decision, recipient_type, processor_name, released }));
    expect(await disclosures(consenting)).toEqual([
      { decision: "RELEASED", recipient_type: "THIRD_PARTY", processor_name: null, released: ["user.location.coarse", "user.name"] },
    ]);
    expect(await disclosures(notConsenting)).toEqual([
      { decision: "DENIED", recipient_type: "THIRD_PARTY", processor_name: null, released: [] },
    ]);
  });
});

describe("what the controller shows of its recipients", () => {
  const open = async (subjectId: string, kind: string): Promise<string> => {
    const opened = await ok<{ openSubjectRequest: { id: string } }>(
      `mutation ($s: ID!, $k: SubjectRequestKind!, $at: DateTime!) { openSubjectRequest(subjectId: $s, kind: $k, receivedAt: $at, channel: EMAIL) { id } }`,
      RIGHTS,
      { s: subjectId, k: kind, at: new Date(Date.now() - 60_000).toISOString() },
    );
    const id = opened.openSubjectRequest.id;
    await ok(`mutation ($id: ID!) { verifySubjectIdentity(requestId: $id, method: "signed-in account") { id } }`, RIGHTS, { id });
    return id;
  };

  it("the access export (GDPR Art. 15) names each recipient as what it is, and what each may receive", async () => {
    await ok(`query ($id: ID!) { subject(id: $id) { fullName } }`, SUPPORT, { id: consenting }, keys.mailer);
    const requestId = await open(consenting, "ACCESS");
    const exported = await ok<{ accessExport: { recipients: Json; accessSummary: Json } }>(
      `query ($id: ID!) { accessExport(requestId: $id) }`,
      RIGHTS,
      { id: requestId },
    );
    const recipients = exported.accessExport.recipients as { received: Json[]; mayReceive: Json[]; note: string };
    const received = Object.fromEntries(recipients.received.map((entry) => [entry.clientName, entry]));
    expect(received.mailer).toMatchObject({
      role: "PARTNER",
      recipientType: "PROCESSOR",
      processor: MAIL,
      recipientKind: expect.stringContaining(`a processor acting on our behalf under a written contract (${MAIL})`),
      categories: ["user.name"],
    });
    expect(received.adnet).toMatchObject({
      role: "PARTNER",
      recipientType: "THIRD_PARTY",
      processor: null,
      recipientKind: expect.stringContaining("third party"),
      purposes: [ADVERTISING],
      categories: ["user.location.coarse", "user.name"],
    });
    expect(recipients.note).toContain("THIRD_PARTY");
    const mayReceive = Object.fromEntries(recipients.mayReceive.map((entry) => [entry.clientName, entry]));
    // The processor's client may receive only what its contract covers; the third party nothing outside consent.
    expect(mayReceive.mailer).toMatchObject({
      recipientType: "PROCESSOR",
      purposes: [
        { purposeKey: INQUIRIES, categories: ["user.contact.email", "user.name"] },
        { purposeKey: SUPPORT, categories: ["user.contact.email", "user.name"] },
      ],
    });
    expect(mayReceive["mail-desk"]).toMatchObject({ purposes: [{ purposeKey: SUPPORT }] });
    expect(mayReceive.stats).toBeUndefined();
    expect(mayReceive.adnet).toMatchObject({ recipientType: "THIRD_PARTY", purposes: [{ purposeKey: ADVERTISING }] });
    const accesses = exported.accessExport.accessSummary.accesses as Json[];
    expect(accesses.filter((entry) => entry.clientName !== "development")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ clientName: "adnet", recipientType: "THIRD_PARTY", processor: null }),
        expect.objectContaining({ clientName: "mailer", recipientType: "PROCESSOR", processor: MAIL }),
      ]),
    );
  });

  it("the erasure receipt names the recipient each recipient to tell was (GDPR Art. 19)", async () => {
    const requestId = await open(consenting, "ERASURE");
    const erased = await ok<{ eraseSubject: { recipientsToNotify: Json[] } }>(
      `mutation ($id: ID!) { eraseSubject(requestId: $id) { recipientsToNotify { clientName recipientType processorName categories } } }`,
      RIGHTS,
      { id: requestId },
    );
    expect(erased.eraseSubject.recipientsToNotify).toEqual(
      expect.arrayContaining([
        { clientName: "adnet", recipientType: "THIRD_PARTY", processorName: null, categories: ["user.location.coarse"] },
      ]),
    );
  });

  it("the records of processing (GDPR Art. 30(1)(d)) name the recipients as enforcement lets them receive", async () => {
    const { recordsOfProcessing: records } = await ok<{ recordsOfProcessing: RecordsOfProcessing }>(`{ recordsOfProcessing }`, SERVICE);
    const activity = (key: string) => records.activities.find((entry) => entry.purpose.key === key)!.recipients;
    expect(activity(ADVERTISING)).toMatchObject({ recipientTypes: ["INTERNAL", "THIRD_PARTY"], thirdParties: ["adnet"] });
    expect(activity(SUPPORT)).toMatchObject({ recipientTypes: ["INTERNAL", "PROCESSOR"], thirdParties: [] });
    expect(activity(SUPPORT).processors).toEqual(["Example Hosting SIA", MAIL]);
    // stats may not declare analytics as a third party: it is no recipient of it.
    expect(activity(ANALYTICS)).toMatchObject({ recipientTypes: ["INTERNAL"], thirdParties: [] });
    expect(activity(ANALYTICS).clientRoles).toEqual(["ADMIN", "INTERNAL_APP"]);

    expect(recordsAsMarkdown(records)).toContain(
      "- Recipients: client roles ADMIN, PARTNER (INTERNAL, THIRD_PARTY); processors Example Hosting SIA; third parties (disclosed to with the person's consent only) adnet\n",
    );
    const [header, ...rows] = recordsAsRows(records);
    const advertising = rows.find((row) => row.includes(ADVERTISING))!;
    expect(advertising[header!.indexOf("third_parties")]).toBe("adnet");
    expect(advertising[header!.indexOf("recipient_types")]).toBe("INTERNAL THIRD_PARTY");
  });
});

describe("the policy in force decides, at every request", () => {
  afterEach(restorePolicy);

  it("a purpose the contract drops, or a processor the register drops, is refused from the next request", async () => {
    const READ = `query ($id: ID!) { subject(id: $id) { fullName } }`;
    expect((await post(READ, { purpose: SUPPORT, apiKey: keys.mailer, variables: { id: notConsenting } })).body.errors).toBeUndefined();

    await applyEdited((source) =>
      source.replace(MAIL_PURPOSES, "    purposes:\n      - essential.service.inquiries\n    categories:\n      - user.name\n"),
    );
    const dropped = await post(READ, { purpose: SUPPORT, apiKey: keys.mailer, variables: { id: notConsenting } });
    expect(dropped.status).toBe(403);
    expect(dropped.body.errors?.[0]?.extensions).toMatchObject({ reason: "PROCESSOR_NOT_AUTHORISED", processor: MAIL, purpose: SUPPORT });
    expect(
      (await post(READ, { purpose: INQUIRIES, apiKey: keys.mailer, variables: { id: notConsenting } })).body.errors?.[0]?.extensions,
    ).toMatchObject(
      // Still its contract's purpose: what refuses it now is the person (no inquiry), not the contract.
      { reason: "NO_INQUIRY" },
    );

    // The placeholder replaced by the real processor: its clients are refused until registered again with --processor.
    await applyEdited((source) => source.replace(`- name: ${MAIL}`, "- name: Real Mail SIA"));
    const gone = await post(READ, { purpose: INQUIRIES, apiKey: keys.mailer, variables: { id: notConsenting } });
    expect(gone.status).toBe(403);
    expect(gone.body.errors?.[0]?.message).toBe(
      `${MAIL} is not in the register of processors of the policy in force, so its contract covers nothing. Nothing was executed.`,
    );
    const output = await client(
      "create",
      "--name",
      "real-mailer",
      "--role",
      "PARTNER",
      "--processor",
      "Real Mail SIA",
      "--purposes",
      SUPPORT,
    );
    const real = await post<{ subject: Json }>(READ, { purpose: SUPPORT, apiKey: keyIn(output), variables: { id: notConsenting } });
    expect(real.body).toEqual({ data: { subject: { fullName: "Plain Person" } } });
  });

  it("an export goes to a processor's client only when its contract covers every category in it", async () => {
    await applyEdited((source) =>
      source.replace(
        "processors:\n",
        `processors:
  - name: Example Support Desk OU
    country: EE
    dpaReference: DPA-2026-001
    dpaSignedOn: 2026-01-10
    lastVettedOn: 2026-02-01
    securityMeasures:
      - Access limited to named agents
    purposes:
      - ${RIGHTS}
    categories:
      - user.name
      - user.contact
`,
      ),
    );
    const desk = await createTestClient(purposeql, {
      name: "support-desk",
      role: ClientRole.INTERNAL_APP,
      purposes: [RIGHTS],
      capabilities: [Capability.EXPORT, Capability.HANDLE_REQUESTS],
      processor: "Example Support Desk OU",
    });
    const opened = await ok<{ openSubjectRequest: { id: string } }>(
      `mutation ($s: ID!, $at: DateTime!) { openSubjectRequest(subjectId: $s, kind: ACCESS, receivedAt: $at, channel: EMAIL) { id } }`,
      RIGHTS,
      { s: notConsenting, at: new Date(Date.now() - 60_000).toISOString() },
      desk,
    );
    const requestId = opened.openSubjectRequest.id;
    await ok(`mutation ($id: ID!) { verifySubjectIdentity(requestId: $id, method: "in person") { id } }`, RIGHTS, { id: requestId }, desk);
    const before = await eventsOf(notConsenting);
    const { status, body } = await post(`query ($id: ID!) { accessExport(requestId: $id) }`, {
      purpose: RIGHTS,
      apiKey: desk,
      variables: { id: requestId },
    });
    expect(status).toBe(403);
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: "PURPOSE_LIMITATION",
      reason: "PROCESSOR_NOT_AUTHORISED",
      processor: "Example Support Desk OU",
      fields: expect.arrayContaining([expect.objectContaining({ field: "Query.accessExport", category: "user.location.coarse" })]),
    });
    expect(body.errors?.[0]?.message).toMatch(/Nothing was released\.$/);
    expect(JSON.stringify(body)).not.toMatch(/Plain Person/);
    expect(await eventsOf(notConsenting)).toEqual(before);
  });
});
