import { Kind, parse, type OperationDefinitionNode } from "graphql";
import { storedFormOf } from "../src/auth/api-key";
import { analyseOperation } from "../src/enforcement/operation-analysis";
import { buildPurposeQLSchema } from "../src/graphql/schema";
import { ClientRole, LegalBasisCode, RetentionTrigger } from "../src/domain/policy-terms";
import { personalFieldsByType } from "../src/graphql/personal-data";
import { insertClient } from "../src/persistence/client-repository";
import { DataSubjectRow } from "../src/persistence/entities";
import { loadSubjectFacts, subjectFactsOf } from "../src/persistence/subject-facts-repository";
import { lawfulness } from "../src/policy/engine/lawfulness";
import { sweepRetention } from "../src/retention/sweep";
import { errorCodes, inProcessPurposeQLForThisFile, type GraphQLResponse } from "./support/harness";

const purposeql = inProcessPurposeQLForThisFile();

const SERVICE = "essential.service";
const ADVERTISING = "marketing.advertising";
const ANALYTICS = "analytics.reporting";
const LEGAL = "essential.legal_obligation";
const INQUIRIES = "essential.service.inquiries";

async function run<T = Record<string, unknown>>(
  query: string,
  purpose: string | undefined,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  return purposeql.execute<T>(query, { purpose, variables });
}

/**
 * A subject with every field filled. One who consented to advertising registered with that consent,
 * so the registration record is written under advertising (the purpose it belongs to) and the
 * service's own data under the service; one who did not has no registration record.
 */
async function newSubject(purposesConsentedTo: string[] = []): Promise<string> {
  const registered = purposesConsentedTo.includes(ADVERTISING);
  const created = await run<{ createSubject: { id: string } }>(
    registered
      ? `mutation { createSubject(input: {
          fullName: "Test Person", email: "test@example.lv", dateOfBirth: "1985-05-05", country: "LV",
          registration: { consentedAt: "2026-01-01T00:00:00Z", ipAddress: "192.0.2.1", browser: "Firefox", operatingSystem: "Linux", device: "Desktop" }
        }) { id } }`
      : `mutation { createSubject(input: { fullName: "Test Person", email: "test@example.lv", dateOfBirth: "1985-05-05", country: "LV" }) { id } }`,
    registered ? ADVERTISING : SERVICE,
  );
  expect(created.errors).toBeUndefined();
  const id = created.data!.createSubject.id;
  const completed = await run(
    `mutation ($id: ID!) { updateSubject(id: $id, input: { postalAddress: "Rīga", phone: "+37120000001" }) { id } }`,
    SERVICE,
    { id },
  );
  expect(completed.errors).toBeUndefined();
  for (const purpose of purposesConsentedTo.filter((key) => key !== ADVERTISING || !registered)) {
    const given = await run(`mutation ($id: ID!, $p: String!) { giveConsent(subjectId: $id, purpose: $p) { id } }`, purpose, {
      id,
      p: purpose,
    });
    expect(given.errors).toBeUndefined();
  }
  return id;
}

const readField = (id: string, field: string, purpose: string) =>
  run(`query ($id: ID!) { subject(id: $id) { id ${field} } }`, purpose, { id });

function denialOf(response: GraphQLResponse<unknown>): { code: unknown; reason: unknown; category: unknown; purpose: unknown } | undefined {
  const error = response.errors?.[0];
  return (
    error && {
      code: error.extensions?.code,
      reason: error.extensions?.reason,
      category: error.extensions?.category,
      purpose: error.extensions?.purpose,
    }
  );
}

/** An open inquiry of the subject's: what answering inquiries needs to read them at all. */
async function openInquiry(id: string): Promise<string> {
  const opened = await run<{ openInquiry: { id: string } }>(
    `mutation ($id: ID!) { openInquiry(subjectId: $id, receivedAt: "2026-01-01T00:00:00Z", channel: EMAIL) { id } }`,
    INQUIRIES,
    { id },
  );
  expect(opened.errors).toBeUndefined();
  return opened.data!.openInquiry.id;
}

