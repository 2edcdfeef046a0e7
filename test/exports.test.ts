import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parse } from "csv-parse/sync";
import { Capability } from "../src/domain/capabilities";
import { SUBJECT_FIELDS, SUBJECT_FIELDS_NOT_EXPORTED, SUBJECT_FIELD_NAMES } from "../src/domain/field-provenance";
import { ClientRole, SubjectRequestKind, SubjectRequestStatus } from "../src/domain/policy-terms";
import { PORTABLE_FIELDS } from "../src/exports/portability-export";
import { personalFieldsByType } from "../src/graphql/personal-data";
import { AccessEventRow, ConsentRow, DataSubjectRow, ObjectionRow, SubjectRequestRow } from "../src/persistence/entities";

type EntitySchemaTarget = typeof ConsentRow | typeof ObjectionRow | typeof SubjectRequestRow;
import { createTestClient, errorCodes, inProcessPurposeQLForThisFile, type GraphQLResponse } from "./support/harness";

/**
 * The access export (GDPR Art. 15) and the portability export (Art. 20), through GraphQL: checked
 * item by item against Art. 15(1)(a)–(h), 15(2) and 15(3) for a subject with consents, an
 * objection, a restriction lifted, and reads by two clients; each export audited as one event, and
 * nothing released when that event cannot be written; only a verified request of the right kind,
 * by a client holding EXPORT, under a legal-obligation purpose. Time comes from a clock this file moves.
 */

let clock = new Date("2027-03-01T10:00:00.000Z");
const purposeql = inProcessPurposeQLForThisFile({}, () => new Date(clock.getTime()));

const SERVICE = "essential.service";
const SUPPORT = "essential.service.operations.support";
const ADVERTISING = "marketing.advertising";
const PERSONALIZE = "personalize";
const ANALYTICS = "analytics.reporting";
const IMPROVE = "functional.service.improve";
const RIGHTS = "essential.data_subject_rights";

const SCHEMA = JSON.parse(readFileSync(path.resolve(__dirname, "../docs/schemas/portability-v1.schema.json"), "utf8")) as {
  properties: { data: { properties: Record<string, { "x-category": string; "x-provenance": string }> } };
};

type Json = Record<string, unknown>;
const ACCESS_EXPORT = `query ($id: ID!) { accessExport(requestId: $id) }`;
const PORTABILITY_EXPORT = `query ($id: ID!, $format: PortabilityFormat) { portabilityExport(requestId: $id, format: $format) { format mediaType fileName content } }`;

const keys: Record<"crm" | "stats" | "exporter" | "handler", string> = { crm: "", stats: "", exporter: "", handler: "" };

beforeAll(async () => {
  keys.crm = await createTestClient(purposeql, {
    name: "crm",
    role: ClientRole.INTERNAL_APP,
    purposes: [SERVICE, SUPPORT],
    capabilities: [Capability.MANAGE_SUBJECTS],
  });
  // A third party (a PARTNER acting for no processor): it reads only under a purpose the person consented to.
  keys.stats = await createTestClient(purposeql, { name: "stats", role: ClientRole.PARTNER, purposes: [ADVERTISING] });
  keys.exporter = await createTestClient(purposeql, {
    name: "rights-desk",
    role: ClientRole.INTERNAL_APP,
    purposes: [RIGHTS],
    capabilities: [Capability.EXPORT, Capability.HANDLE_REQUESTS],
  });
  keys.handler = await createTestClient(purposeql, {
    name: "request-inbox",
    role: ClientRole.INTERNAL_APP,
    purposes: [RIGHTS],
    capabilities: [Capability.HANDLE_REQUESTS],
  });
});

async function run<T = Json>(query: string, purpose: string, variables: Json = {}, apiKey?: string): Promise<GraphQLResponse<T>> {
  return purposeql.execute<T>(query, { purpose, variables, ...(apiKey === undefined ? {} : { apiKey }) });
}

