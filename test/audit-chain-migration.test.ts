import type { DataSource } from "typeorm";
import { verifyAuditChain } from "../src/audit/audit-chain";
import { createDataSource } from "../src/persistence/data-source";
import { migrations } from "../src/persistence/migrations";
import { AuditHashChain1796000000000 } from "../src/persistence/migrations/1796000000000-AuditHashChain";
import { createTestDatabase } from "./support/database";

// A file of its own: the embedded database is one PGlite per process (typeorm-pglite keeps a single instance).
const DATABASE = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";

describe(`the migration that introduces the chain (${DATABASE})`, () => {
  it("chains the events a database held before it, in the order they were written", async () => {
    const database = await createTestDatabase();
    const dataSource: DataSource = createDataSource(database.target);
    // The migrations before the chain; then the chain's and every later one (which may build on it), in order.
    const chainAt = migrations.indexOf(AuditHashChain1796000000000);
    dataSource.setOptions({ migrations: migrations.slice(0, chainAt) });
    await dataSource.initialize();
    try {
      await dataSource.runMigrations();
      for (const client of ["first", "second", "third"]) {
        await dataSource.query(
          `INSERT INTO access_event (request_id, client_id, client_name, purpose_key, subject_id, operation, written, released, denied, decision)
           VALUES (gen_random_uuid(), gen_random_uuid(), $1, 'essential.service', gen_random_uuid(), 'read', '{}', '{user.name}', '{}', 'RELEASED')`,
          [client],
        );
      }
      const runner = dataSource.createQueryRunner();
      try {
        for (const Migration of migrations.slice(chainAt)) {
          await runner.startTransaction();
          await new Migration().up(runner);
          await runner.commitTransaction();
        }
      } finally {
        await runner.release();
      }
      const chained = await dataSource.query(`SELECT client_name, chain_position::text AS position FROM access_event ORDER BY id`);
      expect(chained).toEqual([
        { client_name: "first", position: "1" },
        { client_name: "second", position: "2" },
        { client_name: "third", position: "3" },
      ]);
      expect(await verifyAuditChain(dataSource)).toMatchObject({ intact: true, events: 3, head: { position: "3" } });
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});
