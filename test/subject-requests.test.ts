import { Capability } from "../src/domain/capabilities";
import { ClientRole } from "../src/domain/policy-terms";
import { SubjectRequestRow } from "../src/persistence/entities";
import { createTestClient, errorCodes, inProcessPurposeQLForThisFile } from "./support/harness";

/**
 * A person's request, opened, verified, extended, answered and closed through GraphQL: deadlines on
 * the controller's calendar, the rules of each change, a change event for each, and rectification
 * with the recipients to tell. Time comes from a clock this file moves.
 */

let clock = new Date("2027-01-31T09:00:00.000Z");
const purposeql = inProcessPurposeQLForThisFile({ exposeErrorDetail: true }, () => new Date(clock.getTime()));

const RIGHTS = "essential.data_subject_rights";
const SERVICE = "essential.service";
const DAY_MS = 86_400_000;

const REQUEST_FIELDS = `id subjectId kind status channel receivedAt dueOn dueAt firstDueOn overdue identityVerifiedAt identityVerificationMethod extensionReason closedAt refusalReason openedBy`;
const OPEN = `mutation ($subjectId: ID!, $kind: SubjectRequestKind!, $receivedAt: DateTime!) {
  openSubjectRequest(subjectId: $subjectId, kind: $kind, receivedAt: $receivedAt, channel: EMAIL) { ${REQUEST_FIELDS} }
}`;
const VERIFY = `mutation ($id: ID!) { verifySubjectIdentity(requestId: $id, method: "signed-in account") { ${REQUEST_FIELDS} } }`;
const EXTEND = `mutation ($id: ID!, $months: Int) { extendSubjectRequest(requestId: $id, reason: "Many linked requests", months: $months) { ${REQUEST_FIELDS} } }`;
const COMPLETE = `mutation ($id: ID!, $rectification: RectificationInput) {
  completeSubjectRequest(requestId: $id, rectification: $rectification) {
    request { ${REQUEST_FIELDS} }
    recipientsToNotify { clientName categories lastReceivedAt }
  }
}`;
const REFUSE = `mutation ($id: ID!, $reason: String!) { refuseSubjectRequest(requestId: $id, reason: $reason) { ${REQUEST_FIELDS} } }`;

type Request = Record<string, unknown> & { id: string };

