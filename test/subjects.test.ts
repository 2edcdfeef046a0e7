import { IsNull } from "typeorm";
import { ConsentRow, DataSubjectRow } from "../src/persistence/entities";
import { errorCodes, inProcessPurposeQLForThisFile } from "./support/harness";

const SERVICE = "essential.service";
const SUPPORT = "essential.service.operations.support";
const SUBJECT_FIELDS = "id fullName email postalAddress phone dateOfBirth country serviceActive serviceActiveUntil status";
/** The registration record: not what providing the service reads, but what the legal obligation keeps. */
const RIGHTS = "essential.data_subject_rights";
const ADVERTISING = "marketing.advertising";
const REGISTRATION_FIELDS = "consentedAt ipAddress browser operatingSystem device";

const purposeql = inProcessPurposeQLForThisFile();

const countSubjects = (): Promise<number> => purposeql.services.dataSource.getRepository(DataSubjectRow).count();

interface SubjectData {
  id: string;
  fullName: string | null;
  email: string | null;
  phone: string | null;
  dateOfBirth: string | null;
  country: string | null;
  consentedAt: string | null;
  ipAddress: string | null;
  serviceActive: boolean;
  serviceActiveUntil: string | null;
}

async function createSubject(input: Record<string, unknown>, purpose = SERVICE, fields = SUBJECT_FIELDS): Promise<SubjectData> {
  const response = await purposeql.execute<{ createSubject: SubjectData }>(
    `mutation ($input: CreateSubjectInput!) { createSubject(input: $input) { ${fields} } }`,
    { variables: { input }, purpose },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.createSubject;
}

describe("subjects through GraphQL", () => {
  it("creates a subject with its registration record (under the advertising purpose that record belongs to) and reads it back by id", async () => {
    const registered = await createSubject(
      {
        fullName: "Anna Bērziņa",
        email: "anna@example.lv",
        dateOfBirth: "1990-04-01",
        country: "LV",
        registration: {
          consentedAt: "2026-01-02T03:04:05Z",
          ipAddress: "192.0.2.7",
          browser: "Firefox 140",
          operatingSystem: "Linux",
          device: "Laptop",
        },
      },
      "marketing.advertising",
      "id fullName email dateOfBirth country consentedAt ipAddress",
    );
    expect(registered).toMatchObject({ fullName: "Anna Bērziņa", consentedAt: "2026-01-02T03:04:05.000Z", ipAddress: "192.0.2.7" });
    // The service's own data is written under the service's purpose.
    const completed = await purposeql.execute<{ updateSubject: SubjectData }>(
      `mutation ($id: ID!, $input: UpdateSubjectInput!) { updateSubject(id: $id, input: $input) { ${SUBJECT_FIELDS} } }`,
      {
        variables: { id: registered.id, input: { postalAddress: "Brīvības iela 1, Rīga, LV-1010", phone: "+37120000000" } },
        purpose: SERVICE,
      },
    );
    expect(completed.errors).toBeUndefined();
    const created = completed.data!.updateSubject;
    expect(created).toMatchObject({
      fullName: "Anna Bērziņa",
      dateOfBirth: "1990-04-01",
      phone: "+37120000000",
      serviceActive: true,
      serviceActiveUntil: null,
    });

    const read = await purposeql.execute<{ subject: SubjectData }>(`query ($id: ID!) { subject(id: $id) { ${SUBJECT_FIELDS} } }`, {
      variables: { id: created.id },
      purpose: SERVICE,
    });
    expect(read).toEqual({ data: { subject: created } });

    const registration = await purposeql.execute(`query ($id: ID!) { subject(id: $id) { ${REGISTRATION_FIELDS} } }`, {
      variables: { id: created.id },
      purpose: ADVERTISING,
    });
    expect(registration).toEqual({
      data: {
        subject: {
          consentedAt: "2026-01-02T03:04:05.000Z",
          ipAddress: "192.0.2.7",
          browser: "Firefox 140",
          operatingSystem: "Linux",
          device: "Laptop",
        },
      },
    });

    const row = await purposeql.services.dataSource.getRepository(DataSubjectRow).findOneByOrFail({ id: created.id });
    expect(row).toMatchObject({ fullName: "Anna Bērziņa", email: "anna@example.lv", country: "LV", browser: "Firefox 140" });
  });

  it("updates only the fields given, and null clears a field", async () => {
    const created = await createSubject({ fullName: "Jānis Kalniņš", email: "janis@example.lv", phone: "+37129999999" });
    const response = await purposeql.execute<{ updateSubject: SubjectData }>(
      `mutation ($id: ID!, $input: UpdateSubjectInput!) { updateSubject(id: $id, input: $input) { ${SUBJECT_FIELDS} } }`,
      { variables: { id: created.id, input: { email: "janis.kalnins@example.lv", phone: null } }, purpose: SERVICE },
    );
    expect(response.data?.updateSubject).toMatchObject({ fullName: "Jānis Kalniņš", email: "janis.kalnins@example.lv", phone: null });
  });

  it("ends the service relationship once and keeps the first end date", async () => {
    const created = await createSubject({ fullName: "Ilze Ozola" });
    // Once the contract has ended, the contract purpose reads nothing more; answering the person's requests still reads the relationship.
    const end = () =>
      purposeql.execute<{ endService: SubjectData }>(
        `mutation ($id: ID!) { endService(subjectId: $id) { serviceActive serviceActiveUntil } }`,
        {
          variables: { id: created.id },
          purpose: RIGHTS,
        },
      );
    const first = await end();
    expect(first.data?.endService.serviceActive).toBe(false);
    const second = await end();
    expect(second.data?.endService.serviceActiveUntil).toBe(first.data?.endService.serviceActiveUntil);
  });

  it("refuses invalid input naming each field, and writes nothing", async () => {
    const before = await countSubjects();
    const response = await purposeql.execute(`mutation ($input: CreateSubjectInput!) { createSubject(input: $input) { id } }`, {
      variables: {
        input: { email: "not-an-email", phone: "20000000", country: "Latvia", dateOfBirth: "2999-01-01", fullName: "x".repeat(201) },
      },
      purpose: SERVICE,
    });
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    const fields = response.errors?.[0]?.extensions?.fields as { field: string; message: string }[];
    expect(new Set(fields.map(({ field }) => field))).toEqual(new Set(["email", "phone", "country", "dateOfBirth", "fullName"]));
    expect(fields).toContainEqual({ field: "email", message: "must be an e-mail address" });
    for (const problem of fields) expect(Object.keys(problem).sort()).toEqual(["field", "message"]);
    expect(response.errors?.[0]?.message).toMatch(/email must be an e-mail address/);
    expect(await countSubjects()).toBe(before);
  });

  it("refuses an invalid update and leaves the row as it was", async () => {
    const created = await createSubject({ fullName: "Pēteris Liepa", country: "LV" });
    const response = await purposeql.execute(
      `mutation ($id: ID!, $input: UpdateSubjectInput!) { updateSubject(id: $id, input: $input) { id } }`,
      {
        variables: { id: created.id, input: { fullName: "Pēteris", country: "ZZ" } },
        purpose: SERVICE,
      },
    );
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    const row = await purposeql.services.dataSource.getRepository(DataSubjectRow).findOneByOrFail({ id: created.id });
    expect(row).toMatchObject({ fullName: "Pēteris Liepa", country: "LV" });
  });

  it("answers an unknown id with null, a malformed id with BAD_USER_INPUT and an update of nobody with NOT_FOUND", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect(await purposeql.execute(`{ subject(id: "${unknown}") { id } }`, { purpose: SERVICE })).toEqual({ data: { subject: null } });
    expect(errorCodes(await purposeql.execute(`{ subject(id: "42") { id } }`, { purpose: SERVICE }))).toEqual(["BAD_USER_INPUT"]);
    const update = await purposeql.execute(`mutation { updateSubject(id: "${unknown}", input: { fullName: "X" }) { id } }`, {
      purpose: SERVICE,
    });
    expect(errorCodes(update)).toEqual(["NOT_FOUND"]);
  });

  it("pages through the lawful subjects in creation order with cursors and a total count", async () => {
    for (const name of ["Page One", "Page Two", "Page Three"]) await createSubject({ fullName: name });
    const lawful = await purposeql.services.dataSource
      .getRepository(DataSubjectRow)
      .find({ where: { serviceActiveUntil: IsNull() }, order: { seq: "ASC" } });
    const total = lawful.length;
    expect(total).toBeLessThan(await countSubjects());
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const response: Awaited<
        ReturnType<
          typeof purposeql.execute<{
            subjects: {
              totalCount: number;
              edges: { node: { id: string } }[];
              pageInfo: { hasNextPage: boolean; endCursor: string | null };
            };
          }>
        >
      > = await purposeql.execute(
        `query ($after: String) { subjects(first: 2, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
        {
          variables: { after },
          purpose: SERVICE,
        },
      );
      const page = response.data!.subjects;
      expect(page.totalCount).toBe(total);
      seen.push(...page.edges.map((edge) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(lawful.map((row) => row.id));
  });

  it("refuses a page size out of range and a cursor it did not issue", async () => {
    expect(errorCodes(await purposeql.execute(`{ subjects(first: 0) { totalCount } }`, { purpose: SERVICE }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await purposeql.execute(`{ subjects(first: 101) { totalCount } }`, { purpose: SERVICE }))).toEqual([
      "BAD_USER_INPUT",
    ]);
    expect(errorCodes(await purposeql.execute(`{ subjects(after: "bm9wZQ") { totalCount } }`, { purpose: SERVICE }))).toEqual([
      "BAD_USER_INPUT",
    ]);
  });
});

describe("consent through GraphQL", () => {
  const ADVERTISING = "marketing.advertising";
  const GIVE_WITHOUT_EVIDENCE = `mutation ($id: ID!, $purpose: String!, $evidence: ConsentEvidenceInput) {
    giveConsent(subjectId: $id, purpose: $purpose, evidence: $evidence) { id }
  }`;
  const GIVE = `mutation ($id: ID!, $purpose: String!, $evidence: ConsentEvidenceInput) {
    giveConsent(subjectId: $id, purpose: $purpose, evidence: $evidence) {
      id purposeKey active givenAt withdrawnAt evidence { ipAddress browser operatingSystem device method policyVersion }
    }
  }`;
  const WITHDRAW = `mutation ($id: ID!, $purpose: String!) { withdrawConsent(subjectId: $id, purpose: $purpose) { id active withdrawnAt } }`;

  it("records consent with its evidence, the server's time and the policy version, then withdraws it", async () => {
    const subject = await createSubject({ fullName: "Līga Zariņa" });
    const before = Date.now();
    const given = await purposeql.execute<{
      giveConsent: { id: string; active: boolean; givenAt: string; evidence: Record<string, unknown> };
    }>(GIVE, {
      variables: {
        id: subject.id,
        purpose: ADVERTISING,
        evidence: { ipAddress: "2001:db8::1", browser: "Safari", operatingSystem: "iOS", device: "iPhone" },
      },
      purpose: ADVERTISING,
    });
    expect(given.errors).toBeUndefined();
    const consent = given.data!.giveConsent;
    expect(consent.active).toBe(true);
    expect(Date.parse(consent.givenAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(consent.evidence).toEqual({
      ipAddress: "2001:db8::1",
      browser: "Safari",
      operatingSystem: "iOS",
      device: "iPhone",
      method: "API",
      policyVersion: purposeql.services.policy.version,
    });

    const again = await purposeql.execute<{ giveConsent: { id: string } }>(GIVE, {
      variables: { id: subject.id, purpose: ADVERTISING },
      purpose: ADVERTISING,
    });
    expect(again.data?.giveConsent.id).toBe(consent.id);

    const withdrawn = await purposeql.execute<{ withdrawConsent: { id: string; active: boolean; withdrawnAt: string } }>(WITHDRAW, {
      variables: { id: subject.id, purpose: ADVERTISING },
      purpose: SUPPORT,
    });
    expect(withdrawn.data?.withdrawConsent).toMatchObject({ id: consent.id, active: false });

    const rows = await purposeql.services.dataSource.getRepository(ConsentRow).findBy({ subjectId: subject.id });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ purposeKey: ADVERTISING, evidenceIpAddress: "2001:db8::1", evidenceMethod: "API" });
    expect(rows[0]?.withdrawnAt).toBeInstanceOf(Date);

    const twice = await purposeql.execute(WITHDRAW, { variables: { id: subject.id, purpose: ADVERTISING }, purpose: SUPPORT });
    expect(errorCodes(twice)).toEqual(["NOT_FOUND"]);
  });

  it("refuses consent to a purpose that does not rely on consent, to an unknown purpose, and for an unknown subject", async () => {
    const subject = await createSubject({ fullName: "Mārtiņš Vītols" });
    const contract = await purposeql.execute(GIVE_WITHOUT_EVIDENCE, { variables: { id: subject.id, purpose: SERVICE }, purpose: SERVICE });
    expect(errorCodes(contract)).toEqual(["BAD_USER_INPUT"]);
    expect(contract.errors?.[0]?.message).toMatch(/relies on CONTRACT/);
    expect(
      errorCodes(
        await purposeql.execute(GIVE_WITHOUT_EVIDENCE, { variables: { id: subject.id, purpose: "marketing.nothing" }, purpose: SERVICE }),
      ),
    ).toEqual(["BAD_USER_INPUT"]);
    const nobody = await purposeql.execute(GIVE_WITHOUT_EVIDENCE, {
      variables: { id: "00000000-0000-4000-8000-000000000000", purpose: ADVERTISING },
      purpose: SERVICE,
    });
    expect(errorCodes(nobody)).toEqual(["NOT_FOUND"]);
    const badEvidence = await purposeql.execute(GIVE_WITHOUT_EVIDENCE, {
      variables: { id: subject.id, purpose: ADVERTISING, evidence: { ipAddress: "999.1.1.1" } },
      purpose: ADVERTISING,
    });
    expect(errorCodes(badEvidence)).toEqual(["BAD_USER_INPUT"]);
    const evidenceNotGranted = await purposeql.execute(GIVE_WITHOUT_EVIDENCE, {
      variables: { id: subject.id, purpose: ADVERTISING, evidence: { ipAddress: "192.0.2.1" } },
      purpose: SERVICE,
    });
    expect(errorCodes(evidenceNotGranted)).toEqual(["PURPOSE_LIMITATION"]);
    expect(await purposeql.services.dataSource.getRepository(ConsentRow).countBy({ subjectId: subject.id })).toBe(0);
  });
});