/** A legal hold on all of the subject's data, open for a year. */
async function holdEverything(id: string): Promise<void> {
  const held = await run(
    `mutation ($id: ID!, $until: DateTime!) { openLegalHold(subjectId: $id, categories: ["user"], reference: "Test hold", until: $until) { id } }`,
    LEGAL,
    { id, until: new Date(Date.now() + 365 * 86_400_000).toISOString() },
  );
  expect(held.errors).toBeUndefined();
}

/** How a failing legal basis is produced for a subject, by the legal basis of the purpose that reads. */
async function breakBasis(id: string, purpose: string): Promise<string> {
  const rule = purposeql.services.policy.compiled.purpose(purpose)!;
  // A live customer with no hold: the record-keeping purpose finds nothing in the archive.
  if (purposeql.services.policy.compiled.readsArchiveOnly(purpose)) return "NOT_ARCHIVED";
  switch (rule.legalBasis) {
    case LegalBasisCode.CONTRACT:
      await run(`mutation ($id: ID!) { endService(subjectId: $id) { id } }`, SERVICE, { id });
      return "CONTRACT_INACTIVE";
    case LegalBasisCode.CONSENT:
      await run(`mutation ($id: ID!, $p: String!) { withdrawConsent(subjectId: $id, purpose: $p) { id } }`, purpose, { id, p: purpose });
      return "CONSENT_WITHDRAWN";
    case LegalBasisCode.LEGITIMATE_INTERESTS:
      await run(`mutation ($id: ID!, $p: String!) { objectToPurpose(subjectId: $id, purpose: $p) { id } }`, SERVICE, { id, p: purpose });
      return "OBJECTED";
    default:
      await purposeql.services.dataSource.query(`UPDATE data_subject SET service_active_until = now() - interval '6 years' WHERE id = $1`, [
        id,
      ]);
      return "RETENTION_EXPIRED";
  }
}

