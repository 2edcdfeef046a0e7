import fc from "fast-check";
import { DataSubjectRow } from "../src/persistence/entities";
import { whereLawful } from "../src/persistence/lawful-subjects";
import { loadSubjectFacts, subjectFactsOf } from "../src/persistence/subject-facts-repository";
import { lawfulness } from "../src/policy/engine/lawfulness";
import { inProcessPurposeQLForThisFile } from "./support/harness";

/**
 * Time means one thing: the SQL list filter and the engine decide alike for any clock, whatever
 * the database session's time zone, across DST. The legal obligation keeps data 1,826 days after
 * the service ends; subjects are placed within hours of that cut-off, with five years of DST
 * changes in between, and the session runs in UTC or in Europe/Riga (DST) or America/Los_Angeles.
 */

const purposeql = inProcessPurposeQLForThisFile();
const LEGAL = "essential.legal_obligation";
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** DST changes in Riga and Los Angeles: near them, five years back lands on the other side of a change. */
const DST_CHANGES = [
  "2026-03-29T01:00:00Z",
  "2026-10-25T01:00:00Z",
  "2026-03-08T10:00:00Z",
  "2026-11-01T09:00:00Z",
  "2027-03-28T01:00:00Z",
].map(Date.parse);
const clock = fc
  .tuple(fc.constantFrom(...DST_CHANGES), fc.integer({ min: -48 * 60, max: 48 * 60 }))
  .map(([change, minutes]) => new Date(change + minutes * 60_000));
const offsetsInHours = fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 3, maxLength: 7 });
const zone = fc.constantFrom("UTC", "Europe/Riga", "America/Los_Angeles");

describe("the list filter and the engine agree on retention", () => {
  it("for random clocks, subjects around the cut-off, and the session in any time zone", async () => {
    await fc.assert(
      fc.asyncProperty(clock, offsetsInHours, zone, async (now, offsets, timeZone) => {
        const policy = purposeql.services.policy.compiled;
        const purpose = policy.purpose(LEGAL)!;
        const cutoff = now.getTime() - (purpose.retention.days ?? 0) * DAY;
        const ids: string[] = [];
        for (const offset of offsets) {
          const [row] = await purposeql.services.dataSource.query(
            `INSERT INTO data_subject (full_name, service_active_since, service_active_until) VALUES ('Time Person', $1, $2) RETURNING id`,
            [new Date(cutoff - 400 * DAY), new Date(cutoff + offset * HOUR)],
          );
          ids.push(row.id);
          // The record-keeping purpose reads only what the archive keeps.
          await purposeql.services.dataSource.query(
            `INSERT INTO archived_value (subject_id, category, value, reason, decided_by, archived_at) VALUES ($1, 'user.name', 'Time Person', 'LEGAL_OBLIGATION', $2, $3)`,
            [row.id, LEGAL, new Date(cutoff + offset * HOUR)],
          );
        }
        const listed = await purposeql.services.dataSource.transaction(async (manager) => {
          await manager.query(`SET LOCAL TIME ZONE '${timeZone}'`);
          const query = manager.getRepository(DataSubjectRow).createQueryBuilder("subject").where("subject.id = ANY(:ids)", { ids });
          return (await whereLawful(query, "subject", policy, purpose, now).getMany()).map((row) => row.id).sort();
        });
        const rows = await purposeql.services.dataSource.getRepository(DataSubjectRow).findBy(ids.map((id) => ({ id })));
        const facts = await loadSubjectFacts(purposeql.services.dataSource.manager, ids);
        const decided = rows
          .filter((row) => lawfulness(policy, LEGAL, subjectFactsOf(row, facts.get(row.id)), now).lawful)
          .map((row) => row.id)
          .sort();
        expect(listed).toEqual(decided);
        // Subjects exactly at or before the cut-off are out, those after it in: both sides of it are exercised.
        expect(decided.length).toBe(offsets.filter((offset) => offset > 0).length);
      }),
      { numRuns: 40 },
    );
  });
});

describe("calendar days", () => {
  it("a date of birth round-trips exactly, whatever the process's time zone", async () => {
    const created = await purposeql.execute<{ createSubject: { id: string; dateOfBirth: string } }>(
      `mutation { createSubject(input: { fullName: "Born Person", dateOfBirth: "1990-04-01" }) { id dateOfBirth } }`,
      { purpose: "essential.service" },
    );
    expect(created.data?.createSubject.dateOfBirth).toBe("1990-04-01");
    const row = await purposeql.services.dataSource.getRepository(DataSubjectRow).findOneByOrFail({ id: created.data!.createSubject.id });
    expect(row.dateOfBirth).toBe("1990-04-01");
  });
});
