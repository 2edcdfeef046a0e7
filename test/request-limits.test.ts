import { randomUUID } from "node:crypto";
import type { GraphQLFormattedError } from "graphql";
import { DEFAULT_LIMITS } from "../src/config";
import { ClientRole } from "../src/domain/policy-terms";
import { ROUND_TRIP_COST, unweighedRootFields } from "../src/graphql/database-work";
import { buildPurposeQLSchema } from "../src/graphql/schema";
import { createTestClient, DEV_KEY, overHttpPurposeQLForThisFile } from "./support/harness";
import { gate, watchStatements, type StatementWatch } from "./support/statements";

/**
 * Limits that bound database work, not only fields (README, Security): the aliasing attack is
 * refused before any SQL; a client has a bounded number of requests in flight; a request holds one
 * connection at a time, so an ordinary request is served while a heavy one runs.
 */

const SERVICE = "essential.service";
const MAX_REQUESTS_PER_CLIENT = 2;
const purposeql = overHttpPurposeQLForThisFile({ limits: { ...DEFAULT_LIMITS, maxRequestsPerClient: MAX_REQUESTS_PER_CLIENT } });
const onPostgres = Boolean(process.env.DATABASE_URL);

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[] };
}

async function send(query: string, options: { key?: string; requestId?: string; variables?: object } = {}): Promise<Answer> {
  const response = await fetch(purposeql.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${options.key ?? DEV_KEY}`,
      "x-purpose": SERVICE,
      ...(options.requestId ? { "x-request-id": options.requestId } : {}),
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: (await response.json()) as Answer["body"] };
}

const aliases = (count: number, field: string): string => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(" ")} }`;

const subjectIds: string[] = [];
let watch: StatementWatch;
let otherClientKey: string;

beforeAll(async () => {
  for (let i = 0; i < 12; i += 1) {
    const created = await send(`mutation { createSubject(input: { fullName: "Limit ${i}", country: "LV" }) { id } }`);
    subjectIds.push((created.body.data?.createSubject as { id: string }).id);
  }
  otherClientKey = await createTestClient(purposeql, { name: "other-client", role: ClientRole.INTERNAL_APP, purposes: [SERVICE] });
  watch = watchStatements(purposeql.services.dataSource);
});

afterAll(() => watch.restore());

afterEach(() => {
  watch.before = undefined;
  watch.after = undefined;
  watch.onConnect = undefined;
  watch.onRelease = undefined;
  watch.clear();
});

async function accessEventCount(): Promise<number> {
  const [row] = await purposeql.services.dataSource.query<{ count: number }[]>(`SELECT count(*)::int AS count FROM audit_access_event`);
  return row?.count ?? 0;
}

describe("the cost model counts database round trips", () => {
  it("weighs every root field of the schema", async () => {
    expect(unweighedRootFields(await buildPurposeQLSchema())).toEqual([]);
  });

  it("refuses the aliasing attack — 900 × `subjects(first: 1) { totalCount }` — before any SQL, auditing nothing", async () => {
    const baseline = await send(`{ policyVersion }`);
    expect(baseline.body.errors).toBeUndefined();
    const authenticationOnly = watch.statements.length;
    watch.clear();
    const eventsBefore = await accessEventCount();
    watch.clear();

    const attack = await send(aliases(900, "subjects(first: 1) { totalCount }"));
    expect(attack.status).toBe(400);
    expect(attack.body.data).toBeUndefined();
    expect(attack.body.errors).toHaveLength(1);
    expect(attack.body.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      reason: "TOO_MANY_DATABASE_FIELDS",
      databaseFields: 900,
      maxDatabaseFields: DEFAULT_LIMITS.maxDatabaseFields,
    });
    expect(attack.body.errors?.[0]?.message).toMatch(/more than the limit of 10 \(PURPOSEQL_MAX_DATABASE_FIELDS\)/);
    // The request authenticated its key, as `{ policyVersion }` did, and sent nothing else.
    expect(watch.statements).toHaveLength(authenticationOnly);
    expect(await accessEventCount()).toBe(eventsBefore);
  });

  it("prices a page and its count as three round trips: ten such aliases are over the cost limit, nine are not", async () => {
    const onePage = 1 + 3 * ROUND_TRIP_COST + 1; // the field, page + COUNT + facts, one item of `totalCount`
    const ten = await send(aliases(10, "subjects(first: 1) { totalCount }"));
    expect(ten.status).toBe(400);
    expect(ten.body.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      reason: "TOO_COSTLY",
      cost: 10 * onePage,
      maxCost: DEFAULT_LIMITS.maxOperationCost,
    });
    expect(ten.body.errors?.[0]?.message).toMatch(/more than the limit of 3000 \(PURPOSEQL_MAX_OPERATION_COST\)/);
    const nine = await send(aliases(9, "subjects(first: 1) { totalCount }"));
    expect(nine.body.errors).toBeUndefined();
    expect(Object.values(nine.body.data ?? {})).toHaveLength(9);
  });

  it("limits the database fields of an operation through aliases and fragments: lookups and request queues count too", async () => {
    const lookup = (id: string): string => `subject(id: "${id}") { id }`;
    const ids = subjectIds.slice(0, 11);
    const eleven = await send(`{ ${ids.map((id, i) => `s${i}: ${lookup(id)}`).join(" ")} }`);
    expect(eleven.status).toBe(400);
    expect(eleven.body.errors?.[0]?.extensions).toMatchObject({ reason: "TOO_MANY_DATABASE_FIELDS", databaseFields: 11 });

    const ten = await send(
      `{ ${ids
        .slice(0, 10)
        .map((id, i) => `s${i}: ${lookup(id)}`)
        .join(" ")} }`,
    );
    expect(ten.body.errors).toBeUndefined();
    expect(Object.values(ten.body.data ?? {})).toHaveLength(10);

    // Two fragments of six lookups are twelve.
    const fragment = (name: string): string =>
      `fragment ${name} on Query { ${ids
        .slice(0, 6)
        .map((id, i) => `${name}${i}: ${lookup(id)}`)
        .join(" ")} }`;
    const spread = await send(`{ ...A ...B } ${fragment("A")} ${fragment("B")}`);
    expect(spread.body.errors?.[0]?.extensions).toMatchObject({ reason: "TOO_MANY_DATABASE_FIELDS", databaseFields: 12 });

    const queues = await send(aliases(11, "subjectRequests(first: 1) { totalCount }"));
    expect(queues.body.errors?.[0]?.extensions).toMatchObject({ reason: "TOO_MANY_DATABASE_FIELDS", databaseFields: 11 });
  });
});

