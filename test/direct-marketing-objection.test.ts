import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConsentRow, ObjectionRow } from "../src/persistence/entities";
import { errorCodes, inProcessPurposeQLForThisFile, POLICY_FILE, type GraphQLResponse } from "./support/harness";

/**
 * Objection to direct marketing (GDPR Art. 21(2)–(3)): whatever its legal basis, a purpose under
 * `marketing` may be objected to; the objection withdraws the subject's consents to it and its
 * sub-purposes in the same transaction, stops it, and refuses new consents to it while it stands.
 * The Clubmium policy, with a newsletter beneath advertising so that sub-purposes are exercised.
 */

const ADVERTISING = "marketing.advertising";
const NEWSLETTER = "marketing.advertising.newsletter";
const PERSONALIZE = "personalize";
const ANALYTICS = "analytics.reporting";
const SERVICE = "essential.service";
const SUPPORT = "essential.service.operations.support";

function policyWithNewsletter(): string {
  const source = readFileSync(POLICY_FILE, "utf8");
  const anchor = "processors:\n";
  expect(source).toContain(anchor);
  const file = path.join(tmpdir(), `purposeql-newsletter-${process.pid}-${Date.now()}.policy.yaml`);
  writeFileSync(
    file,
    source.replace(
      anchor,
      `  - key: ${NEWSLETTER}
    name: Newsletter
    description: An advertising newsletter, with its own consent.
    legalBasis: CONSENT
    grants: [user.contact.email]
    retention: { trigger: CONSENT_WITHDRAWN, days: 0, action: DELETE }

${anchor}`,
    ),
  );
  afterAll(() => rmSync(file, { force: true }));
  return file;
}

let clock = new Date("2026-05-04T09:00:00.000Z");
const tick = (): Date => (clock = new Date(clock.getTime() + 60_000));
const purposeql = inProcessPurposeQLForThisFile({ policyFile: policyWithNewsletter() }, () => new Date(clock.getTime()));

const run = <T = Record<string, unknown>>(
  query: string,
  purpose: string,
  variables: Record<string, unknown>,
): Promise<GraphQLResponse<T>> => purposeql.execute<T>(query, { purpose, variables });

/** A subject who consented to advertising at registration (under advertising, the purpose the record belongs to). */
async function registeredSubject(): Promise<string> {
  const created = await run<{ createSubject: { id: string } }>(
    `mutation { createSubject(input: {
      fullName: "Objecting Person", email: "objecting@example.lv", dateOfBirth: "1990-01-01", country: "LV",
      registration: { consentedAt: "2026-01-01T00:00:00Z", ipAddress: "192.0.2.7" }
    }) { id } }`,
    ADVERTISING,
    {},
  );
  expect(created.errors).toBeUndefined();
  return created.data!.createSubject.id;
}

const GIVE = `mutation ($id: ID!, $p: String!) { giveConsent(subjectId: $id, purpose: $p) { id } }`;
const OBJECT = `mutation ($id: ID!, $p: String!) { objectToPurpose(subjectId: $id, purpose: $p) { id purposeKey objectedAt active } }`;

const consentsOf = (subjectId: string) =>
  purposeql.services.dataSource.getRepository(ConsentRow).find({ where: { subjectId }, order: { purposeKey: "ASC", recordedAt: "ASC" } });
const eventsOf = (subjectId: string, operation: string): Promise<{ written: string[] }[]> =>
  purposeql.services.dataSource.query(`SELECT written FROM access_event WHERE subject_id = $1 AND operation = $2`, [subjectId, operation]);

async function give(id: string, purpose: string): Promise<GraphQLResponse> {
  tick();
  return run(GIVE, purpose, { id, p: purpose });
}

