import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A tamper-evident audit: each access event carries `hash = sha256(previous_hash || canonical
 * encoding of its columns)`, chained to the event before it at `chain_position` (1, 2, 3, … with no
 * gap: a rolled-back insert rolls its position back too). An event edited, inserted or deleted
 * behind the triggers' back no longer chains (`npm run audit -- verify`, src/audit/audit-chain.ts,
 * which re-implements the encoding in TypeScript and must agree with `access_event_canonical`).
 *
 * Order: the chain's head (last position and hash) is one row, locked FOR UPDATE by the BEFORE
 * INSERT trigger until the inserting transaction ends, so concurrent requests on several
 * connections chain one after another — a total order, never a fork — and a transaction that rolls
 * back leaves the head as it was. The trigger runs as the table's owner (SECURITY DEFINER): the
 * role the server runs as needs no right on the head, and can neither choose nor forge a position
 * or a hash (whatever it supplies is overwritten). sha256() is built into PostgreSQL 11+ and PGlite
 * (pgcrypto is not available on PGlite).
 *
 * Existing events are chained here in id order.
 */
export class AuditHashChain1796000000000 implements MigrationInterface {
  name = "AuditHashChain1796000000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "access_event" ADD "chain_position" bigint`);
    await queryRunner.query(`ALTER TABLE "access_event" ADD "previous_hash" bytea`);
    await queryRunner.query(`ALTER TABLE "access_event" ADD "hash" bytea`);

    // A netstring (`<bytes>:<text>,`) cannot be confused with its neighbours, whatever the text holds.
    await queryRunner.query(`
      CREATE FUNCTION access_event_netstring(value text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
        SELECT octet_length(value)::text || ':' || value || ','
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION access_event_netstrings(items text[]) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
        SELECT access_event_netstring(cardinality(items)::text)
          || coalesce((SELECT string_agg(access_event_netstring(item), '' ORDER BY n) FROM unnest(items) WITH ORDINALITY AS u(item, n)), '')
      $$`);
    // Every column but the hash itself, in a fixed order; the time as microseconds since the epoch (no
    // time zone, no formatting). A NULL anywhere makes the hash NULL, and the insert fails.
    await queryRunner.query(`
      CREATE FUNCTION access_event_canonical(event access_event) RETURNS text LANGUAGE sql STABLE AS $$
        SELECT access_event_netstring('purposeql-audit-v1')
          || access_event_netstring(event.chain_position::text)
          || access_event_netstring(event.id::text)
          || access_event_netstring(event.request_id::text)
          || access_event_netstring(event.client_id::text)
          || access_event_netstring(event.client_name)
          || access_event_netstring(event.purpose_key)
          || access_event_netstring(event.subject_id::text)
          || access_event_netstring(event.operation)
          || access_event_netstrings(event.written)
          || access_event_netstrings(event.released)
          || access_event_netstrings(event.denied)
          || access_event_netstring(event.decision::text)
          || access_event_netstring(((extract(epoch FROM event.at) * 1000000)::bigint)::text)
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION access_event_hash(event access_event) RETURNS bytea LANGUAGE sql STABLE AS $$
        SELECT sha256(event.previous_hash || convert_to(access_event_canonical(event), 'UTF8'))
      $$`);

    await queryRunner.query(`
      CREATE TABLE access_event_chain_head (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        position bigint NOT NULL,
        hash bytea NOT NULL
      )`);

    // The events already written, chained in the order they were written (id); the append-only
    // trigger is set aside for this one transaction.
    await queryRunner.query(`ALTER TABLE access_event DISABLE TRIGGER access_event_append_only`);
    await queryRunner.query(`
      DO $$
      DECLARE
        event access_event;
        head_position bigint := 0;
        head_hash bytea := decode(repeat('00', 32), 'hex');
      BEGIN
        FOR event IN SELECT * FROM access_event ORDER BY id LOOP
          head_position := head_position + 1;
          event.chain_position := head_position;
          event.previous_hash := head_hash;
          head_hash := access_event_hash(event);
          UPDATE access_event SET chain_position = head_position, previous_hash = event.previous_hash, hash = head_hash WHERE id = event.id;
        END LOOP;
        INSERT INTO access_event_chain_head (position, hash) VALUES (head_position, head_hash);
      END
      $$`);
    await queryRunner.query(`ALTER TABLE access_event ENABLE TRIGGER access_event_append_only`);

    await queryRunner.query(`ALTER TABLE "access_event" ALTER COLUMN "chain_position" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "access_event" ALTER COLUMN "previous_hash" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "access_event" ALTER COLUMN "hash" SET NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "access_event_chain_position" ON "access_event" ("chain_position") `);

    await queryRunner.query(`
      CREATE FUNCTION access_event_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
      DECLARE
        head access_event_chain_head;
      BEGIN
        SELECT * INTO STRICT head FROM access_event_chain_head FOR UPDATE;
        NEW.chain_position := head.position + 1;
        NEW.previous_hash := head.hash;
        NEW.hash := access_event_hash(NEW);
        UPDATE access_event_chain_head SET position = NEW.chain_position, hash = NEW.hash;
        RETURN NEW;
      END
      $$`);
    // Revoked from PUBLIC: only the INSERT trigger calls it, which needs no EXECUTE right of the inserter.
    await queryRunner.query(`REVOKE ALL ON FUNCTION access_event_chain() FROM PUBLIC`);
    await queryRunner.query(`
      CREATE TRIGGER access_event_chain
      BEFORE INSERT ON access_event
      FOR EACH ROW EXECUTE FUNCTION access_event_chain()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER access_event_chain ON access_event`);
    await queryRunner.query(`DROP FUNCTION access_event_chain()`);
    await queryRunner.query(`DROP INDEX "public"."access_event_chain_position"`);
    await queryRunner.query(`DROP TABLE access_event_chain_head`);
    await queryRunner.query(`DROP FUNCTION access_event_hash(access_event)`);
    await queryRunner.query(`DROP FUNCTION access_event_canonical(access_event)`);
    await queryRunner.query(`DROP FUNCTION access_event_netstrings(text[])`);
    await queryRunner.query(`DROP FUNCTION access_event_netstring(text)`);
    await queryRunner.query(`ALTER TABLE "access_event" DROP COLUMN "hash"`);
    await queryRunner.query(`ALTER TABLE "access_event" DROP COLUMN "previous_hash"`);
    await queryRunner.query(`ALTER TABLE "access_event" DROP COLUMN "chain_position"`);
  }
}
