import { storedFormOf } from "../src/auth/api-key";
import { ClientRole } from "../src/domain/policy-terms";
import { insertClient } from "../src/persistence/client-repository";
import { createInProcess, errorCodes, inProcessPurposeQLForThisFile, testConfig } from "./support/harness";

const purposeql = inProcessPurposeQLForThisFile();

const PERSONALIZE = "personalize";
const REVOKE = `mutation ($p: String!, $c: String!) { revokeGrant(purpose: $p, category: $c, justification: "Test: the purpose no longer needs it") { key grants } }`;
const GRANT = `mutation ($p: String!, $c: String!) { grantCategory(purpose: $p, category: $c, justification: "Test: the purpose needs it") { key grants effectiveGrants } }`;

async function consentedSubject(): Promise<string> {
  const created = await purposeql.execute<{ createSubject: { id: string } }>(
    `mutation { createSubject(input: { fullName: "Grant Test", country: "LV" }) { id } }`,
    {
      purpose: "essential.service",
    },
  );
  const id = created.data!.createSubject.id;
  const given = await purposeql.execute(`mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${PERSONALIZE}") { id } }`, {
    purpose: PERSONALIZE,
    variables: { id },
  });
  expect(given.errors).toBeUndefined();
  return id;
}

describe("changing the policy", () => {
  it("a revoked grant takes effect on the next request, as a new policy version; granting it back restores it", async () => {
    const id = await consentedSubject();
    const read = () => purposeql.execute(`query ($id: ID!) { subject(id: $id) { fullName } }`, { purpose: PERSONALIZE, variables: { id } });
    expect((await read()).data).toEqual({ subject: { fullName: "Grant Test" } });
    const versionBefore = purposeql.services.policy.version;

    const revoked = await purposeql.execute(REVOKE, { variables: { p: PERSONALIZE, c: "user.name" } });
    expect(revoked.data).toEqual({
      revokeGrant: { key: PERSONALIZE, grants: ["user.demographic.date_of_birth", "user.location.coarse", "user.privacy_preferences"] },
    });
    expect(purposeql.services.policy.version).toBe(versionBefore + 1);

    const refused = await read();
    expect(errorCodes(refused)).toEqual(["PURPOSE_LIMITATION"]);
    expect(refused.data).toBeUndefined();

    await purposeql.execute(GRANT, { variables: { p: PERSONALIZE, c: "user.name" } });
    expect((await read()).data).toEqual({ subject: { fullName: "Grant Test" } });
    expect((await purposeql.execute<{ policyVersion: number }>(`{ policyVersion }`)).data?.policyVersion).toBe(versionBefore + 2);
  });

  it("a request that begins while an announced change is being reloaded waits for it: the revoked grant is never honoured", async () => {
    const id = await consentedSubject();
    const read = () => purposeql.execute(`query ($id: ID!) { subject(id: $id) { country } }`, { purpose: PERSONALIZE, variables: { id } });
    expect((await read()).data).toEqual({ subject: { country: "LV" } });
    // What the listener does on NOTIFY, from elsewhere: the change is committed, then this instance reloads.
    const changed = await purposeql.services.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM purpose_category_grant WHERE purpose_key = $1 AND category_key = 'user.location.coarse'`, [
        PERSONALIZE,
      ]);
      return manager.query(
        `INSERT INTO policy_version (source_hash, source, notice_version, organisation, document, changed_by, justification)
         SELECT 'test', 'revoke country', notice_version, organisation, document, 'test', 'revoke country' FROM policy_version ORDER BY version DESC LIMIT 1 RETURNING version`,
      );
    });
    expect(changed).toBeDefined();
    void purposeql.services.policy.reload();
    try {
      expect(errorCodes(await read())).toEqual(["PURPOSE_LIMITATION"]);
    } finally {
      await purposeql.execute(GRANT, { variables: { p: PERSONALIZE, c: "user.location.coarse" } });
    }
  });

  it("revoking a grant the purpose does not have changes nothing", async () => {
    const version = purposeql.services.policy.version;
    const response = await purposeql.execute(REVOKE, { variables: { p: PERSONALIZE, c: "user.contact.phone_number" } });
    expect(response.errors).toBeUndefined();
    expect(purposeql.services.policy.version).toBe(version);
  });

  it("refuses to grant personal content to a marketing purpose, directly or through an ancestor category", async () => {
    const version = purposeql.services.policy.version;
    for (const category of ["user.content.private", "user.content", "user"]) {
      const response = await purposeql.execute(GRANT, { variables: { p: "marketing.advertising", c: category } });
      expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
      expect(response.errors?.[0]?.message).toMatch(/no purpose that shows ads may read personal content/);
    }
    expect(purposeql.services.policy.version).toBe(version);
    expect(purposeql.services.policy.compiled.grants("marketing.advertising", "user.content.private")).toBe(false);
  });

  it("refuses unknown keys and clients that are not ADMIN", async () => {
    expect(errorCodes(await purposeql.execute(GRANT, { variables: { p: "no.such", c: "user.name" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await purposeql.execute(GRANT, { variables: { p: PERSONALIZE, c: "user.nothing" } }))).toEqual(["BAD_USER_INPUT"]);
    const key = "internal-app-key-0123456789abcdef";
    await insertClient(purposeql.services.dataSource.manager, {
      name: "crm",
      role: ClientRole.INTERNAL_APP,
      ...storedFormOf(key),
      purposeKeys: [PERSONALIZE],
      capabilities: [],
    });
    const version = purposeql.services.policy.version;
    const response = await purposeql.execute(GRANT, { apiKey: key, variables: { p: PERSONALIZE, c: "user.contact.email" } });
    expect(errorCodes(response)).toEqual(["FORBIDDEN"]);
    expect(purposeql.services.policy.version).toBe(version);
  });

  const onPostgres = process.env.DATABASE_URL ? it : it.skip;
  onPostgres("another instance learns of the change through LISTEN/NOTIFY and enforces it on its next request", async () => {
    const other = await createInProcess(testConfig(purposeql.database.target));
    try {
      const id = await consentedSubject();
      const readThroughOther = () =>
        other.execute(`query ($id: ID!) { subject(id: $id) { country } }`, { purpose: PERSONALIZE, variables: { id } });
      expect((await readThroughOther()).data).toEqual({ subject: { country: "LV" } });

      await purposeql.execute(REVOKE, { variables: { p: PERSONALIZE, c: "user.location.coarse" } });
      const deadline = Date.now() + 5_000;
      while (other.services.policy.version !== purposeql.services.policy.version && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(other.services.policy.version).toBe(purposeql.services.policy.version);
      expect(errorCodes(await readThroughOther())).toEqual(["PURPOSE_LIMITATION"]);
    } finally {
      await other.close();
    }
  });
});

describe("the controller and whole policy versions (GDPR Art. 30(1)(a), 5(2))", () => {
  it("serves the controller as the policy declares it, inventing nothing the file leaves out", async () => {
    const answer = await purposeql.execute<{ controller: Record<string, unknown> }>(
      `{ controller { name country registrationNumber email phone dataProtectionOfficerAppointed dataProtectionOfficer { name } supervisoryAuthority { name country } noticeVersion timeZone } }`,
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.controller).toEqual({
      name: "Clubmium",
      country: "LV",
      registrationNumber: null,
      email: null,
      phone: "+37167881528",
      dataProtectionOfficerAppointed: false,
      dataProtectionOfficer: null,
      supervisoryAuthority: { name: "Datu valsts inspekcija (Data State Inspectorate)", country: "LV" },
      noticeVersion: "2021-10",
      timeZone: "Europe/Riga",
    });
  });

  it("keeps every version whole, with who changed it and why; a grant change needs a justification", async () => {
    const POLICY_AT = `query ($v: Int!) { policyAt(version: $v) }`;
    const before = purposeql.services.policy.version;
    const unjustified = await purposeql.execute(
      `mutation { grantCategory(purpose: "${PERSONALIZE}", category: "user.contact.phone_number", justification: "  ") { key } }`,
    );
    expect(errorCodes(unjustified)).toEqual(["BAD_USER_INPUT"]);
    expect(purposeql.services.policy.version).toBe(before);

    const granted = await purposeql.execute(
      `mutation { grantCategory(purpose: "${PERSONALIZE}", category: "user.contact.phone_number", justification: "Personalised greetings by SMS, DPIA-2027-03") { key } }`,
    );
    expect(granted.errors).toBeUndefined();
    const after = purposeql.services.policy.version;
    expect(after).toBe(before + 1);

    type Stored = {
      version: number;
      changedBy: string;
      justification: string | null;
      policy: { purposes: { key: string; grants: string[] }[] };
    };
    const grantsOf = (stored: Stored) => stored.policy.purposes.find((purpose) => purpose.key === PERSONALIZE)!.grants;
    const old = (await purposeql.execute<{ policyAt: Stored }>(POLICY_AT, { variables: { v: before } })).data!.policyAt;
    const now = (await purposeql.execute<{ policyAt: Stored }>(POLICY_AT, { variables: { v: after } })).data!.policyAt;
    expect(grantsOf(old)).not.toContain("user.contact.phone_number");
    expect(grantsOf(now)).toContain("user.contact.phone_number");
    expect(now).toMatchObject({ version: after, changedBy: "development", justification: "Personalised greetings by SMS, DPIA-2027-03" });
    expect((await purposeql.execute<{ policyAt: Stored }>(POLICY_AT, { variables: { v: 1 } })).data!.policyAt).toMatchObject({
      changedBy: "policy file",
      justification: null,
    });
    expect(errorCodes(await purposeql.execute(POLICY_AT, { variables: { v: 9999 } }))).toEqual(["NOT_FOUND"]);
  });
});

describe("records of processing (GDPR Art. 30(1))", () => {
  type Records = {
    policyVersion: number;
    controller: { name: string; dataProtectionOfficer: string };
    activities: {
      purpose: { key: string };
      legalBasis: string;
      legalReference: string | null;
      dataSubjects: string;
      personalData: { key: string }[];
      recipients: { clientRoles: string[]; processors: string[] };
      transfers: unknown[];
      erasure: string;
      securityMeasures: string[];
    }[];
  };
  const RECORDS = `query ($v: Int) { recordsOfProcessing(asOfVersion: $v) }`;

  it("lists every purpose with what Art. 30(1) asks, from the same policy enforcement uses, as of any kept version", async () => {
    const now = await purposeql.execute<{ recordsOfProcessing: Records }>(RECORDS);
    expect(now.errors).toBeUndefined();
    const records = now.data!.recordsOfProcessing;
    expect(records.policyVersion).toBe(purposeql.services.policy.version);
    expect(records.controller).toMatchObject({ name: "Clubmium", dataProtectionOfficer: "none appointed" });
    const policy = purposeql.services.policy.compiled;
    expect(records.activities.map((activity) => activity.purpose.key).sort()).toEqual([...policy.purposeKeys()].sort());
    for (const activity of records.activities) {
      // The categories recorded are exactly those enforcement lets the purpose read.
      expect({ key: activity.purpose.key, data: activity.personalData.map((category) => category.key) }).toEqual({
        key: activity.purpose.key,
        data: [...policy.readableCategories(activity.purpose.key)],
      });
      expect(activity.securityMeasures.length).toBeGreaterThan(0);
      expect(activity.recipients.processors).toContain("Example Hosting SIA");
    }
    const records_ = Object.fromEntries(records.activities.map((activity) => [activity.purpose.key, activity]));
    expect(records_["essential.legal_obligation"]).toMatchObject({
      legalBasis: "LEGAL_OBLIGATION",
      legalReference: expect.stringContaining("Grāmatvedības likums"),
      erasure: "1826 days after the end of the service: kept in the archive until then, then deleted.",
    });
    expect(records_["essential.service.inquiries"]!.dataSubjects).toBe("People who sent a question, customers or not");
    expect(records_["essential.service"]!.recipients.clientRoles).toContain("ADMIN");

    // As of the first version, before this file's grant changes.
    const first = await purposeql.execute<{ recordsOfProcessing: Records }>(RECORDS, { variables: { v: 1 } });
    expect(first.data!.recordsOfProcessing.policyVersion).toBe(1);
    const personalizeThen = first.data!.recordsOfProcessing.activities.find((activity) => activity.purpose.key === PERSONALIZE)!;
    expect(personalizeThen.personalData.map((category) => category.key)).not.toContain("user.contact.phone_number");
    expect(errorCodes(await purposeql.execute(RECORDS, { variables: { v: 9999 } }))).toEqual(["NOT_FOUND"]);
  });
});