async function ok<T = Json>(query: string, purpose: string, variables: Json = {}, apiKey?: string): Promise<T> {
  const response = await run<T>(query, purpose, variables, apiKey);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

/** A subject who registered with the advertising consent (the registration record), then gave the rest of their data. */
async function registeredSubject(name: string): Promise<string> {
  const created = await ok<{ createSubject: { id: string } }>(
    `mutation ($name: String!) { createSubject(input: {
        fullName: $name, email: "anna@example.lv", country: "LV", dateOfBirth: "1990-05-17",
        registration: { consentedAt: "2027-02-28T09:00:00Z", ipAddress: "192.0.2.44", browser: "Firefox 140", operatingSystem: "Linux", device: "Laptop" }
      }) { id } }`,
    ADVERTISING,
    { name },
  );
  const id = created.createSubject.id;
  await ok(
    `mutation ($id: ID!) { updateSubject(id: $id, input: { postalAddress: "Brīvības iela 1, Rīga", phone: "+37120000000" }) { id } }`,
    SERVICE,
    {
      id,
    },
  );
  return id;
}

const REQUEST_HANDLING = {
  open: `mutation ($subjectId: ID!, $kind: SubjectRequestKind!, $receivedAt: DateTime!) {
    openSubjectRequest(subjectId: $subjectId, kind: $kind, receivedAt: $receivedAt, channel: EMAIL) { id }
  }`,
  verify: `mutation ($id: ID!) { verifySubjectIdentity(requestId: $id, method: "signed-in account") { id } }`,
  complete: `mutation ($id: ID!) { completeSubjectRequest(requestId: $id) { request { id } } }`,
  refuse: `mutation ($id: ID!) { refuseSubjectRequest(requestId: $id, reason: "Manifestly unfounded") { id } }`,
};

/**
 * A request opened, and brought to `status`, through the request handlers' mutations (by the
 * request-inbox client); each is a change event of the subject, and selecting only ids reads nothing.
 */
async function requestOf(subjectId: string, kind: SubjectRequestKind, status = SubjectRequestStatus.IDENTITY_VERIFIED): Promise<string> {
  const handle = (query: string, variables: Json) => ok<Record<string, { id: string }>>(query, RIGHTS, variables, keys.handler);
  const opened = await handle(REQUEST_HANDLING.open, { subjectId, kind, receivedAt: clock.toISOString() });
  const id = opened.openSubjectRequest!.id;
  if (status === SubjectRequestStatus.RECEIVED) return id;
  if (status === SubjectRequestStatus.REFUSED) {
    await handle(REQUEST_HANDLING.refuse, { id });
    return id;
  }
  await handle(REQUEST_HANDLING.verify, { id });
  if (status === SubjectRequestStatus.COMPLETED) await handle(REQUEST_HANDLING.complete, { id });
  return id;
}

const eventsOf = (subjectId: string) =>
  purposeql.services.dataSource.getRepository(AccessEventRow).find({ where: { subjectId }, order: { id: "ASC" } });

async function accessExport(requestId: string): Promise<Json> {
  const data = await ok<{ accessExport: Json }>(ACCESS_EXPORT, RIGHTS, { id: requestId }, keys.exporter);
  return data.accessExport;
}

const section = (document: Json, key: string): Json => document[key] as Json;
const list = (value: unknown): Json[] => value as Json[];

describe("the access export (GDPR Art. 15)", () => {
  let subjectId = "";
  let document: Json = {};
  let requestId = "";
  let eventsBefore = 0;

  beforeAll(async () => {
    clock = new Date("2027-03-01T10:00:00.000Z");
    subjectId = await registeredSubject("Anna Bērziņa");
    await ok(
      `mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${PERSONALIZE}", evidence: { method: "WEB_FORM" }) { id } }`,
      PERSONALIZE,
      { id: subjectId },
    );
    await ok(`mutation ($id: ID!) { objectToPurpose(subjectId: $id, purpose: "${IMPROVE}") { id } }`, SUPPORT, { id: subjectId });
    clock = new Date("2027-03-02T10:00:00.000Z");
    await ok(`mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`, SUPPORT, { id: subjectId });
    clock = new Date("2027-03-03T10:00:00.000Z");
    await ok(`mutation ($id: ID!) { liftRestriction(subjectId: $id) { id } }`, SUPPORT, { id: subjectId });
    clock = new Date("2027-03-04T10:00:00.000Z");
    await ok(`query ($id: ID!) { subject(id: $id) { fullName email } }`, SUPPORT, { id: subjectId }, keys.crm);
    clock = new Date("2027-03-04T11:00:00.000Z");
    await ok(`query ($id: ID!) { subject(id: $id) { fullName } }`, SUPPORT, { id: subjectId }, keys.crm);
    clock = new Date("2027-03-05T10:00:00.000Z");
    await ok(`query ($id: ID!) { subject(id: $id) { country browser } }`, ADVERTISING, { id: subjectId }, keys.stats);
    clock = new Date("2027-03-06T10:00:00.000Z");
    requestId = await requestOf(subjectId, SubjectRequestKind.ACCESS);
    eventsBefore = (await eventsOf(subjectId)).length;
    document = await accessExport(requestId);
  });

  it("names the request and the subject, and maps every item of Art. 15 to the section that answers it", () => {
    expect(section(document, "about")).toMatchObject({
      format: "purposeql.access-export/1",
      generatedAt: clock.toISOString(),
      policyVersion: purposeql.services.policy.version,
      noticeVersion: "2021-10",
      timeZone: "Europe/Riga",
    });
    const articles = Object.keys(section(section(document, "about"), "articles"));
    for (const item of ["(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)", "(h)"]) {
      expect(articles.some((article) => article.startsWith(`Art. 15(1)${item}`))).toBe(true);
    }
    expect(articles.some((article) => article.startsWith("Art. 15(2)"))).toBe(true);
    expect(articles.some((article) => article.startsWith("Art. 15(3)"))).toBe(true);
    for (const sections of Object.values(section(section(document, "about"), "articles")) as string[][]) {
      for (const name of sections) expect(document).toHaveProperty(name.split(/[.[]/)[0]!);
    }
    expect(section(document, "request")).toMatchObject({ id: requestId, kind: "ACCESS", status: "IDENTITY_VERIFIED" });
    expect(section(document, "subject")).toEqual({ id: subjectId });
  });

  it("names the controller and how to contact it (Art. 13(1)(a), 15(1))", () => {
    expect(section(document, "controller")).toMatchObject({ name: "Clubmium", country: "LV", phone: "+37167881528", email: null });
    expect(section(document, "controller").howToContact).toContain("+37167881528");
  });

  it("(3) holds a copy of every stored value, with its category and source, and says there is no archive yet", () => {
    const personalData = section(document, "personalData");
    const values = list(personalData.values);
    expect(values.map((value) => value.field)).toEqual(SUBJECT_FIELD_NAMES);
    const valueOf = Object.fromEntries(values.map((value) => [value.field, value.value]));
    expect(valueOf).toMatchObject({
      fullName: "Anna Bērziņa",
      email: "anna@example.lv",
      postalAddress: "Brīvības iela 1, Rīga",
      phone: "+37120000000",
      dateOfBirth: "1990-05-17",
      country: "LV",
      consentedAt: "2027-02-28T09:00:00.000Z",
      ipAddress: "192.0.2.44",
      browser: "Firefox 140",
      operatingSystem: "Linux",
      device: "Laptop",
      status: "ACTIVE",
      serviceActiveSince: "2027-03-01T10:00:00.000Z",
      serviceActiveUntil: null,
    });
    expect(typeof valueOf.createdAt).toBe("string");
    expect(values.find((value) => value.field === "ipAddress")).toMatchObject({
      category: "user.device.ip_address",
      provenance: "OBSERVED",
    });
    expect(values.find((value) => value.field === "email")).toMatchObject({ category: "user.contact.email", provenance: "PROVIDED" });
    expect(values.find((value) => value.field === "status")).toMatchObject({ category: "user.account.status", provenance: "RECORDED" });
    expect(personalData.archivedValues).toEqual({ values: [], note: expect.stringContaining("legal duty") });
  });

  it("(b) lists the categories held, each with the fields that hold it", () => {
    const categories = list(document.categories);
    expect(categories.map((category) => category.key)).toEqual([
      "user.account",
      "user.account.service_relationship",
      "user.account.status",
      "user.contact.address",
      "user.contact.email",
      "user.contact.phone_number",
      "user.demographic.date_of_birth",
      "user.device.browser",
      "user.device.device_info",
      "user.device.ip_address",
      "user.device.operating_system",
      "user.location.coarse",
      "user.name",
      "user.privacy_preferences",
      "user.registration.consent_time",
    ]);
    expect(categories.find((category) => category.key === "user.name")).toMatchObject({ name: "Full name", fields: ["fullName"] });
  });

  it("(a, d) gives each purpose that may process the data: basis, assessment, categories held, retention and when processing ends", () => {
    const purposes = Object.fromEntries(list(document.purposes).map((purpose) => [purpose.key, purpose]));
    expect(Object.keys(purposes).sort()).toEqual(
      [
        SERVICE,
        SUPPORT,
        // inquiries inherits what providing the services reads; its own grant, messages, holds nothing of hers
        "essential.service.inquiries",
        "essential.service.security",
        ANALYTICS,
        IMPROVE,
        PERSONALIZE,
        ADVERTISING,
        "essential.legal_obligation",
        RIGHTS,
      ].sort(),
    );
    expect(purposes[ADVERTISING]).toMatchObject({
      name: "Advertising",
      legalBasis: { code: "CONSENT", article: "Art. 6(1)(a)" },
      legitimateInterestAssessment: null,
      processingNow: { lawful: true, reason: null },
      retention: { trigger: "CONSENT_WITHDRAWN", days: 0, action: "DELETE", rule: "Deleted when you withdraw your consent." },
      processingEnds: { at: null, on: null, explanation: "No end date yet: until you withdraw your consent." },
    });
    expect(purposes[ADVERTISING]!.categoriesHeld).toEqual(
      expect.arrayContaining(["user.name", "user.contact.email", "user.device.ip_address", "user.registration.consent_time"]),
    );
    expect(purposes[ADVERTISING]!.categoriesHeld).not.toContain("user.contact.phone_number");
    expect(purposes[ANALYTICS]).toMatchObject({
      legalBasis: { code: "LEGITIMATE_INTERESTS", article: "Art. 6(1)(f)" },
      legitimateInterestAssessment: expect.stringContaining("Aggregate visit statistics"),
      categoriesHeld: ["user.device.browser", "user.device.device_info", "user.device.operating_system", "user.location.coarse"],
    });
    expect(purposes[IMPROVE]).toMatchObject({ processingNow: { lawful: false, reason: "OBJECTED" } });
    expect(purposes[SERVICE]).toMatchObject({
      legalBasis: { code: "CONTRACT" },
      retention: { rule: "Deleted when your service ends." },
      processingEnds: { at: null, on: null, explanation: "No end date yet: while your service lasts." },
    });
    expect(purposes["essential.legal_obligation"]).toMatchObject({
      legalBasis: { code: "LEGAL_OBLIGATION", article: "Art. 6(1)(c)" },
      retention: {
        days: 1826,
        action: "ARCHIVE",
        rule: "Kept in the archive, out of everyday use, until 1826 days after your service ends; then deleted.",
      },
      processingEnds: { at: null, explanation: "No end date yet: while your service lasts, then 1826 days." },
    });
  });

  it("(c, 15(2)) names the clients that received data and those that may, by role, and the processors with their transfer safeguard", () => {
    const recipients = section(document, "recipients");
    expect(list(recipients.received)).toEqual([
      {
        clientName: "crm",
        role: "INTERNAL_APP",
        recipientType: "INTERNAL",
        processor: null,
        recipientKind: "one of our own applications",
        purposes: [SUPPORT],
        categories: ["user.contact.email", "user.name"],
        firstAt: "2027-03-04T10:00:00.000Z",
        lastAt: "2027-03-04T11:00:00.000Z",
      },
      {
        clientName: "stats",
        role: "PARTNER",
        recipientType: "THIRD_PARTY",
        processor: null,
        recipientKind: expect.stringContaining("third party"),
        purposes: [ADVERTISING],
        categories: ["user.device.browser", "user.location.coarse"],
        firstAt: "2027-03-05T10:00:00.000Z",
        lastAt: "2027-03-05T10:00:00.000Z",
      },
    ]);
    const mayReceive = Object.fromEntries(list(recipients.mayReceive).map((client) => [client.clientName, client]));
    expect(Object.keys(mayReceive).sort()).toEqual(["crm", "development", "request-inbox", "rights-desk", "stats"]);
    expect(mayReceive.stats).toMatchObject({ role: "PARTNER", recipientType: "THIRD_PARTY", purposes: [{ purposeKey: ADVERTISING }] });
    expect(list(recipients.processors)).toEqual([
      expect.objectContaining({
        name: "Example Hosting SIA",
        country: "LV",
        transfer: { withinEea: true, safeguard: expect.stringContaining("Within the EEA") },
      }),
      expect.objectContaining({
        name: "Example Mail Delivery Ltd",
        country: "IE",
        transfer: { withinEea: true, safeguard: expect.stringContaining("Within the EEA") },
        categories: ["user.contact.email", "user.name"],
      }),
    ]);
  });

  it("(e, f) states the person's rights and the supervisory authority they may complain to", () => {
    const articles = list(document.rights).map((right) => right.article);
    expect(articles).toEqual(["Art. 7(3)", "Art. 15", "Art. 16", "Art. 17", "Art. 18", "Art. 20", "Art. 21", "Art. 22", "Art. 77"]);
    expect(section(document, "supervisoryAuthority")).toMatchObject({
      name: "Datu valsts inspekcija (Data State Inspectorate)",
      country: "LV",
      website: "https://www.dvi.gov.lv",
      rightToLodgeComplaint: expect.stringContaining("Art. 77"),
    });
  });

  it("(g) says where each kind of value came from, from the one provenance table", () => {
    const sources = list(section(document, "sources").values);
    expect(sources.map((source) => [source.provenance, source.fields])).toEqual([
      ["PROVIDED", ["fullName", "email", "postalAddress", "phone", "dateOfBirth", "country"]],
      ["OBSERVED", ["consentedAt", "ipAddress", "browser", "operatingSystem", "device"]],
      ["RECORDED", ["status", "serviceActiveSince", "serviceActiveUntil", "createdAt", "updatedAt"]],
    ]);
  });

  it("(h) says explicitly that there is no automated decision-making", () => {
    expect(section(document, "automatedDecisions")).toEqual({ exists: false, decisions: [], statement: expect.stringMatching(/^None\./) });
  });

  it("holds the consent receipts with their evidence, the objection, the restriction history and the requests", () => {
    const consents = list(document.consents);
    expect(consents.map((consent) => [consent.purposeKey, consent.evidenceMethod, consent.active])).toEqual([
      [ADVERTISING, "REGISTRATION_FORM", true],
      [PERSONALIZE, "WEB_FORM", true],
    ]);
    expect(consents[0]).toMatchObject({
      givenAt: "2027-02-28T09:00:00.000Z",
      evidenceIpAddress: "192.0.2.44",
      evidenceBrowser: "Firefox 140",
      recordedBy: "development",
      noticeVersion: "2021-10",
      purposeName: "Advertising",
    });
    // Every stored column of each record (the subject's id aside), so a column added later is exported too.
    const columnsOf = (entity: EntitySchemaTarget) =>
      purposeql.services.dataSource
        .getMetadata(entity)
        .columns.map((column) => column.propertyName)
        .filter((name) => name !== "subjectId")
        .sort();
    expect(Object.keys(consents[0]!).sort()).toEqual([...columnsOf(ConsentRow), "active", "purposeName"].sort());
    expect(Object.keys(list(document.objections)[0]!).sort()).toEqual([...columnsOf(ObjectionRow), "active", "purposeName"].sort());
    expect(Object.keys(list(document.requests)[0]!).sort()).toEqual(columnsOf(SubjectRequestRow));
    expect(list(document.objections)).toEqual([
      expect.objectContaining({ purposeKey: IMPROVE, objectedAt: "2027-03-01T10:00:00.000Z", liftedAt: null, active: true }),
    ]);
    expect(section(document, "restrictions")).toEqual({
      currentStatus: "ACTIVE",
      history: [
        {
          at: "2027-03-02T10:00:00.000Z",
          change: "RESTRICTED",
          operation: "restrictProcessing",
          clientName: "development",
          purposeKey: SUPPORT,
        },
        { at: "2027-03-03T10:00:00.000Z", change: "LIFTED", operation: "liftRestriction", clientName: "development", purposeKey: SUPPORT },
      ],
    });
    expect(list(document.requests)).toEqual([
      expect.objectContaining({
        id: requestId,
        kind: "ACCESS",
        status: "IDENTITY_VERIFIED",
        identityVerificationMethod: "signed-in account",
      }),
    ]);
  });

  it("summarises who accessed the data, when and for which purpose, per client and purpose, without values", () => {
    const summary = section(document, "accessSummary");
    expect(list(summary.accesses)).toEqual([
      {
        clientName: "crm",
        role: "INTERNAL_APP",
        recipientType: "INTERNAL",
        processor: null,
        purposeKey: SUPPORT,
        operations: ["read"],
        firstAt: "2027-03-04T10:00:00.000Z",
        lastAt: "2027-03-04T11:00:00.000Z",
        count: 2,
        categoriesReleased: ["user.contact.email", "user.name"],
      },
      {
        clientName: "stats",
        role: "PARTNER",
        recipientType: "THIRD_PARTY",
        processor: null,
        purposeKey: ADVERTISING,
        operations: ["read"],
        firstAt: "2027-03-05T10:00:00.000Z",
        lastAt: "2027-03-05T10:00:00.000Z",
        count: 1,
        categoriesReleased: ["user.device.browser", "user.location.coarse"],
      },
    ]);
    const changes = list(summary.changes).map((change) => [change.clientName, change.purposeKey, change.operations, change.count]);
    expect(changes).toEqual([
      // oldest first; changes made at one instant by client and purpose
      ["development", SERVICE, ["updateSubject"], 1],
      ["development", SUPPORT, ["liftRestriction", "objectToPurpose", "restrictProcessing"], 3],
      ["development", ADVERTISING, ["createSubject"], 1],
      ["development", PERSONALIZE, ["giveConsent"], 1],
      ["request-inbox", RIGHTS, ["openSubjectRequest", "verifySubjectIdentity"], 2],
    ]);
    expect(list(summary.changes)[2]).toMatchObject({ categoriesWritten: expect.arrayContaining(["user.name", "user.device.ip_address"]) });
  });

  it("is audited as one event: operation accessExport, RELEASED, the categories in the export, no values", async () => {
    const events = await eventsOf(subjectId);
    expect(events).toHaveLength(eventsBefore + 1);
    const exported = events.at(-1)!;
    expect(exported).toMatchObject({
      operation: "accessExport",
      decision: "RELEASED",
      clientName: "rights-desk",
      purposeKey: RIGHTS,
      written: [],
      denied: [],
      released: list(document.categories).map((category) => category.key),
    });
    expect(events.filter((event) => event.requestId === exported.requestId)).toHaveLength(1);
    expect(JSON.stringify(events)).not.toMatch(/Anna|anna@example|192\.0\.2\.44/);

    // The next export shows the first one in the access summary.
    const again = await accessExport(requestId);
    expect(list(section(again, "accessSummary").accesses).find((access) => access.clientName === "rights-desk")).toMatchObject({
      purposeKey: RIGHTS,
      operations: ["accessExport"],
      count: 1,
    });
  });

  it("releases nothing, and records no export, when its audit event cannot be written", async () => {
    const dataSource = purposeql.services.dataSource;
    const portabilityId = await requestOf(subjectId, SubjectRequestKind.PORTABILITY);
    const before = await eventsOf(subjectId);
    await dataSource.query(
      `CREATE FUNCTION refuse_export_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$`,
    );
    await dataSource.query(
      `CREATE TRIGGER refuse_export_audit BEFORE INSERT ON access_event FOR EACH ROW EXECUTE FUNCTION refuse_export_audit()`,
    );
    try {
      for (const [query, id] of [
        [ACCESS_EXPORT, requestId],
        [PORTABILITY_EXPORT, portabilityId],
      ] as const) {
        const response = await run(query, RIGHTS, { id }, keys.exporter);
        expect(response.data).toBeUndefined();
        expect(errorCodes(response)).toEqual(["AUDIT_UNAVAILABLE"]);
        expect(JSON.stringify(response)).not.toMatch(/Anna|anna@example|192\.0\.2\.44|Brīvības/);
      }
    } finally {
      await dataSource.query(`DROP TRIGGER refuse_export_audit ON access_event`);
      await dataSource.query(`DROP FUNCTION refuse_export_audit()`);
    }
    expect(await eventsOf(subjectId)).toEqual(before);
  });
});

describe("the export is refused", () => {
  let subjectId = "";
  beforeAll(async () => {
    clock = new Date("2027-03-10T10:00:00.000Z");
    subjectId = await registeredSubject("Refused Person");
  });

  /** Runs an export that must be refused: no data in the answer, and no event of any kind written for the subject. */
  async function refused(query: string, purpose: string | undefined, id: string, apiKey: string): Promise<GraphQLResponse<unknown>> {
    const before = await eventsOf(subjectId);
    const response = await purposeql.execute(query, { variables: { id }, apiKey, ...(purpose === undefined ? {} : { purpose }) });
    expect(response.data ?? null).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(JSON.stringify(response)).not.toMatch(/Refused Person|anna@example/);
    expect(await eventsOf(subjectId)).toEqual(before);
    return response;
  }

  it("to a PARTNER and to a client without EXPORT (FORBIDDEN, before anything runs), and under a purpose that does not answer requests", async () => {
    const id = await requestOf(subjectId, SubjectRequestKind.ACCESS);
    const portabilityId = await requestOf(subjectId, SubjectRequestKind.PORTABILITY);

    const partner = await refused(ACCESS_EXPORT, ADVERTISING, id, keys.stats);
    expect(partner.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", capability: "EXPORT" });

    const noCapability = await refused(ACCESS_EXPORT, RIGHTS, id, keys.handler);
    expect(noCapability.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", capability: "EXPORT" });
    const noCapabilityPortability = await refused(PORTABILITY_EXPORT, RIGHTS, portabilityId, keys.handler);
    expect(noCapabilityPortability.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", capability: "EXPORT" });

    // The exporter holds EXPORT but may declare only the rights purpose; the development client holds
    // EXPORT and may declare advertising: an export is still not advertising.
    const advertising = await purposeql.execute(ACCESS_EXPORT, { purpose: ADVERTISING, variables: { id } });
    expect(advertising.data ?? null).toBeNull();
    expect(advertising.errors?.[0]?.extensions).toMatchObject({
      code: "FORBIDDEN",
      purpose: ADVERTISING,
      requiredPurpose: "answersRequests",
    });
    // Nor is the record-keeping purpose, though it too rests on a legal obligation: it reads only the archive.
    const records = await purposeql.execute(ACCESS_EXPORT, { purpose: "essential.legal_obligation", variables: { id } });
    expect(records.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", requiredPurpose: "answersRequests" });
    expect((await eventsOf(subjectId)).filter((event) => event.operation.endsWith("Export"))).toEqual([]);

    const noPurpose = await refused(ACCESS_EXPORT, undefined, id, keys.exporter);
    expect(errorCodes(noPurpose)).toEqual(["FORBIDDEN"]);
  });

  it("for an unknown or malformed id, a request of another kind, an unverified or a closed one", async () => {
    const refusal = async (query: string, id: string): Promise<{ code: unknown; reason: unknown }> => {
      const response = await refused(query, RIGHTS, id, keys.exporter);
      return { code: response.errors?.[0]?.extensions?.code, reason: response.errors?.[0]?.extensions?.reason };
    };
    expect(await refusal(ACCESS_EXPORT, randomUUID())).toEqual({ code: "NOT_FOUND", reason: undefined });
    expect(await refusal(ACCESS_EXPORT, "not-an-id")).toEqual({ code: "BAD_USER_INPUT", reason: undefined });
    const portabilityRequest = await requestOf(subjectId, SubjectRequestKind.PORTABILITY);
    expect(await refusal(ACCESS_EXPORT, portabilityRequest)).toEqual({ code: "BAD_USER_INPUT", reason: "WRONG_KIND" });
    const accessRequest = await requestOf(subjectId, SubjectRequestKind.ACCESS);
    expect(await refusal(PORTABILITY_EXPORT, accessRequest)).toEqual({ code: "BAD_USER_INPUT", reason: "WRONG_KIND" });
    const erasure = await requestOf(subjectId, SubjectRequestKind.ERASURE);
    expect(await refusal(ACCESS_EXPORT, erasure)).toEqual({ code: "BAD_USER_INPUT", reason: "WRONG_KIND" });
    for (const kind of [SubjectRequestKind.ACCESS, SubjectRequestKind.PORTABILITY]) {
      const query = kind === SubjectRequestKind.ACCESS ? ACCESS_EXPORT : PORTABILITY_EXPORT;
      expect(await refusal(query, await requestOf(subjectId, kind, SubjectRequestStatus.RECEIVED))).toEqual({
        code: "CONFLICT",
        reason: "IDENTITY_NOT_VERIFIED",
      });
      expect(await refusal(query, await requestOf(subjectId, kind, SubjectRequestStatus.COMPLETED))).toEqual({
        code: "CONFLICT",
        reason: "REQUEST_CLOSED",
      });
      expect(await refusal(query, await requestOf(subjectId, kind, SubjectRequestStatus.REFUSED))).toEqual({
        code: "CONFLICT",
        reason: "REQUEST_CLOSED",
      });
    }
  });
});

describe("the access export after the service ended", () => {
  it("gives the date processing ends on the controller's calendar, whatever the server's time zone", async () => {
    clock = new Date("2027-03-01T10:00:00.000Z");
    const subjectId = await registeredSubject("Former Customer");
    // 22:30 UTC on 1 March is 00:30 on 2 March in Riga.
    clock = new Date("2027-03-01T22:30:00.000Z");
    await ok(`mutation ($id: ID!) { endService(subjectId: $id) { id } }`, SERVICE, { id: subjectId });
    clock = new Date("2027-04-01T10:00:00.000Z");
    const document = await accessExport(await requestOf(subjectId, SubjectRequestKind.ACCESS));
    const purposes = Object.fromEntries(list(document.purposes).map((purpose) => [purpose.key, purpose]));
    expect(purposes[SERVICE]).toMatchObject({
      processingNow: { lawful: false, reason: "CONTRACT_INACTIVE" },
      processingEnds: {
        at: "2027-03-01T22:30:00.000Z",
        on: "2027-03-02",
        explanation: "Ended on 2027-03-02: the retention period has run out.",
      },
    });
    // 1826 days later is 22:30 UTC on 29 February 2032: 1 March in Riga.
    expect(purposes[RIGHTS]).toMatchObject({
      processingNow: { lawful: true },
      processingEnds: {
        at: "2032-02-29T22:30:00.000Z",
        on: "2032-03-01",
        explanation: "Ends on 2032-03-01 (Europe/Riga), when the retention period runs out.",
      },
    });
    expect(purposes[ADVERTISING]).toMatchObject({
      processingEnds: { at: null, explanation: "No end date yet: until you withdraw your consent." },
    });
  });
});

describe("the portability export (GDPR Art. 20)", () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  ajv.addVocabulary(["x-category", "x-provenance"]);
  const validate = ajv.compile(SCHEMA);

  /** A verified PORTABILITY request exported: the file, and the events the export itself wrote. */
  async function portability(subjectId: string, format: "JSON" | "CSV" = "JSON") {
    const id = await requestOf(subjectId, SubjectRequestKind.PORTABILITY);
    const before = (await eventsOf(subjectId)).length;
    const data = await ok<{ portabilityExport: { format: string; mediaType: string; fileName: string; content: string } }>(
      PORTABILITY_EXPORT,
      RIGHTS,
      { id, format },
      keys.exporter,
    );
    return { id, file: data.portabilityExport, events: (await eventsOf(subjectId)).slice(before) };
  }

  it("documents exactly the portable fields of the provenance table in its JSON Schema: provided and observed, never recorded", () => {
    const properties = SCHEMA.properties.data.properties;
    expect(Object.keys(properties)).toEqual(PORTABLE_FIELDS);
    for (const [field, property] of Object.entries(properties)) {
      const stored = SUBJECT_FIELDS[field as keyof typeof SUBJECT_FIELDS];
      expect({ field, category: property["x-category"], provenance: property["x-provenance"] }).toEqual({
        field,
        category: stored.category,
        provenance: stored.provenance,
      });
    }
    expect(PORTABLE_FIELDS).not.toContain("status");
    expect(PORTABLE_FIELDS).not.toContain("serviceActiveSince");
  });

  it("holds exactly the data the person provided and the registration record, valid against the schema, and is audited as one event", async () => {
    clock = new Date("2027-05-01T10:00:00.000Z");
    const subjectId = await registeredSubject("Porta Person");
    const { file, events } = await portability(subjectId);
    expect(file).toMatchObject({
      format: "JSON",
      mediaType: "application/json",
      fileName: expect.stringMatching(/^portability-[0-9a-f-]{36}\.json$/),
    });
    const content = JSON.parse(file.content) as Json;
    expect(validate(content)).toBe(true);
    expect(content).toEqual({
      schemaVersion: "portability-v1",
      generatedAt: clock.toISOString(),
      controller: { name: "Clubmium", country: "LV" },
      data: {
        fullName: "Porta Person",
        email: "anna@example.lv",
        postalAddress: "Brīvības iela 1, Rīga",
        phone: "+37120000000",
        dateOfBirth: "1990-05-17",
        country: "LV",
        consentedAt: "2027-02-28T09:00:00.000Z",
        ipAddress: "192.0.2.44",
        browser: "Firefox 140",
        operatingSystem: "Linux",
        device: "Laptop",
      },
    });
    expect(file.content).not.toContain(subjectId);

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      operation: "portabilityExport",
      decision: "RELEASED",
      clientName: "rights-desk",
      purposeKey: RIGHTS,
      released: [
        "user.contact.address",
        "user.contact.email",
        "user.contact.phone_number",
        "user.demographic.date_of_birth",
        "user.device.browser",
        "user.device.device_info",
        "user.device.ip_address",
        "user.device.operating_system",
        "user.location.coarse",
        "user.name",
        "user.registration.consent_time",
      ],
    });
  });

  it("leaves out what only legitimate interests or a legal obligation keep: the registration record once the consent is withdrawn, everything once the contract ended", async () => {
    clock = new Date("2027-05-02T10:00:00.000Z");
    const withdrawn = await registeredSubject("Withdrawn Person");
    await ok(`mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${ADVERTISING}") { id } }`, SUPPORT, { id: withdrawn });
    const afterWithdrawal = JSON.parse((await portability(withdrawn)).file.content) as { data: Json };
    expect(validate(afterWithdrawal)).toBe(true);
    expect(Object.keys(afterWithdrawal.data)).toEqual(["fullName", "email", "postalAddress", "phone", "dateOfBirth", "country"]);

    const ended = await registeredSubject("Ended Person");
    await ok(`mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${ADVERTISING}") { id } }`, SUPPORT, { id: ended });
    await ok(`mutation ($id: ID!) { endService(subjectId: $id) { id } }`, SERVICE, { id: ended });
    clock = new Date("2027-05-03T10:00:00.000Z");
    const afterEnd = JSON.parse((await portability(ended)).file.content) as { data: Json };
    expect(validate(afterEnd)).toBe(true);
    expect(afterEnd.data).toEqual({});
    expect((await eventsOf(ended)).at(-1)).toMatchObject({ operation: "portabilityExport", released: [] });
  });

  it("is owed to a restricted person too: a restriction suspends processing, not its legal basis", async () => {
    clock = new Date("2027-05-04T10:00:00.000Z");
    const subjectId = await registeredSubject("Restricted Person");
    await ok(`mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`, SUPPORT, { id: subjectId });
    const content = JSON.parse((await portability(subjectId)).file.content) as { data: Json };
    expect(content.data).toMatchObject({ fullName: "Restricted Person", ipAddress: "192.0.2.44" });
  });

  it("as CSV: a header row of the schema's fields in its order, one row of values, quoted where needed", async () => {
    clock = new Date("2027-05-05T10:00:00.000Z");
    const subjectId = await registeredSubject('Comma, "Quoted" Person');
    const { file } = await portability(subjectId, "CSV");
    expect(file).toMatchObject({ format: "CSV", mediaType: "text/csv; charset=utf-8", fileName: expect.stringMatching(/\.csv$/) });
    const [header, row, ...rest] = parse(file.content);
    expect(rest).toEqual([]);
    expect(header).toEqual(Object.keys(SCHEMA.properties.data.properties));
    const json = JSON.parse((await portability(subjectId)).file.content) as { data: Record<string, string> };
    expect(Object.fromEntries(header!.map((field, index) => [field, row![index]]))).toEqual(
      Object.fromEntries(header!.map((field) => [field, json.data[field] ?? ""])),
    );
    expect(row![0]).toBe('Comma, "Quoted" Person');
  });
});

describe("the provenance table", () => {
  it("covers every column of the subject's row: a value with its category and source, or named with the reason it is not one", () => {
    const columns = purposeql.services.dataSource.getMetadata(DataSubjectRow).columns.map((column) => column.propertyName);
    expect([...columns].sort()).toEqual([...SUBJECT_FIELD_NAMES, ...Object.keys(SUBJECT_FIELDS_NOT_EXPORTED)].sort());
  });

  it("agrees with the schema's tags and the policy's categories", () => {
    const tagged = personalFieldsByType().get("DataSubject") ?? new Map<string, string>();
    const declared = new Set(purposeql.services.policy.snapshot.categories.map((category) => category.key));
    for (const field of SUBJECT_FIELD_NAMES) {
      const { category } = SUBJECT_FIELDS[field];
      expect({ field, declared: declared.has(category) }).toEqual({ field, declared: true });
      if (tagged.has(field)) expect({ field, category }).toEqual({ field, category: tagged.get(field) });
    }
  });
});