describe("objecting to direct marketing", () => {
  it("is accepted whatever the basis, and withdraws the consents to the purpose and its sub-purposes in the same transaction", async () => {
    const id = await registeredSubject();
    expect((await give(id, NEWSLETTER)).errors).toBeUndefined();
    expect((await give(id, PERSONALIZE)).errors).toBeUndefined();

    const objectedAt = tick();
    const objected = await run<{ objectToPurpose: Record<string, unknown> }>(OBJECT, SUPPORT, { id, p: ADVERTISING });
    expect(objected.errors).toBeUndefined();
    expect(objected.data?.objectToPurpose).toMatchObject({ purposeKey: ADVERTISING, objectedAt: objectedAt.toISOString(), active: true });

    const objection = await purposeql.services.dataSource.getRepository(ObjectionRow).findOneByOrFail({ subjectId: id });
    const consents = await consentsOf(id);
    expect(
      consents.map((consent) => ({
        purposeKey: consent.purposeKey,
        withdrawnAt: consent.withdrawnAt?.toISOString() ?? null,
        withdrawnBy: consent.withdrawnBy,
        withdrawalMethod: consent.withdrawalMethod,
        withdrawalRequestId: consent.withdrawalRequestId,
      })),
    ).toEqual([
      {
        purposeKey: ADVERTISING,
        withdrawnAt: objectedAt.toISOString(),
        withdrawnBy: "development",
        withdrawalMethod: "OBJECTION",
        withdrawalRequestId: objection.requestId,
      },
      {
        purposeKey: NEWSLETTER,
        withdrawnAt: objectedAt.toISOString(),
        withdrawnBy: "development",
        withdrawalMethod: "OBJECTION",
        withdrawalRequestId: objection.requestId,
      },
      // Not direct marketing: untouched.
      { purposeKey: PERSONALIZE, withdrawnAt: null, withdrawnBy: null, withdrawalMethod: null, withdrawalRequestId: null },
    ]);
    expect(await eventsOf(id, "objectToPurpose")).toEqual([{ written: ["user.privacy_preferences"] }]);
  });

  it("stops the purpose and its sub-purposes from the next request, for single reads and lists", async () => {
    const id = await registeredSubject();
    await give(id, NEWSLETTER);
    const read = (purpose: string) => run(`query ($id: ID!) { subject(id: $id) { id email } }`, purpose, { id });
    const listed = async (purpose: string) =>
      (
        await run<{ subjects: { edges: { node: { id: string } }[] } }>(`{ subjects(first: 100) { edges { node { id } } } }`, purpose, {})
      ).data!.subjects.edges.map((edge) => edge.node.id);
    expect((await read(ADVERTISING)).data).toEqual({ subject: { id, email: "objecting@example.lv" } });
    expect(await listed(NEWSLETTER)).toContain(id);

    tick();
    await run(OBJECT, SUPPORT, { id, p: ADVERTISING });
    for (const purpose of [ADVERTISING, NEWSLETTER]) {
      const denied = await read(purpose);
      expect({ purpose, data: denied.data, extensions: denied.errors?.map((error) => error.extensions) }).toEqual({
        purpose,
        data: { subject: { id, email: null } },
        extensions: [{ code: "PURPOSE_LIMITATION", reason: "OBJECTED", category: "user.contact.email", purpose }],
      });
      expect(await listed(purpose)).not.toContain(id);
    }
    expect((await read(SERVICE)).data).toEqual({ subject: { id, email: "objecting@example.lv" } });
  });

  it("refuses, while it stands, a consent to the purpose or a sub-purpose (CONFLICT, reason OBJECTED), writing nothing", async () => {
    const id = await registeredSubject();
    tick();
    await run(OBJECT, SUPPORT, { id, p: ADVERTISING });
    const before = { consents: (await consentsOf(id)).length, events: (await eventsOf(id, "giveConsent")).length };

    for (const purpose of [ADVERTISING, NEWSLETTER]) {
      const refused = await give(id, purpose);
      expect({ purpose, data: refused.data, extensions: refused.errors?.map((error) => error.extensions) }).toEqual({
        purpose,
        data: null,
        extensions: [{ code: "CONFLICT", reason: "OBJECTED", purpose, objectedPurpose: ADVERTISING }],
      });
      expect(refused.errors?.[0]?.message).toMatch(new RegExp(`objected to ${ADVERTISING.replace(".", "\\.")}`));
    }
    expect({ consents: (await consentsOf(id)).length, events: (await eventsOf(id, "giveConsent")).length }).toEqual(before);

    // A purpose the objection does not concern is consented to as before.
    expect((await give(id, PERSONALIZE)).errors).toBeUndefined();
  });

  it("objecting again while it stands returns the same objection and writes nothing", async () => {
    const id = await registeredSubject();
    tick();
    const first = await run<{ objectToPurpose: { id: string } }>(OBJECT, SUPPORT, { id, p: ADVERTISING });
    tick();
    const again = await run<{ objectToPurpose: { id: string } }>(OBJECT, SUPPORT, { id, p: ADVERTISING });
    expect(again.errors).toBeUndefined();
    expect(again.data?.objectToPurpose.id).toBe(first.data?.objectToPurpose.id);
    expect(await eventsOf(id, "objectToPurpose")).toHaveLength(1);
  });

  it("an objection to a legitimate-interests purpose withdraws no consent; a purpose with no right to object is refused", async () => {
    const id = await registeredSubject();
    tick();
    expect((await run(OBJECT, SUPPORT, { id, p: ANALYTICS })).errors).toBeUndefined();
    expect((await consentsOf(id)).map((consent) => consent.withdrawnAt)).toEqual([null]);
    expect((await give(id, PERSONALIZE)).errors).toBeUndefined();

    for (const purpose of [PERSONALIZE, SERVICE, "essential.legal_obligation"]) {
      const refused = await run(OBJECT, SUPPORT, { id, p: purpose });
      expect({ purpose, codes: errorCodes(refused), fields: refused.errors?.[0]?.extensions?.fields }).toEqual({
        purpose,
        codes: ["BAD_USER_INPUT"],
        fields: ["purpose"],
      });
      expect(refused.errors?.[0]?.message).toMatch(/applies only to legitimate interests, a public task or direct marketing/);
    }
    expect(await purposeql.services.dataSource.getRepository(ObjectionRow).countBy({ subjectId: id })).toBe(1);
  });

  it("the policy says which purposes carry which right to object", async () => {
    const response = await purposeql.execute<{ purposes: { key: string; rightToObject: string }[] }>(`{ purposes { key rightToObject } }`);
    const rights = Object.fromEntries(response.data!.purposes.map((purpose) => [purpose.key, purpose.rightToObject]));
    expect(rights).toMatchObject({
      [ADVERTISING]: "ABSOLUTE",
      [NEWSLETTER]: "ABSOLUTE",
      [ANALYTICS]: "LIFTABLE",
      [PERSONALIZE]: "NONE",
      [SERVICE]: "NONE",
    });
  });
});
