import { ClientRole } from "../src/domain/policy-terms";
import { Capability } from "../src/domain/capabilities";
import { anonymousStatistics } from "../src/persistence/retention-repository";
import { sweepRetention } from "../src/retention/sweep";
import { RetentionUsageError, runRetentionCommand } from "../src/cli/retention-commands";
import { scheduleRetention } from "../src/server/retention-schedule";
import { createTestClient, errorCodes, inProcessPurposeQLForThisFile } from "./support/harness";
import { decryptedArchivedValue, decryptedSubjectRow } from "./support/encrypted-rows";

/**
 * Retention that deletes, anonymises and archives; the record-keeping purpose that reads only the
 * archive; legal holds; erasure with its exceptions; and an erased subject that releases and
 * accepts nothing. Time comes from a clock this file moves; rows are read straight from the database.
 */

let clock = new Date("2027-03-01T10:00:00.000Z");
const purposeql = inProcessPurposeQLForThisFile({ exposeErrorDetail: true }, () => new Date(clock.getTime()));

const SERVICE = "essential.service";
const RIGHTS = "essential.data_subject_rights";
const RECORDS = "essential.legal_obligation";
const ADVERTISING = "marketing.advertising";
const DAY_MS = 86_400_000;
const later = (days: number): void => {
  clock = new Date(clock.getTime() + days * DAY_MS);
};

const PERSON = {
  fullName: "Ilze Retention",
  email: "ilze.retention@example.lv",
  postalAddress: "Brīvības iela 1, Rīga",
  phone: "+37120000001",
  dateOfBirth: "1987-05-03",
  country: "LV",
};

async function newSubject(advertisingConsent = false, startService = true): Promise<string> {
  const response = await purposeql.execute<{ createSubject: { id: string } }>(
    `mutation ($input: CreateSubjectInput!) { createSubject(input: $input) { id } }`,
    { purpose: SERVICE, variables: { input: { ...PERSON, startService } } },
  );
  expect(response.errors).toBeUndefined();
  const subjectId = response.data!.createSubject.id;
  if (advertisingConsent) await consentTo(subjectId, ADVERTISING);
  return subjectId;
}

async function consentTo(subjectId: string, purpose: string): Promise<void> {
  const consent = await purposeql.execute(
    `mutation ($id: ID!, $p: String!) { giveConsent(subjectId: $id, purpose: $p, evidence: { method: "WEB_FORM", ipAddress: "198.51.100.7", browser: "Firefox" }) { id } }`,
    { purpose: ADVERTISING, variables: { id: subjectId, p: purpose } },
  );
  expect(consent.errors).toBeUndefined();
}

const endService = (subjectId: string) =>
  purposeql.execute(`mutation ($id: ID!) { endService(subjectId: $id) { id } }`, { purpose: SERVICE, variables: { id: subjectId } });

// The stored rows, their encrypted columns decrypted (what is stored is the point here; encryption-at-rest.test.ts shows how).
const rowOf = async (subjectId: string) => {
  const [raw] = await purposeql.services.dataSource.query<Record<string, unknown>[]>(
    `SELECT full_name, email, postal_address, phone, date_of_birth::text AS date_of_birth, country, consented_at, ip_address, browser, operating_system, device, status
       FROM data_subject WHERE id = $1`,
    [subjectId],
  );
  return raw && decryptedSubjectRow(purposeql.services.dataSource, subjectId, raw);
};

const archiveOf = async (subjectId: string) =>
  (
    await purposeql.services.dataSource.query<{ category: string; value: string; reason: string; decided_by: string }[]>(
      `SELECT category, value, reason, decided_by FROM archived_value WHERE subject_id = $1 ORDER BY category`,
      [subjectId],
    )
  ).map((row) => decryptedArchivedValue(purposeql.services.dataSource, subjectId, row));

const sweep = (dryRun: boolean) => sweepRetention(purposeql.services.dataSource, purposeql.services.policy.compiled, clock, { dryRun });

const READ = `query ($id: ID!) { subject(id: $id) { fullName email phone dateOfBirth country status } }`;

