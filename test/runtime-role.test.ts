import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Client } from "pg";
import { verifyAuditChain } from "../src/audit/audit-chain";
import { openDatabase } from "../src/persistence/data-source";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { createInProcess, testConfig, type InProcessPurposeQL } from "./support/harness";

/**
 * The server run as a role that owns nothing (deploy/postgres-runtime-role.sql): it serves and
 * audits, but cannot edit the audit or set its triggers aside. PostgreSQL only: PGlite is one
 * in-process session of one superuser, with no second role to run as.
 */
const describePostgres = process.env.DATABASE_URL ? describe : describe.skip;

const GRANTS = readFileSync(path.resolve(__dirname, "../deploy/postgres-runtime-role.sql"), "utf8");
// Roles are cluster-wide: one name per run, dropped afterwards.
const ROLE = `purposeql_app_${randomBytes(6).toString("hex")}`;
const PASSWORD = randomBytes(18).toString("base64url");

let database: TestDatabase | undefined;
let runtimeUrl: string;
let runtime: Client | undefined;

/** A statement sent as the runtime role. */
function asRuntime(sql: string, parameters: unknown[] = []): Promise<{ rows: unknown[] }> {
  if (!runtime) throw new Error("not connected as the runtime role");
  return runtime.query(sql, parameters);
}