describe("(a) every category-tagged field, walked from the schema", () => {
  const fields = [...(personalFieldsByType().get("DataSubject") ?? [])];
  const consentPurposes = () =>
    purposeql.services.policy.compiled
      .purposeKeys()
      .filter((key) => purposeql.services.policy.compiled.purpose(key)?.legalBasis === LegalBasisCode.CONSENT);

  it("covers every personal type the schema has", () => {
    expect([...personalFieldsByType().keys()].sort()).toEqual([
      "Consent",
      "ConsentEvidence",
      "DataSubject",
      "Inquiry",
      "Objection",
      "RecipientToNotify",
      "SubjectRequest",
    ]);
    expect(fields).toHaveLength(15);
  });

  it.each(fields)("DataSubject.%s (%s): refused before execution, released, then nulled when the basis fails", async (field, category) => {
    const policy = purposeql.services.policy.compiled;
    const refusing = policy.purposeKeys().find((key) => !policy.grants(key, category))!;
    const granting = policy.purposeKeys().filter((key) => policy.grants(key, category));
    expect(refusing).toBeDefined();
    expect(granting.length).toBeGreaterThan(0);

    const id = await newSubject(consentPurposes());
    const refused = await readField(id, field, refusing);
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "PURPOSE_LIMITATION",
      fields: [{ field: `DataSubject.${field}`, category, message: `${category} is not granted to ${refusing}` }],
    });

    for (const purpose of granting) {
      // The record-keeping purpose reads a live customer's data only under a legal hold; answering inquiries only someone who asked.
      if (policy.readsArchiveOnly(purpose)) await holdEverything(id);
      if (policy.purpose(purpose)?.retention.trigger === RetentionTrigger.INQUIRY_CLOSED) await openInquiry(id);
      const released = await readField(id, field, purpose);
      expect({ purpose, errors: released.errors, value: (released.data as { subject: Record<string, unknown> }).subject[field] }).toEqual({
        purpose,
        errors: undefined,
        // An active subject's service has no end date: released as null, without an error.
        value: field === "serviceActiveUntil" ? null : expect.anything(),
      });
    }

    for (const purpose of granting) {
      const subjectId = await newSubject(consentPurposes());
      const reason = await breakBasis(subjectId, purpose);
      const nulled = await readField(subjectId, field, purpose);
      expect({ purpose, data: nulled.data, denial: denialOf(nulled), path: nulled.errors?.[0]?.path }).toEqual({
        purpose,
        data: { subject: { id: subjectId, [field]: null } },
        denial: { code: "PURPOSE_LIMITATION", reason, category, purpose },
        path: ["subject", field],
      });
    }
  });

  it("Inquiry: refused under a purpose without the message's category, released to answering inquiries, nulled once the subject objects", async () => {
    const id = await newSubject();
    const inquiryId = await openInquiry(id);
    const close = `mutation ($id: ID!) { closeInquiry(id: $id) { receivedAt closedAt } }`;
    const refused = await run(close, SERVICE, { id: inquiryId });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "PURPOSE_LIMITATION", reason: "NOT_GRANTED" });
    const closed = await run<{ closeInquiry: { receivedAt: string; closedAt: string } }>(close, INQUIRIES, { id: inquiryId });
    expect(closed.errors).toBeUndefined();
    expect(closed.data?.closeInquiry.receivedAt).toBe("2026-01-01T00:00:00.000Z");
    await run(`mutation ($id: ID!) { objectToPurpose(subjectId: $id, purpose: "${INQUIRIES}") { id } }`, SERVICE, { id });
    const again = await run<{ closeInquiry: { receivedAt: string | null } }>(close, INQUIRIES, { id: inquiryId });
    expect(again.data?.closeInquiry.receivedAt).toBeNull();
    expect(again.errors?.[0]?.extensions).toMatchObject({ reason: "OBJECTED", category: "user.content.private" });
  });

  it("ConsentEvidence: refused under a purpose without device data, released with consent, nulled once withdrawn", async () => {
    const id = await newSubject();
    const give = `mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${ADVERTISING}", evidence: { ipAddress: "192.0.2.9", browser: "Edge", operatingSystem: "Windows", device: "PC" }) { evidence { ipAddress browser operatingSystem device } } }`;
    const refused = await run(give, SERVICE, { id });
    expect(refused.errors?.[0]?.extensions?.code).toBe("PURPOSE_LIMITATION");
    expect(refused.errors?.[0]?.message).toMatch(/ConsentEvidence\.ipAddress \(user\.device\.ip_address\)/);

    const released = await run<{ giveConsent: { evidence: Record<string, string> } }>(give, ADVERTISING, { id });
    expect(released).toEqual({
      data: { giveConsent: { evidence: { ipAddress: "192.0.2.9", browser: "Edge", operatingSystem: "Windows", device: "PC" } } },
    });

    const withdrawn = await run(
      `mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${ADVERTISING}") { active evidence { ipAddress } } }`,
      ADVERTISING,
      { id },
    );
    // That she withdrew is personal data too: advertising, which rested on the consent, reads none of it any more.
    expect(withdrawn.data).toEqual({ withdrawConsent: { active: null, evidence: { ipAddress: null } } });
    expect(withdrawn.errors?.map((error) => [error.path?.join("."), error.extensions?.reason, error.extensions?.category])).toEqual([
      ["withdrawConsent.active", "CONSENT_WITHDRAWN", "user.privacy_preferences"],
      ["withdrawConsent.evidence.ipAddress", "CONSENT_WITHDRAWN", "user.device.ip_address"],
    ]);
  });
});

