import { verifyAuditChain } from "../src/audit/audit-chain";
import { Capability } from "../src/domain/capabilities";
import { ClientRole } from "../src/domain/policy-terms";
import { createTestClient, errorCodes, inProcessPurposeQLForThisFile, type GraphQLResponse } from "./support/harness";

/**
 * The audit answers an auditor (issue 13, item 6): accessEvents by filter, paged; a client's breach
 * scope; only for READ_AUDIT; and every such query recorded in the audit itself. The clock is moved
 * through one month on the controller's calendar (Riga, across the switch to summer time); the same
 * file runs under TZ=America/Los_Angeles in CI.
 */

let now = new Date("2026-02-01T09:00:00.000Z");
const purposeql = inProcessPurposeQLForThisFile({}, () => now);
const setClock = (iso: string): void => {
  now = new Date(iso);
};

const SERVICE = "essential.service";
const ADVERTISING = "marketing.advertising";
const ANALYTICS = "analytics.reporting";

// One month in Riga: from midnight 1 March (UTC+2) to midnight 1 April (UTC+3, after the switch on 29 March).
const FROM = "2026-03-01T00:00:00+02:00";
const TO = "2026-04-01T00:00:00+03:00";
const FROM_UTC = "2026-02-28T22:00:00.000Z";
const TO_UTC = "2026-03-31T21:00:00.000Z";

const keys = { auditor: "", partner: "", noAudit: "", leaked: "", other: "" };
const subjects = { a: "", b: "", c: "", d: "", e: "" };

interface Edge<T> {
  cursor: string;
  node: T;
}
interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}
interface EventNode {
  id: string;
  clientName: string;
  purposeKey: string;
  subjectId: string;
  operation: string;
  released: string[];
  written: string[];
  denied: string[];
  at: string;
  chainPosition: string;
}

const EVENT_FIELDS = "id clientName purposeKey subjectId operation released written denied at chainPosition";

async function run<T>(query: string, request: Parameters<typeof purposeql.execute>[1] = {}): Promise<GraphQLResponse<T>> {
  return purposeql.execute<T>(query, request);
}

/** The fields an error names (`extensions.fields`: objects, each with its field and message). */
function fieldNames(fields: unknown): string[] {
  expect(Array.isArray(fields)).toBe(true);
  return (fields as { field: string; message: string }[]).map(({ field, message }) => {
    expect(message).toEqual(expect.any(String));
    return field;
  });
}

async function ok<T>(query: string, request: Parameters<typeof purposeql.execute>[1] = {}): Promise<T> {
  const response = await run<T>(query, request);
  expect(response.errors).toBeUndefined();
  return response.data as T;
}

async function accessEvents(filter: Record<string, unknown>, first?: number, after?: string | null): Promise<Connection<EventNode>> {
  const data = await ok<{ accessEvents: Connection<EventNode> }>(
    `query ($filter: AccessEventFilter, $first: Int, $after: String) {
       accessEvents(filter: $filter, first: $first, after: $after) {
         edges { cursor node { ${EVENT_FIELDS} } }
         pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
       }
     }`,
    { apiKey: keys.auditor, variables: { filter, first, after } },
  );
  return data.accessEvents;
}

/** Every event the filter selects, page by page (`first` each); `between` runs after each page. */
async function allPages(filter: Record<string, unknown>, first: number, between?: (page: number) => Promise<void>): Promise<EventNode[]> {
  const seen: EventNode[] = [];
  let after: string | null = null;
  for (let page = 0; ; page += 1) {
    const connection = await accessEvents(filter, first, after);
    expect(connection.pageInfo.hasPreviousPage).toBe(page > 0);
    expect(connection.edges.length).toBeLessThanOrEqual(first);
    expect(connection.pageInfo.startCursor).toBe(connection.edges[0]?.cursor ?? null);
    expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
    seen.push(...connection.edges.map((edge) => edge.node));
    if (!connection.pageInfo.hasNextPage) return seen;
    after = connection.pageInfo.endCursor;
    await between?.(page);
  }
}

/**
 * The ids of the access events matching a plain SQL condition: the oracle the filters are checked
 * against. Every access event, one row each: access_event's, and each subject of a request's reads
 * in read_event (migration CompactReadAudit), in chain order.
 */
