import type { MigrationInterface, QueryRunner } from "typeorm";

const GUARD_BEFORE = `CREATE OR REPLACE FUNCTION consent_history_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        withdrawal CONSTANT text[] := ARRAY['withdrawn_at', 'withdrawn_by', 'withdrawal_method', 'withdrawal_request_id'];
        evidence CONSTANT text[] := ARRAY['evidence_ip_address', 'evidence_browser', 'evidence_operating_system', 'evidence_device'];
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.withdrawn_at IS NULL AND NEW.withdrawn_at IS NOT NULL
           AND (to_jsonb(NEW) - withdrawal) = (to_jsonb(OLD) - withdrawal) THEN
          RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.evidence_ip_address IS NULL AND NEW.evidence_browser IS NULL
           AND NEW.evidence_operating_system IS NULL AND NEW.evidence_device IS NULL
           AND (to_jsonb(NEW) - evidence) = (to_jsonb(OLD) - evidence) THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'consent history is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`;

/**
 * The proof of a consent is kept for the period the policy names, then deleted with the rest of
 * the person's records: the consent guard now lets a consent row be deleted once its subject is
 * ERASED — nothing else of them kept, and no duty keeping the records (the retention sweep decides
 * when; src/policy/engine/retention-plan.ts). A consent of a subject not erased is never deleted,
 * and TRUNCATE stays refused.
 */
export class ErasedRecordsPurge1796600000000 implements MigrationInterface {
  name = "ErasedRecordsPurge1796600000000";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE OR REPLACE FUNCTION consent_history_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        withdrawal CONSTANT text[] := ARRAY['withdrawn_at', 'withdrawn_by', 'withdrawal_method', 'withdrawal_request_id'];
        evidence CONSTANT text[] := ARRAY['evidence_ip_address', 'evidence_browser', 'evidence_operating_system', 'evidence_device'];
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.withdrawn_at IS NULL AND NEW.withdrawn_at IS NOT NULL
           AND (to_jsonb(NEW) - withdrawal) = (to_jsonb(OLD) - withdrawal) THEN
          RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.evidence_ip_address IS NULL AND NEW.evidence_browser IS NULL
           AND NEW.evidence_operating_system IS NULL AND NEW.evidence_device IS NULL
           AND (to_jsonb(NEW) - evidence) = (to_jsonb(OLD) - evidence) THEN
          RETURN NEW;
        END IF;
        IF TG_OP = 'DELETE' AND (SELECT status FROM data_subject WHERE id = OLD.subject_id) = 'ERASED' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'consent history is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(GUARD_BEFORE);
  }
}
