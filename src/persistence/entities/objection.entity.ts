import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { DataSubjectRow } from "./data-subject.entity";
import { PurposeRow } from "./purpose.entity";
import { SubjectRequestRow } from "./subject-request.entity";

/**
 * An objection (GDPR Art. 21) of one subject to one purpose: based on legitimate interests or a
 * public task, or direct marketing. Lifted either on assessed compelling grounds (Art. 21(1)) or, for
 * direct marketing, only by the subject's own request (Art. 21(3)): never both.
 */
@Entity({ name: "objection" })
@Check("objection_lifted_one_way", `lift_assessment IS NULL OR lifted_by_request_id IS NULL`)
@Index("objection_one_open_per_purpose", ["subjectId", "purposeKey"], { unique: true, where: "lifted_at IS NULL" })
// Every objection of a subject, lifted ones too: what a read brings with the subject (migration FactsBySubject).
@Index("objection_subject_purpose", ["subjectId", "purposeKey"])
export class ObjectionRow {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "uuid", name: "subject_id" })
  subjectId!: string;

  @ManyToOne(() => DataSubjectRow, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "subject_id" })
  subject?: DataSubjectRow;

  @Column({ type: "text", name: "purpose_key" })
  purposeKey!: string;

  @ManyToOne(() => PurposeRow, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "purpose_key" })
  purpose?: PurposeRow;

  @Column({ type: "timestamptz", name: "objected_at" })
  objectedAt!: Date;

  @Column({ type: "timestamptz", name: "lifted_at", nullable: true })
  liftedAt!: Date | null;

  /** Name of the client that recorded the objection. */
  @Column({ type: "text", name: "recorded_by" })
  recordedBy!: string;

  /** The request that recorded it; null for objections recorded before this was kept. */
  @Column({ type: "uuid", name: "request_id", nullable: true })
  requestId!: string | null;

  /** Name of the client that lifted it. */
  @Column({ type: "text", name: "lifted_by", nullable: true })
  liftedBy!: string | null;

  /** The compelling legitimate grounds that override the objection (GDPR Art. 21(1)), as assessed when it was lifted. */
  @Column({ type: "text", name: "lift_assessment", nullable: true })
  liftAssessment!: string | null;

  /** The subject's own OBJECTION request that lifted an objection to direct marketing (GDPR Art. 21(3)). */
  @Column({ type: "uuid", name: "lifted_by_request_id", nullable: true })
  liftedByRequestId!: string | null;

  @ManyToOne(() => SubjectRequestRow)
  @JoinColumn({ name: "lifted_by_request_id" })
  liftedByRequest?: SubjectRequestRow;
}
