import { ConsentRow, DataSubjectRow } from "../src/persistence/entities";
import { errorCodes, inProcessPurposeQLForThisFile, type GraphQLResponse } from "./support/harness";

/**
 * A child's consent (GDPR Art. 8(1); Latvia: 13, Personal Data Processing Law s. 33): below the
 * policy's age of digital consent, by date of birth on the controller's calendar (Europe/Riga) at
 * the server's clock, `giveConsent` and `createSubject` with a registration consent are refused
 * unless a parental-consent reference comes with the consent, which is then kept on its receipt.
 * The clock is this file's; the boundary instants are Riga's midnight, when UTC is still the day before.
 */

/** 2026-03-29 begins in Riga at 22:00 UTC on 28 March: the birthday of a child born on 2013-03-29. */
const EVE_OF_BIRTHDAY = new Date("2026-03-28T21:59:00.000Z");
const BIRTHDAY_IN_RIGA = new Date("2026-03-28T22:00:00.000Z");
let clock = EVE_OF_BIRTHDAY;
const purposeql = inProcessPurposeQLForThisFile({}, () => new Date(clock.getTime()));

const PERSONALIZE = "personalize";
const ADVERTISING = "marketing.advertising";
const SERVICE = "essential.service";
const BORN = "2013-03-29";
const PARENTAL_REFERENCE_MISSING = "must give the reference of the consent given or authorised by the holder of parental responsibility";

