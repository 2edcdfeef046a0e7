import { ClientRole } from "../src/domain/policy-terms";
import { createTestClient, errorCodes, inProcessPurposeQLForThisFile, type GraphQLResponse } from "./support/harness";

/**
 * Relay connections (issue 12, item 7): full `pageInfo` — `hasPreviousPage` and `startCursor` too,
 * exact whichever way a page is read (`first`/`after` forward, `last`/`before` backward) — and
 * opaque cursors that reveal nothing, least of all about subjects the caller may not list: they
 * hold no id and no position in clear, cannot be forged or altered, and are refused in another
 * list, by another key, or under another purpose.
 */

const purposeql = inProcessPurposeQLForThisFile();
const SERVICE = "essential.service";
const RIGHTS = "essential.data_subject_rights";
/** Consent-based: the list holds exactly the subjects that consented, whatever else the file created. */
const PERSONALIZE = "personalize";

interface PageInfo {
  hasPreviousPage: boolean;
  hasNextPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}
interface Page {
  totalCount: number;
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: PageInfo;
}

const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String) {
  subjects(first: $first, after: $after, last: $last, before: $before) {
    totalCount edges { cursor node { id } } pageInfo { hasPreviousPage hasNextPage startCursor endCursor }
  }
}`;

async function page(
  variables: Record<string, unknown>,
  purpose = PERSONALIZE,
  apiKey?: string,
): Promise<GraphQLResponse<{ subjects: Page }>> {
  return purposeql.execute<{ subjects: Page }>(PAGE, { purpose, variables, ...(apiKey === undefined ? {} : { apiKey }) });
}

async function pageOk(variables: Record<string, unknown>, purpose = PERSONALIZE): Promise<Page> {
  const response = await page(variables, purpose);
  expect(response.errors).toBeUndefined();
  return response.data!.subjects;
}

const ids = (result: Page): string[] => result.edges.map((edge) => edge.node.id);

async function newSubject(name: string, consenting: boolean): Promise<string> {
  const created = await purposeql.execute<{ createSubject: { id: string } }>(
    `mutation ($name: String!) { createSubject(input: { fullName: $name }) { id } }`,
    { purpose: SERVICE, variables: { name } },
  );
  const id = created.data!.createSubject.id;
  if (consenting) {
    const consent = await purposeql.execute(`mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${PERSONALIZE}") { id } }`, {
      purpose: PERSONALIZE,
      variables: { id },
    });
    expect(consent.errors).toBeUndefined();
  }
  return id;
}

/** In creation order; only those consenting are in the personalisation list. */
const listed: string[] = [];
const unlisted: string[] = [];

beforeAll(async () => {
  // Subjects the personalisation purpose may not list stand before, between and after those it may.
  for (const [index, consenting] of [false, true, true, false, true, true, true, false].entries()) {
    const id = await newSubject(`Paged ${index}`, consenting);
    (consenting ? listed : unlisted).push(id);
  }
});

