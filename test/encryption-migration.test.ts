import type { DataSource } from "typeorm";
import { createDataSource } from "../src/persistence/data-source";
import { sealUnencryptedValues } from "../src/persistence/encryption-maintenance";
import { DataSubjectRow } from "../src/persistence/entities";
import { Keyring } from "../src/persistence/field-encryption";
import { migrations } from "../src/persistence/migrations";
import { EncryptionAtRest1796200000000 } from "../src/persistence/migrations/1796200000000-EncryptionAtRest";
import { createTestDatabase } from "./support/database";
import { TEST_ENCRYPTION_KEY } from "./support/harness";

// A file of its own: the embedded database is one PGlite per process (typeorm-pglite keeps a single instance).
const DATABASE = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";

describe(`the migration to encryption at rest (${DATABASE})`, () => {
  it("keeps a date of birth stored as a SQL date as its calendar day, and the first start with a key encrypts what was in the clear", async () => {
    const database = await createTestDatabase();
    const dataSource: DataSource = createDataSource(database.target, { keyring: Keyring.of(TEST_ENCRYPTION_KEY) });
    dataSource.setOptions({ migrations: migrations.filter((migration) => migration !== EncryptionAtRest1796200000000) });
    await dataSource.initialize();
    try {
      await dataSource.runMigrations();
      const [inserted] = await dataSource.query<{ id: string }[]>(
        `INSERT INTO data_subject (full_name, email, phone, date_of_birth, service_active_since)
         VALUES ('Before', 'before@example.lv', '+37120003333', DATE '1961-12-31', now()) RETURNING id`,
      );
      const id = inserted!.id;
      const runner = dataSource.createQueryRunner();
      try {
        await runner.startTransaction();
        await new EncryptionAtRest1796200000000().up(runner);
        await runner.commitTransaction();
      } finally {
        await runner.release();
      }
      expect(await dataSource.query(`SELECT date_of_birth FROM data_subject`)).toEqual([{ date_of_birth: "1961-12-31" }]);
      // What openDatabase does after the migrations when it has the keys.
      expect(await sealUnencryptedValues(dataSource)).toEqual({ subjectValues: 3, archivedValues: 0 });
      const [raw] = await dataSource.query<Record<string, string>[]>(`SELECT email, phone, date_of_birth FROM data_subject`);
      expect(JSON.stringify(raw)).not.toMatch(/before@example|37120003333|1961/);
      expect(await dataSource.getRepository(DataSubjectRow).findOneByOrFail({ id })).toMatchObject({
        fullName: "Before",
        email: "before@example.lv",
        phone: "+37120003333",
        dateOfBirth: "1961-12-31",
      });
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});
