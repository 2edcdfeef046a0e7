import { verifyAuditChain, type ChainVerdict } from "../src/audit/audit-chain";
import { runAuditCommand, UsageError } from "../src/cli/audit-commands";
import { Capability } from "../src/domain/capabilities";
import { ClientRole } from "../src/domain/policy-terms";
import { createTestClient, inProcessPurposeQLForThisFile } from "./support/harness";

const purposeql = inProcessPurposeQLForThisFile();
const DATABASE = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";
const SERVICE = "essential.service";

const query = <T>(sql: string, parameters: unknown[] = []): Promise<T[]> => purposeql.services.dataSource.query(sql, parameters);

/** What the table's owner can do: set the append-only and chain triggers aside, change rows, put the triggers back. */
async function asOwner(...statements: string[]): Promise<void> {
  await query(`ALTER TABLE access_event DISABLE TRIGGER USER`);
  try {
    for (const statement of statements) await query(statement);
  } finally {
    await query(`ALTER TABLE access_event ENABLE TRIGGER USER`);
  }
}

async function eventIds(): Promise<string[]> {
  return (await query<{ id: string }>(`SELECT id::text AS id FROM access_event ORDER BY chain_position, id`)).map((row) => row.id);
}

const verify = (): Promise<ChainVerdict> => verifyAuditChain(purposeql.services.dataSource, { batchSize: 4 });

async function expectIntact(): Promise<void> {
  const verdict = await verify();
  expect(verdict).toMatchObject({ intact: true, events: (await eventIds()).length });
}

beforeAll(async () => {
  const created = await Promise.all(
    ["Chained One", "Chained Two", "Chained Three"].map((fullName) =>
      purposeql.execute<{ createSubject: { id: string } }>(
        `mutation ($n: String!) { createSubject(input: { fullName: $n, email: "c@example.lv" }) { id } }`,
        { purpose: SERVICE, variables: { n: fullName } },
      ),
    ),
  );
  // Concurrent requests: on PostgreSQL they insert from several pool connections at once. Each
  // writes one access event (a request's reads are one read event, migration CompactReadAudit:
  // test/audit-chain-reads.test.ts); the chain's mechanics are checked here on access_event.
  expect(created.every((response) => response.data?.createSubject.id)).toBe(true);
  await Promise.all(
    Array.from({ length: 24 }, (_, i) =>
      purposeql.execute(`mutation ($n: String!) { createSubject(input: { fullName: $n, email: "c@example.lv" }) { id } }`, {
        purpose: SERVICE,
        variables: { n: `Concurrent ${i}` },
      }),
    ),
  );
});

