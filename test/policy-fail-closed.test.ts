import { errorCodes, overHttpPurposeQLForThisFile } from "./support/harness";

/**
 * Policy changes fail closed: when the policy cannot be reloaded, the instance cannot know that the
 * policy it holds is current (a revoked grant may still be in it), so it serves no personal data —
 * POLICY_UNAVAILABLE, 503, and /healthz says so — until a retried reload succeeds.
 */

const purposeql = overHttpPurposeQLForThisFile();
const SERVICE = "essential.service";

const health = async (): Promise<{ status: number; body: unknown }> => {
  const response = await fetch(purposeql.url.replace("/graphql", "/healthz"));
  return { status: response.status, body: await response.json() };
};

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a failed policy reload", () => {
  it("stops personal data (reads and writes) until a retried reload succeeds", async () => {
    const created = await purposeql.post<{ createSubject: { id: string } }>(
      `mutation { createSubject(input: { fullName: "Closed Person" }) { id } }`,
      { purpose: SERVICE },
    );
    const id = created.body.data!.createSubject.id;
    const read = () => purposeql.post(`query ($id: ID!) { subject(id: $id) { fullName } }`, { purpose: SERVICE, variables: { id } });
    expect((await read()).body).toEqual({ data: { subject: { fullName: "Closed Person" } } });

    await purposeql.services.dataSource.query(`ALTER TABLE purpose_category_grant RENAME TO purpose_category_grant_away`);
    try {
      await expect(purposeql.services.policy.reload()).rejects.toThrow();
      expect(purposeql.services.policy.available).toBe(false);

      const refused = await read();
      expect({ status: refused.status, codes: errorCodes(refused.body), data: refused.body.data }).toEqual({
        status: 503,
        codes: ["POLICY_UNAVAILABLE"],
        data: undefined,
      });
      const write = await purposeql.post(`mutation ($id: ID!) { updateSubject(id: $id, input: { fullName: "Changed" }) { id } }`, {
        purpose: SERVICE,
        variables: { id },
      });
      expect(errorCodes(write.body)).toEqual(["POLICY_UNAVAILABLE"]);
      expect(await health()).toEqual({
        status: 503,
        body: { status: "policy_unavailable", policyVersion: purposeql.services.policy.version },
      });
      // What is not personal data is still served.
      expect((await purposeql.post(`{ policyVersion }`)).status).toBe(200);
    } finally {
      await purposeql.services.dataSource.query(`ALTER TABLE purpose_category_grant_away RENAME TO purpose_category_grant`);
    }

    await until(() => Promise.resolve(purposeql.services.policy.available));
    expect((await health()).status).toBe(200);
    expect((await read()).body).toEqual({ data: { subject: { fullName: "Closed Person" } } });
  });
});
