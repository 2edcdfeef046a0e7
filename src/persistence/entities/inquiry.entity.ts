import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { SubjectRequestChannel } from "../../domain/policy-terms";
import { DataSubjectRow } from "./data-subject.entity";

/**
 * A question a person sent (by e-mail or the contact form): that they asked, when, and when it was
 * answered — never the message itself, which stays where it arrived. Purposes whose retention counts
 * from an inquiry's close (INQUIRY_CLOSED) read its sender's data while it is open, and for their
 * retention period after it is closed, whether or not the person is a customer.
 */
@Entity({ name: "inquiry" })
@Index("inquiry_subject", ["subjectId"])
@Check("inquiry_closed_after_received", `closed_at IS NULL OR closed_at >= received_at`)
@Check("inquiry_close_has_author", `(closed_at IS NULL) = (closed_by IS NULL)`)
export class InquiryRow {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "uuid", name: "subject_id" })
  subjectId!: string;

  @ManyToOne(() => DataSubjectRow, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "subject_id" })
  subject?: DataSubjectRow;

  @Column({ type: "timestamptz", name: "received_at" })
  receivedAt!: Date;

  @Column({ type: "enum", enum: SubjectRequestChannel, enumName: "subject_request_channel" })
  channel!: SubjectRequestChannel;

  @Column({ type: "text", name: "opened_by" })
  openedBy!: string;

  @Column({ type: "timestamptz", name: "closed_at", nullable: true })
  closedAt!: Date | null;

  @Column({ type: "text", name: "closed_by", nullable: true })
  closedBy!: string | null;
}