async function newSubject(dateOfBirth: string | null): Promise<string> {
  const response = await purposeql.execute<{ createSubject: { id: string } }>(
    `mutation ($dob: String) { createSubject(input: { fullName: "Young Person", dateOfBirth: $dob }) { id } }`,
    { purpose: SERVICE, variables: { dob: dateOfBirth } },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.createSubject.id;
}

const GIVE = `mutation ($id: ID!, $p: String!, $evidence: ConsentEvidenceInput) {
  giveConsent(subjectId: $id, purpose: $p, evidence: $evidence) { id active evidence { method parentalConsentReference } }
}`;
const give = (id: string, evidence?: Record<string, unknown>) =>
  purposeql.execute<{ giveConsent: { id: string; active: boolean; evidence: Record<string, unknown> } }>(GIVE, {
    purpose: PERSONALIZE,
    variables: { id, p: PERSONALIZE, evidence },
  });

const consentsOf = (subjectId: string) => purposeql.services.dataSource.getRepository(ConsentRow).findBy({ subjectId });
const giveConsentEvents = async (subjectId: string): Promise<number> =>
  (
    await purposeql.services.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM access_event WHERE subject_id = $1 AND operation = 'giveConsent'`,
      [subjectId],
    )
  )[0]!.n;

function refusal(response: GraphQLResponse<unknown>) {
  return { data: response.data, codes: errorCodes(response), extensions: response.errors?.[0]?.extensions };
}

beforeEach(() => {
  clock = EVE_OF_BIRTHDAY;
});

describe("giveConsent for a subject below the age of digital consent", () => {
  it("is refused without a parental-consent reference, naming the age and the field, and writes nothing", async () => {
    const id = await newSubject(BORN);
    const refused = await give(id, { method: "WEB_FORM" });
    expect(refusal(refused)).toEqual({
      data: null,
      codes: ["BAD_USER_INPUT"],
      extensions: {
        code: "BAD_USER_INPUT",
        fields: [{ field: "evidence.parentalConsentReference", message: PARENTAL_REFERENCE_MISSING }],
        reason: "PARENTAL_CONSENT_REQUIRED",
        ageOfDigitalConsent: 13,
      },
    });
    expect(refused.errors?.[0]?.message).toMatch(
      /under 13, the age of digital consent \(GDPR Art\. 8\(1\)\), on 2026-03-28 \(Europe\/Riga\)/,
    );
    expect(refused.errors?.[0]?.message).toMatch(/evidence\.parentalConsentReference/);
    expect(await consentsOf(id)).toEqual([]);
    expect(await giveConsentEvents(id)).toBe(0);
  });

  it("is recorded with one, which the receipt keeps and returns", async () => {
    const id = await newSubject(BORN);
    const given = await give(id, { method: "WEB_FORM", parentalConsentReference: "PARENT-2026-0042" });
    expect(given.errors).toBeUndefined();
    expect(given.data?.giveConsent).toMatchObject({
      active: true,
      evidence: { method: "WEB_FORM", parentalConsentReference: "PARENT-2026-0042" },
    });
    expect((await consentsOf(id)).map((row) => row.evidenceParentalConsentReference)).toEqual(["PARENT-2026-0042"]);
    const [event] = await purposeql.services.dataSource.query<{ written: string[] }[]>(
      `SELECT written FROM access_event WHERE subject_id = $1 AND operation = 'giveConsent'`,
      [id],
    );
    expect(event?.written).toContain("user.privacy_preferences");
  });

  it("is refused with a blank reference, as invalid input", async () => {
    const id = await newSubject(BORN);
    const refused = await give(id, { parentalConsentReference: "   " });
    expect(errorCodes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(refused.errors?.[0]?.message).toMatch(/parentalConsentReference must not be blank/);
    expect(await consentsOf(id)).toEqual([]);
  });

  it("needs none from the first instant of the 13th birthday in Riga, while it is still the day before in UTC", async () => {
    const id = await newSubject(BORN);
    clock = BIRTHDAY_IN_RIGA;
    const given = await give(id);
    expect(given.errors).toBeUndefined();
    expect(given.data?.giveConsent.evidence).toEqual({ method: "API", parentalConsentReference: null });
  });

  it("needs none for an adult, nor for a subject whose date of birth is unknown", async () => {
    for (const dateOfBirth of ["1990-06-15", null]) {
      const id = await newSubject(dateOfBirth);
      expect({ dateOfBirth, errors: (await give(id)).errors }).toEqual({ dateOfBirth, errors: undefined });
    }
  });

  it("the reference is privacy-choice data: a purpose that may not write it is refused before execution", async () => {
    const id = await newSubject(BORN);
    const refused = await purposeql.execute(GIVE.replace("{ id active evidence { method parentalConsentReference } }", "{ id }"), {
      purpose: SERVICE,
      variables: { id, p: PERSONALIZE, evidence: { parentalConsentReference: "PARENT-1" } },
    });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "PURPOSE_LIMITATION",
      fields: [
        {
          field: "ConsentEvidenceInput.parentalConsentReference",
          category: "user.privacy_preferences",
          message: `user.privacy_preferences is not granted to ${SERVICE}`,
        },
      ],
    });
    expect(await consentsOf(id)).toEqual([]);
  });
});

describe("createSubject with a registration consent for a subject below the age of digital consent", () => {
  const CREATE = `mutation ($registration: RegistrationRecordInput) {
    createSubject(input: { fullName: "Registering Child", dateOfBirth: "${BORN}", registration: $registration }) { id }
  }`;
  const create = (registration: Record<string, unknown>) =>
    purposeql.execute<{ createSubject: { id: string } }>(CREATE, { purpose: ADVERTISING, variables: { registration } });
  const registeringChildren = () => purposeql.services.dataSource.getRepository(DataSubjectRow).countBy({ fullName: "Registering Child" });

  it("is refused without a parental-consent reference, and neither the subject nor the consent is written", async () => {
    const before = await registeringChildren();
    const refused = await create({ consentedAt: "2026-03-28T20:00:00Z", ipAddress: "192.0.2.9" });
    expect(refusal(refused)).toEqual({
      data: null,
      codes: ["BAD_USER_INPUT"],
      extensions: {
        code: "BAD_USER_INPUT",
        fields: [{ field: "input.registration.parentalConsentReference", message: PARENTAL_REFERENCE_MISSING }],
        reason: "PARENTAL_CONSENT_REQUIRED",
        ageOfDigitalConsent: 13,
      },
    });
    expect(await registeringChildren()).toBe(before);
  });

  it("records the subject and the consent with one, the reference on the consent's receipt", async () => {
    const created = await create({ consentedAt: "2026-03-28T20:00:00Z", parentalConsentReference: "PARENT-REG-7" });
    expect(created.errors).toBeUndefined();
    const [consent] = await consentsOf(created.data!.createSubject.id);
    expect(consent).toMatchObject({
      purposeKey: ADVERTISING,
      evidenceMethod: "REGISTRATION_FORM",
      evidenceParentalConsentReference: "PARENT-REG-7",
    });
  });

  it("a subject created without a registration consent needs no reference", async () => {
    const response = await purposeql.execute(`mutation { createSubject(input: { fullName: "Child", dateOfBirth: "${BORN}" }) { id } }`, {
      purpose: SERVICE,
    });
    expect(response.errors).toBeUndefined();
  });
});

describe("the age in force", () => {
  it("is in the schema, as the policy names it", async () => {
    expect(await purposeql.execute(`{ ageOfDigitalConsent }`)).toEqual({ data: { ageOfDigitalConsent: 13 } });
  });
});
