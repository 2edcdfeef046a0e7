import type { MigrationInterface, QueryRunner } from "typeorm";

/** Every new policy version is announced on channel `purposeql_policy`, so every server instance recompiles. */
export class PolicyChangeNotify1795607900000 implements MigrationInterface {
  name = "PolicyChangeNotify1795607900000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION policy_version_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('purposeql_policy', NEW.version::text);
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER policy_version_announce
      AFTER INSERT ON policy_version
      FOR EACH ROW EXECUTE FUNCTION policy_version_notify()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER policy_version_announce ON policy_version`);
    await queryRunner.query(`DROP FUNCTION policy_version_notify()`);
  }
}