async function idsWhere(condition: string, parameters: unknown[] = []): Promise<string[]> {
  const rows: { id: string }[] = await purposeql.services.dataSource.query(
    `SELECT id FROM audit_access_event WHERE ${condition} ORDER BY chain_position, ordinal`,
    parameters,
  );
  return rows.map((row) => row.id);
}

async function newSubject(name: string, apiKey?: string): Promise<string> {
  const data = await ok<{ createSubject: { id: string } }>(
    `mutation ($n: String!, $e: String!) { createSubject(input: { fullName: $n, email: $e }) { id } }`,
    { purpose: SERVICE, variables: { n: name, e: `${name.toLowerCase()}@example.lv` }, ...(apiKey ? { apiKey } : {}) },
  );
  return data.createSubject.id;
}

async function read(apiKey: string, purpose: string, reads: Record<string, { id: string; fields: string }>): Promise<void> {
  const selections = Object.entries(reads)
    .map(([alias, { id, fields }]) => `${alias}: subject(id: "${id}") { id ${fields} }`)
    .join(" ");
  await run(`{ ${selections} }`, { apiKey, purpose });
}

beforeAll(async () => {
  keys.auditor = await createTestClient(purposeql, {
    name: "dpo",
    role: ClientRole.INTERNAL_APP,
    purposes: [],
    capabilities: [Capability.READ_AUDIT],
  });
  keys.partner = await createTestClient(purposeql, { name: "stats-partner", role: ClientRole.PARTNER, purposes: [ANALYTICS] });
  keys.noAudit = await createTestClient(purposeql, {
    name: "crm",
    role: ClientRole.INTERNAL_APP,
    purposes: [SERVICE],
    capabilities: [Capability.MANAGE_SUBJECTS, Capability.EXPORT, Capability.ERASE],
  });
  keys.leaked = await createTestClient(purposeql, {
    name: "leaked-app",
    role: ClientRole.INTERNAL_APP,
    purposes: [SERVICE, ADVERTISING],
    capabilities: [Capability.MANAGE_SUBJECTS],
  });
  keys.other = await createTestClient(purposeql, { name: "other-app", role: ClientRole.INTERNAL_APP, purposes: [SERVICE] });

  setClock("2026-02-01T09:00:00.000Z");
  subjects.a = await newSubject("Anna");
  subjects.b = await newSubject("Berta");
  subjects.c = await newSubject("Cilda");
  subjects.e = await newSubject("Emil");

  // The leaked key's month, and what lies just outside it.
  setClock("2026-02-27T10:00:00.000Z");
  await read(keys.leaked, SERVICE, { e: { id: subjects.e, fields: "fullName" } });
  setClock(FROM_UTC);
  await read(keys.leaked, SERVICE, { a: { id: subjects.a, fields: "fullName email" } });
  setClock("2026-03-10T12:00:00.000Z");
  await read(keys.leaked, SERVICE, { a: { id: subjects.a, fields: "fullName" }, b: { id: subjects.b, fields: "fullName email" } });
  await read(keys.other, SERVICE, { a: { id: subjects.a, fields: "fullName email" } });
  setClock("2026-03-12T08:00:00.000Z");
  expect(errorCodes(await run(`{ subject(id: "${subjects.a}") { ipAddress } }`, { apiKey: keys.leaked, purpose: SERVICE }))).toEqual([
    "PURPOSE_LIMITATION",
  ]);
  setClock("2026-03-13T08:00:00.000Z");
  expect(errorCodes(await run(`{ subjects { totalCount } }`, { apiKey: keys.leaked, purpose: ANALYTICS }))).toEqual(["FORBIDDEN"]);
  setClock("2026-03-15T12:00:00.000Z");
  await read(keys.leaked, ADVERTISING, { c: { id: subjects.c, fields: "fullName" } });
  setClock("2026-03-20T12:00:00.000Z");
  await ok(`mutation ($id: ID!) { updateSubject(id: $id, input: { email: "anna.new@example.lv" }) { id } }`, {
    apiKey: keys.leaked,
    purpose: SERVICE,
    variables: { id: subjects.a },
  });
  // On the night Riga moves its clocks.
  setClock("2026-03-29T01:30:00.000Z");
  subjects.d = await newSubject("Dace", keys.leaked);
  setClock("2026-03-31T20:59:59.999Z");
  await read(keys.leaked, SERVICE, { b: { id: subjects.b, fields: "email" } });
  setClock(TO_UTC);
  await read(keys.leaked, SERVICE, { e: { id: subjects.e, fields: "fullName email" } });
  setClock("2026-04-02T09:00:00.000Z");
});

