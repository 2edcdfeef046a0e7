import { loadConfig } from "../src/config";
import { errorCodes, overHttpPurposeQLForThisFile, testConfig } from "./support/harness";

const purposeql = overHttpPurposeQLForThisFile();

describe("over HTTP", () => {
  it("creates and reads a subject under a declared purpose", async () => {
    const created = await purposeql.post<{ createSubject: { id: string } }>(
      `mutation { createSubject(input: { fullName: "Kārlis Egle", country: "LV" }) { id } }`,
      {
        purpose: "essential.service",
      },
    );
    expect(created.status).toBe(200);
    const id = created.body.data!.createSubject.id;
    const read = await purposeql.post(`query ($id: ID!) { subject(id: $id) { id fullName country } }`, {
      variables: { id },
      purpose: "essential.service",
    });
    expect(read).toEqual({ status: 200, body: { data: { subject: { id, fullName: "Kārlis Egle", country: "LV" } } } });
  });

  it("updates a subject and gives and withdraws consent", async () => {
    const created = await purposeql.post<{ createSubject: { id: string } }>(
      `mutation { createSubject(input: { fullName: "Over Http" }) { id } }`,
      {
        purpose: "essential.service",
      },
    );
    const id = created.body.data!.createSubject.id;
    const updated = await purposeql.post(
      `mutation ($id: ID!) { updateSubject(id: $id, input: { email: "over@example.lv" }) { fullName email } }`,
      {
        variables: { id },
        purpose: "essential.service",
      },
    );
    expect(updated.body).toEqual({ data: { updateSubject: { fullName: "Over Http", email: "over@example.lv" } } });

    const consent = `mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "personalize") { purposeKey active } }`;
    expect((await purposeql.post(consent, { variables: { id }, purpose: "personalize" })).body).toEqual({
      data: { giveConsent: { purposeKey: "personalize", active: true } },
    });
    const read = () => purposeql.post(`query ($id: ID!) { subject(id: $id) { fullName } }`, { variables: { id }, purpose: "personalize" });
    expect((await read()).body).toEqual({ data: { subject: { fullName: "Over Http" } } });

    const withdraw = `mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "personalize") { active } }`;
    expect((await purposeql.post(withdraw, { variables: { id }, purpose: "essential.service.operations.support" })).body).toEqual({
      data: { withdrawConsent: { active: false } },
    });
    expect((await read()).body.errors?.[0]?.extensions?.reason).toBe("CONSENT_WITHDRAWN");
  });

  it("refuses a request without a key, with a malformed header and with an unknown key, with 401", async () => {
    for (const apiKey of [null, "", "pql_not-a-real-key"]) {
      const response = await purposeql.post(`{ policyVersion }`, { apiKey });
      expect(response.status).toBe(401);
      expect(errorCodes(response.body)).toEqual(["UNAUTHENTICATED"]);
      expect(response.body.data).toBeUndefined();
    }
  });

  it("refuses an unknown purpose with 403 and lists the purposes the client may declare", async () => {
    const response = await purposeql.post(`{ policyVersion }`, { purpose: "marketing.spam" });
    expect(response.status).toBe(403);
    expect(errorCodes(response.body)).toEqual(["FORBIDDEN"]);
    expect(response.body.errors?.[0]?.extensions?.allowedPurposes).toContain("essential.service");
  });

  it("refuses to read personal data without a declared purpose", async () => {
    const response = await purposeql.post(`{ subjects { totalCount } }`);
    expect(errorCodes(response.body)).toEqual(["FORBIDDEN"]);
    expect(response.body.errors?.[0]?.message).toMatch(/X-Purpose/);
  });

  it("refuses an operation its purpose may not read with 403, before anything runs", async () => {
    const response = await purposeql.post(`{ subjects { edges { node { email } } } }`, { purpose: "analytics.reporting" });
    expect(response.status).toBe(403);
    expect(errorCodes(response.body)).toEqual(["PURPOSE_LIMITATION"]);
    expect(response.body.data).toBeUndefined();
  });

  it("nulls a field the subject's legal basis does not allow, with 200 and the reason at the field's path", async () => {
    const created = await purposeql.post<{ createSubject: { id: string } }>(
      `mutation { createSubject(input: { fullName: "No Consent" }) { id } }`,
      {
        purpose: "essential.service",
      },
    );
    const id = created.body.data!.createSubject.id;
    const response = await purposeql.post(`query ($id: ID!) { subject(id: $id) { id fullName } }`, {
      variables: { id },
      purpose: "marketing.advertising",
    });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ subject: { id, fullName: null } });
    expect(response.body.errors?.[0]).toMatchObject({
      path: ["subject", "fullName"],
      extensions: { code: "PURPOSE_LIMITATION", reason: "CONSENT_MISSING", category: "user.name", purpose: "marketing.advertising" },
    });
  });

  it("refuses an operation that costs more than the limit, before execution", async () => {
    const fields = "id fullName email postalAddress phone dateOfBirth country status serviceActive serviceActiveSince serviceActiveUntil";
    const pages = Array.from(
      { length: 3 },
      (_, i) => `p${i}: subjects(first: 100) { totalCount edges { cursor node { ${fields} } } }`,
    ).join(" ");
    const response = await purposeql.post(`{ ${pages} }`, { purpose: "essential.service" });
    expect(response.status).toBe(400);
    expect(errorCodes(response.body)).toEqual(["BAD_USER_INPUT"]);
    expect(response.body.errors?.[0]?.message).toMatch(/more than the limit of 3000/);
    const onePage = await purposeql.post(`{ subjects(first: 100) { totalCount edges { cursor node { ${fields} } } } }`, {
      purpose: "essential.service",
    });
    expect(onePage.body.errors).toBeUndefined();
  });

  it("serves the policy without a purpose, and a health check", async () => {
    const response = await purposeql.post<{ purposes: { key: string }[]; legalBases: { code: string; article: string }[] }>(
      `{ purposes { key } legalBases { code article } }`,
    );
    expect(response.body.data?.purposes.map((purpose) => purpose.key)).toContain("marketing.advertising");
    expect(response.body.data?.legalBases[0]).toEqual({ code: "CONSENT", article: "Art. 6(1)(a)" });
    const health = await fetch(purposeql.url.replace("/graphql", "/healthz"));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok", policyVersion: 1 });
  });

  it("hides an internal error's detail in production: no SQL, no table, no stack — only that it happened", async () => {
    // The harness starts PurposeQL as NODE_ENV=production configures it (exposeErrorDetail false).
    expect(testConfig({ kind: "pglite", dataDir: "memory://" }).exposeErrorDetail).toBe(
      loadConfig({ NODE_ENV: "production" }).exposeErrorDetail,
    );
    const created = await purposeql.post<{ createSubject: { id: string } }>(
      `mutation { createSubject(input: { fullName: "Hidden Fault" }) { id } }`,
      { purpose: "essential.service" },
    );
    const id = created.body.data!.createSubject.id;
    // A fault inside the read's own statement: the table it reads is not there.
    await purposeql.services.dataSource.query(`ALTER TABLE data_subject RENAME TO data_subject_away`);
    try {
      const response = await purposeql.post(`query ($id: ID!) { subject(id: $id) { fullName } }`, {
        purpose: "essential.service",
        variables: { id },
      });
      expect(response.body.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([
        ["Internal server error", "INTERNAL_SERVER_ERROR"],
      ]);
      expect(JSON.stringify(response.body)).not.toMatch(/data_subject|relation|SELECT|\.ts:|Hidden Fault/);
    } finally {
      await purposeql.services.dataSource.query(`ALTER TABLE data_subject_away RENAME TO data_subject`);
    }
  });
});
