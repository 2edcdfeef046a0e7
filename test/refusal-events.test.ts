import { GraphQLError } from "graphql";
import { refusalEvent } from "../src/audit/refusal-events";
import { Capability } from "../src/domain/capabilities";
import { ClientRole } from "../src/domain/policy-terms";
import * as authority from "../src/enforcement/authority";
import { createTestClient, DEV_KEY, overHttpPurposeQLForThisFile, type GraphQLResponse } from "./support/harness";

/**
 * A request refused before execution leaves a request event (issue 13, item 6): the client, the
 * purpose, the reason and what was refused — fields, categories, capabilities — and never a value of
 * the request's variables. Over HTTP, so the refusals made while the context is built (the
 * declared purpose) are the real ones.
 */

const purposeql = overHttpPurposeQLForThisFile();

const SERVICE = "essential.service";
const ANALYTICS = "analytics.reporting";

interface Refusal {
  request_id: string;
  client_name: string;
  purpose_key: string | null;
  reason: string;
  fields: string[];
  categories: string[];
  capabilities: string[];
  row: string;
}

const keys = { partner: "", analyst: "", reader: "" };
let subjectId = "";

async function refusals(): Promise<Refusal[]> {
  return purposeql.services.dataSource.query(
    `SELECT request_id::text AS request_id, client_name, purpose_key, reason, fields, categories, capabilities, to_jsonb(request_event)::text AS row
       FROM request_event WHERE kind = 'REFUSAL' ORDER BY chain_position`,
  );
}

/** The refusals the request recorded; asserts its answer names the request the refusal is recorded under. */
async function refusalsOf(
  query: string,
  request: Parameters<typeof purposeql.post>[1],
): Promise<{ body: GraphQLResponse; recorded: Refusal[] }> {
  const before = (await refusals()).length;
  const { body } = await purposeql.post(query, request);
  const recorded = (await refusals()).slice(before);
  for (const refusal of recorded) expect(body.errors?.[0]?.extensions?.requestId).toBe(refusal.request_id);
  return { body, recorded };
}

beforeAll(async () => {
  keys.partner = await createTestClient(purposeql, { name: "stats-partner", role: ClientRole.PARTNER, purposes: [ANALYTICS] });
  keys.analyst = await createTestClient(purposeql, {
    name: "analyst",
    role: ClientRole.INTERNAL_APP,
    purposes: [ANALYTICS],
    capabilities: [Capability.MANAGE_SUBJECTS],
  });
  keys.reader = await createTestClient(purposeql, { name: "reader", role: ClientRole.INTERNAL_APP, purposes: [SERVICE] });
  const created = await purposeql.post<{ createSubject: { id: string } }>(
    `mutation { createSubject(input: { fullName: "Refused Person", email: "refused@example.lv" }) { id } }`,
    { purpose: SERVICE },
  );
  subjectId = created.body.data!.createSubject.id;
});