const AUDIT_QUERIES: readonly [string, string][] = [
  ["accessEvents", `{ accessEvents { edges { node { id } } } }`],
  ["breachScope", `{ breachScope(clientName: "leaked-app", from: "${FROM}", to: "${TO}") { events } }`],
  ["requestEvents", `{ requestEvents { edges { node { id } } } }`],
  ["accessLog", `{ accessLog(subjectId: "00000000-0000-4000-8000-000000000000") { id } }`],
];

describe("who may read the audit", () => {
  it.each(AUDIT_QUERIES)("%s needs READ_AUDIT: a PARTNER and a client without it are refused before execution", async (_field, query) => {
    for (const apiKey of [keys.partner, keys.noAudit]) {
      const response = await run(query, { apiKey, purpose: apiKey === keys.partner ? ANALYTICS : SERVICE });
      expect(response.data ?? null).toBeNull();
      expect(errorCodes(response)).toEqual(["FORBIDDEN"]);
      expect(response.errors?.[0]?.extensions).toMatchObject({ reason: "CAPABILITY_MISSING", missingCapabilities: ["READ_AUDIT"] });
    }
    expect((await run(query, { apiKey: keys.auditor })).errors).toBeUndefined();
  });

  it("a PARTNER cannot be given READ_AUDIT", async () => {
    await expect(
      createTestClient(purposeql, {
        name: "greedy-partner",
        role: ClientRole.PARTNER,
        purposes: [ANALYTICS],
        capabilities: [Capability.READ_AUDIT],
      }),
    ).rejects.toThrow(/a PARTNER client holds no capability/);
    await expect(
      purposeql.services.dataSource.query(`UPDATE client SET capabilities = '{READ_AUDIT}' WHERE name = 'stats-partner'`),
    ).rejects.toThrow(/client_partner_holds_no_capability/);
  });
});

