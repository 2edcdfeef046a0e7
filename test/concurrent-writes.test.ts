import { ConsentRow } from "../src/persistence/entities";
import { errorCodes, inProcessPurposeQLForThisFile } from "./support/harness";

/**
 * Consents recorded at the same moment by many requests: the unique partial index decides, so N
 * simultaneous `giveConsent` calls record one consent and all answer it, and two simultaneous
 * withdrawals record one withdrawal. On PostgreSQL and on PGlite.
 */

// Internal errors show their message here, so a failure under concurrency says what went wrong.
const purposeql = inProcessPurposeQLForThisFile({ exposeErrorDetail: true });

const PERSONALIZE = "personalize";
const ADVERTISING = "marketing.advertising";
const SUPPORT = "essential.service.operations.support";
const N = 12;

async function newSubject(): Promise<string> {
  const response = await purposeql.execute<{ createSubject: { id: string } }>(
    `mutation { createSubject(input: { fullName: "Concurrent Person" }) { id } }`,
    {
      purpose: "essential.service",
    },
  );
  return response.data!.createSubject.id;
}

describe("concurrent writes", () => {
  it(`${N} simultaneous giveConsent calls for one subject and purpose all answer the same active consent, with no error`, async () => {
    const id = await newSubject();
    const responses = await Promise.all(
      Array.from({ length: N }, () =>
        purposeql.execute<{ giveConsent: { id: string; active: boolean } }>(
          `mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${PERSONALIZE}") { id active } }`,
          {
            purpose: PERSONALIZE,
            variables: { id },
          },
        ),
      ),
    );
    expect(responses.flatMap((response) => response.errors ?? [])).toEqual([]);
    const ids = new Set(responses.map((response) => response.data?.giveConsent.id));
    expect(ids.size).toBe(1);
    const rows = await purposeql.services.dataSource.getRepository(ConsentRow).findBy({ subjectId: id });
    expect(rows.map((row) => row.id)).toEqual([...ids]);
    const events = await purposeql.services.dataSource.query(
      `SELECT count(*)::int AS n FROM access_event WHERE subject_id = $1 AND operation = 'giveConsent'`,
      [id],
    );
    expect(events).toEqual([{ n: 1 }]);
  });

  it("two simultaneous withdrawals record one withdrawal", async () => {
    const id = await newSubject();
    await purposeql.execute(`mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${PERSONALIZE}") { id } }`, {
      purpose: PERSONALIZE,
      variables: { id },
    });
    const withdraw = () =>
      purposeql.execute(`mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${PERSONALIZE}") { id withdrawnAt } }`, {
        purpose: SUPPORT,
        variables: { id },
      });
    const [first, second] = await Promise.all([withdraw(), withdraw()]);
    const outcomes = [first, second].map((response) => (response.errors ? errorCodes(response)[0] : "WITHDRAWN")).sort();
    expect(outcomes).toEqual(["NOT_FOUND", "WITHDRAWN"]);
    const rows = await purposeql.services.dataSource.getRepository(ConsentRow).findBy({ subjectId: id });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.withdrawnAt).toBeInstanceOf(Date);
    const events = await purposeql.services.dataSource.query(
      `SELECT count(*)::int AS n FROM access_event WHERE subject_id = $1 AND operation = 'withdrawConsent'`,
      [id],
    );
    expect(events).toEqual([{ n: 1 }]);
  });

  it.each([
    ["objectToPurpose", `mutation ($id: ID!) { objectToPurpose(subjectId: $id, purpose: "analytics.reporting") { id } }`],
    ["restrictProcessing", `mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`],
    ["endService", `mutation ($id: ID!) { endService(subjectId: $id) { id } }`],
  ])("%s, sent N times at once, applies once: no error, one change event", async (operation, document) => {
    const id = await newSubject();
    const responses = await Promise.all(
      Array.from({ length: N }, () => purposeql.execute(document, { purpose: "essential.service", variables: { id } })),
    );
    expect(responses.flatMap((response) => response.errors ?? [])).toEqual([]);
    const events = await purposeql.services.dataSource.query(
      `SELECT count(*)::int AS n FROM access_event WHERE subject_id = $1 AND operation = $2`,
      [id, operation],
    );
    expect(events).toEqual([{ n: 1 }]);
    const objections = await purposeql.services.dataSource.query(`SELECT count(*)::int AS n FROM objection WHERE subject_id = $1`, [id]);
    expect(objections).toEqual([{ n: operation === "objectToPurpose" ? 1 : 0 }]);
  });

  it("a consent and an objection to direct marketing sent at once never both stand, in any order", async () => {
    for (let round = 0; round < 12; round += 1) {
      const id = await newSubject();
      const [given, objected] = await Promise.all([
        purposeql.execute(`mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${ADVERTISING}") { id } }`, {
          purpose: ADVERTISING,
          variables: { id },
        }),
        purposeql.execute(`mutation ($id: ID!) { objectToPurpose(subjectId: $id, purpose: "${ADVERTISING}") { id } }`, {
          purpose: SUPPORT,
          variables: { id },
        }),
      ]);
      expect(objected.errors).toBeUndefined();
      // Either the consent came first and the objection withdrew it, or the objection came first and refused it.
      const consents: { withdrawal_method: string | null }[] = await purposeql.services.dataSource.query(
        `SELECT withdrawal_method FROM consent WHERE subject_id = $1`,
        [id],
      );
      const outcome = given.errors ? `refused ${String(given.errors[0]?.extensions?.reason)}` : "recorded";
      expect({ outcome, consents }).toEqual(
        outcome === "recorded"
          ? { outcome, consents: [{ withdrawal_method: "OBJECTION" }] }
          : { outcome: "refused OBJECTED", consents: [] },
      );
    }
  });
});
