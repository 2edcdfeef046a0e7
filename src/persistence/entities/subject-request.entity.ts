import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { SubjectRequestKind, SubjectRequestStatus } from "../../domain/policy-terms";
import { DataSubjectRow } from "./data-subject.entity";

/** A data-subject request (GDPR Art. 15–21), due one month after it was received (Art. 12(3)). */
@Entity({ name: "subject_request" })
export class SubjectRequestRow {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "uuid", name: "subject_id" })
  subjectId!: string;

  @ManyToOne(() => DataSubjectRow, { onDelete: "CASCADE" })
  @JoinColumn({ name: "subject_id" })
  subject?: DataSubjectRow;

  @Column({ type: "enum", enum: SubjectRequestKind, enumName: "subject_request_kind" })
  kind!: SubjectRequestKind;

  @Column({ type: "enum", enum: SubjectRequestStatus, enumName: "subject_request_status", default: SubjectRequestStatus.RECEIVED })
  status!: SubjectRequestStatus;

  @Column({ type: "timestamptz", name: "received_at" })
  receivedAt!: Date;

  @Column({ type: "timestamptz", name: "due_at" })
  dueAt!: Date;

  @Column({ type: "timestamptz", name: "completed_at", nullable: true })
  completedAt!: Date | null;
}
