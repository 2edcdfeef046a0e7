import { MigrationInterface, QueryRunner } from "typeorm";

export class InitialSchema1795606880065 implements MigrationInterface {
  name = "InitialSchema1795606880065";

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TYPE "public"."access_decision" AS ENUM('RELEASED', 'PARTIAL', 'DENIED')`);
    await queryRunner.query(
      `CREATE TABLE "access_event" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "request_id" uuid NOT NULL, "client_id" uuid NOT NULL, "client_name" text NOT NULL, "purpose_key" text NOT NULL, "subject_id" uuid NOT NULL, "released" text array NOT NULL, "denied" text array NOT NULL, "decision" "public"."access_decision" NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_83c38229c482d0a0eaffd7c31f8" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "access_event_subject_at" ON "access_event"  ("subject_id", "at") `);
    await queryRunner.query(
      `CREATE TABLE "data_category" ("key" text NOT NULL, "parent_key" text, "name" text NOT NULL, "description" text NOT NULL, "special" boolean NOT NULL DEFAULT false, CONSTRAINT "PK_2c9947c05f9138694a1dfc229a6" PRIMARY KEY ("key"))`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."legal_basis_code" AS ENUM('CONSENT', 'CONTRACT', 'LEGAL_OBLIGATION', 'VITAL_INTERESTS', 'PUBLIC_TASK', 'LEGITIMATE_INTERESTS')`,
    );
    await queryRunner.query(`CREATE TYPE "public"."retention_trigger" AS ENUM('SERVICE_ENDED', 'CONSENT_WITHDRAWN', 'COLLECTED')`);
    await queryRunner.query(`CREATE TYPE "public"."retention_action" AS ENUM('DELETE', 'ANONYMISE', 'ARCHIVE')`);
    await queryRunner.query(
      `CREATE TABLE "purpose" ("key" text NOT NULL, "parent_key" text, "name" text NOT NULL, "description" text NOT NULL, "legal_basis" "public"."legal_basis_code" NOT NULL, "legitimate_interest_assessment" text, "allowed_under_restriction" boolean NOT NULL DEFAULT false, "retention_trigger" "public"."retention_trigger" NOT NULL, "retention_days" integer, "retention_action" "public"."retention_action" NOT NULL, CONSTRAINT "PK_ff68a76b76d085f6625eae57b93" PRIMARY KEY ("key"))`,
    );
    await queryRunner.query(`CREATE TYPE "public"."client_role" AS ENUM('INTERNAL_APP', 'PARTNER', 'ADMIN')`);
    await queryRunner.query(
      `CREATE TABLE "client" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "role" "public"."client_role" NOT NULL, "key_id" text NOT NULL, "key_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_480f88a019346eae487a0cd7f0c" UNIQUE ("name"), CONSTRAINT "UQ_feef7ad5221fea8adc0389e40f2" UNIQUE ("key_id"), CONSTRAINT "PK_96da49381769303a6515a8785c7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE TYPE "public"."subject_status" AS ENUM('ACTIVE', 'RESTRICTED', 'ERASED')`);
    await queryRunner.query(
      `CREATE TABLE "data_subject" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "seq" BIGSERIAL NOT NULL, "full_name" text, "email" text, "postal_address" text, "phone" text, "date_of_birth" date, "country" character(2), "consented_at" TIMESTAMP WITH TIME ZONE, "ip_address" text, "browser" text, "operating_system" text, "device" text, "status" "public"."subject_status" NOT NULL DEFAULT 'ACTIVE', "service_active_since" TIMESTAMP WITH TIME ZONE NOT NULL, "service_active_until" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5e595bb0bc5f3c422230d14e904" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "data_subject_seq" ON "data_subject"  ("seq") `);
    await queryRunner.query(
      `CREATE TABLE "consent" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "subject_id" uuid NOT NULL, "purpose_key" text NOT NULL, "given_at" TIMESTAMP WITH TIME ZONE NOT NULL, "withdrawn_at" TIMESTAMP WITH TIME ZONE, "evidence_ip_address" text, "evidence_browser" text, "evidence_operating_system" text, "evidence_device" text, "evidence_method" text NOT NULL, "policy_version" integer NOT NULL, CONSTRAINT "PK_9115e8d6b082d4fc46d56134d29" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "consent_one_active_per_purpose" ON "consent"  ("subject_id", "purpose_key") WHERE withdrawn_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "objection" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "subject_id" uuid NOT NULL, "purpose_key" text NOT NULL, "objected_at" TIMESTAMP WITH TIME ZONE NOT NULL, "lifted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_f66a92a8254c445494f6cc3be60" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "objection_one_open_per_purpose" ON "objection"  ("subject_id", "purpose_key") WHERE lifted_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "policy_version" ("version" integer GENERATED ALWAYS AS IDENTITY NOT NULL, "source_hash" text NOT NULL, "source" text NOT NULL, "loaded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_825a6671fc6a44ccb03623f41ae" PRIMARY KEY ("version"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "processor" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "country" character(2) NOT NULL, "dpa_reference" text NOT NULL, "dpa_signed_on" date NOT NULL, "last_vetted_on" date NOT NULL, "security_measures" text array NOT NULL, CONSTRAINT "UQ_f076f1b6a67cb0cc698a1cee711" UNIQUE ("name"), CONSTRAINT "PK_ca61b8f346004bfab72b06ca91d" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."subject_request_kind" AS ENUM('ACCESS', 'PORTABILITY', 'ERASURE', 'RECTIFICATION', 'RESTRICTION', 'OBJECTION')`,
    );
    await queryRunner.query(`CREATE TYPE "public"."subject_request_status" AS ENUM('RECEIVED', 'IN_PROGRESS', 'COMPLETED', 'REJECTED')`);
    await queryRunner.query(
      `CREATE TABLE "subject_request" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "subject_id" uuid NOT NULL, "kind" "public"."subject_request_kind" NOT NULL, "status" "public"."subject_request_status" NOT NULL DEFAULT 'RECEIVED', "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "due_at" TIMESTAMP WITH TIME ZONE NOT NULL, "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_61d21fd37d62e0b43a04474bf18" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "purpose_category_grant" ("purpose_key" text NOT NULL, "category_key" text NOT NULL, CONSTRAINT "PK_660ced510ed980aab5cbab61c67" PRIMARY KEY ("purpose_key", "category_key"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_a222ec1b1549a7c126fe48c65d" ON "purpose_category_grant"  ("purpose_key") `);
    await queryRunner.query(`CREATE INDEX "IDX_a8479291e3d6bcdaf12d3c90d0" ON "purpose_category_grant"  ("category_key") `);
    await queryRunner.query(
      `CREATE TABLE "client_purpose" ("client_id" uuid NOT NULL, "purpose_key" text NOT NULL, CONSTRAINT "PK_00cb1d8d678189e62187e03f1aa" PRIMARY KEY ("client_id", "purpose_key"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_4d6f8e39b2870ff7675edfc4c8" ON "client_purpose"  ("client_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_8db841d5e96550da9de8f31ea2" ON "client_purpose"  ("purpose_key") `);
    await queryRunner.query(
      `CREATE TABLE "processor_purpose" ("processor_id" uuid NOT NULL, "purpose_key" text NOT NULL, CONSTRAINT "PK_b354f6f84f2a862f8c8c4a2d2f3" PRIMARY KEY ("processor_id", "purpose_key"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_c484f0aa0e70321b3c14598970" ON "processor_purpose"  ("processor_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_5c17f378540761be4cda770be9" ON "processor_purpose"  ("purpose_key") `);
    await queryRunner.query(
      `CREATE TABLE "processor_category" ("processor_id" uuid NOT NULL, "category_key" text NOT NULL, CONSTRAINT "PK_9df8212e01c0329174095df6757" PRIMARY KEY ("processor_id", "category_key"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_8ddfeabf4897a61ecb3ba6cec9" ON "processor_category"  ("processor_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_b3862e97b6bf9e8f338441f710" ON "processor_category"  ("category_key") `);
    await queryRunner.query(
      `ALTER TABLE "data_category" ADD CONSTRAINT "FK_9bb4cf4969cdc2b75fb58b9b276" FOREIGN KEY ("parent_key") REFERENCES "data_category"("key") ON DELETE NO ACTION ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "purpose" ADD CONSTRAINT "FK_3296ba27b94f436929e1abe7571" FOREIGN KEY ("parent_key") REFERENCES "purpose"("key") ON DELETE NO ACTION ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "consent" ADD CONSTRAINT "FK_cd5783ed35a9b4832c31ad7557d" FOREIGN KEY ("subject_id") REFERENCES "data_subject"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "consent" ADD CONSTRAINT "FK_ac36aba60d3f2fd5d495a39d84c" FOREIGN KEY ("purpose_key") REFERENCES "purpose"("key") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "objection" ADD CONSTRAINT "FK_355fb0082db9afcf9558eddba3c" FOREIGN KEY ("subject_id") REFERENCES "data_subject"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "objection" ADD CONSTRAINT "FK_9a7a07da8fb6e82285dbcb812f3" FOREIGN KEY ("purpose_key") REFERENCES "purpose"("key") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "subject_request" ADD CONSTRAINT "FK_023891feadfa2bb69a4f2a7e767" FOREIGN KEY ("subject_id") REFERENCES "data_subject"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "purpose_category_grant" ADD CONSTRAINT "FK_a222ec1b1549a7c126fe48c65d3" FOREIGN KEY ("purpose_key") REFERENCES "purpose"("key") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "purpose_category_grant" ADD CONSTRAINT "FK_a8479291e3d6bcdaf12d3c90d00" FOREIGN KEY ("category_key") REFERENCES "data_category"("key") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "client_purpose" ADD CONSTRAINT "FK_4d6f8e39b2870ff7675edfc4c8a" FOREIGN KEY ("client_id") REFERENCES "client"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "client_purpose" ADD CONSTRAINT "FK_8db841d5e96550da9de8f31ea27" FOREIGN KEY ("purpose_key") REFERENCES "purpose"("key") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "processor_purpose" ADD CONSTRAINT "FK_c484f0aa0e70321b3c145989702" FOREIGN KEY ("processor_id") REFERENCES "processor"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "processor_purpose" ADD CONSTRAINT "FK_5c17f378540761be4cda770be9c" FOREIGN KEY ("purpose_key") REFERENCES "purpose"("key") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "processor_category" ADD CONSTRAINT "FK_8ddfeabf4897a61ecb3ba6cec9d" FOREIGN KEY ("processor_id") REFERENCES "processor"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "processor_category" ADD CONSTRAINT "FK_b3862e97b6bf9e8f338441f7105" FOREIGN KEY ("category_key") REFERENCES "data_category"("key") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "processor_category" DROP CONSTRAINT "FK_b3862e97b6bf9e8f338441f7105"`);
    await queryRunner.query(`ALTER TABLE "processor_category" DROP CONSTRAINT "FK_8ddfeabf4897a61ecb3ba6cec9d"`);
    await queryRunner.query(`ALTER TABLE "processor_purpose" DROP CONSTRAINT "FK_5c17f378540761be4cda770be9c"`);
    await queryRunner.query(`ALTER TABLE "processor_purpose" DROP CONSTRAINT "FK_c484f0aa0e70321b3c145989702"`);
    await queryRunner.query(`ALTER TABLE "client_purpose" DROP CONSTRAINT "FK_8db841d5e96550da9de8f31ea27"`);
    await queryRunner.query(`ALTER TABLE "client_purpose" DROP CONSTRAINT "FK_4d6f8e39b2870ff7675edfc4c8a"`);
    await queryRunner.query(`ALTER TABLE "purpose_category_grant" DROP CONSTRAINT "FK_a8479291e3d6bcdaf12d3c90d00"`);
    await queryRunner.query(`ALTER TABLE "purpose_category_grant" DROP CONSTRAINT "FK_a222ec1b1549a7c126fe48c65d3"`);
    await queryRunner.query(`ALTER TABLE "subject_request" DROP CONSTRAINT "FK_023891feadfa2bb69a4f2a7e767"`);
    await queryRunner.query(`ALTER TABLE "objection" DROP CONSTRAINT "FK_9a7a07da8fb6e82285dbcb812f3"`);
    await queryRunner.query(`ALTER TABLE "objection" DROP CONSTRAINT "FK_355fb0082db9afcf9558eddba3c"`);
    await queryRunner.query(`ALTER TABLE "consent" DROP CONSTRAINT "FK_ac36aba60d3f2fd5d495a39d84c"`);
    await queryRunner.query(`ALTER TABLE "consent" DROP CONSTRAINT "FK_cd5783ed35a9b4832c31ad7557d"`);
    await queryRunner.query(`ALTER TABLE "purpose" DROP CONSTRAINT "FK_3296ba27b94f436929e1abe7571"`);
    await queryRunner.query(`ALTER TABLE "data_category" DROP CONSTRAINT "FK_9bb4cf4969cdc2b75fb58b9b276"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_b3862e97b6bf9e8f338441f710"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_8ddfeabf4897a61ecb3ba6cec9"`);
    await queryRunner.query(`DROP TABLE "processor_category"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_5c17f378540761be4cda770be9"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_c484f0aa0e70321b3c14598970"`);
    await queryRunner.query(`DROP TABLE "processor_purpose"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_8db841d5e96550da9de8f31ea2"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_4d6f8e39b2870ff7675edfc4c8"`);
    await queryRunner.query(`DROP TABLE "client_purpose"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_a8479291e3d6bcdaf12d3c90d0"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_a222ec1b1549a7c126fe48c65d"`);
    await queryRunner.query(`DROP TABLE "purpose_category_grant"`);
    await queryRunner.query(`DROP TABLE "subject_request"`);
    await queryRunner.query(`DROP TYPE "public"."subject_request_status"`);
    await queryRunner.query(`DROP TYPE "public"."subject_request_kind"`);
    await queryRunner.query(`DROP TABLE "processor"`);
    await queryRunner.query(`DROP TABLE "policy_version"`);
    await queryRunner.query(`DROP INDEX "public"."objection_one_open_per_purpose"`);
    await queryRunner.query(`DROP TABLE "objection"`);
    await queryRunner.query(`DROP INDEX "public"."consent_one_active_per_purpose"`);
    await queryRunner.query(`DROP TABLE "consent"`);
    await queryRunner.query(`DROP INDEX "public"."data_subject_seq"`);
    await queryRunner.query(`DROP TABLE "data_subject"`);
    await queryRunner.query(`DROP TYPE "public"."subject_status"`);
    await queryRunner.query(`DROP TABLE "client"`);
    await queryRunner.query(`DROP TYPE "public"."client_role"`);
    await queryRunner.query(`DROP TABLE "purpose"`);
    await queryRunner.query(`DROP TYPE "public"."retention_action"`);
    await queryRunner.query(`DROP TYPE "public"."retention_trigger"`);
    await queryRunner.query(`DROP TYPE "public"."legal_basis_code"`);
    await queryRunner.query(`DROP TABLE "data_category"`);
    await queryRunner.query(`DROP INDEX "public"."access_event_subject_at"`);
    await queryRunner.query(`DROP TABLE "access_event"`);
    await queryRunner.query(`DROP TYPE "public"."access_decision"`);
  }
}
