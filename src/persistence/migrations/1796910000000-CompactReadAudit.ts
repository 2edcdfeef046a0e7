import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A compact audit of reads (issue 14, item 3): the reads a request made through the field guard are
 * ONE row of `read_event` — the request's columns once, then one subject id and two category
 * bitmasks (released, denied) per subject, in three arrays of equal length — instead of one
 * `access_event` row per subject with its categories as text. Exports and changes stay in
 * `access_event` (they are rare); the reads already recorded there stay as they are.
 *
 * Categories are bits of a dictionary, `audit_category` (bit_index 0–62 → key), append-only and never
 * renumbered: a bit once given a key means that key for ever, whatever the policy versions say
 * afterwards — so a row needs no policy version to be read, and a policy that renames or drops a
 * category cannot change what an old row says. Bits are given out as keys are first recorded
 * (`audit_category_register`, run as the owner, serialised by a lock); more than 63 keys is an
 * error, loudly, rather than a lossy audit.
 *
 * `read_event` joins the audit's one hash chain exactly as `request_event` does (migration
 * AuditQueries): its BEFORE INSERT trigger takes the same head, and its canonical encoding starts
 * with its own tag (`purposeql-read-v1`): each column as a netstring, the subject ids as lowercase
 * text and the masks in decimal, in a fixed order. src/audit/audit-chain.ts re-implements it.
 *
 * `access_event_reads` expands each row into one row per subject with its category keys, and
 * `audit_access_event` is that together with `access_event`, with the columns the audit's readers
 * always read: an event's place is (chain_position, ordinal), ordinal 0 for an access_event row
 * and 1, 2, … for the subjects of a read event.
 */