async function newSubject(name = "Request Person"): Promise<string> {
  const response = await purposeql.execute<{ createSubject: { id: string } }>(
    `mutation ($name: String!) { createSubject(input: { fullName: $name, email: "asker@example.lv", country: "LV" }) { id } }`,
    { purpose: SERVICE, variables: { name } },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.createSubject.id;
}

async function open(subjectId: string, kind = "ACCESS", receivedAt = clock.toISOString()): Promise<Request> {
  const response = await purposeql.execute<{ openSubjectRequest: Request }>(OPEN, {
    purpose: RIGHTS,
    variables: { subjectId, kind, receivedAt },
  });
  expect(response.errors).toBeUndefined();
  return response.data!.openSubjectRequest;
}

const changeEventsOf = (subjectId: string) =>
  purposeql.services.dataSource.query<{ operation: string; written: string[]; purpose_key: string; client_name: string }[]>(
    `SELECT operation, written, purpose_key, client_name FROM access_event WHERE subject_id = $1 AND decision = 'WRITTEN' ORDER BY id`,
    [subjectId],
  );

describe("subject requests", () => {
  beforeEach(() => {
    clock = new Date("2027-01-31T09:00:00.000Z");
  });

  it("open due one calendar month after receipt on the controller's calendar, and go through verification, extension and completion, each a change event", async () => {
    const subjectId = await newSubject();
    const opened = await open(subjectId, "ACCESS", "2027-01-31T08:00:00.000Z");
    expect(opened).toMatchObject({
      subjectId,
      kind: "ACCESS",
      status: "RECEIVED",
      channel: "EMAIL",
      receivedAt: "2027-01-31T08:00:00.000Z",
      dueOn: "2027-02-28",
      firstDueOn: "2027-02-28",
      // The end of 28 February in Riga (UTC+2).
      dueAt: "2027-02-28T21:59:59.999Z",
      overdue: false,
      identityVerifiedAt: null,
      closedAt: null,
      openedBy: "development",
    });
    const [row] = await purposeql.services.dataSource.getRepository(SubjectRequestRow).findBy({ id: opened.id });
    expect(row).toMatchObject({ subjectId, dueAt: new Date("2027-02-28T21:59:59.999Z"), openedBy: "development" });

    clock = new Date("2027-02-10T12:00:00.000Z");
    const verified = await purposeql.execute<{ verifySubjectIdentity: Request }>(VERIFY, { purpose: RIGHTS, variables: { id: opened.id } });
    expect(verified.data?.verifySubjectIdentity).toMatchObject({
      status: "IDENTITY_VERIFIED",
      identityVerifiedAt: clock.toISOString(),
      identityVerificationMethod: "signed-in account",
    });

    const extended = await purposeql.execute<{ extendSubjectRequest: Request }>(EXTEND, { purpose: RIGHTS, variables: { id: opened.id } });
    expect(extended.data?.extendSubjectRequest).toMatchObject({
      dueOn: "2027-04-30",
      firstDueOn: "2027-02-28",
      dueAt: "2027-04-30T20:59:59.999Z", // Riga is on summer time (UTC+3) by then
      extensionReason: "Many linked requests",
    });

    clock = new Date("2027-03-15T12:00:00.000Z");
    const completed = await purposeql.execute<{ completeSubjectRequest: { request: Request; recipientsToNotify: unknown[] } }>(COMPLETE, {
      purpose: RIGHTS,
      variables: { id: opened.id },
    });
    expect(completed.errors).toBeUndefined();
    expect(completed.data?.completeSubjectRequest).toEqual({
      request: expect.objectContaining({ status: "COMPLETED", closedAt: clock.toISOString(), overdue: false }),
      recipientsToNotify: [],
    });

    const events = await changeEventsOf(subjectId);
    expect(events.map((event) => event.operation)).toEqual([
      "createSubject",
      "openSubjectRequest",
      "verifySubjectIdentity",
      "extendSubjectRequest",
      "completeSubjectRequest",
    ]);
    for (const event of events.slice(1)) {
      expect(event).toEqual({
        operation: event.operation,
        written: ["user.privacy_preferences"],
        purpose_key: RIGHTS,
        client_name: "development",
      });
    }
  });

  it("refuses to extend twice, or after the first deadline has passed, and says why", async () => {
    const subjectId = await newSubject();
    const first = await open(subjectId, "ERASURE");
    await purposeql.execute(EXTEND, { purpose: RIGHTS, variables: { id: first.id, months: 1 } });
    const twice = await purposeql.execute(EXTEND, { purpose: RIGHTS, variables: { id: first.id } });
    expect(errorCodes(twice)).toEqual(["CONFLICT"]);
    expect(twice.errors?.[0]?.message).toMatch(/one extension/);

    const second = await open(subjectId, "ERASURE");
    clock = new Date(clock.getTime() + 40 * DAY_MS);
    const late = await purposeql.execute(EXTEND, { purpose: RIGHTS, variables: { id: second.id } });
    expect(errorCodes(late)).toEqual(["CONFLICT"]);
    expect(late.errors?.[0]?.message).toMatch(/first deadline .* has passed/);
    const tooLong = await purposeql.execute(EXTEND, { purpose: RIGHTS, variables: { id: second.id, months: 3 } });
    expect(errorCodes(tooLong)).toEqual(["BAD_USER_INPUT"]);
    const [row] = await purposeql.services.dataSource.getRepository(SubjectRequestRow).findBy({ id: second.id });
    expect(row).toMatchObject({ extendedDueAt: null, extensionReason: null });
  });

  it("completes an access, portability or erasure request only once the identity is verified; a refusal needs a reason; a closed request stays closed", async () => {
    const subjectId = await newSubject();
    for (const kind of ["ACCESS", "PORTABILITY", "ERASURE"]) {
      const request = await open(subjectId, kind);
      const early = await purposeql.execute(COMPLETE, { purpose: RIGHTS, variables: { id: request.id } });
      expect({ kind, codes: errorCodes(early) }).toEqual({ kind, codes: ["CONFLICT"] });
      expect(early.errors?.[0]?.message).toMatch(/verify the person's identity first/);
    }
    const restriction = await open(subjectId, "RESTRICTION");
    const blank = await purposeql.execute(REFUSE, { purpose: RIGHTS, variables: { id: restriction.id, reason: "   " } });
    expect(errorCodes(blank)).toEqual(["BAD_USER_INPUT"]);
    const missing = await purposeql.execute(`mutation ($id: ID!) { refuseSubjectRequest(requestId: $id) { id } }`, {
      purpose: RIGHTS,
      variables: { id: restriction.id },
    });
    expect(errorCodes(missing)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);

    const refused = await purposeql.execute<{ refuseSubjectRequest: Request }>(REFUSE, {
      purpose: RIGHTS,
      variables: { id: restriction.id, reason: "Manifestly unfounded: the fifth identical request this month (Art. 12(5))" },
    });
    expect(refused.data?.refuseSubjectRequest).toMatchObject({ status: "REFUSED", refusalReason: expect.stringMatching(/^Manifestly/) });
    for (const attempt of [COMPLETE, VERIFY, EXTEND]) {
      const again = await purposeql.execute(attempt, { purpose: RIGHTS, variables: { id: restriction.id } });
      expect(errorCodes(again)).toEqual(["CONFLICT"]);
    }
    const unknown = await purposeql.execute(VERIFY, { purpose: RIGHTS, variables: { id: "00000000-0000-4000-8000-000000000000" } });
    expect(errorCodes(unknown)).toEqual(["NOT_FOUND"]);
    const future = await purposeql.execute(OPEN, {
      purpose: RIGHTS,
      variables: { subjectId, kind: "ACCESS", receivedAt: new Date(clock.getTime() + DAY_MS).toISOString() },
    });
    expect(errorCodes(future)).toEqual(["BAD_USER_INPUT"]);
    // Years 0–99 would be read back a century or two later; no request predates the GDPR.
    for (const receivedAt of ["0049-06-01T00:00:00Z", "2018-05-24T23:59:59Z"]) {
      const ancient = await purposeql.execute(OPEN, { purpose: RIGHTS, variables: { subjectId, kind: "ERASURE", receivedAt } });
      expect({ receivedAt, codes: errorCodes(ancient) }).toEqual({ receivedAt, codes: ["BAD_USER_INPUT"] });
    }
    const nul = await purposeql.execute(REFUSE, {
      purpose: RIGHTS,
      variables: { id: (await open(subjectId, "OBJECTION")).id, reason: "a\u0000b" },
    });
    expect(errorCodes(nul)).toEqual(["BAD_USER_INPUT"]);
    const emptyStatus = await purposeql.execute(`{ subjectRequests(status: []) { totalCount } }`, { purpose: RIGHTS });
    expect(errorCodes(emptyStatus)).toEqual(["BAD_USER_INPUT"]);
    const ancientDue = await purposeql.execute(`{ subjectRequests(dueBefore: "0000-01-01T00:00:00Z") { totalCount } }`, {
      purpose: RIGHTS,
    });
    expect(errorCodes(ancientDue)).toEqual(["BAD_USER_INPUT"]);
    const malformed = await purposeql.execute(VERIFY, { purpose: RIGHTS, variables: { id: "not-a-uuid" } });
    expect(malformed.errors?.[0]?.message).toBe("Invalid input: requestId is not a subject request id");
  });

  it("list most urgent first, filtered by status and deadline, a page at a time, with overdue requests flagged", async () => {
    clock = new Date("2031-06-01T09:00:00.000Z");
    const subjectId = await newSubject("Listed Person");
    const late = await open(subjectId, "OBJECTION", "2031-04-20T09:00:00.000Z"); // due 20 May: overdue
    const soon = await open(subjectId, "ACCESS", "2031-05-10T09:00:00.000Z"); // due 10 June
    const later = await open(subjectId, "RECTIFICATION", "2031-05-30T09:00:00.000Z"); // due 30 June
    const done = await open(subjectId, "RESTRICTION", "2031-04-01T09:00:00.000Z");
    await purposeql.execute(COMPLETE, { purpose: RIGHTS, variables: { id: done.id } });

    const LIST = `query ($status: [SubjectRequestStatus!], $dueBefore: DateTime, $first: Int, $after: String) {
      subjectRequests(status: $status, dueBefore: $dueBefore, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id kind dueOn overdue status } }
      }
    }`;
    type Page = {
      subjectRequests: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: Request }[] };
    };
    const mine = (page: Page) =>
      page.subjectRequests.edges.map((edge) => edge.node).filter((node) => [late.id, soon.id, later.id, done.id].includes(node.id));

    const open1 = await purposeql.execute<Page>(LIST, {
      purpose: RIGHTS,
      variables: { status: ["RECEIVED", "IDENTITY_VERIFIED"], dueBefore: "2031-07-01T00:00:00Z", first: 100 },
    });
    expect(open1.errors).toBeUndefined();
    expect(mine(open1.data!)).toEqual([
      { id: late.id, kind: "OBJECTION", dueOn: "2031-05-20", overdue: true, status: "RECEIVED" },
      { id: soon.id, kind: "ACCESS", dueOn: "2031-06-10", overdue: false, status: "RECEIVED" },
      { id: later.id, kind: "RECTIFICATION", dueOn: "2031-06-30", overdue: false, status: "RECEIVED" },
    ]);
    const dueSoon = await purposeql.execute<Page>(LIST, {
      purpose: RIGHTS,
      variables: { dueBefore: "2031-06-11T00:00:00Z", status: ["RECEIVED"], first: 100 },
    });
    expect(mine(dueSoon.data!).map((node) => node.id)).toEqual([late.id, soon.id]);

    // Paging one at a time visits every request once, in the same order.
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { data?: Page | null } = await purposeql.execute<Page>(LIST, { purpose: RIGHTS, variables: { first: 1, after } });
      seen.push(...page.data!.subjectRequests.edges.map((edge) => edge.node.id));
      if (!page.data!.subjectRequests.pageInfo.hasNextPage) break;
      after = page.data!.subjectRequests.pageInfo.endCursor;
    }
    const all = await purposeql.execute<Page>(LIST, { purpose: RIGHTS, variables: { first: 100 } });
    expect(seen).toEqual(all.data!.subjectRequests.edges.map((edge) => edge.node.id));
    expect(seen).toHaveLength(all.data!.subjectRequests.totalCount);

    const forged = await purposeql.execute(LIST, { purpose: RIGHTS, variables: { after: Buffer.from("subject:1").toString("base64url") } });
    expect(errorCodes(forged)).toEqual(["BAD_USER_INPUT"]);
  });

  it("complete a rectification with its corrections, validated like updateSubject, and name the clients that received the old values", async () => {
    const subjectId = await newSubject("Wrong Name");
    const crm = await createTestClient(purposeql, { name: "crm-rectify", role: ClientRole.INTERNAL_APP, purposes: [SERVICE] });
    const stats = await createTestClient(purposeql, {
      name: "stats-rectify",
      role: ClientRole.INTERNAL_APP,
      purposes: ["analytics.reporting"],
    });
    const READ = `query ($id: ID!) { subject(id: $id) { fullName email country } }`;
    clock = new Date(clock.getTime() + 1_000);
    expect((await purposeql.execute(READ, { purpose: SERVICE, apiKey: crm, variables: { id: subjectId } })).errors).toBeUndefined();
    await purposeql.execute(`query ($id: ID!) { subject(id: $id) { country } }`, {
      purpose: "analytics.reporting",
      apiKey: stats,
      variables: { id: subjectId },
    });
    const readAt = clock.toISOString();

    const request = await open(subjectId, "RECTIFICATION");
    const withoutCorrections = await purposeql.execute(COMPLETE, { purpose: RIGHTS, variables: { id: request.id } });
    expect(errorCodes(withoutCorrections)).toEqual(["BAD_USER_INPUT"]);
    const invalid = await purposeql.execute(COMPLETE, {
      purpose: RIGHTS,
      variables: { id: request.id, rectification: { corrections: { email: "not-an-address" } } },
    });
    expect(errorCodes(invalid)).toEqual(["BAD_USER_INPUT"]);

    clock = new Date(clock.getTime() + 60_000);
    const completed = await purposeql.execute<{ completeSubjectRequest: { request: Request; recipientsToNotify: unknown[] } }>(COMPLETE, {
      purpose: RIGHTS,
      variables: { id: request.id, rectification: { corrections: { fullName: "Right Name" } } },
    });
    expect(completed.errors).toBeUndefined();
    expect(completed.data?.completeSubjectRequest).toEqual({
      request: expect.objectContaining({ status: "COMPLETED" }),
      // The statistics client never received the name: only the CRM is to be told.
      recipientsToNotify: [{ clientName: "crm-rectify", categories: ["user.name"], lastReceivedAt: readAt }],
    });
    const [row] = await purposeql.services.dataSource.query<{ full_name: string }[]>(`SELECT full_name FROM data_subject WHERE id = $1`, [
      subjectId,
    ]);
    expect(row?.full_name).toBe("Right Name");
    const events = await changeEventsOf(subjectId);
    expect(events.at(-1)).toMatchObject({ operation: "completeSubjectRequest", written: ["user.name", "user.privacy_preferences"] });

    // Other kinds take no corrections.
    const access = await open(subjectId, "OBJECTION");
    const stray = await purposeql.execute(COMPLETE, {
      purpose: RIGHTS,
      variables: { id: access.id, rectification: { corrections: { fullName: "Sneaky" } } },
    });
    expect(errorCodes(stray)).toEqual(["BAD_USER_INPUT"]);
  });

  it("are handled only by clients holding HANDLE_REQUESTS; corrections need MANAGE_SUBJECTS too; a partner changes nothing", async () => {
    const subjectId = await newSubject();
    const request = await open(subjectId, "RECTIFICATION");
    const reader = await createTestClient(purposeql, { name: "rights-reader", role: ClientRole.INTERNAL_APP, purposes: [RIGHTS] });
    const handler = await createTestClient(purposeql, {
      name: "rights-desk",
      role: ClientRole.INTERNAL_APP,
      purposes: [RIGHTS],
      capabilities: [Capability.HANDLE_REQUESTS],
    });
    const partner = await createTestClient(purposeql, { name: "rights-partner", role: ClientRole.PARTNER, purposes: [RIGHTS] });

    for (const apiKey of [reader, partner]) {
      const opened = await purposeql.execute(OPEN, {
        purpose: RIGHTS,
        apiKey,
        variables: { subjectId, kind: "ACCESS", receivedAt: clock.toISOString() },
      });
      expect(errorCodes(opened)).toEqual(["FORBIDDEN"]);
      const listed = await purposeql.execute(`{ subjectRequests { totalCount } }`, { purpose: RIGHTS, apiKey });
      expect(errorCodes(listed)).toEqual(["FORBIDDEN"]);
    }
    const corrected = await purposeql.execute(COMPLETE, {
      purpose: RIGHTS,
      apiKey: handler,
      variables: { id: request.id, rectification: { corrections: { fullName: "Changed" } } },
    });
    expect(corrected.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", capability: "MANAGE_SUBJECTS" });
    const rows = await purposeql.services.dataSource.getRepository(SubjectRequestRow).findBy({ subjectId });
    expect(rows.map((row) => row.status)).toEqual(["RECEIVED"]);
    expect((await changeEventsOf(subjectId)).map((event) => event.operation)).toEqual(["createSubject", "openSubjectRequest"]);
  });

  it("of concurrent changes to one request, each decides on what the one before left: one extension, one closing", async () => {
    const subjectId = await newSubject();
    const request = await open(subjectId, "OBJECTION");
    const extensions = await Promise.all(
      Array.from({ length: 6 }, () => purposeql.execute(EXTEND, { purpose: RIGHTS, variables: { id: request.id, months: 1 } })),
    );
    expect(extensions.map((response) => errorCodes(response)[0] ?? "OK").sort()).toEqual([
      "CONFLICT",
      "CONFLICT",
      "CONFLICT",
      "CONFLICT",
      "CONFLICT",
      "OK",
    ]);
    const closings = await Promise.all([
      purposeql.execute(COMPLETE, { purpose: RIGHTS, variables: { id: request.id } }),
      purposeql.execute(REFUSE, { purpose: RIGHTS, variables: { id: request.id, reason: "Withdrawn by the person" } }),
      purposeql.execute(COMPLETE, { purpose: RIGHTS, variables: { id: request.id } }),
    ]);
    expect(closings.filter((response) => response.errors === undefined)).toHaveLength(1);
    expect(closings.flatMap((response) => errorCodes(response))).toEqual(["CONFLICT", "CONFLICT"]);
    const operations = (await changeEventsOf(subjectId)).map((event) => event.operation);
    expect(operations.filter((operation) => operation === "extendSubjectRequest")).toHaveLength(1);
    expect(operations.filter((operation) => operation === "completeSubjectRequest" || operation === "refuseSubjectRequest")).toHaveLength(
      1,
    );
  });

  it("can still be answered while the person's processing is restricted", async () => {
    const subjectId = await newSubject();
    const restricted = await purposeql.execute(`mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`, {
      purpose: "essential.service",
      variables: { id: subjectId },
    });
    expect(restricted.errors).toBeUndefined();
    const request = await open(subjectId, "RESTRICTION");
    expect(request).toMatchObject({ kind: "RESTRICTION", status: "RECEIVED", dueOn: "2027-02-28" });
  });
});