describe("refusals before execution are recorded", () => {
  it("a read the purpose does not grant, hidden in a fragment and an alias: the purpose, NOT_GRANTED, each field and category", async () => {
    const { body, recorded } = await refusalsOf(
      `query ($id: ID!) { s: subject(id: $id) { country ...F } } fragment F on DataSubject { mail: email fullName }`,
      { apiKey: keys.analyst, purpose: ANALYTICS, variables: { id: subjectId } },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe("PURPOSE_LIMITATION");
    expect(recorded).toEqual([
      expect.objectContaining({
        client_name: "analyst",
        purpose_key: ANALYTICS,
        reason: "NOT_GRANTED",
        fields: ["DataSubject.email", "DataSubject.fullName"],
        categories: ["user.contact.email", "user.name"],
        capabilities: [],
      }),
    ]);
    expect(recorded[0]!.row).not.toContain(subjectId);
  });

  it("a write the purpose does not grant keeps no value of the variables: not the e-mail, not the name, not the subject's id", async () => {
    const { recorded } = await refusalsOf(
      `mutation ($id: ID!, $input: UpdateSubjectInput!) { updateSubject(id: $id, input: $input) { id } }`,
      {
        apiKey: keys.analyst,
        purpose: ANALYTICS,
        variables: { id: subjectId, input: { email: "secret.address@example.lv", fullName: "Secret Name", phone: null } },
      },
    );
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      reason: "NOT_GRANTED",
      fields: ["UpdateSubjectInput.email", "UpdateSubjectInput.fullName", "UpdateSubjectInput.phone"],
      categories: ["user.contact.email", "user.contact.phone_number", "user.name"],
    });
    expect(recorded[0]!.row).not.toMatch(/secret|Secret|example\.lv/);
    expect(recorded[0]!.row).not.toContain(subjectId);
  });

  it("authority: a missing capability, a PARTNER's mutation, an ADMIN-only field — each with its reason and what it concerned", async () => {
    // The purpose declared by the directive alone is the one recorded.
    const missing = await refusalsOf(`mutation ($id: ID!) @purpose(key: "${SERVICE}") { endService(subjectId: $id) { id } }`, {
      apiKey: keys.reader,
      variables: { id: subjectId },
    });
    expect(missing.recorded).toEqual([
      expect.objectContaining({
        client_name: "reader",
        purpose_key: SERVICE,
        reason: "CAPABILITY_MISSING",
        fields: ["Mutation.endService"],
        capabilities: ["MANAGE_SUBJECTS"],
      }),
    ]);
    const partner = await refusalsOf(`mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`, {
      apiKey: keys.partner,
      purpose: ANALYTICS,
      variables: { id: subjectId },
    });
    expect(partner.recorded).toEqual([
      expect.objectContaining({ client_name: "stats-partner", reason: "PARTNER_READS_ONLY", capabilities: ["RESTRICT"] }),
    ]);
    const admin = await refusalsOf(
      `mutation { grantCategory(purpose: "${ANALYTICS}", category: "user.name", justification: "Test") { key } }`,
      {
        apiKey: keys.analyst,
      },
    );
    expect(admin.recorded).toEqual([
      expect.objectContaining({ client_name: "analyst", purpose_key: null, reason: "ADMIN_ONLY", fields: ["Mutation.grantCategory"] }),
    ]);
  });

  it("the declared purpose: not the client's, unknown (its text not kept), missing, or two that disagree", async () => {
    const notAllowed = await refusalsOf(`{ purposes { key } }`, { apiKey: keys.reader, purpose: "marketing.advertising" });
    expect(notAllowed.body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", reason: "PURPOSE_NOT_ALLOWED" });
    expect(notAllowed.recorded).toEqual([
      expect.objectContaining({ client_name: "reader", purpose_key: "marketing.advertising", reason: "PURPOSE_NOT_ALLOWED" }),
    ]);
    const unknown = await refusalsOf(`{ purposes { key } }`, { apiKey: keys.reader, purpose: "anna.berzina@example.lv" });
    expect(unknown.recorded).toEqual([expect.objectContaining({ purpose_key: null, reason: "PURPOSE_UNKNOWN" })]);
    expect(unknown.recorded[0]!.row).not.toMatch(/anna|example/);
    const missing = await refusalsOf(`query ($id: ID!) { subject(id: $id) { fullName } }`, {
      apiKey: keys.reader,
      variables: { id: subjectId },
    });
    expect(missing.recorded).toEqual([expect.objectContaining({ purpose_key: null, reason: "PURPOSE_MISSING" })]);
    const conflict = await refusalsOf(`query @purpose(key: "${SERVICE}") { subject(id: "${subjectId}") { fullName } }`, {
      apiKey: DEV_KEY,
      purpose: ANALYTICS,
    });
    expect(conflict.recorded).toEqual([
      expect.objectContaining({ client_name: "development", purpose_key: ANALYTICS, reason: "PURPOSE_CONFLICT" }),
    ]);
  });

  it("records nothing for what is no refusal: no key, a wrong key, a malformed variable, an answered request", async () => {
    const before = (await refusals()).length;
    expect((await purposeql.post(`{ purposes { key } }`, { apiKey: null })).status).toBe(401);
    expect((await purposeql.post(`{ purposes { key } }`, { apiKey: "not-a-key-anna@example.lv" })).status).toBe(401);
    const badVariable = await purposeql.post(`query ($id: ID!) { subject(id: $id) { fullName } }`, {
      apiKey: keys.reader,
      purpose: SERVICE,
      variables: { id: { name: "Anna" } },
    });
    expect(badVariable.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(
      (
        await purposeql.post(`query ($id: ID!) { subject(id: $id) { fullName } }`, {
          apiKey: keys.reader,
          purpose: SERVICE,
          variables: { id: subjectId },
        })
      ).body.errors,
    ).toBeUndefined();
    expect(await refusals()).toHaveLength(before);
  });

  it("records a reason it has never heard of, as the refusal names it (a processor bound to its contract, say)", async () => {
    const spy = jest.spyOn(authority, "authorityRefusal").mockReturnValue(
      new GraphQLError("Processor mailer may not read DataSubject.email.", {
        extensions: {
          code: "PURPOSE_LIMITATION",
          reason: "PROCESSOR_NOT_AUTHORISED",
          purpose: SERVICE,
          fields: [{ field: "DataSubject.email", category: "user.contact.email" }],
          http: { status: 403 },
        },
      }),
    );
    try {
      const { body, recorded } = await refusalsOf(`query ($id: ID!) { subject(id: $id) { email } }`, {
        apiKey: keys.reader,
        purpose: SERVICE,
        variables: { id: subjectId },
      });
      expect(body.errors?.[0]?.extensions?.reason).toBe("PROCESSOR_NOT_AUTHORISED");
      expect(recorded).toEqual([
        expect.objectContaining({
          client_name: "reader",
          purpose_key: SERVICE,
          reason: "PROCESSOR_NOT_AUTHORISED",
          fields: ["DataSubject.email"],
          categories: ["user.contact.email"],
        }),
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it("still answers the refusal when it cannot be recorded", async () => {
    const dataSource = purposeql.services.dataSource;
    await dataSource.query(
      `CREATE FUNCTION refuse_refusal() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$`,
    );
    await dataSource.query(`CREATE TRIGGER refuse_refusal BEFORE INSERT ON request_event FOR EACH ROW EXECUTE FUNCTION refuse_refusal()`);
    try {
      const { status, body } = await purposeql.post(`{ subject(id: "${subjectId}") { email } }`, {
        apiKey: keys.analyst,
        purpose: ANALYTICS,
      });
      expect(status).toBe(403);
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: "PURPOSE_LIMITATION", reason: "NOT_GRANTED" });
    } finally {
      await dataSource.query(`DROP TRIGGER refuse_refusal ON request_event`);
      await dataSource.query(`DROP FUNCTION refuse_refusal()`);
    }
  });
});

describe("what a refusal's record may hold", () => {
  const refused = {
    requestId: "7b0e3c1a-5a8c-4c9e-9a55-0d0f2e6b8c11",
    client: { id: "1f1e3c1a-5a8c-4c9e-9a55-0d0f2e6b8c11", name: "c" },
    purposeKey: null,
    at: new Date(0),
  };
  const knows = (key: string) => key === SERVICE;

  it("keeps only what has the shape of a coordinate, a policy key, a capability or a reason", () => {
    const event = refusalEvent(
      new GraphQLError("m", {
        extensions: {
          code: "FORBIDDEN",
          reason: "anna@example.lv",
          purpose: "anna@example.lv",
          fields: [
            "Mutation.endService",
            "Anna Bērziņa",
            { field: "x y", category: "Anna" },
            { field: "DataSubject.email", category: "user.contact.email" },
          ],
          categories: ["user.name", "+371 2000 0000"],
          missingCapabilities: ["ERASE", "ANNA"],
        },
      }),
      refused,
      knows,
    );
    expect(event).toMatchObject({
      reason: "FORBIDDEN",
      purposeKey: null,
      fields: ["DataSubject.email", "Mutation.endService"],
      categories: ["user.contact.email", "user.name"],
      capabilities: ["ERASE"],
    });
  });

  it("is no refusal for other codes, nor for an error that is not GraphQL's", () => {
    expect(refusalEvent(new GraphQLError("m", { extensions: { code: "BAD_USER_INPUT" } }), refused, knows)).toBeNull();
    expect(refusalEvent(new GraphQLError("m", { extensions: { code: "POLICY_UNAVAILABLE" } }), refused, knows)).toBeNull();
    expect(refusalEvent(new Error("FORBIDDEN"), refused, knows)).toBeNull();
  });
});