describe("retention executed per category", () => {
  beforeEach(() => {
    clock = new Date("2027-03-01T10:00:00.000Z");
  });

  it("archives what the legal duty keeps, deletes or anonymises the rest, as the dry run said, and a second sweep finds nothing", async () => {
    const subjectId = await newSubject();
    // A request on record: the records of the person's requests are kept as long as the legal duty keeps its records.
    const asked = await purposeql.execute(
      `mutation ($id: ID!, $at: DateTime!) { openSubjectRequest(subjectId: $id, kind: ACCESS, receivedAt: $at, channel: EMAIL) { id } }`,
      { purpose: RIGHTS, variables: { id: subjectId, at: clock.toISOString() } },
    );
    expect(asked.errors).toBeUndefined();
    later(30);
    await endService(subjectId);
    const endedAt = new Date(clock.getTime());
    later(1);

    // Before the sweep, reads are already refused: the contract has ended.
    const before = await purposeql.execute<{ subject: Record<string, unknown> }>(READ, { purpose: SERVICE, variables: { id: subjectId } });
    expect(before.errors?.map((error) => error.extensions?.reason)).toContain("CONTRACT_INACTIVE");

    const dryRun = await sweep(true);
    const planned = dryRun.subjects.find((subject) => subject.subjectId === subjectId)!;
    expect(await rowOf(subjectId)).toMatchObject({ full_name: PERSON.fullName, status: "ACTIVE" });

    const done = await sweep(false);
    const executed = done.subjects.find((subject) => subject.subjectId === subjectId)!;
    expect(executed).toEqual(planned);
    const actions = Object.fromEntries(executed.steps.map((step) => [step.category, step.action]));
    expect(actions).toEqual({
      "user.name": "ARCHIVE",
      "user.contact.email": "ARCHIVE",
      "user.contact.address": "ARCHIVE",
      // essential.service's retention decides: deleted, as the legal duty does not keep phones.
      "user.contact.phone_number": "DELETE",
      // Three purposes end together; two of them anonymise.
      "user.demographic.date_of_birth": "ANONYMISE",
      "user.location.coarse": "ANONYMISE",
    });
    const archived = executed.steps.find((step) => step.category === "user.name");
    expect(archived).toMatchObject({ decidedBy: RECORDS, keptUntil: new Date(endedAt.getTime() + 1826 * DAY_MS) });
    expect(executed.statusAfter).toBe("ARCHIVED");

    expect(await rowOf(subjectId)).toEqual({
      full_name: null,
      email: null,
      postal_address: null,
      phone: null,
      date_of_birth: null,
      country: null,
      consented_at: null,
      ip_address: null,
      browser: null,
      operating_system: null,
      device: null,
      status: "ARCHIVED",
    });
    expect(await archiveOf(subjectId)).toEqual([
      { category: "user.contact.address", value: PERSON.postalAddress, reason: "LEGAL_OBLIGATION", decided_by: RECORDS },
      { category: "user.contact.email", value: PERSON.email, reason: "LEGAL_OBLIGATION", decided_by: RECORDS },
      { category: "user.name", value: PERSON.fullName, reason: "LEGAL_OBLIGATION", decided_by: RECORDS },
    ]);
    const statistics = await anonymousStatistics(purposeql.services.dataSource.manager);
    expect(statistics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ category: "user.demographic.date_of_birth", value: "1980s" }),
        expect.objectContaining({ category: "user.location.coarse", value: "LV" }),
      ]),
    );

    // Each action is a change event of the sweep, categories only.
    const events = await purposeql.services.dataSource.query<{ operation: string; written: string[]; client_name: string }[]>(
      `SELECT operation, written, client_name FROM access_event WHERE subject_id = $1 AND operation LIKE 'retention%' ORDER BY operation`,
      [subjectId],
    );
    // One event per kind of step and deciding purpose (dob and country are anonymised for different purposes).
    expect(new Set(events.map((event) => event.operation))).toEqual(
      new Set(["retentionAnonymise", "retentionArchive", "retentionDelete", "retentionStatus"]),
    );
    expect(events.every((event) => event.client_name === "purposeql:retention")).toBe(true);

    const again = await sweep(false);
    expect(again.subjects.find((subject) => subject.subjectId === subjectId)).toBeUndefined();

    // The archive goes when the legal duty's five years have run out.
    clock = new Date(endedAt.getTime() + 1826 * DAY_MS + 1);
    const purged = (await sweep(false)).subjects.find((subject) => subject.subjectId === subjectId)!;
    // The three archived values, then the records of the person's requests, which no duty keeps any longer.
    expect(purged.steps.every((step) => step.action === "PURGE")).toBe(true);
    expect(purged.steps.map((step) => step.category).sort()).toEqual([
      "user.contact.address",
      "user.contact.email",
      "user.name",
      "user.privacy_preferences",
    ]);
    expect(purged.statusAfter).toBe("ERASED");
    expect(await archiveOf(subjectId)).toEqual([]);
    expect((await rowOf(subjectId))!.status).toBe("ERASED");
    expect(await purposeql.services.dataSource.query(`SELECT id FROM subject_request WHERE subject_id = $1`, [subjectId])).toEqual([]);
    // The audit keeps the subject's id, and nothing else of them.
    const audit = JSON.stringify(
      await purposeql.services.dataSource.query(`SELECT * FROM audit_access_event WHERE subject_id = $1`, [subjectId]),
    );
    expect(audit).toContain(subjectId);
    for (const value of Object.values(PERSON)) expect(audit).not.toContain(value);
    // And nothing more to do.
    expect((await sweep(false)).subjects.find((subject) => subject.subjectId === subjectId)).toBeUndefined();
  });

  it("keeps what a consent still covers after the service ends, and deletes it when the consent is withdrawn", async () => {
    const subjectId = await newSubject(true);
    later(10);
    await endService(subjectId);
    later(1);
    const first = (await sweep(false)).subjects.find((subject) => subject.subjectId === subjectId)!;
    const firstActions = Object.fromEntries(first.steps.map((step) => [step.category, step.action]));
    // The phone goes with the service; what advertising reads stays while the consent stands.
    expect(firstActions).toEqual({ "user.contact.address": "ARCHIVE", "user.contact.phone_number": "DELETE" });
    expect(first.statusAfter).toBe("ACTIVE");
    expect(await rowOf(subjectId)).toMatchObject({ full_name: PERSON.fullName, date_of_birth: PERSON.dateOfBirth, phone: null });

    later(20);
    const withdrawn = await purposeql.execute(
      `mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${ADVERTISING}", method: "EMAIL") { id } }`,
      { purpose: RIGHTS, variables: { id: subjectId } },
    );
    expect(withdrawn.errors).toBeUndefined();
    later(1);
    const second = (await sweep(false)).subjects.find((subject) => subject.subjectId === subjectId)!;
    const secondActions = Object.fromEntries(second.steps.map((step) => [step.category, step.action]));
    expect(secondActions).toMatchObject({
      "user.name": "ARCHIVE",
      "user.contact.email": "ARCHIVE",
      // Advertising ended last, and it deletes.
      "user.demographic.date_of_birth": "DELETE",
      "user.location.coarse": "DELETE",
    });
    expect(second.statusAfter).toBe("ARCHIVED");
  });
});

