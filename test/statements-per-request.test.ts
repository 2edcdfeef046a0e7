import { ClientRole } from "../src/domain/policy-terms";
import { Capability } from "../src/domain/capabilities";
import { createTestClient, overHttpPurposeQLForThisFile } from "./support/harness";
import { watchStatements, type Statement, type StatementWatch } from "./support/statements";

/**
 * What one read costs the database (issue 14): a subject by id, or a page of any size, is ONE
 * statement that brings the rows and the facts the purpose's basis needs, and ONE audit write — the
 * same two for 1, 10 or 100 subjects, under a contract purpose and under a consent purpose. The
 * statements are counted where the server sends them (every one goes through TypeORM's query runner).
 */

const SERVICE = "essential.service";
const ADVERTISING = "marketing.advertising";
const CONTRACT_FIELDS = "id fullName email postalAddress phone dateOfBirth country";
const CONSENT_FIELDS = "id fullName email dateOfBirth country device";

const purposeql = overHttpPurposeQLForThisFile();
let key: string;
let watch: StatementWatch;
const subjectIds: string[] = [];

async function send(query: string, purpose: string, variables?: object): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const response = await fetch(purposeql.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}`, "x-purpose": purpose },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

/** Authentication reads the client; everything else a request sends is its own work. */
const isAuthentication = (statement: Statement): boolean => /\bFROM "?client"?\b/i.test(statement.sql);

/**
 * Every statement one request sent, each named by what it does. The key was used before, so it is
 * authenticated from memory (src/auth/authenticator.ts): a request's statements are its own work.
 */
async function statementsOf(query: string, purpose: string, variables?: object): Promise<string[]> {
  watch.clear();
  const answer = await send(query, purpose, variables);
  expect(answer.errors).toBeUndefined();
  return watch.statements.map((statement) => kindOf(statement.sql));
}

function kindOf(sql: string): string {
  if (/^\s*(WITH page AS|SELECT s\.id)/.test(sql) && /FROM data_subject s/.test(sql)) return "read subjects with their facts";
  if (/^\s*WITH reads AS \(\s*INSERT INTO read_event/.test(sql)) return "write the audit";
  return sql.replace(/\s+/g, " ").slice(0, 80);
}

beforeAll(async () => {
  key = await createTestClient(purposeql, {
    name: "statement-counter",
    role: ClientRole.INTERNAL_APP,
    purposes: [SERVICE, ADVERTISING],
    capabilities: [Capability.MANAGE_SUBJECTS, Capability.RECORD_CONSENT],
  });
  for (let i = 0; i < 100; i += 1) {
    const created = await send(`mutation ($input: CreateSubjectInput!) { createSubject(input: $input) { id } }`, SERVICE, {
      input: { fullName: `Counted ${i}`, email: `counted${i}@example.lv`, dateOfBirth: "1990-01-01", country: "LV" },
    });
    const id = (created.data?.createSubject as { id: string }).id;
    subjectIds.push(id);
    // Every other subject consents to advertising: a consent page filters them in SQL and decides on each.
    if (i % 2 === 0) {
      const consent = await send(`mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${ADVERTISING}") { id } }`, ADVERTISING, {
        id,
      });
      expect(consent.errors).toBeUndefined();
    }
  }
  watch = watchStatements(purposeql.services.dataSource);
}, 120_000);

afterAll(() => watch.restore());

const ONE_READ_ONE_WRITE = ["read subjects with their facts", "write the audit"];