async function asAdmin(sql: string, url = process.env.DATABASE_URL!): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describePostgres("the runtime role on PostgreSQL", () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    const { target } = database;
    if (target.kind !== "postgres") throw new Error("PostgreSQL only");
    // The owner migrates, then grants the runtime role its rights with the README's script.
    await (await openDatabase(target)).destroy();
    await asAdmin(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
    await asAdmin(GRANTS.replaceAll(`:"app"`, `"${ROLE}"`), target.url);
    const url = new URL(target.url);
    url.username = ROLE;
    url.password = PASSWORD;
    runtimeUrl = url.toString();
    runtime = new Client({ connectionString: runtimeUrl });
    await runtime.connect();
  });

  afterAll(async () => {
    try {
      await runtime?.end();
      await database?.drop();
    } finally {
      await asAdmin(`DROP ROLE IF EXISTS ${ROLE}`);
    }
  });

  it("inserts and reads access events, chained by the database", async () => {
    const inserted = await asRuntime(
      `INSERT INTO access_event (request_id, client_id, client_name, purpose_key, subject_id, operation, written, released, denied, decision)
       VALUES (gen_random_uuid(), gen_random_uuid(), 'runtime', 'essential.service', gen_random_uuid(), 'read', '{}', '{user.name}', '{}', 'RELEASED')
       RETURNING chain_position::text AS position`,
    );
    expect(inserted.rows).toEqual([{ position: expect.stringMatching(/^\d+$/) }]);
    expect((await asRuntime(`SELECT client_name FROM access_event WHERE client_name = 'runtime'`)).rows).toHaveLength(1);
  });

  it("inserts and reads request events, chained by the database after the access events", async () => {
    const inserted = await asRuntime(
      `INSERT INTO request_event (kind, request_id, client_id, client_name, purpose_key, reason, fields, categories, capabilities, at)
       VALUES ('REFUSAL', gen_random_uuid(), gen_random_uuid(), 'runtime', NULL, 'NOT_GRANTED', '{}', '{user.name}', '{}', now())
       RETURNING chain_position::text AS position`,
    );
    expect(inserted.rows).toEqual([{ position: expect.stringMatching(/^\d+$/) }]);
    expect((await asRuntime(`SELECT reason FROM request_event WHERE client_name = 'runtime'`)).rows).toEqual([{ reason: "NOT_GRANTED" }]);
  });

  it.each([
    ["UPDATE", `UPDATE access_event SET client_name = 'forged'`],
    ["DELETE", `DELETE FROM access_event`],
    ["TRUNCATE", `TRUNCATE access_event`],
    ["DISABLE a trigger", `ALTER TABLE access_event DISABLE TRIGGER access_event_append_only`],
    ["DISABLE every trigger", `ALTER TABLE access_event DISABLE TRIGGER USER`],
    ["DROP the append-only trigger", `DROP TRIGGER access_event_append_only ON access_event`],
    ["DROP the chain trigger", `DROP TRIGGER access_event_chain ON access_event`],
    ["ALTER the table", `ALTER TABLE access_event ADD COLUMN note text`],
    ["DROP the table", `DROP TABLE access_event`],
    [
      "replace the hash",
      `CREATE OR REPLACE FUNCTION access_event_hash(event access_event) RETURNS bytea LANGUAGE sql AS $$ SELECT event.hash $$`,
    ],
    ["move the chain's head", `UPDATE access_event_chain_head SET position = 0`],
    ["UPDATE a request event", `UPDATE request_event SET client_name = 'forged'`],
    ["DELETE request events", `DELETE FROM request_event`],
    ["TRUNCATE request events", `TRUNCATE request_event`],
    ["DROP the request events' chain trigger", `DROP TRIGGER request_event_chain ON request_event`],
    [
      "replace the request events' hash",
      `CREATE OR REPLACE FUNCTION request_event_hash(event request_event) RETURNS bytea LANGUAGE sql AS $$ SELECT event.hash $$`,
    ],
    ["UPDATE a read event", `UPDATE read_event SET client_name = 'forged'`],
    ["DELETE read events", `DELETE FROM read_event`],
    ["TRUNCATE read events", `TRUNCATE read_event`],
    ["DROP the read events' chain trigger", `DROP TRIGGER read_event_chain ON read_event`],
    [
      "replace the read events' hash",
      `CREATE OR REPLACE FUNCTION read_event_hash(event read_event) RETURNS bytea LANGUAGE sql AS $$ SELECT event.hash $$`,
    ],
    ["give a category a bit of its own choosing", `INSERT INTO audit_category (bit_index, key) VALUES (62, 'forged')`],
    ["renumber a category", `UPDATE audit_category SET bit_index = 61`],
    ["record a migration", `INSERT INTO migrations (timestamp, name) VALUES (1, 'forged')`],
  ])("cannot %s", async (_what, statement) => {
    await expect(asRuntime(statement)).rejects.toThrow(/permission denied|must be owner/);
  });

  it("runs the server: it reads, writes and audits a subject, and the chain verifies", async () => {
    const purposeql: InProcessPurposeQL = await createInProcess(testConfig({ kind: "postgres", url: runtimeUrl }));
    try {
      const created = await purposeql.execute<{ createSubject: { id: string } }>(
        `mutation { createSubject(input: { fullName: "Runtime Person", email: "r@example.lv" }) { id } }`,
        { purpose: "essential.service" },
      );
      const id = created.data!.createSubject.id;
      const read = await purposeql.execute(`query ($id: ID!) { subject(id: $id) { fullName } }`, {
        purpose: "essential.service",
        variables: { id },
      });
      expect(read).toEqual({ data: { subject: { fullName: "Runtime Person" } } });
      // The read is a read event (migration CompactReadAudit), its category given a bit by the owner's function.
      const events = await asRuntime(
        `SELECT operation, released FROM audit_access_event WHERE subject_id = $1 ORDER BY chain_position, ordinal`,
        [id],
      );
      expect(events.rows).toEqual([
        { operation: "createSubject", released: [] },
        { operation: "read", released: ["user.name"] },
      ]);
      expect((await asRuntime(`SELECT count(*)::int AS n FROM read_event`)).rows).toEqual([{ n: 1 }]);
      // The two inserted by hand above (an access event, a refusal) and the subject's two.
      expect(await verifyAuditChain(purposeql.services.dataSource)).toMatchObject({ intact: true, events: 4 });
    } finally {
      await purposeql.close();
    }
  });
});