describe("(b) a change of the subject's state takes effect on the very next request", () => {
  it("consent withdrawal", async () => {
    const id = await newSubject([ADVERTISING]);
    expect((await readField(id, "email", ADVERTISING)).data).toEqual({ subject: { id, email: "test@example.lv" } });
    await run(`mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${ADVERTISING}") { id } }`, ADVERTISING, { id });
    const after = await readField(id, "email", ADVERTISING);
    expect(after.data).toEqual({ subject: { id, email: null } });
    expect(denialOf(after)?.reason).toBe("CONSENT_WITHDRAWN");
  });

  it("a subject who never consented is CONSENT_MISSING", async () => {
    const id = await newSubject();
    expect(denialOf(await readField(id, "email", ADVERTISING))?.reason).toBe("CONSENT_MISSING");
  });

  it("objection blocks the legitimate-interests purpose objected to, and only it", async () => {
    const id = await newSubject();
    await run(`mutation ($id: ID!) { objectToPurpose(subjectId: $id, purpose: "${ANALYTICS}") { id } }`, SERVICE, { id });
    expect(denialOf(await readField(id, "country", ANALYTICS))?.reason).toBe("OBJECTED");
    expect((await readField(id, "country", "functional.service.improve")).data).toEqual({ subject: { id, country: "LV" } });
    const contract = await run(`mutation ($id: ID!) { objectToPurpose(subjectId: $id, purpose: "${SERVICE}") { id } }`, SERVICE, { id });
    expect(errorCodes(contract)).toEqual(["BAD_USER_INPUT"]);
  });

  it("restriction blocks every purpose except those allowed under restriction, until lifted", async () => {
    const id = await newSubject([ADVERTISING, "personalize"]);
    await run(`mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`, SERVICE, { id });
    for (const purpose of purposeql.services.policy.compiled.purposeKeys()) {
      const response = await readField(id, "country", purpose);
      if (!purposeql.services.policy.compiled.grants(purpose, "user.location.coarse")) continue;
      const expected = purpose === "essential.data_subject_rights" ? undefined : purpose === LEGAL ? "NOT_ARCHIVED" : "RESTRICTED";
      expect({ purpose, reason: denialOf(response)?.reason }).toEqual({ purpose, reason: expected });
    }
    expect((await readField(id, "fullName", "essential.data_subject_rights")).data).toEqual({ subject: { id, fullName: "Test Person" } });
    await run(`mutation ($id: ID!) { liftRestriction(subjectId: $id) { id } }`, SERVICE, { id });
    expect((await readField(id, "fullName", SERVICE)).data).toEqual({ subject: { id, fullName: "Test Person" } });
  });

  it("an ended service blocks contract purposes; legitimate interests end with it by retention", async () => {
    const id = await newSubject();
    await run(`mutation ($id: ID!) { endService(subjectId: $id) { id } }`, SERVICE, { id });
    expect(denialOf(await readField(id, "email", SERVICE))?.reason).toBe("CONTRACT_INACTIVE");
    expect(denialOf(await readField(id, "email", "essential.service.operations.support"))?.reason).toBe("CONTRACT_INACTIVE");
    expect(denialOf(await readField(id, "country", ANALYTICS))?.reason).toBe("RETENTION_EXPIRED");
    // The record-keeping purpose reads the address once the archive keeps it, not before.
    expect(denialOf(await readField(id, "postalAddress", LEGAL))?.reason).toBe("NOT_ARCHIVED");
    await sweepRetention(purposeql.services.dataSource, purposeql.services.policy.compiled, new Date(), { dryRun: false });
    expect((await readField(id, "postalAddress", LEGAL)).data).toEqual({ subject: { id, postalAddress: "Rīga" } });
    expect(denialOf(await readField(id, "email", SERVICE))?.reason).toBe("ARCHIVED");
  });
});

