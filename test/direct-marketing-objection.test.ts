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
const RIGHTS = "essential.data_subject_rights";

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
        fields: [{ field: "purpose", message: expect.stringMatching(/^\S+ relies on \w+ and is not direct marketing; an objection/) }],
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

describe("lifting an objection to direct marketing (Art. 21(3): absolute)", () => {
  const LIFT = `mutation ($id: ID!, $p: String!, $assessment: String, $request: ID) {
    liftObjection(subjectId: $id, purpose: $p, assessment: $assessment, subjectRequestId: $request) {
      id active liftedAt liftAssessment liftedByRequestId
    }
  }`;
  const lift = (id: string, purpose: string, lifting: { assessment?: string; request?: string }) =>
    run<{ liftObjection: Record<string, unknown> }>(LIFT, SUPPORT, { id, p: purpose, ...lifting });

  async function openRequest(subjectId: string, kind: string, verified: boolean): Promise<string> {
    const opened = await run<{ openSubjectRequest: { id: string } }>(
      `mutation ($subjectId: ID!, $kind: SubjectRequestKind!, $receivedAt: DateTime!) {
        openSubjectRequest(subjectId: $subjectId, kind: $kind, receivedAt: $receivedAt, channel: WEB_FORM) { id }
      }`,
      RIGHTS,
      { subjectId, kind, receivedAt: clock.toISOString() },
    );
    expect(opened.errors).toBeUndefined();
    const requestId = opened.data!.openSubjectRequest.id;
    if (verified) {
      const verification = await run(
        `mutation ($id: ID!) { verifySubjectIdentity(requestId: $id, method: "signed-in account") { id } }`,
        RIGHTS,
        {
          id: requestId,
        },
      );
      expect(verification.errors).toBeUndefined();
    }
    return requestId;
  }

  async function objectedSubject(): Promise<string> {
    const id = await registeredSubject();
    tick();
    expect((await run(OBJECT, SUPPORT, { id, p: ADVERTISING })).errors).toBeUndefined();
    return id;
  }

  const standing = async (subjectId: string) => {
    const [objection] = await purposeql.services.dataSource.getRepository(ObjectionRow).findBy({ subjectId, purposeKey: ADVERTISING });
    return { liftedAt: objection?.liftedAt ?? null, lifts: (await eventsOf(subjectId, "liftObjection")).length };
  };

  it("no assessment can lift it, and nothing is not enough: BAD_USER_INPUT, reason ABSOLUTE_OBJECTION", async () => {
    const id = await objectedSubject();
    const byGrounds = await lift(id, ADVERTISING, { assessment: "Compelling legitimate grounds: a campaign already paid for." });
    expect(refusalOf(byGrounds)).toEqual({
      code: "BAD_USER_INPUT",
      reason: "ABSOLUTE_OBJECTION",
      fields: [{ field: "assessment", message: "is refused" }],
    });
    expect(byGrounds.errors?.[0]?.message).toMatch(/absolute \(GDPR Art\. 21\(3\)\)/);
    const byNothing = await lift(id, ADVERTISING, {});
    expect(refusalOf(byNothing)).toEqual({
      code: "BAD_USER_INPUT",
      reason: "ABSOLUTE_OBJECTION",
      fields: [{ field: "subjectRequestId", message: "is required" }],
    });
    expect(await standing(id)).toEqual({ liftedAt: null, lifts: 0 });
  });

  it("only the subject's own OBJECTION request, open and with the identity verified, lifts it", async () => {
    const id = await objectedSubject();
    const other = await registeredSubject();
    const refusals = [
      [await openRequest(other, "OBJECTION", true), { code: "NOT_FOUND", reason: undefined, fields: undefined }],
      ["00000000-0000-4000-8000-000000000000", { code: "NOT_FOUND", reason: undefined, fields: undefined }],
      [
        await openRequest(id, "ACCESS", true),
        { code: "BAD_USER_INPUT", reason: "WRONG_KIND", fields: [{ field: "subjectRequestId", message: expect.stringMatching(/ACCESS/) }] },
      ],
      [await openRequest(id, "OBJECTION", false), { code: "CONFLICT", reason: "IDENTITY_NOT_VERIFIED", fields: undefined }],
    ] as const;
    const refused = await openRequest(id, "OBJECTION", true);
    expect(
      (await run(`mutation ($id: ID!) { refuseSubjectRequest(requestId: $id, reason: "Not the person") { id } }`, RIGHTS, { id: refused }))
        .errors,
    ).toBeUndefined();
    for (const [request, expected] of [
      ...refusals,
      [refused, { code: "CONFLICT", reason: "REQUEST_CLOSED", fields: undefined }] as const,
    ]) {
      const response = await lift(id, ADVERTISING, { request });
      expect({ request, refusal: refusalOf(response) }).toEqual({ request, refusal: expected });
    }
    expect(await standing(id)).toEqual({ liftedAt: null, lifts: 0 });

    const own = await openRequest(id, "OBJECTION", true);
    const liftedAt = tick();
    const lifted = await lift(id, ADVERTISING, { request: own });
    expect(lifted.errors).toBeUndefined();
    expect(lifted.data?.liftObjection).toMatchObject({
      active: false,
      liftedAt: liftedAt.toISOString(),
      liftAssessment: null,
      liftedByRequestId: own,
    });
    const row = await purposeql.services.dataSource.getRepository(ObjectionRow).findOneByOrFail({ subjectId: id, purposeKey: ADVERTISING });
    expect({ liftedByRequestId: row.liftedByRequestId, liftAssessment: row.liftAssessment, liftedBy: row.liftedBy }).toEqual({
      liftedByRequestId: own,
      liftAssessment: null,
      liftedBy: "development",
    });
    expect(await eventsOf(id, "liftObjection")).toEqual([{ written: ["user.privacy_preferences"] }]);

    // The subject may consent again, and advertising reads again under that consent.
    expect((await give(id, ADVERTISING)).errors).toBeUndefined();
    expect((await run(`query ($id: ID!) { subject(id: $id) { email } }`, ADVERTISING, { id })).data).toEqual({
      subject: { email: "objecting@example.lv" },
    });
  });

  it("the database refuses an objection lifted both on grounds and by request", async () => {
    const id = await objectedSubject();
    const request = await openRequest(id, "OBJECTION", true);
    await expect(
      purposeql.services.dataSource.query(
        `UPDATE objection SET lifted_at = now(), lift_assessment = 'grounds', lifted_by_request_id = $2 WHERE subject_id = $1`,
        [id, request],
      ),
    ).rejects.toThrow(/objection_lifted_one_way/);
  });

  it("a legitimate-interests objection is still lifted on an assessment, never by a request", async () => {
    const id = await registeredSubject();
    tick();
    await run(OBJECT, SUPPORT, { id, p: ANALYTICS });
    const request = await openRequest(id, "OBJECTION", true);
    expect(refusalOf(await lift(id, ANALYTICS, { request }))).toEqual({
      code: "BAD_USER_INPUT",
      reason: undefined,
      fields: [{ field: "subjectRequestId", message: expect.stringMatching(/^is for direct marketing only/) }],
    });
    expect(refusalOf(await lift(id, ANALYTICS, {}))).toEqual({
      code: "BAD_USER_INPUT",
      reason: undefined,
      fields: [{ field: "assessment", message: expect.stringMatching(/^must be 1–\d+ characters$/) }],
    });
    const lifted = await lift(id, ANALYTICS, { assessment: "Fraud investigation: compelling legitimate grounds." });
    expect(lifted.data?.liftObjection).toMatchObject({
      active: false,
      liftAssessment: "Fraud investigation: compelling legitimate grounds.",
      liftedByRequestId: null,
    });
  });
});

function refusalOf(response: GraphQLResponse<unknown>): { code: unknown; reason: unknown; fields: unknown } {
  const extensions = response.errors?.[0]?.extensions;
  return { code: extensions?.code, reason: extensions?.reason, fields: extensions?.fields };
}
