import type { DataSource } from "typeorm";
import { canonicalEncoding, verifyAuditChain } from "../src/audit/audit-chain";
import { runAuditCommand } from "../src/cli/audit-commands";
import { RecipientType } from "../src/domain/recipients";
import { insertChangeEvents } from "../src/persistence/access-event-repository";
import { CHAIN_START, chainedEventsAfter } from "../src/persistence/audit-chain-repository";
import { createDataSource } from "../src/persistence/data-source";
import { migrations } from "../src/persistence/migrations";
import { CompactReadAudit1796910000000 } from "../src/persistence/migrations/1796910000000-CompactReadAudit";
import { ProcessorClients1796700000000 } from "../src/persistence/migrations/1796700000000-ProcessorClients";
import { createTestDatabase, type TestDatabase } from "./support/database";

// A file of its own: the embedded database is one PGlite per process (typeorm-pglite keeps a single instance).
const DATABASE = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";
const MAIL = "Example Mail Delivery Ltd";

let database: TestDatabase;
let dataSource: DataSource;

const query = <T>(sql: string, parameters: unknown[] = []): Promise<T[]> => dataSource.query(sql, parameters);

/** What the table's owner can do: set the append-only and chain triggers aside, change rows, put the triggers back. */
async function asOwner(...statements: string[]): Promise<void> {
  await query(`ALTER TABLE access_event DISABLE TRIGGER USER`);
  try {
    for (const statement of statements) await query(statement);
  } finally {
    await query(`ALTER TABLE access_event ENABLE TRIGGER USER`);
  }
}

async function runner<T>(work: (queryRunner: ReturnType<DataSource["createQueryRunner"]>) => Promise<T>): Promise<T> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    await queryRunner.startTransaction();
    const result = await work(queryRunner);
    await queryRunner.commitTransaction();
    return result;
  } catch (error) {
    await queryRunner.rollbackTransaction();
    throw error;
  } finally {
    await queryRunner.release();
  }
}

const idOf = async (clientName: string): Promise<string> =>
  (await query<{ id: string }>(`SELECT id::text AS id FROM access_event WHERE client_name = $1`, [clientName]))[0]!.id;

beforeAll(async () => {
  database = await createTestDatabase();
  dataSource = createDataSource(database.target);
  // Every migration before the one that records recipients: the database as it was (the compact
  // reads, which record recipients too, come after it).
  const later = [ProcessorClients1796700000000, CompactReadAudit1796910000000];
  dataSource.setOptions({ migrations: migrations.filter((migration) => !later.includes(migration)) });
  await dataSource.initialize();
  await dataSource.runMigrations();
  for (const client of ["old-one", "old-two", "old-three"]) {
    await query(
      `INSERT INTO access_event (request_id, client_id, client_name, purpose_key, subject_id, operation, written, released, denied, decision)
       VALUES (gen_random_uuid(), gen_random_uuid(), $1, 'essential.service', gen_random_uuid(), 'read', '{}', '{user.name}', '{}', 'RELEASED')`,
      [client],
    );
  }
  await runner((queryRunner) => new ProcessorClients1796700000000().up(queryRunner));
  await runner((queryRunner) => new CompactReadAudit1796910000000().up(queryRunner));

  const actor = (clientName: string, recipientType: RecipientType, processorName: string | null) => ({
    requestId: "00000000-0000-4000-8000-000000000001",
    clientId: "00000000-0000-4000-8000-000000000002",
    clientName,
    recipientType,
    processorName,
    purposeKey: "essential.service.operations.support",
    subjectId: "00000000-0000-4000-8000-000000000003",
  });
  const at = new Date("2027-05-01T10:00:00.123Z");
  // Reads as the server recorded them in access_event, one row per subject, before read_event (migration CompactReadAudit).
  const read = (event: ReturnType<typeof actor>, released: string[]) =>
    query(
      `INSERT INTO access_event (request_id, client_id, client_name, purpose_key, recipient_type, processor_name, subject_id, operation,
                                 written, released, denied, decision, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'read', '{}', $8, '{}', 'RELEASED', $9)`,
      [
        event.requestId,
        event.clientId,
        event.clientName,
        event.purposeKey,
        event.recipientType,
        event.processorName,
        event.subjectId,
        released,
        at,
      ],
    );
  await read(actor("mailer", RecipientType.PROCESSOR, MAIL), ["user.name"]);
  await read(actor("adnet", RecipientType.THIRD_PARTY, null), ["user.location.coarse"]);
  await insertChangeEvents(dataSource.manager, [
    { ...actor("crm", RecipientType.INTERNAL, null), operation: "updateSubject", written: ["user.contact.email"], at },
  ]);
});

afterAll(async () => {
  await dataSource.destroy();
  await database.drop();
});

