import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Encryption at rest (src/persistence/field-encryption.ts): the date of birth becomes text, since an
 * encrypted value is an envelope, not a SQL date. Its calendar day is kept as `YYYY-MM-DD`, the form
 * the application reads.
 *
 * A migration cannot know the key, so it encrypts nothing: values written before it are sealed when
 * the database is next opened with a key (`sealUnencryptedValues`, run by every start after the
 * migrations, and by `npm run encryption -- rotate`). Until then they are refused on read, never
 * served in the clear to a path that expects an envelope.
 *
 * Down turns the column back into a date: only possible while it holds no encrypted value (decrypt
 * first), and it fails otherwise rather than lose data.
 */
export class EncryptionAtRest1796200000000 implements MigrationInterface {
  name = "EncryptionAtRest1796200000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "data_subject" ALTER COLUMN "date_of_birth" TYPE text USING to_char("date_of_birth", 'YYYY-MM-DD')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "data_subject" ALTER COLUMN "date_of_birth" TYPE date USING "date_of_birth"::date`);
  }
}
