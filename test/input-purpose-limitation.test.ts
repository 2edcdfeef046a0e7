import { DataSubjectRow } from "../src/persistence/entities";
import { errorCodes, inProcessPurposeQLForThisFile, type GraphQLResponse } from "./support/harness";

/**
 * Writing is processing (docs/DESIGN.md §8): writing category C under purpose P needs P to grant C,
 * decided before execution from the operation and its variables. Analytics may never read or
 * write e-mail; one offending input refuses the whole operation and nothing is written.
 */

const purposeql = inProcessPurposeQLForThisFile();

const SERVICE = "essential.service";
const ANALYTICS = "analytics.reporting";

async function newSubject(): Promise<string> {
  const response = await purposeql.execute<{ createSubject: { id: string } }>(
    `mutation { createSubject(input: { fullName: "Input Person", email: "input@example.lv", country: "LV" }) { id } }`,
    { purpose: SERVICE },
  );
  return response.data!.createSubject.id;
}

const rowOf = (id: string) => purposeql.services.dataSource.getRepository(DataSubjectRow).findOneByOrFail({ id });
const count = () => purposeql.services.dataSource.getRepository(DataSubjectRow).count();

function expectRefusedWrite(response: GraphQLResponse<unknown>, fields: { field: string; category: string }[]): void {
  expect(response.data).toBeUndefined();
  expect(errorCodes(response)).toEqual(["PURPOSE_LIMITATION"]);
  expect(response.errors?.[0]?.extensions).toMatchObject({
    reason: "NOT_GRANTED",
    purpose: ANALYTICS,
    fields: fields.map((expected) => ({ ...expected, message: `${expected.category} is not granted to ${ANALYTICS}` })),
  });
  expect(response.errors?.[0]?.message).toMatch(/may not write: .*Nothing was executed\./);
}

