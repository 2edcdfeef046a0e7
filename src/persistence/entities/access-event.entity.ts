import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import { AccessDecision } from "../../domain/policy-terms";

/**
 * One request's reads of one subject (operation `read`), or one change a mutation made to a subject
 * (its operation, e.g. `updateSubject`, and the categories written). Append-only: a trigger refuses
 * UPDATE, DELETE and TRUNCATE. Holds no personal values.
 */
@Entity({ name: "access_event" })
@Index("access_event_subject_at", ["subjectId", "at"])
export class AccessEventRow {
  @PrimaryGeneratedColumn("identity", { type: "bigint", generatedIdentity: "ALWAYS" })
  id!: string;

  @Column({ type: "uuid", name: "request_id" })
  requestId!: string;

  @Column({ type: "uuid", name: "client_id" })
  clientId!: string;

  @Column({ type: "text", name: "client_name" })
  clientName!: string;

  @Column({ type: "text", name: "purpose_key" })
  purposeKey!: string;

  @Column({ type: "uuid", name: "subject_id" })
  subjectId!: string;

  /** `read`, or the mutation that changed the subject (`updateSubject`, `giveConsent`, …). */
  @Column({ type: "text" })
  operation!: string;

  /** Categories the change wrote (empty for reads). */
  @Column({ type: "text", array: true })
  written!: string[];

  @Column({ type: "text", array: true })
  released!: string[];

  @Column({ type: "text", array: true })
  denied!: string[];

  @Column({ type: "enum", enum: AccessDecision, enumName: "access_decision" })
  decision!: AccessDecision;

  @Column({ type: "timestamptz", default: () => "now()" })
  at!: Date;
}