export class CompactReadAudit1796910000000 implements MigrationInterface {
  name = "CompactReadAudit1796910000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_category (
        bit_index smallint PRIMARY KEY CHECK (bit_index BETWEEN 0 AND 62),
        key text NOT NULL UNIQUE
      )`);
    await queryRunner.query(`
      CREATE FUNCTION audit_category_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_category_append_only BEFORE UPDATE OR DELETE ON audit_category
      FOR EACH ROW EXECUTE FUNCTION audit_category_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_category_no_truncate BEFORE TRUNCATE ON audit_category
      FOR EACH STATEMENT EXECUTE FUNCTION audit_category_refuse_change()`);
    // Gives each key not yet known the next free bit, in key order, and answers the whole dictionary.
    // The lock serialises two servers registering at once (the second sees the first's bits).
    await queryRunner.query(`
      CREATE FUNCTION audit_category_register(keys text[]) RETURNS TABLE (bit_index smallint, key text)
      LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
      DECLARE
        known integer;
        missing integer;
      BEGIN
        LOCK TABLE audit_category IN SHARE ROW EXCLUSIVE MODE;
        SELECT count(*) INTO known FROM audit_category;
        SELECT count(DISTINCT k) INTO missing FROM unnest(keys) AS k WHERE k NOT IN (SELECT c.key FROM audit_category c);
        IF known + missing > 63 THEN
          RAISE EXCEPTION 'the audit records at most 63 categories: % are known, % more asked for', known, missing
            USING ERRCODE = 'program_limit_exceeded';
        END IF;
        INSERT INTO audit_category (bit_index, key)
          SELECT known + row_number() OVER (ORDER BY k COLLATE "C") - 1, k
            FROM (SELECT DISTINCT k FROM unnest(keys) AS k WHERE k NOT IN (SELECT c.key FROM audit_category c)) AS fresh;
        RETURN QUERY SELECT c.bit_index, c.key FROM audit_category c ORDER BY c.bit_index;
      END
      $$`);
    // A mask's keys, in the order the recorder sorts them (code points, as JavaScript's sort).
    await queryRunner.query(`
      CREATE FUNCTION audit_category_keys(mask bigint) RETURNS text[] LANGUAGE sql STABLE STRICT AS $$
        SELECT coalesce(array_agg(c.key ORDER BY c.key COLLATE "C"), '{}') FROM audit_category c WHERE mask & (1::bigint << c.bit_index) <> 0
      $$`);

    await queryRunner.query(`
      CREATE TABLE read_event (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        request_id uuid NOT NULL,
        client_id uuid NOT NULL,
        client_name text NOT NULL,
        purpose_key text NOT NULL,
        recipient_type recipient_type NOT NULL,
        processor_name text,
        at timestamptz NOT NULL,
        subject_ids uuid[] NOT NULL,
        released bigint[] NOT NULL,
        denied bigint[] NOT NULL,
        chain_position bigint NOT NULL,
        previous_hash bytea NOT NULL,
        hash bytea NOT NULL,
        CONSTRAINT read_event_one_mask_each CHECK (
          cardinality(subject_ids) > 0 AND array_ndims(subject_ids) = 1
          AND cardinality(released) = cardinality(subject_ids) AND cardinality(denied) = cardinality(subject_ids)),
        CONSTRAINT read_event_processor_named CHECK ((recipient_type = 'PROCESSOR') = (processor_name IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX read_event_chain_position ON read_event (chain_position)`);
    await queryRunner.query(`CREATE INDEX read_event_client_at ON read_event (client_name, at, chain_position)`);
    await queryRunner.query(`CREATE INDEX read_event_at ON read_event (at, chain_position)`);
    // A subject's reads: the rows whose subject_ids hold it.
    await queryRunner.query(`CREATE INDEX read_event_subjects ON read_event USING gin (subject_ids)`);
    await queryRunner.query(`
      CREATE TRIGGER read_event_append_only BEFORE UPDATE OR DELETE ON read_event
      FOR EACH ROW EXECUTE FUNCTION audit_category_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER read_event_no_truncate BEFORE TRUNCATE ON read_event
      FOR EACH STATEMENT EXECUTE FUNCTION audit_category_refuse_change()`);

    await queryRunner.query(`
      CREATE FUNCTION read_event_canonical(event read_event) RETURNS text LANGUAGE sql STABLE AS $$
        SELECT access_event_netstring('purposeql-read-v1')
          || access_event_netstring(event.chain_position::text)
          || access_event_netstring(event.id::text)
          || access_event_netstring(event.request_id::text)
          || access_event_netstring(event.client_id::text)
          || access_event_netstring(event.client_name)
          || access_event_netstring(event.purpose_key)
          || access_event_netstring(event.recipient_type::text)
          || access_event_netstrings(array_remove(ARRAY[event.processor_name], NULL))
          || access_event_netstring(((extract(epoch FROM event.at) * 1000000)::bigint)::text)
          || access_event_netstrings(event.subject_ids::text[])
          || access_event_netstrings(event.released::text[])
          || access_event_netstrings(event.denied::text[])
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION read_event_hash(event read_event) RETURNS bytea LANGUAGE sql STABLE AS $$
        SELECT sha256(event.previous_hash || convert_to(read_event_canonical(event), 'UTF8'))
      $$`);
    // The same head as access_event's and request_event's triggers, locked the same way: one chain, one total order.
    await queryRunner.query(`
      CREATE FUNCTION read_event_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
      DECLARE
        head access_event_chain_head;
      BEGIN
        SELECT * INTO STRICT head FROM access_event_chain_head FOR UPDATE;
        NEW.chain_position := head.position + 1;
        NEW.previous_hash := head.hash;
        NEW.hash := read_event_hash(NEW);
        UPDATE access_event_chain_head SET position = NEW.chain_position, hash = NEW.hash;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`REVOKE ALL ON FUNCTION read_event_chain() FROM PUBLIC`);
    await queryRunner.query(`
      CREATE TRIGGER read_event_chain BEFORE INSERT ON read_event
      FOR EACH ROW EXECUTE FUNCTION read_event_chain()`);

    // One row per subject read, as access_event recorded reads; subject_ids stays visible so a
    // reader can narrow the read events by subject through their GIN index.
    await queryRunner.query(`
      CREATE VIEW access_event_reads AS
      SELECT r.chain_position, s.ordinal::integer AS ordinal, r.request_id, r.client_id, r.client_name, r.purpose_key,
             s.subject_id, 'read'::text AS operation, '{}'::text[] AS written,
             audit_category_keys(s.released) AS released, audit_category_keys(s.denied) AS denied,
             (CASE WHEN s.denied = 0 THEN 'RELEASED' WHEN s.released = 0 THEN 'DENIED' ELSE 'PARTIAL' END)::access_decision AS decision,
             r.at, r.recipient_type, r.processor_name, r.subject_ids
        FROM read_event r
             CROSS JOIN LATERAL unnest(r.subject_ids, r.released, r.denied) WITH ORDINALITY AS s(subject_id, released, denied, ordinal)`);
    // Every access event, old and new, as the audit's readers read them. A read event's subjects
    // are identified by `<chain position>.<ordinal>`; an access_event row keeps its id.
    await queryRunner.query(`
      CREATE VIEW audit_access_event AS
      SELECT id::text AS id, chain_position, 0 AS ordinal, request_id, client_id, client_name, purpose_key, subject_id, operation,
             written, released, denied, decision, at, recipient_type, processor_name, ARRAY[subject_id] AS subject_ids
        FROM access_event
      UNION ALL
      SELECT chain_position::text || '.' || ordinal::text, chain_position, ordinal, request_id, client_id, client_name, purpose_key,
             subject_id, operation, written, released, denied, decision, at, recipient_type, processor_name, subject_ids
        FROM access_event_reads`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Going back would drop the reads recorded since: refuse rather than lose audit.
    const [recorded] = (await queryRunner.query(`SELECT count(*)::int AS n FROM read_event`)) as { n: number }[];
    if ((recorded?.n ?? 0) > 0) throw new Error(`${recorded?.n} read events are recorded: this migration cannot be reverted`);
    await queryRunner.query(`DROP VIEW audit_access_event`);
    await queryRunner.query(`DROP VIEW access_event_reads`);
    await queryRunner.query(`DROP TRIGGER read_event_chain ON read_event`);
    await queryRunner.query(`DROP FUNCTION read_event_chain()`);
    await queryRunner.query(`DROP FUNCTION read_event_hash(read_event)`);
    await queryRunner.query(`DROP FUNCTION read_event_canonical(read_event)`);
    await queryRunner.query(`DROP TABLE read_event`);
    await queryRunner.query(`DROP FUNCTION audit_category_keys(bigint)`);
    await queryRunner.query(`DROP FUNCTION audit_category_register(text[])`);
    await queryRunner.query(`DROP TABLE audit_category`);
    await queryRunner.query(`DROP FUNCTION audit_category_refuse_change()`);
  }
}
