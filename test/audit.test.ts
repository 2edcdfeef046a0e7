import { errorCodes, inProcessPurposeQLForThisFile } from "./support/harness";
import { watchStatements } from "./support/statements";

const purposeql = inProcessPurposeQLForThisFile();

const SERVICE = "essential.service";
const ADVERTISING = "marketing.advertising";

async function newSubject(fullName: string): Promise<string> {
  const response = await purposeql.execute<{ createSubject: { id: string } }>(
    `mutation ($n: String!) { createSubject(input: { fullName: $n, email: "a@example.lv" }) { id } }`,
    {
      purpose: SERVICE,
      variables: { n: fullName },
    },
  );
  return response.data!.createSubject.id;
}

/** An access event as the audit's readers see it: a row of access_event, or one subject of a request's row of read_event. */
interface AuditedEvent {
  operation: string;
  purposeKey: string;
  written: string[];
  released: string[];
  denied: string[];
  decision: string;
  clientName: string;
  requestId: string;
}

const EVENT_COLUMNS = `operation, purpose_key AS "purposeKey", written, released, denied, decision::text AS decision,
  client_name AS "clientName", request_id::text AS "requestId"`;

const eventsOf = (subjectId: string): Promise<AuditedEvent[]> =>
  purposeql.services.dataSource.query(
    `SELECT ${EVENT_COLUMNS} FROM audit_access_event WHERE subject_id = $1 ORDER BY chain_position, ordinal`,
    [subjectId],
  );