describe("npm run retention and the scheduled sweep", () => {
  beforeEach(() => {
    clock = new Date("2027-03-01T10:00:00.000Z");
  });

  const command = async (...argv: string[]): Promise<string> => {
    let output = "";
    await runRetentionCommand(argv, purposeql.services.dataSource, purposeql.services.policy.compiled, (text) => (output += text), clock);
    return output;
  };

  it("--dry-run lists each step with the rule that decides it, at --at if asked, and changes nothing", async () => {
    const subjectId = await newSubject();
    later(10);
    await endService(subjectId);
    const at = new Date(clock.getTime() + DAY_MS).toISOString();
    const listed = await command("--dry-run", "--at", at);
    expect(listed).toContain(`Retention sweep at ${at} (dry run: nothing changed)`);
    expect(listed).toContain(`subject ${subjectId} (ACTIVE → ARCHIVED)`);
    expect(listed).toMatch(/ {2}DELETE {4}user\.contact\.phone_number — essential\.service\S*'s retention ended/);
    expect(listed).toMatch(/ {2}ARCHIVE {3}user\.name until \S+ — Kept for essential\.legal_obligation/);
    const json = JSON.parse(await command("--dry-run", "--at", at, "--json")) as { dryRun: boolean; subjects: { subjectId: string }[] };
    expect(json.dryRun).toBe(true);
    expect(json.subjects.map((subject) => subject.subjectId)).toContain(subjectId);
    expect((await rowOf(subjectId))!.status).toBe("ACTIVE");

    await expect(command("--at", at)).rejects.toThrow(RetentionUsageError);
    await expect(command("--dry-run", "--at", "next tuesday")).rejects.toThrow(/ISO 8601/);
    await expect(command("--purge-everything")).rejects.toThrow(RetentionUsageError);
    expect((await rowOf(subjectId))!.status).toBe("ACTIVE");
  });

  it("the server's schedule runs the same sweep at its clock", async () => {
    const subjectId = await newSubject();
    later(10);
    await endService(subjectId);
    later(1);
    const schedule = scheduleRetention(purposeql.services, 20);
    try {
      for (let waited = 0; (await rowOf(subjectId))!.status !== "ARCHIVED" && waited < 200; waited++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      await schedule.stop();
    }
    expect(await rowOf(subjectId)).toMatchObject({ status: "ARCHIVED", full_name: null });
  });
});

describe("inquiries keep a retention of their own", () => {
  beforeEach(() => {
    clock = new Date("2027-03-01T10:00:00.000Z");
  });

  const INQUIRIES = "essential.service.inquiries";
  const openInquiry = async (subjectId: string): Promise<string> => {
    const opened = await purposeql.execute<{ openInquiry: { id: string; receivedAt: string; closedAt: string | null } }>(
      `mutation ($id: ID!, $at: DateTime!) { openInquiry(subjectId: $id, receivedAt: $at, channel: EMAIL) { id receivedAt closedAt } }`,
      { purpose: INQUIRIES, variables: { id: subjectId, at: clock.toISOString() } },
    );
    expect(opened.errors).toBeUndefined();
    expect(opened.data!.openInquiry).toMatchObject({ receivedAt: clock.toISOString(), closedAt: null });
    return opened.data!.openInquiry.id;
  };
  const closeInquiry = (id: string) =>
    purposeql.execute<{ closeInquiry: { closedAt: string } }>(`mutation ($id: ID!) { closeInquiry(id: $id) { closedAt } }`, {
      purpose: INQUIRIES,
      variables: { id },
    });

  it("someone who only asked is read while the question is open and erased a year after it is answered", async () => {
    const subjectId = await newSubject(false, false);
    const before = await purposeql.execute(`query ($id: ID!) { subject(id: $id) { email } }`, {
      purpose: INQUIRIES,
      variables: { id: subjectId },
    });
    expect(before.errors?.[0]?.extensions?.reason).toBe("NO_INQUIRY");
    const inquiryId = await openInquiry(subjectId);
    const asked = await purposeql.execute<{ subject: { email: string } }>(`query ($id: ID!) { subject(id: $id) { email } }`, {
      purpose: INQUIRIES,
      variables: { id: subjectId },
    });
    expect(asked.data?.subject.email).toBe(PERSON.email);
    // Not a customer: the purposes of the service read nothing of them.
    const security = await purposeql.execute(`query ($id: ID!) { subject(id: $id) { fullName } }`, {
      purpose: "essential.service.security",
      variables: { id: subjectId },
    });
    expect(security.errors?.[0]?.extensions?.reason).toBe("CONTRACT_INACTIVE");

    later(3);
    expect((await closeInquiry(inquiryId)).errors).toBeUndefined();
    later(364);
    expect((await sweep(false)).subjects.find((subject) => subject.subjectId === subjectId)).toBeUndefined();
    later(2);
    const swept = (await sweep(false)).subjects.find((subject) => subject.subjectId === subjectId)!;
    // No accounting duty keeps someone who never was a customer: everything goes.
    expect(swept.steps.every((step) => step.action === "DELETE" || step.action === "ANONYMISE")).toBe(true);
    expect(swept.statusAfter).toBe("ERASED");
    expect(await archiveOf(subjectId)).toEqual([]);
  });

  it("a former customer's complaint keeps what answering it needs until a year after it is answered", async () => {
    const subjectId = await newSubject();
    later(10);
    await endService(subjectId);
    const inquiryId = await openInquiry(subjectId);
    later(30);
    const kept = (await sweep(false)).subjects.find((subject) => subject.subjectId === subjectId);
    // The inquiry purpose still holds name and contact data: the sweep leaves them live.
    expect(kept?.steps.map((step) => step.category) ?? []).not.toContain("user.contact.email");
    expect((await rowOf(subjectId))!.email).toBe(PERSON.email);
    await closeInquiry(inquiryId);
    later(366);
    const archived = (await sweep(false)).subjects.find((subject) => subject.subjectId === subjectId)!;
    expect(archived.steps).toEqual(
      expect.arrayContaining([expect.objectContaining({ category: "user.contact.email", action: "ARCHIVE" })]),
    );
  });

  it("is written only under a purpose that grants the message's category", async () => {
    const subjectId = await newSubject();
    const refused = await purposeql.execute(
      `mutation ($id: ID!, $at: DateTime!) { openInquiry(subjectId: $id, receivedAt: $at, channel: EMAIL) { id } }`,
      { purpose: SERVICE, variables: { id: subjectId, at: clock.toISOString() } },
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "PURPOSE_LIMITATION", reason: "NOT_GRANTED" });
    const count = await purposeql.services.dataSource.query(`SELECT count(*)::int AS n FROM inquiry WHERE subject_id = $1`, [subjectId]);
    expect(count).toEqual([{ n: 0 }]);
  });
});

describe("the record-keeping purpose reads only the archive", () => {
  beforeEach(() => {
    clock = new Date("2027-03-01T10:00:00.000Z");
  });

  it("releases nothing of a live customer and lists none; after archiving, the archived values; with a hold, what it covers", async () => {
    const live = await newSubject();
    const read = await purposeql.execute<{ subject: Record<string, unknown> }>(`query ($id: ID!) { subject(id: $id) { fullName email } }`, {
      purpose: RECORDS,
      variables: { id: live },
    });
    expect(read.data?.subject).toEqual({ fullName: null, email: null });
    expect(read.errors?.map((error) => error.extensions?.reason)).toEqual(["NOT_ARCHIVED", "NOT_ARCHIVED"]);
    const listed = async (): Promise<string[]> => {
      const page = await purposeql.execute<{ subjects: { edges: { node: { id: string } }[] } }>(
        `{ subjects(first: 100) { edges { node { id } } } }`,
        {
          purpose: RECORDS,
        },
      );
      return page.data!.subjects.edges.map((edge) => edge.node.id);
    };
    expect(await listed()).not.toContain(live);

    // A hold on a live customer's contact data: the record-keeping purpose reads what it covers.
    const hold = await purposeql.execute<{ openLegalHold: { id: string } }>(
      `mutation ($id: ID!, $until: DateTime!) { openLegalHold(subjectId: $id, categories: ["user.contact"], reference: "Court case C-1/27", until: $until) { id } }`,
      { purpose: RECORDS, variables: { id: live, until: new Date(clock.getTime() + 90 * DAY_MS).toISOString() } },
    );
    expect(hold.errors).toBeUndefined();
    const held = await purposeql.execute<{ subject: Record<string, unknown> }>(`query ($id: ID!) { subject(id: $id) { fullName email } }`, {
      purpose: RECORDS,
      variables: { id: live },
    });
    expect(held.data?.subject).toEqual({ fullName: null, email: PERSON.email });
    expect(await listed()).toContain(live);

    const released = await purposeql.execute(`mutation ($id: ID!) { releaseLegalHold(id: $id) { releasedAt } }`, {
      purpose: RECORDS,
      variables: { id: hold.data!.openLegalHold.id },
    });
    expect(released.errors).toBeUndefined();
    expect(await listed()).not.toContain(live);

    // Archived after the service ends: name and e-mail come from the archive, the phone is not there.
    later(1);
    await endService(live);
    later(1);
    await sweep(false);
    const archived = await purposeql.execute<{ subject: Record<string, unknown> }>(
      `query ($id: ID!) { subject(id: $id) { fullName email ipAddress } }`,
      {
        purpose: RECORDS,
        variables: { id: live },
      },
    );
    // No IP address was ever recorded, so none was archived.
    expect(archived.data?.subject).toEqual({ fullName: PERSON.fullName, email: PERSON.email, ipAddress: null });
    expect(archived.errors?.map((error) => error.extensions?.reason)).toEqual(["NOT_ARCHIVED"]);
    expect(await listed()).toContain(live);
    // Every other purpose: ARCHIVED.
    const operational = await purposeql.execute(READ, { purpose: SERVICE, variables: { id: live } });
    expect(new Set(operational.errors?.map((error) => error.extensions?.reason))).toEqual(new Set(["ARCHIVED"]));
  });

  it("a contract purpose reads nobody whose service has not started, until it starts", async () => {
    const inquirer = await newSubject(false, false);
    const read = await purposeql.execute(`query ($id: ID!) { subject(id: $id) { fullName } }`, {
      purpose: SERVICE,
      variables: { id: inquirer },
    });
    expect(read.errors?.[0]?.extensions?.reason).toBe("CONTRACT_INACTIVE");
    const started = await purposeql.execute<{ startService: { fullName: string } }>(
      `mutation ($id: ID!) { startService(subjectId: $id) { fullName } }`,
      {
        purpose: SERVICE,
        variables: { id: inquirer },
      },
    );
    expect(started.errors).toBeUndefined();
    expect(started.data?.startService.fullName).toBe(PERSON.fullName);
  });
});

describe("erasure (GDPR Art. 17)", () => {
  beforeEach(() => {
    clock = new Date("2027-03-01T10:00:00.000Z");
  });

  async function verifiedErasureRequest(subjectId: string): Promise<string> {
    const opened = await purposeql.execute<{ openSubjectRequest: { id: string } }>(
      `mutation ($id: ID!, $at: DateTime!) { openSubjectRequest(subjectId: $id, kind: ERASURE, receivedAt: $at, channel: EMAIL) { id } }`,
      { purpose: RIGHTS, variables: { id: subjectId, at: clock.toISOString() } },
    );
    const requestId = opened.data!.openSubjectRequest.id;
    const verified = await purposeql.execute(
      `mutation ($id: ID!) { verifySubjectIdentity(requestId: $id, method: "signed-in account") { id } }`,
      {
        purpose: RIGHTS,
        variables: { id: requestId },
      },
    );
    expect(verified.errors).toBeUndefined();
    return requestId;
  }

  const ERASE = `mutation ($id: ID!) { eraseSubject(requestId: $id) {
    subjectId statusAfter erased kept { category reason keptFor until } recipientsToNotify { clientName categories } processorsToNotify { name categories }
  } }`;

  it("erases all but what the legal duty and a hold keep, says whom to tell, and answers a repeat with the same receipt", async () => {
    const subjectId = await newSubject(true);
    // A partner read the e-mail (kept for the legal duty) and the country (erased): it is a recipient to tell of the country.
    const partnerKey = await createTestClient(purposeql, {
      name: "erasure-partner",
      role: ClientRole.PARTNER,
      purposes: [SERVICE],
      processor: "Example Hosting SIA",
    });
    const partnerRead = await purposeql.execute(`query ($id: ID!) { subject(id: $id) { email country } }`, {
      purpose: SERVICE,
      apiKey: partnerKey,
      variables: { id: subjectId },
    });
    expect(partnerRead.errors).toBeUndefined();
    const hold = await purposeql.execute(
      `mutation ($id: ID!, $until: DateTime!) { openLegalHold(subjectId: $id, categories: ["user.contact.phone_number"], reference: "Claim 42", until: $until) { id } }`,
      { purpose: RECORDS, variables: { id: subjectId, until: "2028-03-01T00:00:00.000Z" } },
    );
    expect(hold.errors).toBeUndefined();
    later(2);
    const requestId = await verifiedErasureRequest(subjectId);
    const erased = await purposeql.execute<{ eraseSubject: Record<string, unknown> }>(ERASE, {
      purpose: RIGHTS,
      variables: { id: requestId },
    });
    expect(erased.errors).toBeUndefined();
    const receipt = erased.data!.eraseSubject;
    expect(receipt).toMatchObject({
      subjectId,
      statusAfter: "ARCHIVED",
      erased: ["user.demographic.date_of_birth", "user.location.coarse"],
      recipientsToNotify: [{ clientName: "erasure-partner", categories: ["user.location.coarse"] }],
      // The hosting processor's contract covers all user data; the mail processor's no erased category.
      processorsToNotify: [{ name: "Example Hosting SIA", categories: ["user.demographic.date_of_birth", "user.location.coarse"] }],
    });
    const kept = receipt.kept as { category: string; reason: string; keptFor: string; until: string | null }[];
    expect(kept.find((entry) => entry.category === "user.contact.phone_number")).toEqual({
      category: "user.contact.phone_number",
      reason: "LEGAL_HOLD",
      keptFor: "Claim 42",
      until: "2028-03-01T00:00:00.000Z",
    });
    expect(kept.find((entry) => entry.category === "user.name")).toEqual({
      category: "user.name",
      reason: "LEGAL_OBLIGATION",
      keptFor: RECORDS,
      until: new Date(clock.getTime() + 1826 * DAY_MS).toISOString(),
    });
    expect((await rowOf(subjectId))!.status).toBe("ARCHIVED");
    expect((await rowOf(subjectId))!.full_name).toBeNull();

    // The request is completed with it; a repeat returns the same receipt and writes no event.
    const eventsBefore = await purposeql.services.dataSource.query(
      `SELECT count(*)::int AS n FROM access_event WHERE decision = 'WRITTEN' AND subject_id = $1`,
      [subjectId],
    );
    later(1);
    const repeated = await purposeql.execute<{ eraseSubject: Record<string, unknown> }>(ERASE, {
      purpose: RIGHTS,
      variables: { id: requestId },
    });
    expect(repeated.data!.eraseSubject).toEqual(receipt);
    const eventsAfter = await purposeql.services.dataSource.query(
      `SELECT count(*)::int AS n FROM access_event WHERE decision = 'WRITTEN' AND subject_id = $1`,
      [subjectId],
    );
    expect(eventsAfter).toEqual(eventsBefore);

    // The person may still ask what is kept: the access export lists the archive.
    const access = await purposeql.execute<{ openSubjectRequest: { id: string } }>(
      `mutation ($id: ID!, $at: DateTime!) { openSubjectRequest(subjectId: $id, kind: ACCESS, receivedAt: $at, channel: EMAIL) { id } }`,
      { purpose: RIGHTS, variables: { id: subjectId, at: clock.toISOString() } },
    );
    const accessId = access.data!.openSubjectRequest.id;
    await purposeql.execute(`mutation ($id: ID!) { verifySubjectIdentity(requestId: $id, method: "signed letter") { id } }`, {
      purpose: RIGHTS,
      variables: { id: accessId },
    });
    const exported = await purposeql.execute<{
      accessExport: { personalData: { archivedValues: { values: { category: string; value: string; reason: string }[] } } };
    }>(`query ($id: ID!) { accessExport(requestId: $id) }`, { purpose: RIGHTS, variables: { id: accessId } });
    expect(exported.errors).toBeUndefined();
    expect(exported.data!.accessExport.personalData.archivedValues.values).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ category: "user.name", value: PERSON.fullName, reason: "LEGAL_OBLIGATION" }),
        expect.objectContaining({ category: "user.contact.phone_number", value: PERSON.phone, reason: "LEGAL_HOLD" }),
      ]),
    );

    // No value of the person's is in the audit.
    const audit = JSON.stringify(
      await purposeql.services.dataSource.query(`SELECT * FROM audit_access_event WHERE subject_id = $1`, [subjectId]),
    );
    for (const value of Object.values(PERSON)) expect(audit).not.toContain(value);
  });

  it("with no exception erases everything: the subject releases nothing, is listed nowhere and accepts no write, and its consent proof survives", async () => {
    // Nothing of this person is kept for a legal duty: no name, contact or registration data, and no hold.
    const created = await purposeql.execute<{ createSubject: { id: string } }>(
      `mutation { createSubject(input: { phone: "+37120000009", dateOfBirth: "1990-01-01", country: "LV" }) { id } }`,
      { purpose: SERVICE },
    );
    const subjectId = created.data!.createSubject.id;
    await consentTo(subjectId, ADVERTISING);
    const requestId = await verifiedErasureRequest(subjectId);
    const erased = await purposeql.execute<{ eraseSubject: { statusAfter: string; kept: unknown[]; erased: string[] } }>(ERASE, {
      purpose: RIGHTS,
      variables: { id: requestId },
    });
    expect(erased.errors).toBeUndefined();
    expect(erased.data!.eraseSubject).toMatchObject({
      statusAfter: "ERASED",
      kept: [],
      erased: ["user.contact.phone_number", "user.demographic.date_of_birth", "user.location.coarse"],
    });

    // Every purpose of the policy: each field it may read of the subject is null with reason ERASED, and no list shows them.
    const policy = purposeql.services.policy.compiled;
    const FIELDS: Record<string, string> = { country: "user.location.coarse", status: "user.account.status", fullName: "user.name" };
    for (const purpose of policy.purposeKeys()) {
      const readable = Object.keys(FIELDS).filter((field) => policy.grants(purpose, FIELDS[field]!));
      if (readable.length > 0) {
        const read = await purposeql.execute<{ subject: Record<string, unknown> }>(
          `query ($id: ID!) { subject(id: $id) { ${readable.join(" ")} } }`,
          {
            purpose,
            variables: { id: subjectId },
          },
        );
        expect({ purpose, values: read.data?.subject }).toEqual({
          purpose,
          values: Object.fromEntries(readable.map((field) => [field, null])),
        });
        expect({ purpose, reasons: [...new Set(read.errors?.map((error) => error.extensions?.reason))] }).toEqual({
          purpose,
          reasons: ["ERASED"],
        });
      }
      const listed = await purposeql.execute<{ subjects: { edges: { node: { id: string } }[] } }>(
        `{ subjects(first: 100) { edges { node { id } } } }`,
        {
          purpose,
        },
      );
      expect(listed.errors).toBeUndefined();
      expect(listed.data!.subjects.edges.map((edge) => edge.node.id)).not.toContain(subjectId);
    }

    const writes = [
      `mutation ($id: ID!) { updateSubject(id: $id, input: { fullName: "Back Again" }) { id } }`,
      `mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`,
      `mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "personalize") { id } }`,
      `mutation ($id: ID!) { endService(subjectId: $id) { id } }`,
      `mutation ($id: ID!) { startService(subjectId: $id) { id } }`,
    ];
    for (const document of writes) {
      const refused = await purposeql.execute(document, { purpose: "essential.service.operations.support", variables: { id: subjectId } });
      expect(errorCodes(refused)).toEqual(["CONFLICT"]);
      expect(refused.errors?.[0]?.extensions?.reason).toBe("SUBJECT_ERASED");
    }
    expect((await rowOf(subjectId))!.full_name).toBeNull();

    // The consent proof survives: who, when, what, which notice.
    const consents = await purposeql.services.dataSource.query<Record<string, unknown>[]>(
      `SELECT purpose_key, given_at IS NOT NULL AS given, withdrawn_at IS NOT NULL AS withdrawn, notice_version, withdrawal_method,
              evidence_ip_address, evidence_browser FROM consent WHERE subject_id = $1`,
      [subjectId],
    );
    expect(consents).toEqual([
      {
        purpose_key: ADVERTISING,
        given: true,
        withdrawn: true,
        notice_version: "2021-10",
        withdrawal_method: "ERASURE_REQUEST",
        // Its device evidence went with the rest: nothing keeps it.
        evidence_ip_address: null,
        evidence_browser: null,
      },
    ]);
    // And no cascade can take it: deleting the subject's row is refused.
    await expect(purposeql.services.dataSource.query(`DELETE FROM data_subject WHERE id = $1`, [subjectId])).rejects.toThrow();
  });

  it("needs ERASE, a purpose that answers requests and a verified ERASURE request", async () => {
    const subjectId = await newSubject();
    const requestId = await verifiedErasureRequest(subjectId);
    const noCapability = await createTestClient(purposeql, {
      name: "no-erase",
      role: ClientRole.INTERNAL_APP,
      purposes: [RIGHTS],
      capabilities: [Capability.HANDLE_REQUESTS],
    });
    expect(errorCodes(await purposeql.execute(ERASE, { purpose: RIGHTS, apiKey: noCapability, variables: { id: requestId } }))).toEqual([
      "FORBIDDEN",
    ]);
    expect(errorCodes(await purposeql.execute(ERASE, { purpose: RECORDS, variables: { id: requestId } }))).toEqual(["FORBIDDEN"]);
    const access = await purposeql.execute<{ openSubjectRequest: { id: string } }>(
      `mutation ($id: ID!, $at: DateTime!) { openSubjectRequest(subjectId: $id, kind: ACCESS, receivedAt: $at, channel: EMAIL) { id } }`,
      { purpose: RIGHTS, variables: { id: subjectId, at: clock.toISOString() } },
    );
    const wrongKind = await purposeql.execute(ERASE, { purpose: RIGHTS, variables: { id: access.data!.openSubjectRequest.id } });
    expect(wrongKind.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "WRONG_KIND" });
    const opened = await purposeql.execute<{ openSubjectRequest: { id: string } }>(
      `mutation ($id: ID!, $at: DateTime!) { openSubjectRequest(subjectId: $id, kind: ERASURE, receivedAt: $at, channel: EMAIL) { id } }`,
      { purpose: RIGHTS, variables: { id: subjectId, at: clock.toISOString() } },
    );
    const unverified = await purposeql.execute(ERASE, { purpose: RIGHTS, variables: { id: opened.data!.openSubjectRequest.id } });
    expect(unverified.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "IDENTITY_NOT_VERIFIED" });
    expect((await rowOf(subjectId))!.full_name).toBe(PERSON.fullName);
    // The queue of requests is the request handlers' too: the record-keeping purpose may not list it.
    expect(errorCodes(await purposeql.execute(`{ subjectRequests { totalCount } }`, { purpose: RECORDS }))).toEqual(["FORBIDDEN"]);
  });

  it("of someone who was never a customer keeps nothing for the accounting duty, and invents no service", async () => {
    const subjectId = await newSubject(false, false);
    const requestId = await verifiedErasureRequest(subjectId);
    const erased = await purposeql.execute<{ eraseSubject: { statusAfter: string; kept: unknown[] } }>(ERASE, {
      purpose: RIGHTS,
      variables: { id: requestId },
    });
    expect(erased.data?.eraseSubject).toMatchObject({ statusAfter: "ERASED", kept: [] });
    const [service] = await purposeql.services.dataSource.query<{ since: Date | null; until: Date | null }[]>(
      `SELECT service_active_since AS since, service_active_until AS until FROM data_subject WHERE id = $1`,
      [subjectId],
    );
    expect(service).toEqual({ since: null, until: null });
  });
});
