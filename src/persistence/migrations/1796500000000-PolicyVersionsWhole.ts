import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Every policy version keeps the whole policy as in force from it (`document`, in the policy file's
 * shape), who changed it and why — so a past version can be shown whole and its records of
 * processing produced. Versions stored before keep null: their whole state was never recorded.
 */
export class PolicyVersionsWhole1796500000000 implements MigrationInterface {
  name = "PolicyVersionsWhole1796500000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "policy_version" ADD "document" jsonb`);
    await queryRunner.query(`ALTER TABLE "policy_version" ADD "changed_by" text`);
    await queryRunner.query(`ALTER TABLE "policy_version" ADD "justification" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "policy_version" DROP COLUMN "justification"`);
    await queryRunner.query(`ALTER TABLE "policy_version" DROP COLUMN "changed_by"`);
    await queryRunner.query(`ALTER TABLE "policy_version" DROP COLUMN "document"`);
  }
}