/** Rows of the audit's tables: every access event and each request's one row of reads. */
const countOf = async (table: "audit_access_event" | "read_event"): Promise<number> =>
  (await purposeql.services.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

describe("the audit trail", () => {
  it("records each request's released and denied categories per subject (selecting only the id reads nothing personal), and accessLog shows them without personal values", async () => {
    const id = await newSubject("Audited Person");
    await purposeql.execute(`query ($id: ID!) { subject(id: $id) { fullName email } }`, { purpose: SERVICE, variables: { id } });
    await purposeql.execute(`query ($id: ID!) { subject(id: $id) { fullName email } }`, { purpose: ADVERTISING, variables: { id } });

    const rows = await eventsOf(id);
    const summary = (row: AuditedEvent) => ({
      operation: row.operation,
      purpose: row.purposeKey,
      written: row.written,
      released: row.released,
      denied: row.denied,
      decision: row.decision,
      client: row.clientName,
    });
    const created = ["user.account.service_relationship", "user.account.status", "user.contact.email", "user.name"];
    expect(rows.map(summary)).toEqual([
      {
        operation: "createSubject",
        purpose: SERVICE,
        written: created,
        released: [],
        denied: [],
        decision: "WRITTEN",
        client: "development",
      },
      {
        operation: "read",
        purpose: SERVICE,
        written: [],
        released: ["user.contact.email", "user.name"],
        denied: [],
        decision: "RELEASED",
        client: "development",
      },
      {
        operation: "read",
        purpose: ADVERTISING,
        written: [],
        released: [],
        denied: ["user.contact.email", "user.name"],
        decision: "DENIED",
        client: "development",
      },
    ]);
    expect(new Set(rows.map((row) => row.requestId)).size).toBe(3);

    const log = await purposeql.execute<{ accessLog: Record<string, unknown>[] }>(
      `query ($id: ID!) { accessLog(subjectId: $id) { operation written purposeKey clientName released denied decision at requestId subjectId } }`,
      { variables: { id } },
    );
    expect(log.data?.accessLog.map((event) => [event.operation, event.decision])).toEqual([
      ["createSubject", "WRITTEN"],
      ["read", "RELEASED"],
      ["read", "DENIED"],
    ]);
    expect(log.data?.accessLog[2]).toMatchObject({
      purposeKey: ADVERTISING,
      clientName: "development",
      released: [],
      denied: ["user.contact.email", "user.name"],
    });
    expect(JSON.stringify(log)).not.toMatch(/Audited Person|a@example\.lv/);
  });

  it("writes a page's reads as one row of read_event, read back as one event per subject, in one request", async () => {
    for (const name of ["P1", "P2", "P3"]) await newSubject(name);
    const [events, rows] = [await countOf("audit_access_event"), await countOf("read_event")];
    const page = await purposeql.execute<{ subjects: { edges: unknown[] } }>(`{ subjects(first: 3) { edges { node { fullName } } } }`, {
      purpose: SERVICE,
    });
    expect(page.data!.subjects.edges).toHaveLength(3);
    expect((await countOf("read_event")) - rows).toBe(1);
    expect((await countOf("audit_access_event")) - events).toBe(3);
    const [row] = await purposeql.services.dataSource.query<{ subjects: number; request: string }[]>(
      `SELECT cardinality(subject_ids) AS subjects, request_id::text AS request FROM read_event ORDER BY chain_position DESC LIMIT 1`,
    );
    expect(row!.subjects).toBe(3);
    const written = await purposeql.services.dataSource.query<AuditedEvent[]>(
      `SELECT ${EVENT_COLUMNS} FROM audit_access_event ORDER BY chain_position DESC, ordinal DESC LIMIT 3`,
    );
    expect(written.map((event) => [event.requestId, event.operation, event.released])).toEqual(
      Array.from({ length: 3 }, () => [row!.request, "read", ["user.name"]]),
    );
  });

  it("(e) releases no personal data when the audit cannot be written", async () => {
    const id = await newSubject("Unaudited Person");
    const dataSource = purposeql.services.dataSource;
    await dataSource.query(
      `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$`,
    );
    // Reads are recorded in read_event (migration CompactReadAudit).
    await dataSource.query(`CREATE TRIGGER refuse_audit BEFORE INSERT ON read_event FOR EACH ROW EXECUTE FUNCTION refuse_audit()`);
    try {
      const response = await purposeql.execute(`query ($id: ID!) { subject(id: $id) { id fullName email } }`, {
        purpose: SERVICE,
        variables: { id },
      });
      expect(response.data).toBeUndefined();
      expect(errorCodes(response)).toEqual(["AUDIT_UNAVAILABLE"]);
      expect(JSON.stringify(response)).not.toMatch(/Unaudited Person|a@example\.lv/);

      const noPersonalData = await purposeql.execute(`{ policyVersion purposes { key } }`);
      expect(noPersonalData.errors).toBeUndefined();
    } finally {
      await dataSource.query(`DROP TRIGGER refuse_audit ON read_event`);
      await dataSource.query(`DROP FUNCTION refuse_audit()`);
    }
    expect((await eventsOf(id)).filter((row) => row.operation === "read")).toEqual([]);
  });

  it("a page of N subjects costs the same number of SQL statements whatever N is", async () => {
    for (let i = 0; i < 12; i += 1) await newSubject(`Bulk ${i}`);
    const runner = Object.getPrototypeOf(purposeql.services.dataSource.createQueryRunner()) as {
      query: (...args: unknown[]) => Promise<unknown>;
    };
    const spy = jest.spyOn(runner, "query");
    const statementsFor = async (first: number): Promise<number> => {
      spy.mockClear();
      const response = await purposeql.execute<{ subjects: { edges: unknown[] } }>(
        `query ($first: Int) { subjects(first: $first) { totalCount edges { node { fullName email } } } }`,
        { purpose: SERVICE, variables: { first } },
      );
      expect(response.data?.subjects.edges).toHaveLength(first);
      return spy.mock.calls.length;
    };
    try {
      const small = await statementsFor(2);
      const large = await statementsFor(12);
      expect(small).toBeGreaterThan(0);
      expect(large).toBe(small);
    } finally {
      spy.mockRestore();
    }
  });

  it("writes a page's reads in one statement whose text is the same for 1, 10 and 100 subjects", async () => {
    const dataSource = purposeql.services.dataSource;
    const existing = await dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM data_subject`);
    for (let i = existing[0]!.n; i < 100; i += 1) await newSubject(`Page ${i}`);
    const watch = watchStatements(dataSource);
    try {
      const auditWritesFor = async (first: number): Promise<string[]> => {
        watch.clear();
        const before = await countOf("audit_access_event");
        const response = await purposeql.execute<{ subjects: { edges: unknown[] } }>(
          `query ($first: Int) { subjects(first: $first) { edges { node { fullName } } } }`,
          { purpose: SERVICE, variables: { first } },
        );
        expect(response.data?.subjects.edges).toHaveLength(first);
        expect((await countOf("audit_access_event")) - before).toBe(first);
        // Every write to the audit (the test's own counts only read it).
        return watch.statements
          .filter((statement) => /\bINSERT\s+INTO\s+"?(access|read)_event\b/i.test(statement.sql))
          .map((statement) => statement.sql);
      };
      const [one, ten, hundred] = [await auditWritesFor(1), await auditWritesFor(10), await auditWritesFor(100)];
      expect(one).toHaveLength(1);
      expect(one[0]).toMatch(/\bINSERT INTO read_event\b/);
      expect(ten).toEqual(one);
      expect(hundred).toEqual(one);
    } finally {
      watch.restore();
    }
  });
});