describe(`the audit's hash chain (${DATABASE})`, () => {
  it("chains every event, concurrent requests included, into one order with no gap and no fork, and verifies it", async () => {
    const rows = await query<{ position: string }>(`SELECT chain_position::text AS position FROM access_event ORDER BY chain_position`);
    expect(rows.map((row) => Number(row.position))).toEqual(Array.from({ length: 27 }, (_, i) => i + 1));
    const verdict = await verify();
    expect(verdict).toMatchObject({ intact: true, events: 27, head: { position: "27" } });
    const output: string[] = [];
    expect(await runAuditCommand(["verify"], purposeql.services.dataSource, (text) => output.push(text))).toBe(0);
    expect(output.join("")).toMatch(/^Audit chain intact: 27 events\. Head: --anchor 27:[0-9a-f]{64}\n$/);
  });

  it("overwrites whatever position and hash an insert supplies", async () => {
    await query(
      `INSERT INTO access_event (request_id, client_id, client_name, purpose_key, subject_id, operation, written, released, denied, decision, chain_position, previous_hash, hash)
       VALUES (gen_random_uuid(), gen_random_uuid(), 'direct', 'essential.service', gen_random_uuid(), 'read', '{}', '{user.name}', '{}', 'RELEASED', 1, '\\x00', '\\x00')`,
    );
    await expectIntact();
  });

  it("catches an event edited behind the triggers, and holds again once it is put back", async () => {
    const [, , target] = await eventIds();
    await asOwner(`UPDATE access_event SET at = at + interval '1 microsecond' WHERE id = ${target}`);
    expect(await verify()).toMatchObject({ intact: false, tamper: { kind: "edited", eventId: target, position: "3" } });
    const output: string[] = [];
    expect(await runAuditCommand(["verify"], purposeql.services.dataSource, (text) => output.push(text))).toBe(1);
    expect(output.join("")).toContain(`event ${target} (position 3) edited`);

    await asOwner(`UPDATE access_event SET at = at - interval '1 microsecond' WHERE id = ${target}`);
    await expectIntact();
  });

  it("catches an event edited with its own hash recomputed, at the hash the next event chains from", async () => {
    const [, target] = await eventIds();
    await asOwner(
      `UPDATE access_event SET decision = 'DENIED' WHERE id = ${target}`,
      `UPDATE access_event e SET hash = access_event_hash(e) WHERE id = ${target}`,
    );
    expect(await verify()).toMatchObject({ intact: false, tamper: { kind: "edited", eventId: target, position: "2" } });

    await asOwner(
      `UPDATE access_event SET decision = 'WRITTEN' WHERE id = ${target}`,
      `UPDATE access_event e SET hash = access_event_hash(e) WHERE id = ${target}`,
    );
    await expectIntact();
  });

  it("catches an event deleted from the middle, or from the end", async () => {
    const ids = await eventIds();
    const [middle, next, last] = [ids[4]!, ids[5]!, ids[ids.length - 1]!];
    await query(`CREATE TABLE deleted_events AS SELECT * FROM access_event WHERE id IN (${middle}, ${last})`);
    try {
      await asOwner(`DELETE FROM access_event WHERE id = ${middle}`);
      expect(await verify()).toMatchObject({ intact: false, tamper: { kind: "deleted", eventId: next, position: "6" } });
      await asOwner(`INSERT INTO access_event OVERRIDING SYSTEM VALUE SELECT * FROM deleted_events WHERE id = ${middle}`);
      await expectIntact();

      await asOwner(`DELETE FROM access_event WHERE id = ${last}`);
      expect(await verify()).toMatchObject({ intact: false, tamper: { kind: "deleted", eventId: null, position: String(ids.length) } });
      await asOwner(`INSERT INTO access_event OVERRIDING SYSTEM VALUE SELECT * FROM deleted_events WHERE id = ${last}`);
      await expectIntact();
    } finally {
      await query(`DROP TABLE deleted_events`);
    }
  });

  it("catches an event inserted at a taken position, or past the head with a well-formed hash", async () => {
    const ids = await eventIds();
    /** A copy of event `id` under a new id, at the chain position and with the hashes the SQL expressions give. */
    const copyOf = (id: string, chain: { position: string; previous: string; hash: string }) =>
      `INSERT INTO access_event (request_id, client_id, client_name, purpose_key, subject_id, operation, written, released, denied, decision, at, chain_position, previous_hash, hash)
       SELECT request_id, client_id, client_name, purpose_key, subject_id, operation, written, released, denied, decision, at, ${chain.position}, ${chain.previous}, ${chain.hash}
         FROM access_event WHERE id = ${id}`;
    // The owner drops the unique index that would refuse a second event at one position.
    await asOwner(
      `DROP INDEX access_event_chain_position`,
      copyOf(ids[6]!, { position: "chain_position", previous: "previous_hash", hash: "hash" }),
    );
    const [forged] = await query<{ id: string }>(`SELECT max(id)::text AS id FROM access_event`);
    expect(await verify()).toMatchObject({ intact: false, tamper: { kind: "inserted", eventId: forged!.id, position: "7" } });
    await asOwner(
      `DELETE FROM access_event WHERE id = ${forged!.id}`,
      `CREATE UNIQUE INDEX access_event_chain_position ON access_event (chain_position)`,
    );
    await expectIntact();

    // Past the head: the next position, chained from the head, its hash computed by the database's own function; the head left alone.
    await asOwner(
      copyOf(ids[ids.length - 1]!, {
        position: String(ids.length + 1),
        previous: "(SELECT hash FROM access_event_chain_head)",
        hash: "hash",
      }),
      `UPDATE access_event e SET hash = access_event_hash(e) WHERE id = (SELECT max(id) FROM access_event)`,
    );
    const [appended] = await query<{ id: string }>(`SELECT max(id)::text AS id FROM access_event`);
    expect(await verify()).toMatchObject({
      intact: false,
      tamper: { kind: "inserted", eventId: appended!.id, position: String(ids.length + 1) },
    });
    await asOwner(`DELETE FROM access_event WHERE id = ${appended!.id}`);
    await expectIntact();
  });

  it("cannot catch a chain rewritten from an event on, head included, except against a head recorded before (--anchor)", async () => {
    const before = await verify();
    if (!before.intact) throw new Error("the chain should be intact here");
    const anchor = `${before.head.position}:${before.head.hash}`;
    const [, , , target] = await eventIds();
    await asOwner(
      `UPDATE access_event SET operation = 'rewritten' WHERE id = ${target}`,
      `DO $$
       DECLARE event access_event; previous bytea;
       BEGIN
         SELECT previous_hash INTO previous FROM access_event WHERE id = ${target};
         FOR event IN SELECT * FROM access_event WHERE chain_position >= 4 ORDER BY chain_position LOOP
           event.previous_hash := previous;
           previous := access_event_hash(event);
           UPDATE access_event SET previous_hash = event.previous_hash, hash = previous WHERE id = event.id;
         END LOOP;
         UPDATE access_event_chain_head SET hash = previous;
       END $$`,
    );
    expect(await verify()).toMatchObject({ intact: true });
    const output: string[] = [];
    expect(await runAuditCommand(["verify", "--anchor", anchor], purposeql.services.dataSource, (text) => output.push(text))).toBe(1);
    expect(output.join("")).toMatch(/edited: its hash is not the anchored/);
    await expect(runAuditCommand(["verify", "--anchor", "4:abc"], purposeql.services.dataSource, () => {})).rejects.toThrow(UsageError);
  });
});