describe("pageInfo", () => {
  it("forward: exact flags and both cursors on every page, the first and last included", async () => {
    const first = await pageOk({ first: 2 });
    expect(first.totalCount).toBe(5);
    expect(ids(first)).toEqual(listed.slice(0, 2));
    expect(first.pageInfo).toEqual({
      hasPreviousPage: false,
      hasNextPage: true,
      startCursor: first.edges[0]!.cursor,
      endCursor: first.edges[1]!.cursor,
    });
    const second = await pageOk({ first: 2, after: first.pageInfo.endCursor });
    expect(ids(second)).toEqual(listed.slice(2, 4));
    expect(second.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const last = await pageOk({ first: 2, after: second.pageInfo.endCursor });
    expect(ids(last)).toEqual(listed.slice(4));
    // Subjects the purpose may not list follow the last one: they are not a next page.
    expect(last.pageInfo).toEqual({
      hasPreviousPage: true,
      hasNextPage: false,
      startCursor: last.edges[0]!.cursor,
      endCursor: last.edges[0]!.cursor,
    });
    const beyond = await pageOk({ first: 2, after: last.pageInfo.endCursor });
    expect(beyond).toEqual({
      totalCount: 5,
      edges: [],
      pageInfo: { hasPreviousPage: true, hasNextPage: false, startCursor: null, endCursor: null },
    });
  });

  it("backward: last and before read the same list from its end, with the same exact flags", async () => {
    const end = await pageOk({ last: 2 });
    expect(ids(end)).toEqual(listed.slice(3));
    expect(end.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const middle = await pageOk({ last: 2, before: end.pageInfo.startCursor });
    expect(ids(middle)).toEqual(listed.slice(1, 3));
    expect(middle.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const start = await pageOk({ last: 2, before: middle.pageInfo.startCursor });
    // One subject left, and before it only subjects the purpose may not list: no previous page.
    expect(ids(start)).toEqual(listed.slice(0, 1));
    expect(start.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });

    // Between two cursors, from either end.
    const window = { after: (await pageOk({ first: 1 })).pageInfo.endCursor, before: end.pageInfo.endCursor };
    expect(ids(await pageOk({ ...window, first: 10 }))).toEqual(listed.slice(1, 4));
    expect(ids(await pageOk({ ...window, last: 2 }))).toEqual(listed.slice(2, 4));
    expect((await pageOk({ ...window, first: 10 })).pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
  });

  it("counts only what the list holds: a subject the purpose may not list is neither counted nor a page before or after", async () => {
    const service = await pageOk({ first: 100 }, SERVICE);
    // The same subjects, under a purpose that lists them all: the personalisation list left three out.
    for (const id of unlisted) expect(ids(service)).toContain(id);
    const personalised = await pageOk({ first: 100 });
    expect(ids(personalised)).toEqual(listed);
    expect(personalised.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: false });
  });

  it("refuses first with last, and a size out of range, naming the argument", async () => {
    for (const [variables, field] of [
      [{ first: 1, last: 1 }, "last"],
      [{ last: 0 }, "last"],
      [{ last: 101 }, "last"],
      [{ first: 0 }, "first"],
    ] as const) {
      const response = await page(variables);
      expect({
        variables,
        codes: errorCodes(response),
        field: (response.errors?.[0]?.extensions?.fields as { field: string }[])[0]?.field,
      }).toEqual({
        variables,
        codes: ["BAD_USER_INPUT"],
        field,
      });
    }
  });
});

describe("cursors", () => {
  it("hold neither the subject's id nor its position in clear, all of one length, and differ each time they are issued", async () => {
    // Past nine subjects, so that positions of one digit and of two are both paged.
    for (let index = 0; index < 3; index++) await newSubject(`Padding ${index}`, false);
    const all = await pageOk({ first: 100 }, SERVICE);
    const seqs = await purposeql.services.dataSource.query<{ seq: string }[]>(`SELECT seq::text AS seq FROM data_subject ORDER BY seq`);
    expect(seqs.map((row) => row.seq.length)).toEqual(expect.arrayContaining([1, 2]));
    expect(new Set(all.edges.map((edge) => edge.cursor.length))).toEqual(new Set([123]));
    for (const edge of all.edges) {
      expect(edge.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      const decoded = Buffer.from(edge.cursor, "base64url").toString("latin1");
      expect(decoded).not.toContain(edge.node.id);
      expect(decoded).not.toMatch(/subject/);
    }
    const again = await pageOk({ first: 100 }, SERVICE);
    expect(again.edges.map((edge) => edge.cursor)).not.toEqual(all.edges.map((edge) => edge.cursor));
    expect(ids(again)).toEqual(ids(all));
  });

  it("are refused when altered, forged, or used in another list, by another key or under another purpose — and never repeated", async () => {
    const cursor = (await pageOk({ first: 2 })).pageInfo.endCursor!;
    const other = await createTestClient(purposeql, {
      name: "cursor-thief",
      role: ClientRole.INTERNAL_APP,
      purposes: [PERSONALIZE, SERVICE, RIGHTS],
      capabilities: [],
    });
    const flipped = `${cursor.slice(0, 20)}${cursor[20] === "A" ? "B" : "A"}${cursor.slice(21)}`;
    const refusals: Record<string, GraphQLResponse<unknown>> = {
      altered: await page({ after: flipped }),
      truncated: await page({ after: cursor.slice(0, -2) }),
      "forged in the old format": await page({ after: Buffer.from("subject:1").toString("base64url") }),
      "not base64url": await page({ after: "not a cursor!" }),
      "as before, under another purpose": await page({ before: cursor }, SERVICE),
      "by another key": await page({ after: cursor }, PERSONALIZE, other),
      "in another list": await purposeql.execute(`query ($after: String) { subjectRequests(after: $after) { totalCount } }`, {
        purpose: RIGHTS,
        variables: { after: cursor },
      }),
    };
    for (const [how, response] of Object.entries(refusals)) {
      const fields = response.errors?.[0]?.extensions?.fields as { field: string; message: string }[] | undefined;
      expect({ how, codes: errorCodes(response), field: fields?.[0]?.field }).toEqual({
        how,
        codes: ["BAD_USER_INPUT"],
        field: how.startsWith("as before") ? "before" : "after",
      });
      expect(fields?.[0]?.message).toMatch(/^is not a cursor of this list for this API key and purpose/);
      expect(JSON.stringify(response)).not.toContain(cursor.slice(0, 12));
    }
    // The same cursor, with the key and purpose that received it, still works.
    expect(ids(await pageOk({ after: cursor, first: 1 }))).toEqual(listed.slice(2, 3));
  });
});

describe("the queue of requests, the same connection", () => {
  it("pages backward with exact flags", async () => {
    for (const id of listed.slice(0, 3)) {
      const opened = await purposeql.execute(
        `mutation ($id: ID!) { openSubjectRequest(subjectId: $id, kind: ACCESS, receivedAt: "2026-01-05T10:00:00Z", channel: EMAIL) { id } }`,
        { purpose: RIGHTS, variables: { id } },
      );
      expect(opened.errors).toBeUndefined();
    }
    const QUEUE = `query ($last: Int, $before: String) {
      subjectRequests(last: $last, before: $before) { totalCount edges { node { id } } pageInfo { hasPreviousPage hasNextPage startCursor endCursor } }
    }`;
    type Queue = { subjectRequests: Page };
    const all = await purposeql.execute<Queue>(`{ subjectRequests(first: 100) { totalCount edges { node { id } } } }`, { purpose: RIGHTS });
    const end = await purposeql.execute<Queue>(QUEUE, { purpose: RIGHTS, variables: { last: 2 } });
    expect(end.errors).toBeUndefined();
    expect(ids(end.data!.subjectRequests)).toEqual(ids(all.data!.subjectRequests).slice(1));
    expect(end.data!.subjectRequests.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const start = await purposeql.execute<Queue>(QUEUE, {
      purpose: RIGHTS,
      variables: { last: 2, before: end.data!.subjectRequests.pageInfo.startCursor },
    });
    expect(ids(start.data!.subjectRequests)).toEqual(ids(all.data!.subjectRequests).slice(0, 1));
    expect(start.data!.subjectRequests.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
  });
});

describe("the cost of a page", () => {
  it("counts a backward page by its size, as a forward one", async () => {
    const fields =
      "edges { cursor node { id fullName email phone postalAddress dateOfBirth country status serviceActive serviceActiveSince serviceActiveUntil } }";
    const twoPages = (size: number) => `{ a: subjects(last: ${size}) { ${fields} } b: subjects(last: ${size}) { ${fields} } }`;
    const heavy = await purposeql.execute(twoPages(100), { purpose: SERVICE });
    expect(errorCodes(heavy)).toEqual(["BAD_USER_INPUT"]);
    expect(heavy.errors?.[0]?.extensions?.reason).toBe("TOO_COSTLY");
    expect((await purposeql.execute(twoPages(10), { purpose: SERVICE })).errors).toBeUndefined();
  });
});