describe("a client's requests in flight", () => {
  it(`are at most ${MAX_REQUESTS_PER_CLIENT}: one more is refused at once (429), another client is served, and the slot frees when one finishes`, async () => {
    const held = gate();
    const heldIds: string[] = [randomUUID(), randomUUID()];
    watch.before = async (statement) => {
      if (statement.requestId !== undefined && heldIds.includes(statement.requestId)) await held.opened;
    };
    const read = `{ subject(id: "${subjectIds[0]}") { fullName } }`;
    const first = send(read, { requestId: heldIds[0] });
    const second = send(read, { requestId: heldIds[1] });
    // Both are held at their first statement (authenticating the key), so both are in flight.
    while (new Set(watch.statements.map((statement) => statement.requestId).filter((id) => heldIds.includes(id ?? ""))).size < 2) {
      await new Promise((resolve) => setImmediate(resolve));
    }

    const third = await send(read);
    expect(third.status).toBe(429);
    expect(third.retryAfter).toBe("1");
    expect(third.body.errors?.[0]?.extensions).toMatchObject({ code: "TOO_MANY_REQUESTS", maxRequestsPerClient: MAX_REQUESTS_PER_CLIENT });
    expect(third.body.errors?.[0]?.message).toMatch(/limit \(PURPOSEQL_MAX_REQUESTS_PER_CLIENT\)/);

    const other = await send(read, { key: otherClientKey });
    expect(other.status).toBe(200);
    expect(other.body.data).toEqual({ subject: { fullName: "Limit 0" } });

    held.open();
    expect((await first).body.data).toEqual({ subject: { fullName: "Limit 0" } });
    expect((await second).body.data).toEqual({ subject: { fullName: "Limit 0" } });
    expect((await send(read)).status).toBe(200);
  });
});