describe("(c) nothing smuggles a field past the static check", () => {
  const smuggling: Record<string, string> = {
    alias: `query ($id: ID!) { subject(id: $id) { id where: country nothing: email } }`,
    "named fragment": `query ($id: ID!) { subject(id: $id) { ...Contact } } fragment Contact on DataSubject { country email }`,
    "nested fragments": `query ($id: ID!) { subject(id: $id) { ...A } } fragment A on DataSubject { country ...B } fragment B on DataSubject { phone }`,
    "inline fragment": `query ($id: ID!) { subject(id: $id) { ... on DataSubject { postalAddress } } }`,
    connection: `{ subjects(first: 5) { edges { node { fullName } } } }`,
    "second root field": `query ($id: ID!) { a: subject(id: $id) { country } b: subject(id: $id) { email } }`,
    "@include(if: true)": `query ($id: ID!, $yes: Boolean!) { subject(id: $id) { country email @include(if: $yes) } }`,
    "@skip(if: false)": `query ($id: ID!, $no: Boolean!) { subject(id: $id) { country email @skip(if: $no) } }`,
  };

  it.each(Object.entries(smuggling))("%s is refused whole under analytics.reporting", async (_name, query) => {
    const id = await newSubject();
    const response = await run(query, ANALYTICS, { id, yes: true, no: false });
    expect(response.data).toBeUndefined();
    expect(errorCodes(response)).toEqual(["PURPOSE_LIMITATION"]);
    expect(response.errors?.[0]?.message).toMatch(/Nothing was executed/);
  });

  it("lists every offending field and its category", async () => {
    const id = await newSubject();
    const response = await run(smuggling["named fragment"]!.replace("country email", "country email fullName phone"), ANALYTICS, { id });
    expect(response.errors?.[0]?.extensions?.fields).toEqual([
      { field: "DataSubject.email", category: "user.contact.email", message: `user.contact.email is not granted to ${ANALYTICS}` },
      { field: "DataSubject.fullName", category: "user.name", message: `user.name is not granted to ${ANALYTICS}` },
      {
        field: "DataSubject.phone",
        category: "user.contact.phone_number",
        message: `user.contact.phone_number is not granted to ${ANALYTICS}`,
      },
    ]);
  });

  it("a field left out by @skip(if: true) or @include(if: false) is not counted", async () => {
    const id = await newSubject();
    const response = await run(
      `query ($id: ID!, $t: Boolean!, $f: Boolean!) { subject(id: $id) { country email @skip(if: $t) phone @include(if: $f) } }`,
      ANALYTICS,
      {
        id,
        t: true,
        f: false,
      },
    );
    expect(response).toEqual({ data: { subject: { country: "LV" } } });
  });

  it("a mutation that would return a field its purpose may not read is refused before it writes", async () => {
    const before = await purposeql.services.dataSource.getRepository(DataSubjectRow).count();
    const response = await run(`mutation { createSubject(input: { fullName: "Never Written" }) { id fullName } }`, ANALYTICS);
    expect(errorCodes(response)).toEqual(["PURPOSE_LIMITATION"]);
    expect(await purposeql.services.dataSource.getRepository(DataSubjectRow).count()).toBe(before);
  });
});

