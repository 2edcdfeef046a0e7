import type { MigrationInterface, QueryRunner } from "typeorm";

/** The audit trail is evidence: the database itself refuses to change or remove an access event. */
export class AuditAppendOnly1795606900000 implements MigrationInterface {
  name = "AuditAppendOnly1795606900000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION access_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'access_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER access_event_append_only
      BEFORE UPDATE OR DELETE ON access_event
      FOR EACH ROW EXECUTE FUNCTION access_event_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER access_event_no_truncate
      BEFORE TRUNCATE ON access_event
      FOR EACH STATEMENT EXECUTE FUNCTION access_event_refuse_change()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER access_event_no_truncate ON access_event`);
    await queryRunner.query(`DROP TRIGGER access_event_append_only ON access_event`);
    await queryRunner.query(`DROP FUNCTION access_event_refuse_change()`);
  }
}