describe("a heavy request beside an ordinary one", () => {
  // Nine pages: as much as the cost limit allows.
  const heavyQuery = aliases(9, "subjects(first: 5) { edges { node { fullName } } }");

  it("holds one connection at a time: its database fields take turns", async () => {
    const heavyId = randomUUID();
    const holding = new Set<object>();
    let most = 0;
    watch.onConnect = (runner, requestId) => {
      if (requestId !== heavyId) return;
      holding.add(runner);
      most = Math.max(most, holding.size);
    };
    watch.onRelease = (runner) => holding.delete(runner);
    const heavy = await send(heavyQuery, { requestId: heavyId });
    expect(heavy.body.errors).toBeUndefined();
    expect(Object.values(heavy.body.data ?? {})).toHaveLength(9);
    expect(most).toBe(1);
  });

  it("do not keep an ordinary request waiting until they have finished", async () => {
    // On PostgreSQL two heavy requests, as many as one client may have in flight; on PGlite one (below).
    const heavyIds: string[] = onPostgres ? [randomUUID(), randomUUID()] : [randomUUID()];
    const ordinaryId = randomUUID();
    const held = gate();
    let ordinaryDone = false;
    let heavyPagesAfterOrdinary = 0;
    const isHeavy = (requestId: string | undefined): boolean => requestId !== undefined && heavyIds.includes(requestId);
    const readsSubjects = (sql: string): boolean => /data_subject/i.test(sql);
    if (onPostgres) {
      // Once its pages have started, every statement of a heavy request keeps its connection until
      // the ordinary request has been answered: were their eighteen pages run at once, they would
      // hold the whole pool (ten connections), and the ordinary request would wait for all of them.
      const started = new Set<string>();
      watch.after = async (statement) => {
        if (!isHeavy(statement.requestId)) return;
        if (readsSubjects(statement.sql)) started.add(statement.requestId ?? "");
        if (started.has(statement.requestId ?? "")) await held.opened;
      };
    } else {
      // PGlite is one session, taken in turn (first come, first served). The heavy request's first
      // page keeps it until the ordinary request is waiting for it: were the heavy request's nine
      // pages run at once, all nine would be queued ahead of the ordinary request. (A second heavy
      // request would start its pages only after the ordinary request: it would prove nothing.)
      let first = true;
      watch.after = async (statement) => {
        if (first && isHeavy(statement.requestId) && readsSubjects(statement.sql)) {
          first = false;
          await held.opened;
        }
      };
      watch.onConnect = (_runner, requestId) => {
        if (requestId === ordinaryId) held.open();
      };
    }
    // The ordinary request is done with the database once its read is audited (its answer leaves next).
    const gateHeavy = watch.after;
    watch.after = async (statement) => {
      if (statement.requestId === ordinaryId && /access_event/i.test(statement.sql)) ordinaryDone = true;
      await gateHeavy(statement);
    };
    watch.before = (statement) => {
      if (ordinaryDone && isHeavy(statement.requestId) && readsSubjects(statement.sql)) heavyPagesAfterOrdinary += 1;
    };

    const heavy = heavyIds.map((requestId) => send(heavyQuery, { requestId }));
    const pagesStarted = (): number =>
      new Set(watch.statements.filter((statement) => isHeavy(statement.requestId) && readsSubjects(statement.sql)).map((s) => s.requestId))
        .size;
    while (pagesStarted() < heavyIds.length) await new Promise((resolve) => setImmediate(resolve));
    // The safety valve only keeps a failing test from hanging: the test fails when it had to open.
    let valveOpened = false;
    const valve = setTimeout(() => {
      valveOpened = true;
      held.open();
    }, 30_000);
    const ordinary = await send(`{ subject(id: "${subjectIds[1]}") { fullName } }`, { key: otherClientKey, requestId: ordinaryId });
    held.open();
    clearTimeout(valve);

    expect(valveOpened).toBe(false);
    expect(ordinary.body).toEqual({ data: { subject: { fullName: "Limit 1" } } });
    for (const answer of await Promise.all(heavy)) expect(Object.values(answer.body.data ?? {})).toHaveLength(9);
    expect(ordinaryDone).toBe(true);
    // The heavy requests still had pages to read once the ordinary one was done.
    expect(heavyPagesAfterOrdinary).toBeGreaterThan(0);
  });
});