describe("accessEvents", () => {
  it("selects by client, exactly the events that client wrote, in chain order", async () => {
    const events = await allPages({ clientName: "leaked-app" }, 100);
    expect(events.map((event) => event.id)).toEqual(await idsWhere(`client_name = 'leaked-app'`));
    expect(events).toHaveLength(9);
    expect(events.map((event) => [event.subjectId, event.operation])).toEqual([
      [subjects.e, "read"],
      [subjects.a, "read"],
      [subjects.a, "read"],
      [subjects.b, "read"],
      [subjects.c, "read"],
      [subjects.a, "updateSubject"],
      [subjects.d, "createSubject"],
      [subjects.b, "read"],
      [subjects.e, "read"],
    ]);
    const positions = events.map((event) => BigInt(event.chainPosition));
    expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
  });

  it("selects by purpose, subject, operation and category (a category covers those beneath it; released, written or denied)", async () => {
    const ids = async (filter: Record<string, unknown>) => (await allPages(filter, 3)).map((event) => event.id);
    expect(await ids({ purposeKey: ADVERTISING })).toEqual(await idsWhere(`purpose_key = $1`, [ADVERTISING]));
    expect(await ids({ purposeKey: ADVERTISING })).toHaveLength(1);
    expect(await ids({ subjectId: subjects.a })).toEqual(await idsWhere(`subject_id = $1`, [subjects.a]));
    expect(await ids({ subjectId: subjects.a.toUpperCase() })).toEqual(await idsWhere(`subject_id = $1`, [subjects.a]));
    expect(await ids({ operation: "updateSubject" })).toEqual(await idsWhere(`operation = 'updateSubject'`));
    expect(await ids({ category: "user.contact.email" })).toEqual(
      await idsWhere(`'user.contact.email' = ANY (released || written || denied)`),
    );
    expect(await ids({ category: "user.contact" })).toEqual(await ids({ category: "user.contact.email" }));
    expect(await ids({ category: "user.name" })).toContain((await ids({ purposeKey: ADVERTISING }))[0]); // the denied read
    // A sibling whose key merely starts alike is not beneath it (`user.account` ≠ `user.account_x`), and `_` is no wildcard.
    expect(await ids({ category: "user.privacy_preferences" })).toEqual(
      await idsWhere(`'user.privacy_preferences' = ANY (released || written || denied)`),
    );
    expect(await ids({ clientName: "leaked-app", operation: "read", subjectId: subjects.b })).toHaveLength(2);
  });

  it("selects a window [from, to): the instant `from` is in, the instant `to` is out, whatever the offsets say", async () => {
    const inMonth = await allPages({ clientName: "leaked-app", from: FROM, to: TO }, 4);
    expect(inMonth.map((event) => event.at)).toEqual([
      FROM_UTC,
      "2026-03-10T12:00:00.000Z",
      "2026-03-10T12:00:00.000Z",
      "2026-03-15T12:00:00.000Z",
      "2026-03-20T12:00:00.000Z",
      "2026-03-29T01:30:00.000Z",
      "2026-03-31T20:59:59.999Z",
    ]);
    // The same instants written with other offsets select the same events.
    const sameInstants = await allPages(
      { clientName: "leaked-app", from: "2026-02-28T14:00:00-08:00", to: "2026-03-31T14:00:00-07:00" },
      100,
    );
    expect(sameInstants.map((event) => event.id)).toEqual(inMonth.map((event) => event.id));
    expect((await allPages({ clientName: "leaked-app", to: FROM }, 100)).map((event) => event.subjectId)).toEqual([subjects.e]);
    expect((await allPages({ clientName: "leaked-app", from: TO }, 100)).map((event) => event.at)).toEqual([TO_UTC]);
  });

  it("pages without repeating or skipping an event, even when events are written between pages with an earlier time", async () => {
    const filter = { clientName: "other-app", from: "2026-01-01T00:00:00Z", to: "2026-12-31T00:00:00Z" };
    for (let i = 0; i < 5; i += 1) await read(keys.other, SERVICE, { a: { id: subjects.a, fields: "fullName" } });
    const before = await idsWhere(`client_name = 'other-app'`);
    const written: string[] = [];
    const paged = await allPages(filter, 2, async (page) => {
      // A request that started earlier commits later: its event's time is before those already read.
      setClock(page % 2 === 0 ? "2026-03-01T00:00:00.000Z" : "2026-05-01T00:00:00.000Z");
      await read(keys.other, SERVICE, { b: { id: subjects.b, fields: "fullName" } });
      written.push(...(await idsWhere(`client_name = 'other-app'`)).filter((id) => !before.includes(id) && !written.includes(id)));
      setClock("2026-04-02T09:00:00.000Z");
    });
    const ids = paged.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(await idsWhere(`client_name = 'other-app'`));
    expect(ids).toEqual([...before, ...written]);
    expect(written.length).toBeGreaterThanOrEqual(3);
  });

  it("refuses a filter it cannot answer truthfully, naming the field and never repeating the value", async () => {
    const refused = async (variables: Record<string, unknown>, fields: string[]) => {
      const response = await run(
        `query ($filter: AccessEventFilter, $first: Int, $after: String) { accessEvents(filter: $filter, first: $first, after: $after) { edges { cursor } } }`,
        { apiKey: keys.auditor, variables },
      );
      expect(errorCodes(response)).toEqual(["BAD_USER_INPUT"]);
      expect(fieldNames(response.errors?.[0]?.extensions?.fields)).toEqual(fields);
      expect(response.data ?? null).toBeNull();
      return response.errors?.[0]?.message ?? "";
    };
    expect(await refused({ filter: { from: TO, to: FROM } }, ["filter.from", "filter.to"])).toMatch(/from must be before filter\.to/);
    await refused({ filter: { from: FROM, to: FROM } }, ["filter.from", "filter.to"]);
    expect(await refused({ filter: { purposeKey: "marketing.anna@example.lv" } }, ["filter.purposeKey"])).not.toContain("anna");
    expect(await refused({ filter: { category: "user.shoe_size" } }, ["filter.category"])).not.toContain("shoe");
    expect(await refused({ filter: { clientName: "Anna Bērziņa" } }, ["filter.clientName"])).not.toContain("Anna");
    await refused({ filter: { operation: "anna@example.lv" } }, ["filter.operation"]);
    await refused({ filter: { subjectId: "anna" } }, ["filter.subjectId"]);
    await refused({ first: 0 }, ["first"]);
    await refused({ first: 101 }, ["first"]);
    await refused({ after: "bm90IGEgY3Vyc29y" }, ["after"]);
    // A cursor of another list is no cursor of this one.
    const scope = await ok<{ breachScope: { subjects: Connection<unknown> } }>(
      `{ breachScope(clientName: "leaked-app", from: "${FROM}", to: "${TO}", first: 1) { subjects { pageInfo { endCursor } } } }`,
      { apiKey: keys.auditor },
    );
    await refused({ after: scope.breachScope.subjects.pageInfo.endCursor }, ["after"]);
    const malformedTime = await run(`{ accessEvents(filter: { from: "2026-03-01T00:00:00" }) { edges { cursor } } }`, {
      apiKey: keys.auditor,
    });
    expect(errorCodes(malformedTime)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });
});

describe("breachScope", () => {
  interface Scope {
    clientName: string;
    from: string;
    to: string;
    events: number;
    readEvents: number;
    writeEvents: number;
    subjectsRead: number;
    subjectsWritten: number;
    subjectsTouched: number;
    firstEventAt: string | null;
    lastEventAt: string | null;
    categoriesReleased: { category: string; subjects: number; events: number }[];
    categoriesWritten: { category: string; subjects: number; events: number }[];
    writes: { operation: string; events: number; subjects: number }[];
    refusals: { reason: string; requests: number; firstAt: string; lastAt: string }[];
    subjects: Connection<{ subjectId: string; released: string[]; written: string[]; firstEventAt: string; lastEventAt: string }>;
  }
  const scope = async (clientName: string, first?: number, after?: string | null, from = FROM, to = TO): Promise<Scope> =>
    (
      await ok<{ breachScope: Scope }>(
        `query ($c: String!, $from: DateTime!, $to: DateTime!, $first: Int, $after: String) {
           breachScope(clientName: $c, from: $from, to: $to, first: $first, after: $after) {
             clientName from to events readEvents writeEvents subjectsRead subjectsWritten subjectsTouched firstEventAt lastEventAt
             categoriesReleased { category subjects events } categoriesWritten { category subjects events }
             writes { operation events subjects } refusals { reason requests firstAt lastAt }
             subjects { edges { cursor node { subjectId released written firstEventAt lastEventAt } }
                        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
           }
         }`,
        { apiKey: keys.auditor, variables: { c: clientName, from, to, first, after } },
      )
    ).breachScope;

  it("gives a leaked key's month exactly: subjects, categories per subject count, reads and writes apart, first and last event, refusals", async () => {
    const found = await scope("leaked-app", 100);
    expect(found).toMatchObject({
      clientName: "leaked-app",
      from: FROM_UTC,
      to: TO_UTC,
      events: 7,
      readEvents: 5,
      writeEvents: 2,
      subjectsRead: 2,
      subjectsWritten: 2,
      subjectsTouched: 3,
      firstEventAt: FROM_UTC,
      lastEventAt: "2026-03-31T20:59:59.999Z",
      categoriesReleased: [
        { category: "user.contact.email", subjects: 2, events: 3 },
        { category: "user.name", subjects: 2, events: 3 },
      ],
      categoriesWritten: [
        { category: "user.account.service_relationship", subjects: 1, events: 1 },
        { category: "user.account.status", subjects: 1, events: 1 },
        { category: "user.contact.email", subjects: 2, events: 2 },
        { category: "user.name", subjects: 1, events: 1 },
      ],
      writes: [
        { operation: "createSubject", events: 1, subjects: 1 },
        { operation: "updateSubject", events: 1, subjects: 1 },
      ],
      refusals: [
        { reason: "NOT_GRANTED", requests: 1, firstAt: "2026-03-12T08:00:00.000Z", lastAt: "2026-03-12T08:00:00.000Z" },
        { reason: "PURPOSE_NOT_ALLOWED", requests: 1, firstAt: "2026-03-13T08:00:00.000Z", lastAt: "2026-03-13T08:00:00.000Z" },
      ],
    });
    const bySubject = Object.fromEntries(found.subjects.edges.map((edge) => [edge.node.subjectId, edge.node]));
    expect(Object.keys(bySubject).sort()).toEqual([subjects.a, subjects.b, subjects.d].sort());
    expect(bySubject[subjects.a]).toEqual({
      subjectId: subjects.a,
      released: ["user.contact.email", "user.name"],
      written: ["user.contact.email"],
      firstEventAt: FROM_UTC,
      lastEventAt: "2026-03-20T12:00:00.000Z",
    });
    expect(bySubject[subjects.b]).toMatchObject({ released: ["user.contact.email", "user.name"], written: [] });
    expect(bySubject[subjects.d]).toMatchObject({
      released: [],
      written: ["user.account.service_relationship", "user.account.status", "user.contact.email", "user.name"],
      firstEventAt: "2026-03-29T01:30:00.000Z",
    });
    expect(JSON.stringify(found)).not.toMatch(/Anna|Berta|Dace|example\.lv/);
  });

  it("pages its subjects by id, each once", async () => {
    const first = await scope("leaked-app", 2);
    expect(first.subjects.edges).toHaveLength(2);
    expect(first.subjects.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await scope("leaked-app", 2, first.subjects.pageInfo.endCursor);
    expect(second.subjects.edges).toHaveLength(1);
    expect(second.subjects.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(second.events).toBe(first.events);
    const ids = [...first.subjects.edges, ...second.subjects.edges].map((edge) => edge.node.subjectId);
    expect(ids).toEqual([subjects.a, subjects.b, subjects.d].sort());
  });

  it("answers an empty window with zeros and no times, and refuses a window that is not one", async () => {
    const empty = await scope("leaked-app", 5, null, "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z");
    expect(empty).toMatchObject({
      events: 0,
      subjectsTouched: 0,
      firstEventAt: null,
      lastEventAt: null,
      categoriesReleased: [],
      writes: [],
      refusals: [],
      subjects: { edges: [], pageInfo: { hasNextPage: false, startCursor: null, endCursor: null } },
    });
    const backwards = await run(`{ breachScope(clientName: "leaked-app", from: "${TO}", to: "${FROM}") { events } }`, {
      apiKey: keys.auditor,
    });
    expect(errorCodes(backwards)).toEqual(["BAD_USER_INPUT"]);
    expect(fieldNames(backwards.errors?.[0]?.extensions?.fields)).toEqual(["from", "to"]);
    const unknown = await run(`{ breachScope(clientName: "nobody", from: "${FROM}", to: "${TO}") { events } }`, { apiKey: keys.auditor });
    expect(errorCodes(unknown)).toEqual(["BAD_USER_INPUT"]);
  });

  it("still scopes a client whose key was revoked", async () => {
    await purposeql.services.dataSource.query(`UPDATE client SET revoked_at = now() WHERE name = 'leaked-app'`);
    try {
      expect((await scope("leaked-app")).subjectsTouched).toBe(3);
    } finally {
      await purposeql.services.dataSource.query(`UPDATE client SET revoked_at = NULL WHERE name = 'leaked-app'`);
    }
  });
});

describe("the audit's queries are audited", () => {
  interface RequestEventRowText {
    kind: string;
    client_name: string;
    purpose_key: string | null;
    query: string | null;
    filter: string | null;
    at: string;
  }
  const latestAuditQuery = async (): Promise<RequestEventRowText | undefined> =>
    (
      await purposeql.services.dataSource.query<RequestEventRowText[]>(
        `SELECT kind::text AS kind, client_name, purpose_key, query, filter::text AS filter, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS at
           FROM request_event WHERE kind = 'AUDIT_QUERY' ORDER BY chain_position DESC LIMIT 1`,
      )
    )[0];

  it("records who queried the audit, which query, with which filter, when — and the ids the auditor gave, nothing else", async () => {
    setClock("2026-04-03T10:11:12.000Z");
    const first = await accessEvents(
      { clientName: "leaked-app", subjectId: subjects.a.toUpperCase(), category: "user.contact", from: FROM },
      2,
    );
    expect(await latestAuditQuery()).toEqual({
      kind: "AUDIT_QUERY",
      client_name: "dpo",
      purpose_key: null,
      query: "accessEvents",
      filter: JSON.stringify({ clientName: "leaked-app", subjectId: subjects.a, category: "user.contact", from: FROM_UTC, first: 2 }),
      at: "2026-04-03T10:11:12",
    });
    const position = first.edges.at(-1)!.node.chainPosition;
    await accessEvents({ clientName: "leaked-app" }, 2, first.pageInfo.endCursor);
    expect(JSON.parse((await latestAuditQuery())!.filter!)).toEqual({ clientName: "leaked-app", first: 2, after: position });

    await ok(`{ breachScope(clientName: "leaked-app", from: "${FROM}", to: "${TO}") { events } }`, { apiKey: keys.auditor });
    expect(await latestAuditQuery()).toMatchObject({
      query: "breachScope",
      filter: JSON.stringify({ clientName: "leaked-app", from: FROM_UTC, to: TO_UTC, first: 20 }),
    });
    await ok(`query ($id: ID!) { accessLog(subjectId: $id) { id } }`, { apiKey: keys.auditor, variables: { id: subjects.b } });
    expect(await latestAuditQuery()).toMatchObject({ query: "accessLog", filter: JSON.stringify({ subjectId: subjects.b }) });
    setClock("2026-04-02T09:00:00.000Z");
  });

  it("records nothing for a query refused for its filter (nothing of the audit was read), and the refusal of a client without READ_AUDIT as a refusal", async () => {
    const count = async () =>
      Number((await purposeql.services.dataSource.query(`SELECT count(*) AS n FROM request_event WHERE kind = 'AUDIT_QUERY'`))[0].n);
    const before = await count();
    await run(`{ accessEvents(filter: { purposeKey: "no.such.purpose" }) { edges { cursor } } }`, { apiKey: keys.auditor });
    await run(`{ accessEvents { edges { cursor } } }`, { apiKey: keys.noAudit });
    expect(await count()).toBe(before);
    const [refusal] = await purposeql.services.dataSource.query(
      `SELECT reason, fields, capabilities FROM request_event WHERE kind = 'REFUSAL' AND client_name = 'crm' ORDER BY chain_position DESC LIMIT 1`,
    );
    expect(refusal).toEqual({ reason: "CAPABILITY_MISSING", fields: ["Query.accessEvents"], capabilities: ["READ_AUDIT"] });
  });

  it("releases nothing of the audit when its query cannot be recorded", async () => {
    const dataSource = purposeql.services.dataSource;
    await dataSource.query(
      `CREATE FUNCTION refuse_request_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$`,
    );
    await dataSource.query(
      `CREATE TRIGGER refuse_request_event BEFORE INSERT ON request_event FOR EACH ROW EXECUTE FUNCTION refuse_request_event()`,
    );
    try {
      const response = await run(
        `{ breachScope(clientName: "leaked-app", from: "${FROM}", to: "${TO}") { events subjects { edges { node { subjectId } } } } }`,
        {
          apiKey: keys.auditor,
        },
      );
      expect(response.data).toBeUndefined();
      expect(errorCodes(response)).toEqual(["AUDIT_UNAVAILABLE"]);
      expect(JSON.stringify(response)).not.toContain(subjects.a);
    } finally {
      await dataSource.query(`DROP TRIGGER refuse_request_event ON request_event`);
      await dataSource.query(`DROP FUNCTION refuse_request_event()`);
    }
  });

  it("requestEvents pages the refusals and the audit's queries, which the chain covers with the access events", async () => {
    const page = await ok<{
      requestEvents: Connection<{ kind: string; clientName: string; reason: string | null; query: string | null; filter: unknown }>;
    }>(
      `{ requestEvents(filter: { clientName: "dpo", kind: AUDIT_QUERY }, first: 100) { edges { node { kind clientName reason query filter } } pageInfo { hasNextPage } } }`,
      { apiKey: keys.auditor },
    );
    const queries = page.requestEvents.edges.map((edge) => edge.node);
    expect(queries.length).toBeGreaterThanOrEqual(4);
    expect(queries.every((event) => event.kind === "AUDIT_QUERY" && event.clientName === "dpo" && event.reason === null)).toBe(true);
    expect(queries.map((event) => event.query)).toEqual(
      expect.arrayContaining(["accessEvents", "breachScope", "accessLog", "requestEvents"]),
    );
    const verdict = await verifyAuditChain(purposeql.services.dataSource);
    const [{ n }] = await purposeql.services.dataSource.query(
      `SELECT ((SELECT count(*) FROM access_event) + (SELECT count(*) FROM request_event) + (SELECT count(*) FROM read_event))::int AS n`,
    );
    expect(verdict).toMatchObject({ intact: true, events: n });
  });
});

describe("the indexes the audit queries stand on", () => {
  /** The statements `work` sends, with their parameters. */
  async function statementsOf(work: () => Promise<unknown>): Promise<{ sql: string; parameters: unknown[] }[]> {
    const prototype = Object.getPrototypeOf(purposeql.services.dataSource.createQueryRunner()) as {
      query: (...args: unknown[]) => Promise<unknown>;
    };
    const original = prototype.query;
    const sent: { sql: string; parameters: unknown[] }[] = [];
    prototype.query = function (this: unknown, ...args: unknown[]) {
      sent.push({ sql: String(args[0]), parameters: Array.isArray(args[1]) ? args[1] : [] });
      return original.apply(this, args);
    };
    try {
      await work();
    } finally {
      prototype.query = original;
    }
    // audit_access_event: access_event and read_event together (migration CompactReadAudit).
    return sent.filter(
      (statement) => /^\s*(WITH|SELECT)/i.test(statement.sql) && /\b(audit_access|access|request)_event\b/.test(statement.sql),
    );
  }

  /** The plan of each statement with sequential scans priced out: a table scanned whole has no index that fits. */
  async function plansOf(statements: { sql: string; parameters: unknown[] }[]): Promise<string[]> {
    return purposeql.services.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL enable_seqscan = off`);
      const plans: string[] = [];
      for (const { sql, parameters } of statements) {
        const rows: Record<string, string>[] = await manager.query(`EXPLAIN ${sql}`, parameters);
        plans.push(rows.map((row) => Object.values(row)[0]).join("\n"));
      }
      return plans;
    });
  }

  it("breachScope reads the client's window through (client_name, at, chain_position), once", async () => {
    const statements = await statementsOf(() =>
      run(
        `{ breachScope(clientName: "leaked-app", from: "${FROM}", to: "${TO}") { events categoriesReleased { category } writes { operation } refusals { reason } subjects { edges { cursor } } } }`,
        {
          apiKey: keys.auditor,
        },
      ),
    );
    // One statement, one snapshot: the client's window read once, through its index; the refusals through theirs.
    expect(statements).toHaveLength(1);
    const [plan] = await plansOf(statements);
    expect(plan).not.toMatch(/Seq Scan on (access|request|read)_event/);
    expect(plan).toContain("access_event_client_at");
    expect(plan).toContain("request_event_client_at");
  });

  it("accessEvents finds a client's window, a time window, or a subject's events through their index", async () => {
    // Each through an index of access_event and one of read_event (migration CompactReadAudit), never a whole table.
    const cases: [Record<string, unknown>, string[]][] = [
      // read_event's rows being one per request, its (at) and (client_name, at) indexes cost alike on a few: either will do.
      [{ clientName: "leaked-app", from: FROM, to: TO }, ["access_event_client_at"]],
      [{ from: FROM, to: TO }, ["access_event_at", "read_event_at"]],
      [{ subjectId: subjects.a }, ["access_event_subject_at", "read_event_subjects"]],
    ];
    for (const [filter, indexes] of cases) {
      const [page] = await plansOf(await statementsOf(() => accessEvents(filter, 5)));
      expect(page).not.toMatch(/Seq Scan on (access|read)_event/);
      for (const index of indexes) expect({ filter, index, uses: page?.includes(index) }).toEqual({ filter, index, uses: true });
    }
  });
});