describe(`the audit chain across the migration that records recipients (${DATABASE})`, () => {
  it("keeps the first encoding for the events before it, so they still verify, and chains the new ones with their recipient", async () => {
    const verdict = await verifyAuditChain(dataSource, { batchSize: 2 });
    expect(verdict).toMatchObject({ intact: true, events: 6, head: { position: "6" } });
    const output: string[] = [];
    expect(await runAuditCommand(["verify"], dataSource, (text) => output.push(text))).toBe(0);
    expect(output.join("")).toMatch(/^Audit chain intact: 6 events\./);

    const rows = await query<{ client_name: string; canonical: string; hash_holds: boolean }>(
      `SELECT client_name, access_event_canonical(e) AS canonical, access_event_hash(e) = e.hash AS hash_holds FROM access_event e ORDER BY chain_position`,
    );
    expect(rows.map((row) => [row.client_name, row.canonical.slice(0, 22), row.hash_holds])).toEqual([
      ["old-one", "18:purposeql-audit-v1,", true],
      ["old-two", "18:purposeql-audit-v1,", true],
      ["old-three", "18:purposeql-audit-v1,", true],
      ["mailer", "18:purposeql-audit-v2,", true],
      ["adnet", "18:purposeql-audit-v2,", true],
      ["crm", "18:purposeql-audit-v2,", true],
    ]);
    // The verifier's own encoding is the database's, byte for byte, in both versions.
    const chained = await chainedEventsAfter(dataSource.manager, CHAIN_START, 10);
    expect(chained.map(canonicalEncoding)).toEqual(rows.map((row) => row.canonical));
    expect(rows.find((row) => row.client_name === "mailer")!.canonical).toMatch(/9:PROCESSOR,1:1,25:Example Mail Delivery Ltd,$/);
    expect(rows.find((row) => row.client_name === "adnet")!.canonical).toMatch(/11:THIRD_PARTY,1:0,$/);
  });

  it("catches the recipient or the processor changed, set on an old event, or taken off a new one", async () => {
    const [mailer, adnet, oldTwo] = [await idOf("mailer"), await idOf("adnet"), await idOf("old-two")];
    const tampering: [string, string, string][] = [
      [
        mailer,
        `UPDATE access_event SET processor_name = 'Someone Else Ltd' WHERE id = ${mailer}`,
        `UPDATE access_event SET processor_name = '${MAIL}' WHERE id = ${mailer}`,
      ],
      [
        adnet,
        `UPDATE access_event SET recipient_type = 'INTERNAL' WHERE id = ${adnet}`,
        `UPDATE access_event SET recipient_type = 'THIRD_PARTY' WHERE id = ${adnet}`,
      ],
      [
        adnet,
        `UPDATE access_event SET recipient_type = NULL WHERE id = ${adnet}`,
        `UPDATE access_event SET recipient_type = 'THIRD_PARTY' WHERE id = ${adnet}`,
      ],
      [
        oldTwo,
        `UPDATE access_event SET recipient_type = 'INTERNAL' WHERE id = ${oldTwo}`,
        `UPDATE access_event SET recipient_type = NULL WHERE id = ${oldTwo}`,
      ],
    ];
    for (const [target, tamper, restore] of tampering) {
      await asOwner(tamper);
      expect({ tamper, verdict: await verifyAuditChain(dataSource) }).toMatchObject({
        tamper,
        verdict: { intact: false, tamper: { kind: "edited", eventId: target } },
      });
      await asOwner(restore);
      expect(await verifyAuditChain(dataSource)).toMatchObject({ intact: true, events: 6 });
    }
  });

  it("names a processor only for a processor's event, and a recipient for every event that names a processor", async () => {
    const insert = (recipientType: string | null, processorName: string | null) =>
      query(
        `INSERT INTO access_event (request_id, client_id, client_name, purpose_key, subject_id, operation, written, released, denied, decision, recipient_type, processor_name)
         VALUES (gen_random_uuid(), gen_random_uuid(), 'raw', 'essential.service', gen_random_uuid(), 'read', '{}', '{user.name}', '{}', 'RELEASED', $1, $2)`,
        [recipientType, processorName],
      );
    await expect(insert("THIRD_PARTY", MAIL)).rejects.toThrow(/access_event_processor_named/);
    await expect(insert("PROCESSOR", null)).rejects.toThrow(/access_event_processor_named/);
    await expect(insert(null, MAIL)).rejects.toThrow(/access_event_processor_named/);
    expect(await verifyAuditChain(dataSource)).toMatchObject({ intact: true, events: 6 });
  });

  it("refuses to be reverted once an event is chained with its recipient", async () => {
    await expect(runner((queryRunner) => new ProcessorClients1796700000000().down(queryRunner))).rejects.toThrow(
      /3 access events are chained with their recipient \(purposeql-audit-v2\): this migration cannot be reverted/,
    );
    expect(await verifyAuditChain(dataSource)).toMatchObject({ intact: true, events: 6 });
  });
});
