import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import { AccessDecision } from "../../domain/policy-terms";

/** One request's reads of one subject. Append-only: a trigger refuses UPDATE and DELETE. Holds no personal values. */
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

  @Column({ type: "text", array: true })
  released!: string[];

  @Column({ type: "text", array: true })
  denied!: string[];

  @Column({ type: "enum", enum: AccessDecision, enumName: "access_decision" })
  decision!: AccessDecision;

  @Column({ type: "timestamptz", default: () => "now()" })
  at!: Date;
}