describe("statements per request", () => {
  it("a subject by id with six personal fields: one read, one audit write", async () => {
    expect(await statementsOf(`query ($id: ID!) { subject(id: $id) { ${CONTRACT_FIELDS} } }`, SERVICE, { id: subjectIds[0] })).toEqual(
      ONE_READ_ONE_WRITE,
    );
  });

  it.each([1, 10, 100])("a page of %i under a contract purpose: one read, one audit write", async (size) => {
    const statements = await statementsOf(
      `{ subjects(first: ${size}) { edges { node { ${CONTRACT_FIELDS} } } pageInfo { hasNextPage } } }`,
      SERVICE,
    );
    expect(statements).toEqual(ONE_READ_ONE_WRITE);
  });

  it.each([1, 10, 50])("a page of %i under a consent purpose: one read, one audit write", async (size) => {
    const answer = await send(`{ subjects(first: ${size}) { edges { node { ${CONSENT_FIELDS} } } } }`, ADVERTISING);
    // Only the consenting half is listed, and every field of theirs is released.
    const nodes = (answer.data?.subjects as { edges: { node: Record<string, unknown> }[] }).edges.map((edge) => edge.node);
    expect(nodes).toHaveLength(size);
    expect(nodes.every((node) => subjectIds.indexOf(node.id as string) % 2 === 0 && node.email !== null)).toBe(true);
    expect(await statementsOf(`{ subjects(first: ${size}) { edges { node { ${CONSENT_FIELDS} } } } }`, ADVERTISING)).toEqual(
      ONE_READ_ONE_WRITE,
    );
  });

  it("a key's first request reads its client once; the next ones send nothing to authenticate", async () => {
    // The new client's row is announced (NOTIFY); a lookup the announcement overtakes is not kept, so wait for it first.
    const notices: (string | null)[] = [];
    const stop = purposeql.services.authenticator.onChange((clientId) => notices.push(clientId));
    const fresh = await createTestClient(purposeql, { name: "fresh-key", role: ClientRole.INTERNAL_APP, purposes: [SERVICE] });
    const [created] = await purposeql.services.dataSource.query<{ id: string }[]>(`SELECT id FROM client WHERE name = 'fresh-key'`);
    for (let waited = 0; !notices.includes(created?.id ?? "") && waited < 2_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    stop();
    expect(notices).toContain(created?.id);
    const read = (): Promise<Response> =>
      fetch(purposeql.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${fresh}`, "x-purpose": SERVICE },
        body: JSON.stringify({ query: `{ subjects(first: 10) { edges { node { fullName } } } }` }),
      });
    watch.clear();
    expect((await read()).status).toBe(200);
    expect(watch.statements.filter(isAuthentication)).toHaveLength(1);
    watch.clear();
    expect((await read()).status).toBe(200);
    expect(watch.statements.map((statement) => kindOf(statement.sql))).toEqual(ONE_READ_ONE_WRITE);
  });

  it("totalCount is counted only when selected, in the same one statement", async () => {
    watch.clear();
    const counted = await send(`{ subjects(first: 5) { totalCount edges { node { id fullName } } } }`, SERVICE);
    expect(counted.data?.subjects).toMatchObject({ totalCount: 100 });
    const withCount = watch.statements.filter((statement) => !isAuthentication(statement));
    expect(withCount.map((statement) => kindOf(statement.sql))).toEqual(ONE_READ_ONE_WRITE);
    expect(withCount[0]?.sql).toMatch(/count\(\*\)/i);

    watch.clear();
    // Through a fragment and an alias, as a client may ask for it.
    const aliased = await send(
      `{ subjects(first: 5) { ...total edges { node { id } } } } fragment total on DataSubjectConnection { n: totalCount }`,
      SERVICE,
    );
    expect(aliased.data?.subjects).toMatchObject({ n: 100 });
    expect(watch.statements.filter((statement) => !isAuthentication(statement))[0]?.sql).toMatch(/count\(\*\)/i);

    watch.clear();
    await send(`{ subjects(first: 5) { edges { node { id } } } }`, SERVICE);
    expect(watch.statements.filter((statement) => !isAuthentication(statement))[0]?.sql).not.toMatch(/count\(\*\)/i);
  });

  it("the read is the same statement whatever the page size or position: prepared once, bound each time", async () => {
    const first = await send(`{ subjects(first: 3) { edges { node { id } } pageInfo { endCursor } } }`, SERVICE);
    const after = (first.data?.subjects as { pageInfo: { endCursor: string } }).pageInfo.endCursor;
    watch.clear();
    await send(`{ subjects(first: 3) { edges { node { id } } } }`, SERVICE);
    await send(`{ subjects(first: 40, after: "${after}") { edges { node { id } } } }`, SERVICE);
    const reads = watch.statements.filter((statement) => kindOf(statement.sql) === "read subjects with their facts").map((s) => s.sql);
    expect(reads).toHaveLength(2);
    expect(new Set(reads).size).toBe(1);
  });

  it("on PostgreSQL the read goes by name, so each connection plans it once; PGlite, one session in this process, takes its text", async () => {
    watch.clear();
    await send(`{ subjects(first: 3) { edges { node { fullName } } } }`, SERVICE);
    const read = watch.statements.find((statement) => kindOf(statement.sql) === "read subjects with their facts");
    if (process.env.DATABASE_URL) {
      expect(read?.preparedAs).toMatch(/^purposeql_[0-9a-f]{24}$/);
    } else {
      expect(read?.preparedAs).toBeUndefined();
    }
  });

  it.each([
    ["a contract purpose", SERVICE, CONTRACT_FIELDS, ["data_subject_seq"]],
    ["a consent purpose", ADVERTISING, CONSENT_FIELDS, ["data_subject_seq", "consent_subject_purpose"]],
  ])(
    "a page under %s stands on indexes only — creation order and each subject's facts — so its cost does not grow with the table",
    async (_name, purpose, fields, indexes) => {
      watch.clear();
      await send(`{ subjects(first: 100) { edges { node { ${fields} } } } }`, purpose);
      const read = watch.statements.find((statement) => kindOf(statement.sql) === "read subjects with their facts");
      expect(read).toBeDefined();
      const plan = await purposeql.services.dataSource.transaction(async (manager) => {
        // Sequential scans priced out: a table still scanned whole has no index that fits.
        await manager.query(`SET LOCAL enable_seqscan = off`);
        const rows = await manager.query<Record<string, string>[]>(`EXPLAIN ${read!.sql}`, [...read!.parameters]);
        return rows.map((row) => Object.values(row)[0]).join("\n");
      });
      expect(plan).not.toMatch(/Seq Scan/);
      for (const index of indexes) expect(plan).toContain(index);
    },
  );
});
