import { DataSubjectRow } from "../src/persistence/entities";
import { inProcessPurposeQLForThisFile } from "./support/harness";

/**
 * Transactions are isolated on both databases — on PGlite, whose one session every request shares,
 * too: requests that commit and requests that roll back, run at the same time, leave exactly the
 * committed rows. A real trigger makes every `endService` change event fail, so those roll back.
 */

const purposeql = inProcessPurposeQLForThisFile();
const SERVICE = "essential.service";
const PAIRS = 10;

async function newSubject(name: string): Promise<string> {
  const response = await purposeql.execute<{ createSubject: { id: string } }>(
    `mutation ($n: String!) { createSubject(input: { fullName: $n }) { id } }`,
    {
      purpose: SERVICE,
      variables: { n: name },
    },
  );
  return response.data!.createSubject.id;
}

describe("concurrent committing and failing requests", () => {
  it("leave every committed row and nothing of the rolled-back ones", async () => {
    const committing = await Promise.all(Array.from({ length: PAIRS }, (_, i) => newSubject(`Commit ${i}`)));
    const failing = await Promise.all(Array.from({ length: PAIRS }, (_, i) => newSubject(`Rollback ${i}`)));
    const dataSource = purposeql.services.dataSource;
    await dataSource.query(
      `CREATE FUNCTION refuse_end_service() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`,
    );
    await dataSource.query(
      `CREATE TRIGGER refuse_end_service BEFORE INSERT ON access_event FOR EACH ROW WHEN (NEW.operation = 'endService') EXECUTE FUNCTION refuse_end_service()`,
    );
    try {
      const responses = await Promise.all(
        committing.flatMap((id, i) => [
          purposeql.execute(`mutation ($id: ID!) { updateSubject(id: $id, input: { email: "committed@example.lv" }) { id } }`, {
            purpose: SERVICE,
            variables: { id },
          }),
          purposeql.execute(`mutation ($id: ID!) { endService(subjectId: $id) { id } }`, {
            purpose: SERVICE,
            variables: { id: failing[i] },
          }),
        ]),
      );
      const codes = responses.map((response) => response.errors?.[0]?.extensions?.code ?? "OK");
      expect(codes.filter((code) => code === "OK")).toHaveLength(PAIRS);
      expect(codes.filter((code) => code === "AUDIT_UNAVAILABLE")).toHaveLength(PAIRS);
    } finally {
      await dataSource.query(`DROP TRIGGER refuse_end_service ON access_event`);
      await dataSource.query(`DROP FUNCTION refuse_end_service()`);
    }
    const rows = await dataSource.getRepository(DataSubjectRow).findBy([...committing, ...failing].map((id) => ({ id })));
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const id of committing) expect(byId.get(id)).toMatchObject({ email: "committed@example.lv", serviceActiveUntil: null });
    for (const id of failing) expect(byId.get(id)).toMatchObject({ email: null, serviceActiveUntil: null });
    const events = await dataSource.query(
      `SELECT operation, count(*)::int AS n FROM access_event WHERE subject_id = ANY($1) AND operation IN ('updateSubject', 'endService') GROUP BY operation`,
      [[...committing, ...failing]],
    );
    expect(events).toEqual([{ operation: "updateSubject", n: PAIRS }]);
  });
});
