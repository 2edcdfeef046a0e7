import { ConsentRow, DataSubjectRow, ObjectionRow } from "../src/persistence/entities";
import { errorCodes, overHttpPurposeQLForThisFile } from "./support/harness";

/**
 * Every change is evidence (docs/DESIGN.md §8): a change event — client, purpose, operation, subject,
 * categories written, request, time, never a value — is written in the change's own transaction.
 * No event, no change: a real database trigger refuses the events, and nothing is committed.
 */

const purposeql = overHttpPurposeQLForThisFile();

const SERVICE = "essential.service";
const SUPPORT = "essential.service.operations.support";
const ANALYTICS = "analytics.reporting";
const PERSONALIZE = "personalize";

async function newSubject(): Promise<string> {
  const created = await purposeql.post<{ createSubject: { id: string } }>(
    `mutation { createSubject(input: { fullName: "Evidence Person", email: "evidence@example.lv", country: "LV" }) { id } }`,
    { purpose: SERVICE },
  );
  return created.body.data!.createSubject.id;
}

const changesOf = (subjectId: string) =>
  purposeql.services.dataSource.query(
    `SELECT operation, purpose_key, client_name, written, released, denied, decision FROM access_event WHERE subject_id = $1 AND operation <> 'read' ORDER BY id`,
    [subjectId],
  );

describe("change events", () => {
  it("each mutation that changes a subject writes one, with the categories written and no value; a write that changes nothing writes none", async () => {
    const id = await newSubject();
    const run = async (document: string, purpose: string) => {
      const response = await purposeql.post(document, { purpose, variables: { id } });
      expect(response.body.errors).toBeUndefined();
    };
    await run(`mutation ($id: ID!) { updateSubject(id: $id, input: { email: "new@example.lv", phone: null }) { id } }`, SERVICE);
    await run(`mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${PERSONALIZE}") { id } }`, PERSONALIZE);
    await run(`mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${PERSONALIZE}") { id } }`, PERSONALIZE);
    await run(`mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${PERSONALIZE}") { id } }`, SUPPORT);
    await run(`mutation ($id: ID!) { objectToPurpose(subjectId: $id, purpose: "${ANALYTICS}") { id } }`, ANALYTICS);
    await run(
      `mutation ($id: ID!) { liftObjection(subjectId: $id, purpose: "${ANALYTICS}", assessment: "Legal claim pending.") { id } }`,
      ANALYTICS,
    );
    await run(`mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`, SERVICE);
    await run(`mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`, SERVICE);
    await run(`mutation ($id: ID!) { liftRestriction(subjectId: $id) { id } }`, SERVICE);
    await run(`mutation ($id: ID!) { endService(subjectId: $id) { id } }`, SERVICE);
    await run(`mutation ($id: ID!) { endService(subjectId: $id) { id } }`, SERVICE);

    const change = (operation: string, purpose: string, written: string[]) => ({
      operation,
      purpose_key: purpose,
      client_name: "development",
      written,
      released: [],
      denied: [],
      decision: "WRITTEN",
    });
    const events = await changesOf(id);
    expect(events).toEqual([
      change("createSubject", SERVICE, [
        "user.account.service_relationship",
        "user.account.status",
        "user.contact.email",
        "user.location.coarse",
        "user.name",
      ]),
      change("updateSubject", SERVICE, ["user.contact.email", "user.contact.phone_number"]),
      change("giveConsent", PERSONALIZE, ["user.privacy_preferences"]),
      change("withdrawConsent", SUPPORT, ["user.privacy_preferences"]),
      change("objectToPurpose", ANALYTICS, ["user.privacy_preferences"]),
      change("liftObjection", ANALYTICS, ["user.privacy_preferences"]),
      change("restrictProcessing", SERVICE, ["user.account.status"]),
      change("liftRestriction", SERVICE, ["user.account.status"]),
      change("endService", SERVICE, ["user.account.service_relationship"]),
    ]);
    expect(JSON.stringify(events)).not.toMatch(/example\.lv|Evidence Person|Legal claim/);

    await purposeql.post(`query ($id: ID!) { subject(id: $id) { status } }`, {
      purpose: "essential.data_subject_rights",
      variables: { id },
    });
    const log = await purposeql.post<{ accessLog: { operation: string; written: string[]; released: string[] }[] }>(
      `query ($id: ID!) { accessLog(subjectId: $id) { operation written released } }`,
      { variables: { id } },
    );
    // Selecting only ids read nothing personal, so the log holds the nine changes, then the one read, in order.
    expect(log.body.data?.accessLog.map((event) => [event.operation, event.written.length > 0, event.released])).toEqual([
      ...events.map((event: { operation: string }) => [event.operation, true, []]),
      ["read", false, ["user.account.status"]],
    ]);
  });
});

describe("no event, no change", () => {
  const refuseChangeEvents = async (): Promise<void> => {
    await purposeql.services.dataSource.query(
      `CREATE FUNCTION refuse_change_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$`,
    );
    await purposeql.services.dataSource.query(
      `CREATE TRIGGER refuse_change_events BEFORE INSERT ON access_event FOR EACH ROW WHEN (NEW.operation <> 'read') EXECUTE FUNCTION refuse_change_events()`,
    );
  };
  const allowChangeEvents = async (): Promise<void> => {
    await purposeql.services.dataSource.query(`DROP TRIGGER refuse_change_events ON access_event`);
    await purposeql.services.dataSource.query(`DROP FUNCTION refuse_change_events()`);
  };

  it("a write whose change event the database refuses commits nothing and answers AUDIT_UNAVAILABLE (503), releasing nothing", async () => {
    const id = await newSubject();
    await purposeql.post(`mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${PERSONALIZE}") { id } }`, {
      purpose: PERSONALIZE,
      variables: { id },
    });
    const state = async () => ({
      subject: await purposeql.services.dataSource.getRepository(DataSubjectRow).findOneByOrFail({ id }),
      consents: await purposeql.services.dataSource.getRepository(ConsentRow).findBy({ subjectId: id }),
      objections: await purposeql.services.dataSource.getRepository(ObjectionRow).findBy({ subjectId: id }),
      subjects: await purposeql.services.dataSource.getRepository(DataSubjectRow).count(),
      events: await changesOf(id),
    });
    const before = await state();

    await refuseChangeEvents();
    try {
      const writes: [string, string][] = [
        [`mutation ($id: ID!) { updateSubject(id: $id, input: { email: "lost@example.lv" }) { id email } }`, SERVICE],
        [`mutation { createSubject(input: { fullName: "Never Created" }) { id fullName } }`, SERVICE],
        [`mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${PERSONALIZE}") { id } }`, SUPPORT],
        [`mutation ($id: ID!) { objectToPurpose(subjectId: $id, purpose: "${ANALYTICS}") { id } }`, ANALYTICS],
        [`mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`, SERVICE],
        [`mutation ($id: ID!) { endService(subjectId: $id) { id } }`, SERVICE],
      ];
      for (const [document, purpose] of writes) {
        const response = await purposeql.post(document, { purpose, variables: { id } });
        expect({ document, status: response.status, codes: errorCodes(response.body) }).toEqual({
          document,
          status: 503,
          codes: ["AUDIT_UNAVAILABLE"],
        });
        expect(JSON.stringify(response.body)).not.toMatch(/lost@example|Never Created|evidence@example/);
      }
    } finally {
      await allowChangeEvents();
    }
    expect(await state()).toEqual(before);
  });
});