describe("purpose limitation on inputs", () => {
  const EMAIL = { field: "UpdateSubjectInput.email", category: "user.contact.email" };
  const NAME = { field: "UpdateSubjectInput.fullName", category: "user.name" };

  const ways: Record<
    string,
    { document: string; variables?: (id: string) => Record<string, unknown>; refused: { field: string; category: string }[] }
  > = {
    "a literal, selecting only the id": {
      document: `mutation ($id: ID!) { updateSubject(id: $id, input: { email: "forged@example.lv" }) { id } }`,
      refused: [EMAIL],
    },
    "a variable holding the whole input": {
      document: `mutation ($id: ID!, $input: UpdateSubjectInput!) { updateSubject(id: $id, input: $input) { id } }`,
      variables: (id) => ({ id, input: { email: "forged@example.lv", country: "EE" } }),
      refused: [EMAIL],
    },
    "a variable inside a literal input": {
      document: `mutation ($id: ID!, $email: String) { updateSubject(id: $id, input: { country: "EE", email: $email }) { id } }`,
      variables: (id) => ({ id, email: "forged@example.lv" }),
      refused: [EMAIL],
    },
    "null, which clears the field": {
      document: `mutation ($id: ID!) { updateSubject(id: $id, input: { fullName: null }) { id } }`,
      refused: [NAME],
    },
    "null through a variable": {
      document: `mutation ($id: ID!, $input: UpdateSubjectInput!) { updateSubject(id: $id, input: $input) { id } }`,
      variables: (id) => ({ id, input: { fullName: null, email: null } }),
      refused: [NAME, EMAIL],
    },
    "a variable's default value": {
      document: `mutation ($id: ID!, $input: UpdateSubjectInput! = { email: "forged@example.lv" }) { updateSubject(id: $id, input: $input) { id } }`,
      refused: [EMAIL],
    },
    "an alias in a batch behind an allowed write": {
      document: `mutation ($id: ID!) { ok: updateSubject(id: $id, input: { country: "EE" }) { id } sneaky: updateSubject(id: $id, input: { email: "forged@example.lv" }) { id } }`,
      refused: [EMAIL],
    },
    "a fragment on the mutation type": {
      document: `mutation ($id: ID!) { ...W } fragment W on Mutation { updateSubject(id: $id, input: { email: "forged@example.lv" }) { id } }`,
      refused: [EMAIL],
    },
    "a nested input (the registration record)": {
      document: `mutation { createSubject(input: { country: "LV", registration: { consentedAt: "2026-01-01T00:00:00Z", ipAddress: "192.0.2.1" } }) { id } }`,
      refused: [
        { field: "RegistrationRecordInput.consentedAt", category: "user.registration.consent_time" },
        { field: "RegistrationRecordInput.ipAddress", category: "user.device.ip_address" },
      ],
    },
  };

  it.each(Object.entries(ways))(
    "%s is refused whole under analytics.reporting, and nothing is written",
    async (_way, { document, variables, refused }) => {
      const id = await newSubject();
      const before = { row: await rowOf(id), subjects: await count() };
      const response = await purposeql.execute(document, { purpose: ANALYTICS, variables: variables?.(id) ?? { id } });
      expectRefusedWrite(response, refused);
      expect({ row: await rowOf(id), subjects: await count() }).toEqual(before);
    },
  );

  it("the same write under a purpose that grants every category it writes goes through", async () => {
    const id = await newSubject();
    const response = await purposeql.execute(
      `mutation ($id: ID!, $input: UpdateSubjectInput!) { updateSubject(id: $id, input: $input) { id } }`,
      {
        purpose: SERVICE,
        variables: { id, input: { email: "new@example.lv", fullName: null } },
      },
    );
    expect(response).toEqual({ data: { updateSubject: { id } } });
    expect(await rowOf(id)).toMatchObject({ email: "new@example.lv", fullName: null });
  });

  it("a write of only what the purpose grants goes through: analytics may write the country", async () => {
    const id = await newSubject();
    const response = await purposeql.execute(`mutation ($id: ID!) { updateSubject(id: $id, input: { country: "EE" }) { id } }`, {
      purpose: ANALYTICS,
      variables: { id },
    });
    expect(response).toEqual({ data: { updateSubject: { id } } });
    expect(await rowOf(id)).toMatchObject({ country: "EE", email: "input@example.lv" });
  });

  it("a field omitted, or skipped with @skip, is not written and not counted", async () => {
    const id = await newSubject();
    const response = await purposeql.execute(
      `mutation ($id: ID!, $no: Boolean!) { a: updateSubject(id: $id, input: { country: "FI" }) { id } b: updateSubject(id: $id, input: { email: "x@example.lv" }) @skip(if: $no) { id } }`,
      { purpose: ANALYTICS, variables: { id, no: true } },
    );
    expect(response).toEqual({ data: { a: { id } } });
    expect(await rowOf(id)).toMatchObject({ country: "FI", email: "input@example.lv" });
  });

  it("reads and writes that are both refused are listed together", async () => {
    const id = await newSubject();
    const response = await purposeql.execute(
      `mutation ($id: ID!) { updateSubject(id: $id, input: { email: "forged@example.lv" }) { id phone } }`,
      {
        purpose: ANALYTICS,
        variables: { id },
      },
    );
    expect(response.errors?.[0]?.message).toBe(
      "Purpose analytics.reporting may not read: DataSubject.phone (user.contact.phone_number); nor write: UpdateSubjectInput.email (user.contact.email). Nothing was executed.",
    );
  });

  it("variables that do not fit their types are refused as bad input before anything runs", async () => {
    const id = await newSubject();
    const response = await purposeql.execute(
      `mutation ($id: ID!, $input: UpdateSubjectInput!) { updateSubject(id: $id, input: $input) { id } }`,
      {
        purpose: SERVICE,
        variables: { id, input: { email: 42, unknownField: "x" } },
      },
    );
    expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
    // The variable and the place inside it are named; the value is not repeated.
    expect(response.errors?.[0]?.message).toMatch(
      /^Invalid variables: \$input does not fit its type UpdateSubjectInput! at input\.email\b/,
    );
    expect(response.errors?.[0]?.extensions?.variables).toEqual(["input"]);
    expect(response.errors?.[0]?.message).not.toContain("42");
    expect(await rowOf(id)).toMatchObject({ email: "input@example.lv" });
  });
});
