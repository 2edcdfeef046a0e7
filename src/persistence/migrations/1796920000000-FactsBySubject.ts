import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Indexes for the facts a read brings with its subjects (src/persistence/subject-reads.ts; issue
 * 14): each subject's consents and objections are looked up by the subject, in the same statement
 * as the rows, and the lawful list asks of every candidate whether a consent holds. The indexes
 * there were partial (one active consent per purpose and scope, one open objection per purpose),
 * so a lookup that must see withdrawn consents and lifted objections too read the whole table once
 * per subject on the page.
 */
export class FactsBySubject1796920000000 implements MigrationInterface {
  name = "FactsBySubject1796920000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "consent_subject_purpose" ON "consent" ("subject_id", "purpose_key") `);
    await queryRunner.query(`CREATE INDEX "objection_subject_purpose" ON "objection" ("subject_id", "purpose_key") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."objection_subject_purpose"`);
    await queryRunner.query(`DROP INDEX "public"."consent_subject_purpose"`);
  }
}