describe("declaring the purpose", () => {
  it("the @purpose directive declares it as the header does", async () => {
    const id = await newSubject();
    const response = await purposeql.execute(`query ($id: ID!) @purpose(key: "${SERVICE}") { subject(id: $id) { email } }`, {
      variables: { id },
    });
    expect(response).toEqual({ data: { subject: { email: "test@example.lv" } } });
  });

  it("header and directive naming different purposes are refused", async () => {
    const response = await purposeql.execute(`query @purpose(key: "${SERVICE}") { subjects { totalCount } }`, { purpose: ANALYTICS });
    expect(errorCodes(response)).toEqual(["FORBIDDEN"]);
  });

  it("an operation on personal data without a purpose is refused, listing the purposes the client may declare", async () => {
    const response = await purposeql.execute(`{ subjects { totalCount } }`);
    expect(errorCodes(response)).toEqual(["FORBIDDEN"]);
    expect(response.errors?.[0]?.message).toMatch(/may declare: analytics\.reporting, /);
  });

  it("a client may declare only its own purposes, by header or directive", async () => {
    const key = "partner-key-0123456789abcdef-analytics";
    await insertClient(purposeql.services.dataSource.manager, {
      name: "analytics-partner",
      role: ClientRole.PARTNER,
      ...storedFormOf(key),
      purposeKeys: [ANALYTICS],
      capabilities: [],
      // A PARTNER acting for no processor is a third party, and may declare only purposes based on consent.
      processorName: "Example Hosting SIA",
    });
    const byHeader = await purposeql.execute(`{ subjects { totalCount } }`, { apiKey: key, purpose: SERVICE });
    expect(errorCodes(byHeader)).toEqual(["FORBIDDEN"]);
    expect(byHeader.errors?.[0]?.message).toMatch(/may declare: analytics\.reporting\./);
    const byDirective = await purposeql.execute(`query @purpose(key: "${SERVICE}") { subjects { totalCount } }`, { apiKey: key });
    expect(errorCodes(byDirective)).toEqual(["FORBIDDEN"]);
    const allowed = await purposeql.execute(`{ subjects { totalCount } }`, { apiKey: key, purpose: ANALYTICS });
    expect(allowed.errors).toBeUndefined();
    expect(
      errorCodes(
        await purposeql.execute(`query ($id: ID!) { accessLog(subjectId: $id) { id } }`, {
          apiKey: key,
          variables: { id: await newSubject() },
        }),
      ),
    ).toEqual(["FORBIDDEN"]);
  });
});

