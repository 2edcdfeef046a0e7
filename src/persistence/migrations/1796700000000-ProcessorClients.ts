import type { MigrationInterface, QueryRunner } from "typeorm";

/** The canonical encoding of migration AuditHashChain: every event recorded before this migration is hashed so. */
const CANONICAL_V1 = `
      CREATE OR REPLACE FUNCTION access_event_canonical(event access_event) RETURNS text LANGUAGE sql STABLE AS $$
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
      $$`;

/**
 * Processors bound to their contracts (issue 13, item 5): a client may act for a processor of the
 * policy's register (`client.processor_name`; an ADMIN never does), and every access event records
 * the recipient — INTERNAL, PROCESSOR or THIRD_PARTY, a disclosure — and the processor.
 *
 * The audit's hash chain covers the new columns. Events recorded before this migration have no
 * recipient type and keep their encoding (`purposeql-audit-v1`, unchanged, so they still verify);
 * an event with one is encoded `purposeql-audit-v2`: v1's fields, then the recipient type, then the
 * processor as a list of none or one name. Setting, clearing or changing either column afterwards
 * changes the encoding, so the event no longer gives its hash. src/audit/audit-chain.ts
 * re-implements both.
 */
export class ProcessorClients1796700000000 implements MigrationInterface {
  name = "ProcessorClients1796700000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TYPE "public"."recipient_type" AS ENUM('INTERNAL', 'PROCESSOR', 'THIRD_PARTY')`);
    await queryRunner.query(`ALTER TABLE "access_event" ADD "recipient_type" "public"."recipient_type"`);
    await queryRunner.query(`ALTER TABLE "access_event" ADD "processor_name" text`);
    await queryRunner.query(`ALTER TABLE "client" ADD "processor_name" text`);
    await queryRunner.query(
      `ALTER TABLE "access_event" ADD CONSTRAINT "access_event_processor_named" CHECK ((recipient_type = 'PROCESSOR') = (processor_name IS NOT NULL) AND (recipient_type IS NOT NULL OR processor_name IS NULL))`,
    );
    await queryRunner.query(
      `ALTER TABLE "client" ADD CONSTRAINT "client_admin_acts_for_no_processor" CHECK (role <> 'ADMIN' OR processor_name IS NULL)`,
    );
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION access_event_canonical(event access_event) RETURNS text LANGUAGE sql STABLE AS $$
        SELECT access_event_netstring(CASE WHEN event.recipient_type IS NULL THEN 'purposeql-audit-v1' ELSE 'purposeql-audit-v2' END)
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
          || CASE WHEN event.recipient_type IS NULL THEN ''
                  ELSE access_event_netstring(event.recipient_type::text)
                    || access_event_netstrings(array_remove(ARRAY[event.processor_name], NULL)) END
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Going back would leave every event recorded since unverifiable: refuse rather than break the chain.
    const [recorded] = (await queryRunner.query(`SELECT count(*)::int AS n FROM access_event WHERE recipient_type IS NOT NULL`)) as {
      n: number;
    }[];
    if ((recorded?.n ?? 0) > 0) {
      throw new Error(
        `${recorded?.n} access events are chained with their recipient (purposeql-audit-v2): this migration cannot be reverted`,
      );
    }
    await queryRunner.query(CANONICAL_V1);
    await queryRunner.query(`ALTER TABLE "client" DROP CONSTRAINT "client_admin_acts_for_no_processor"`);
    await queryRunner.query(`ALTER TABLE "access_event" DROP CONSTRAINT "access_event_processor_named"`);
    await queryRunner.query(`ALTER TABLE "client" DROP COLUMN "processor_name"`);
    await queryRunner.query(`ALTER TABLE "access_event" DROP COLUMN "processor_name"`);
    await queryRunner.query(`ALTER TABLE "access_event" DROP COLUMN "recipient_type"`);
    await queryRunner.query(`DROP TYPE "public"."recipient_type"`);
  }
}
