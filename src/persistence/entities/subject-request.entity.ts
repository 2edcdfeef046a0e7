import type { ErasureReceipt } from "../../domain/erasure-receipt";
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { SubjectRequestChannel, SubjectRequestKind, SubjectRequestStatus } from "../../domain/policy-terms";
import { DataSubjectRow } from "./data-subject.entity";

/**
 * A data-subject request (GDPR Art. 15–22) and its case file: received, the person's identity
 * verified, perhaps extended once, then completed or refused with a reason (Art. 12). Each change
 * is also a change event in the audit.
 */
@Entity({ name: "subject_request" })
@Index("subject_request_open_by_deadline", ["status", "dueAt"])
@Check("subject_request_refusal_has_reason", `status <> 'REFUSED' OR refusal_reason IS NOT NULL`)
@Check("subject_request_closed_when_closed", `(status IN ('COMPLETED', 'REFUSED')) = (closed_at IS NOT NULL)`)
@Check("subject_request_verified_when_verified", `status <> 'IDENTITY_VERIFIED' OR identity_verified_at IS NOT NULL`)
@Check("subject_request_extension_has_reason", `(extended_due_at IS NULL) = (extension_reason IS NULL)`)
export class SubjectRequestRow {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "uuid", name: "subject_id" })
  subjectId!: string;

  @ManyToOne(() => DataSubjectRow, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "subject_id" })
  subject?: DataSubjectRow;

  @Column({ type: "enum", enum: SubjectRequestKind, enumName: "subject_request_kind" })
  kind!: SubjectRequestKind;

  @Column({ type: "enum", enum: SubjectRequestStatus, enumName: "subject_request_status", default: SubjectRequestStatus.RECEIVED })
  status!: SubjectRequestStatus;

  @Column({ type: "enum", enum: SubjectRequestChannel, enumName: "subject_request_channel" })
  channel!: SubjectRequestChannel;

  /** When the controller received the request: the deadlines count from here. */
  @Column({ type: "timestamptz", name: "received_at" })
  receivedAt!: Date;

  /** The end of the day, in the controller's time zone, one month after receipt (Art. 12(3)). */
  @Column({ type: "timestamptz", name: "due_at" })
  dueAt!: Date;

  /** Name of the client that opened the request, and in which request. */
  @Column({ type: "text", name: "opened_by" })
  openedBy!: string;

  @Column({ type: "uuid", name: "opened_in_request" })
  openedInRequest!: string;

  @Column({ type: "timestamptz", name: "identity_verified_at", nullable: true })
  identityVerifiedAt!: Date | null;

  /** How the identity was verified, e.g. "signed-in account" or "ID document seen"; never the document itself. */
  @Column({ type: "text", name: "identity_verification_method", nullable: true })
  identityVerificationMethod!: string | null;

  @Column({ type: "text", name: "identity_verified_by", nullable: true })
  identityVerifiedBy!: string | null;

  /** The deadline after the one extension (Art. 12(3)), with the reason the person is told. */
  @Column({ type: "timestamptz", name: "extended_due_at", nullable: true })
  extendedDueAt!: Date | null;

  @Column({ type: "text", name: "extension_reason", nullable: true })
  extensionReason!: string | null;

  @Column({ type: "timestamptz", name: "extended_at", nullable: true })
  extendedAt!: Date | null;

  @Column({ type: "text", name: "extended_by", nullable: true })
  extendedBy!: string | null;

  /** When the request was completed or refused. */
  @Column({ type: "timestamptz", name: "closed_at", nullable: true })
  closedAt!: Date | null;

  @Column({ type: "text", name: "closed_by", nullable: true })
  closedBy!: string | null;

  /** Why the controller does not act on the request (Art. 12(4)); required when refused. */
  @Column({ type: "text", name: "refusal_reason", nullable: true })
  refusalReason!: string | null;

  /**
   * An erasure's receipt (GDPR Art. 17, 19): what was erased, what was kept, why and until when, and
   * whom to tell — categories, reasons and dates, never a value. Repeating the erasure returns it.
   */
  @Column({ type: "jsonb", name: "erasure_receipt", nullable: true })
  erasureReceipt!: ErasureReceipt | null;
}
