import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Every change to a client — its row or its purposes, by any connection, the CLI's included — is
 * announced on channel `purposeql_client` with the client's id, so every server instance drops the
 * client from its cache of authenticated clients (src/auth/authenticator.ts) and reads it again.
 * A TRUNCATE announces `*`: every client. The trigger argument names the column holding the id.
 */
export class ClientChangeNotify1796900000000 implements MigrationInterface {
  name = "ClientChangeNotify1796900000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION client_change_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_LEVEL = 'STATEMENT' THEN
          PERFORM pg_notify('purposeql_client', '*');
          RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' THEN
          PERFORM pg_notify('purposeql_client', to_jsonb(OLD) ->> TG_ARGV[0]);
        END IF;
        IF TG_OP <> 'DELETE' THEN
          PERFORM pg_notify('purposeql_client', to_jsonb(NEW) ->> TG_ARGV[0]);
        END IF;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER client_announce_change
      AFTER INSERT OR UPDATE OR DELETE ON client
      FOR EACH ROW EXECUTE FUNCTION client_change_notify('id')`);
    await queryRunner.query(`
      CREATE TRIGGER client_purpose_announce_change
      AFTER INSERT OR UPDATE OR DELETE ON client_purpose
      FOR EACH ROW EXECUTE FUNCTION client_change_notify('client_id')`);
    await queryRunner.query(`
      CREATE TRIGGER client_announce_truncate
      AFTER TRUNCATE ON client
      FOR EACH STATEMENT EXECUTE FUNCTION client_change_notify()`);
    await queryRunner.query(`
      CREATE TRIGGER client_purpose_announce_truncate
      AFTER TRUNCATE ON client_purpose
      FOR EACH STATEMENT EXECUTE FUNCTION client_change_notify()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER client_purpose_announce_truncate ON client_purpose`);
    await queryRunner.query(`DROP TRIGGER client_announce_truncate ON client`);
    await queryRunner.query(`DROP TRIGGER client_purpose_announce_change ON client_purpose`);
    await queryRunner.query(`DROP TRIGGER client_announce_change ON client`);
    await queryRunner.query(`DROP FUNCTION client_change_notify()`);
  }
}