describe("lawful lists", () => {
  it("subjects and totalCount hold exactly the subjects the engine finds lawful, for every purpose", async () => {
    const ids = {
      consented: await newSubject([ADVERTISING, "personalize"]),
      plain: await newSubject(),
      ended: await newSubject(),
      restricted: await newSubject([ADVERTISING]),
      objected: await newSubject(),
      withdrawn: await newSubject([ADVERTISING]),
      ancient: await newSubject(),
      advertisingObjected: await newSubject([ADVERTISING, "personalize"]),
      objectedBesideConsent: await newSubject([ADVERTISING]),
      archived: await newSubject(),
      archivedLongAgo: await newSubject(),
      held: await newSubject(),
      erased: await newSubject(),
      neverStarted: await newSubject(),
      asked: await newSubject(),
      askedNeverCustomer: await newSubject(),
    };
    await openInquiry(ids.asked);
    await openInquiry(ids.askedNeverCustomer);
    // The archive, holds and erasure, written as retention and erasure leave them.
    const sql = (query: string, id: string) => purposeql.services.dataSource.query(query, [id]);
    const archive = `INSERT INTO archived_value (subject_id, category, value, reason, decided_by, archived_at)
      VALUES ($1, 'user.name', 'Test Person', 'LEGAL_OBLIGATION', '${LEGAL}', now())`;
    await sql(
      `UPDATE data_subject SET status = 'ARCHIVED', full_name = NULL, service_active_until = now() - interval '1 day' WHERE id = $1`,
      ids.archived,
    );
    await sql(archive, ids.archived);
    await sql(
      `UPDATE data_subject SET status = 'ARCHIVED', service_active_until = now() - interval '6 years' WHERE id = $1`,
      ids.archivedLongAgo,
    );
    await sql(archive, ids.archivedLongAgo);
    await sql(
      `INSERT INTO legal_hold (subject_id, categories, reference, opened_at, opened_by, until) VALUES ($1, '{user.contact}', 'Case', now() - interval '1 day', 'test', now() + interval '1 year')`,
      ids.held,
    );
    await sql(`UPDATE data_subject SET status = 'ERASED', full_name = NULL, email = NULL WHERE id = $1`, ids.erased);
    await sql(`UPDATE data_subject SET service_active_since = NULL WHERE id = $1`, ids.neverStarted);
    await sql(`UPDATE data_subject SET service_active_since = NULL WHERE id = $1`, ids.askedNeverCustomer);
    await run(`mutation ($id: ID!) { endService(subjectId: $id) { id } }`, SERVICE, { id: ids.ended });
    await run(`mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`, SERVICE, { id: ids.restricted });
    await run(`mutation ($id: ID!) { objectToPurpose(subjectId: $id, purpose: "${ANALYTICS}") { id } }`, SERVICE, { id: ids.objected });
    await run(`mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${ADVERTISING}") { id } }`, ADVERTISING, {
      id: ids.withdrawn,
    });
    await purposeql.services.dataSource.query(`UPDATE data_subject SET service_active_until = now() - interval '6 years' WHERE id = $1`, [
      ids.ancient,
    ]);
    await run(`mutation ($id: ID!) { objectToPurpose(subjectId: $id, purpose: "${ADVERTISING}") { id } }`, SERVICE, {
      id: ids.advertisingObjected,
    });
    // A state the API never leaves (an objection to direct marketing withdraws the consent): both twins must still stop it.
    await purposeql.services.dataSource.query(
      `INSERT INTO objection (subject_id, purpose_key, objected_at, recorded_by) VALUES ($1, '${ADVERTISING}', now() - interval '1 hour', 'test')`,
      [ids.objectedBesideConsent],
    );

    const policy = purposeql.services.policy.compiled;
    const all = await purposeql.services.dataSource.getRepository(DataSubjectRow).find({ order: { seq: "ASC" } });
    for (const purpose of policy.purposeKeys()) {
      const listed: string[] = [];
      let after: string | null = null;
      let totalCount: number;
      do {
        const page: GraphQLResponse<{
          subjects: { totalCount: number; edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
        }> = await run(
          `query ($after: String) { subjects(first: 7, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
          purpose,
          { after },
        );
        listed.push(...page.data!.subjects.edges.map((edge) => edge.node.id));
        totalCount = page.data!.subjects.totalCount;
        after = page.data!.subjects.pageInfo.hasNextPage ? page.data!.subjects.pageInfo.endCursor : null;
      } while (after !== null);

      const now = new Date();
      const facts = await loadSubjectFacts(
        purposeql.services.dataSource.manager,
        all.map((row) => row.id),
      );
      const lawful = all
        .filter((row) => lawfulness(policy, purpose, subjectFactsOf(row, facts.get(row.id)), now).lawful)
        .map((row) => row.id);
      expect(lawful.length).toBeGreaterThan(0);
      expect(lawful.length).toBeLessThan(all.length);
      expect({ purpose, listed, totalCount }).toEqual({ purpose, listed: lawful, totalCount: lawful.length });
    }
  });
});

describe("operations built to be expensive", () => {
  const depth = 40;
  const fragments = Array.from({ length: depth }, (_, level) =>
    level === depth - 1
      ? `fragment F${level} on DataSubject { country }`
      : `fragment F${level} on DataSubject { ...F${level + 1} country ...F${level + 1} }`,
  ).join("\n");
  const document = `query ($id: ID!) { subject(id: $id) { ...F0 } }\n${fragments}`;

  it("the static check walks each fragment once: 2^40 spreads finish, listing the one field", async () => {
    const parsed = parse(document);
    const operation = parsed.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    const fragmentMap = Object.fromEntries(
      parsed.definitions.flatMap((definition) =>
        definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition]] : [],
      ),
    );
    const shape = analyseOperation(await buildPurposeQLSchema(), operation, fragmentMap, { id: "x" });
    expect(shape.personalSelections).toEqual([{ field: "DataSubject.country", category: "user.location.coarse", path: "subject.country" }]);
  });

  it("are refused as bad input (400), not failed as internal errors", async () => {
    const response = await purposeql.execute(document, {
      purpose: "analytics.reporting",
      variables: { id: "00000000-0000-4000-8000-000000000000" },
    });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors?.[0]?.message).toMatch(/too large to estimate its cost/);
  });
});