describe(`request events in the same chain (${DATABASE})`, () => {
  /** As `asOwner`, for request_event. */
  async function asRequestEventOwner(...statements: string[]): Promise<void> {
    await query(`ALTER TABLE request_event DISABLE TRIGGER USER`);
    try {
      for (const statement of statements) await query(statement);
    } finally {
      await query(`ALTER TABLE request_event ENABLE TRIGGER USER`);
    }
  }

  const totalEvents = async (): Promise<number> =>
    (
      await query<{ n: number }>(
        `SELECT ((SELECT count(*) FROM access_event) + (SELECT count(*) FROM request_event) + (SELECT count(*) FROM read_event))::int AS n`,
      )
    )[0]!.n;

  it("takes the next positions for a refusal and an audit query (a name in any script), between access events, and verifies", async () => {
    const before = await verify();
    if (!before.intact) throw new Error("the chain should be intact here");
    await createTestClient(purposeql, {
      name: "audītors-ž",
      role: ClientRole.INTERNAL_APP,
      purposes: [],
      capabilities: [Capability.READ_AUDIT],
    });
    const refused = await purposeql.execute(`{ purposes { key } }`, { purpose: "no.such.purpose" });
    expect(refused.errors?.[0]?.extensions?.reason).toBe("PURPOSE_UNKNOWN");
    const audited = await purposeql.execute(`{ accessEvents(filter: { clientName: "audītors-ž" }) { edges { cursor } } }`);
    expect(audited.errors).toBeUndefined();
    const [subject] = await query<{ id: string }>(`SELECT id::text AS id FROM data_subject LIMIT 1`);
    await purposeql.execute(`query ($id: ID!) { subject(id: $id) { fullName } }`, { purpose: SERVICE, variables: { id: subject!.id } });

    const chain = await query<{ source: string; position: string }>(
      `SELECT 'access_event' AS source, chain_position::text AS position FROM access_event WHERE chain_position > $1
       UNION ALL SELECT 'request_event:' || kind, chain_position::text FROM request_event WHERE chain_position > $1
       UNION ALL SELECT 'read_event', chain_position::text FROM read_event WHERE chain_position > $1
       ORDER BY 2`,
      [before.head.position],
    );
    const next = (offset: number) => String(Number(before.head.position) + offset);
    expect(chain).toEqual([
      { source: "request_event:REFUSAL", position: next(1) },
      { source: "request_event:AUDIT_QUERY", position: next(2) },
      { source: "read_event", position: next(3) },
    ]);
    expect(await verify()).toMatchObject({ intact: true, events: await totalEvents(), head: { position: next(3) } });
  });

  it("catches a request event edited, or deleted, behind the triggers", async () => {
    const [refusal] = await query<{ id: string; position: string }>(
      `SELECT id::text AS id, chain_position::text AS position FROM request_event WHERE kind = 'REFUSAL' ORDER BY id DESC LIMIT 1`,
    );
    await asRequestEventOwner(`UPDATE request_event SET categories = '{user.name}' WHERE id = ${refusal!.id}`);
    expect(await verify()).toMatchObject({
      intact: false,
      tamper: { kind: "edited", table: "request_event", eventId: refusal!.id, position: refusal!.position },
    });
    const output: string[] = [];
    expect(await runAuditCommand(["verify"], purposeql.services.dataSource, (text) => output.push(text))).toBe(1);
    expect(output.join("")).toContain(`request event ${refusal!.id} (position ${refusal!.position}) edited`);
    await asRequestEventOwner(`UPDATE request_event SET categories = '{}' WHERE id = ${refusal!.id}`);
    await expectIntactWithRequestEvents();

    const [audited] = await query<{ id: string; position: string }>(
      `SELECT id::text AS id, chain_position::text AS position FROM request_event WHERE kind = 'AUDIT_QUERY' ORDER BY id DESC LIMIT 1`,
    );
    await query(`CREATE TABLE deleted_request_events AS SELECT * FROM request_event WHERE id = ${audited!.id}`);
    try {
      await asRequestEventOwner(`DELETE FROM request_event WHERE id = ${audited!.id}`);
      expect(await verify()).toMatchObject({
        intact: false,
        // The event after it is the request's read, in read_event.
        tamper: { kind: "deleted", table: "read_event", position: String(Number(audited!.position) + 1) },
      });
      await asRequestEventOwner(`INSERT INTO request_event OVERRIDING SYSTEM VALUE SELECT * FROM deleted_request_events`);
      await expectIntactWithRequestEvents();
    } finally {
      await query(`DROP TABLE deleted_request_events`);
    }
  });

  it("keeps request events append-only", async () => {
    await expect(query(`UPDATE request_event SET client_name = 'forged'`)).rejects.toThrow(/request_event is append-only/);
    await expect(query(`DELETE FROM request_event`)).rejects.toThrow(/request_event is append-only/);
    await expect(query(`TRUNCATE request_event`)).rejects.toThrow(/request_event is append-only/);
  });

  async function expectIntactWithRequestEvents(): Promise<void> {
    expect(await verify()).toMatchObject({ intact: true, events: await totalEvents() });
  }
});
