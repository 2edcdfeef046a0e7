import type { DataSource } from "typeorm";
import { openDatabase } from "../src/persistence/data-source";
import { migrations } from "../src/persistence/migrations";
import { createTestDatabase, type TestDatabase } from "./support/database";

let database: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  database = await createTestDatabase();
  dataSource = await openDatabase(database.target);
});

afterAll(async () => {
  await dataSource.destroy();
  await database.drop();
});

describe(`migrations (${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"})`, () => {
  it("applies every migration once and has nothing left to run", async () => {
    const applied = await dataSource.query(`SELECT name FROM migrations ORDER BY id`);
    expect(applied.map((row: { name: string }) => row.name)).toEqual(migrations.map((migration) => migration.name));
    expect(await dataSource.showMigrations()).toBe(false);
    expect(await dataSource.runMigrations()).toEqual([]);
  });

  it("creates the domain's tables", async () => {
    const tables = await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((row: { table_name: string }) => row.table_name)).toEqual(
      expect.arrayContaining([
        "access_event",
        "client",
        "client_purpose",
        "consent",
        "data_category",
        "data_subject",
        "objection",
        "policy_version",
        "processor",
        "purpose",
        "purpose_category_grant",
        "subject_request",
      ]),
    );
  });

  it("matches the entities: generating a migration now would produce nothing", async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it("keeps the audit trail append-only", async () => {
    await dataSource.query(
      `INSERT INTO access_event (request_id, client_id, client_name, purpose_key, subject_id, operation, written, released, denied, decision)
       VALUES (gen_random_uuid(), gen_random_uuid(), 'test', 'essential.service', gen_random_uuid(), 'read', '{}', '{user.name}', '{}', 'RELEASED')`,
    );
    await expect(dataSource.query(`UPDATE access_event SET client_name = 'forged'`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM access_event`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`TRUNCATE access_event`)).rejects.toThrow(/append-only/);
    expect(await dataSource.query(`SELECT client_name FROM access_event`)).toEqual([{ client_name: "test" }]);
  });
});
