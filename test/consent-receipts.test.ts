import { ConsentRow } from "../src/persistence/entities";
import { errorCodes, inProcessPurposeQLForThisFile } from "./support/harness";

/**
 * A consent proves who recorded what, when, under which notice, and covers only the categories
 * its purpose granted when it was given. Time comes from a clock this file moves.
 */

let clock = new Date("2026-03-29T00:30:00.000Z");
const purposeql = inProcessPurposeQLForThisFile({}, () => new Date(clock.getTime()));

const SERVICE = "essential.service";
const SUPPORT = "essential.service.operations.support";
const ADVERTISING = "marketing.advertising";
const PERSONALIZE = "personalize";

const consentsOf = (subjectId: string) =>
  purposeql.services.dataSource.getRepository(ConsentRow).find({ where: { subjectId }, order: { recordedAt: "ASC", id: "ASC" } });

async function newSubject(): Promise<string> {
  const response = await purposeql.execute<{ createSubject: { id: string } }>(
    `mutation { createSubject(input: { fullName: "Receipt Person", email: "receipt@example.lv", country: "LV" }) { id } }`,
    { purpose: SERVICE },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.createSubject.id;
}

const GIVE = `mutation ($id: ID!, $p: String!, $evidence: ConsentEvidenceInput) {
  giveConsent(subjectId: $id, purpose: $p, evidence: $evidence) { id givenAt recordedAt recordedBy scope noticeVersion active evidence { method policyVersion } }
}`;

describe("consent receipts", () => {
  it("record who recorded the consent, the request, the policy and notice versions, and the scope granted at that moment", async () => {
    const id = await newSubject();
    const given = await purposeql.execute<{ giveConsent: Record<string, unknown> }>(GIVE, {
      purpose: PERSONALIZE,
      variables: { id, p: PERSONALIZE, evidence: { method: "WEB_FORM" } },
    });
    expect(given.errors).toBeUndefined();
    const scope = [...purposeql.services.policy.compiled.readableCategories(PERSONALIZE)];
    expect(scope).toEqual(["user.demographic.date_of_birth", "user.location.coarse", "user.name", "user.privacy_preferences"]);
    expect(given.data?.giveConsent).toMatchObject({
      givenAt: clock.toISOString(),
      recordedAt: clock.toISOString(),
      recordedBy: "development",
      scope,
      noticeVersion: "2021-10",
      active: true,
      evidence: { method: "WEB_FORM", policyVersion: purposeql.services.policy.version },
    });
    const [row] = await consentsOf(id);
    expect(row).toMatchObject({ recordedBy: "development", noticeVersion: "2021-10", scope, withdrawnAt: null });
    expect(row?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const event = await purposeql.services.dataSource.query(
      `SELECT request_id FROM access_event WHERE subject_id = $1 AND operation = 'giveConsent'`,
      [id],
    );
    expect(event).toEqual([{ request_id: row?.requestId }]);
  });

  it("a withdrawal records when, by whom and how, and never moves once set", async () => {
    const id = await newSubject();
    await purposeql.execute(GIVE, { purpose: PERSONALIZE, variables: { id, p: PERSONALIZE } });
    clock = new Date(clock.getTime() + 3_600_000);
    const withdrawn = await purposeql.execute<{ withdrawConsent: Record<string, unknown> }>(
      `mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${PERSONALIZE}", method: "PHONE") { withdrawnAt withdrawnBy withdrawalMethod active } }`,
      { purpose: SUPPORT, variables: { id } },
    );
    expect(withdrawn.data?.withdrawConsent).toEqual({
      withdrawnAt: clock.toISOString(),
      withdrawnBy: "development",
      withdrawalMethod: "PHONE",
      active: false,
    });
    const withdrawnAt = clock.toISOString();

    clock = new Date(clock.getTime() + 3_600_000);
    const again = await purposeql.execute(`mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${PERSONALIZE}") { id } }`, {
      purpose: SUPPORT,
      variables: { id },
    });
    expect(errorCodes(again)).toEqual(["NOT_FOUND"]);
    const [row] = await consentsOf(id);
    expect(row?.withdrawnAt?.toISOString()).toBe(withdrawnAt);
    expect(row?.withdrawalMethod).toBe("PHONE");
  });

  it("consent history is append-only: the database refuses to change what was given, to move a withdrawal, to delete or truncate", async () => {
    const id = await newSubject();
    await purposeql.execute(GIVE, { purpose: PERSONALIZE, variables: { id, p: PERSONALIZE } });
    const sql = (statement: string) => purposeql.services.dataSource.query(statement, [id]);
    await expect(sql(`UPDATE consent SET scope = '{user}' WHERE subject_id = $1`)).rejects.toThrow(/append-only/);
    await expect(sql(`UPDATE consent SET given_at = given_at - interval '1 day' WHERE subject_id = $1`)).rejects.toThrow(/append-only/);
    await expect(sql(`UPDATE consent SET withdrawn_at = now(), recorded_by = 'forged' WHERE subject_id = $1`)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql(`DELETE FROM consent WHERE subject_id = $1`)).rejects.toThrow(/append-only/);
    await expect(purposeql.services.dataSource.query(`TRUNCATE consent CASCADE`)).rejects.toThrow(/append-only/);
    // The subject's row cannot take its consents with it: the foreign key restricts (no cascade), the trigger refuses.
    await expect(sql(`DELETE FROM data_subject WHERE id = $1`)).rejects.toThrow(/append-only|foreign key/);

    await sql(`UPDATE consent SET withdrawn_at = now(), withdrawn_by = 'dpo' WHERE subject_id = $1`);
    await expect(sql(`UPDATE consent SET withdrawn_at = now() + interval '1 day' WHERE subject_id = $1`)).rejects.toThrow(/append-only/);
    await expect(sql(`UPDATE consent SET withdrawn_at = NULL WHERE subject_id = $1`)).rejects.toThrow(/append-only/);
    expect(await consentsOf(id)).toHaveLength(1);
  });
});

describe("scope is pinned", () => {
  it("a category granted after the consent was given is denied with CONSENT_SCOPE until consent is given again", async () => {
    const id = await newSubject();
    await purposeql.execute(GIVE, { purpose: PERSONALIZE, variables: { id, p: PERSONALIZE } });
    const read = () =>
      purposeql.execute<{ subject: Record<string, unknown> }>(`query ($id: ID!) { subject(id: $id) { fullName email } }`, {
        purpose: PERSONALIZE,
        variables: { id },
      });

    const grant = await purposeql.execute(
      `mutation { grantCategory(purpose: "${PERSONALIZE}", category: "user.contact.email", justification: "Test: the purpose needs it") { key } }`,
    );
    expect(grant.errors).toBeUndefined();
    try {
      const widened = await read();
      expect(widened.data).toEqual({ subject: { fullName: "Receipt Person", email: null } });
      expect(widened.errors?.map((error) => error.extensions)).toEqual([
        { code: "PURPOSE_LIMITATION", reason: "CONSENT_SCOPE", category: "user.contact.email", purpose: PERSONALIZE },
      ]);

      clock = new Date(clock.getTime() + 60_000);
      const renewed = await purposeql.execute<{ giveConsent: { id: string; scope: string[] } }>(GIVE, {
        purpose: PERSONALIZE,
        variables: { id, p: PERSONALIZE },
      });
      expect(renewed.data?.giveConsent.scope).toContain("user.contact.email");
      expect(await read()).toEqual({ data: { subject: { fullName: "Receipt Person", email: "receipt@example.lv" } } });

      const history = await consentsOf(id);
      expect(history.map((consent) => [consent.withdrawnAt, consent.scope.includes("user.contact.email")])).toEqual([
        [null, false],
        [null, true],
      ]);

      const withdrawn = await purposeql.execute(
        `mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${PERSONALIZE}") { id } }`,
        { purpose: SUPPORT, variables: { id } },
      );
      expect(withdrawn.errors).toBeUndefined();
      expect((await consentsOf(id)).every((consent) => consent.withdrawnAt !== null)).toBe(true);
      expect((await read()).errors?.[0]?.extensions?.reason).toBe("CONSENT_WITHDRAWN");
    } finally {
      await purposeql.execute(
        `mutation { revokeGrant(purpose: "${PERSONALIZE}", category: "user.contact.email", justification: "Test: the purpose no longer needs it") { key } }`,
      );
    }
  });
});

describe("the registration record is the advertising consent's evidence", () => {
  const REGISTER = `mutation ($input: CreateSubjectInput!) { createSubject(input: $input) { id fullName consentedAt ipAddress } }`;
  const registration = (consentedAt: string) => ({
    consentedAt,
    ipAddress: "192.0.2.10",
    browser: "Firefox",
    operatingSystem: "Linux",
    device: "Laptop",
  });

  it("creating a subject with it records the advertising consent atomically, given when the form says, withdrawable like any other", async () => {
    const consentedAt = new Date(clock.getTime() - 60_000).toISOString();
    const created = await purposeql.execute<{ createSubject: { id: string } }>(REGISTER, {
      purpose: ADVERTISING,
      variables: { input: { fullName: "Registered Person", email: "registered@example.lv", registration: registration(consentedAt) } },
    });
    expect(created.errors).toBeUndefined();
    const id = created.data!.createSubject.id;
    const [consent] = await consentsOf(id);
    expect(consent).toMatchObject({
      purposeKey: ADVERTISING,
      evidenceMethod: "REGISTRATION_FORM",
      evidenceIpAddress: "192.0.2.10",
      evidenceBrowser: "Firefox",
      recordedBy: "development",
      withdrawnAt: null,
    });
    expect(consent?.givenAt.toISOString()).toBe(consentedAt);
    expect(consent?.recordedAt.toISOString()).toBe(clock.toISOString());

    const read = await purposeql.execute(`query ($id: ID!) { subject(id: $id) { fullName email } }`, {
      purpose: ADVERTISING,
      variables: { id },
    });
    expect(read).toEqual({ data: { subject: { fullName: "Registered Person", email: "registered@example.lv" } } });

    const events = await purposeql.services.dataSource.query(
      `SELECT operation, written FROM access_event WHERE subject_id = $1 AND operation <> 'read'`,
      [id],
    );
    expect(events).toEqual([
      {
        operation: "createSubject",
        written: expect.arrayContaining(["user.privacy_preferences", "user.device.ip_address", "user.registration.consent_time"]),
      },
    ]);

    await purposeql.execute(`mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${ADVERTISING}") { id } }`, {
      purpose: SUPPORT,
      variables: { id },
    });
    const after = await purposeql.execute(`query ($id: ID!) { subject(id: $id) { email } }`, { purpose: ADVERTISING, variables: { id } });
    expect(after.errors?.[0]?.extensions?.reason).toBe("CONSENT_WITHDRAWN");
  });

  it("a registration record dated after the clock is refused, and nothing is written", async () => {
    const before = await purposeql.services.dataSource.query(`SELECT count(*)::int AS n FROM data_subject`);
    const future = new Date(clock.getTime() + 60_000).toISOString();
    const response = await purposeql.execute(REGISTER, {
      purpose: ADVERTISING,
      variables: { input: { fullName: "Future Person", registration: registration(future) } },
    });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    expect(response.errors?.[0]?.extensions?.fields).toEqual([{ field: "input.registration.consentedAt", message: "lies in the future" }]);
    expect(await purposeql.services.dataSource.query(`SELECT count(*)::int AS n FROM data_subject`)).toEqual(before);
  });
});
