import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { DataSubjectRow } from "./data-subject.entity";
import { PurposeRow } from "./purpose.entity";

/**
 * One consent of one subject to one purpose, and its receipt: who recorded it, in which request,
 * under which policy and notice version, and the categories it covers (its scope). History is
 * append-only: a trigger refuses DELETE, TRUNCATE and any UPDATE but the one that records a
 * withdrawal. A consent under a wider scope is a new row beside the old; at most one is active per scope.
 */
@Entity({ name: "consent" })
@Index("consent_one_active_per_scope", ["subjectId", "purposeKey", "scope"], { unique: true, where: "withdrawn_at IS NULL" })
// Every consent of a subject, withdrawn ones too: what a read brings with the subject (migration FactsBySubject).
@Index("consent_subject_purpose", ["subjectId", "purposeKey"])
export class ConsentRow {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "uuid", name: "subject_id" })
  subjectId!: string;

  // RESTRICT: the proof of a consent outlives any attempt to delete its subject's record (GDPR Art. 7(1)).
  @ManyToOne(() => DataSubjectRow, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "subject_id" })
  subject?: DataSubjectRow;

  @Column({ type: "text", name: "purpose_key" })
  purposeKey!: string;

  @ManyToOne(() => PurposeRow, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "purpose_key" })
  purpose?: PurposeRow;

  @Column({ type: "timestamptz", name: "given_at" })
  givenAt!: Date;

  @Column({ type: "timestamptz", name: "withdrawn_at", nullable: true })
  withdrawnAt!: Date | null;

  /** When the server recorded the consent (the registration consent is given before it is recorded). */
  @Column({ type: "timestamptz", name: "recorded_at" })
  recordedAt!: Date;

  /** Name of the client that recorded it. */
  @Column({ type: "text", name: "recorded_by" })
  recordedBy!: string;

  /** The request that recorded it; null for consents recorded before receipts existed. */
  @Column({ type: "uuid", name: "request_id", nullable: true })
  requestId!: string | null;

  /** The categories the purpose granted when consent was given: all the consent covers. Sorted. */
  @Column({ type: "text", array: true })
  scope!: string[];

  /** The version of the privacy notice the consent was given under. */
  @Column({ type: "text", name: "notice_version" })
  noticeVersion!: string;

  /** Name of the client that recorded the withdrawal. */
  @Column({ type: "text", name: "withdrawn_by", nullable: true })
  withdrawnBy!: string | null;

  /** How the subject withdrew, e.g. WEB_FORM. */
  @Column({ type: "text", name: "withdrawal_method", nullable: true })
  withdrawalMethod!: string | null;

  /** The request that recorded the withdrawal. */
  @Column({ type: "uuid", name: "withdrawal_request_id", nullable: true })
  withdrawalRequestId!: string | null;

  @Column({ type: "text", name: "evidence_ip_address", nullable: true })
  evidenceIpAddress!: string | null;

  @Column({ type: "text", name: "evidence_browser", nullable: true })
  evidenceBrowser!: string | null;

  @Column({ type: "text", name: "evidence_operating_system", nullable: true })
  evidenceOperatingSystem!: string | null;

  @Column({ type: "text", name: "evidence_device", nullable: true })
  evidenceDevice!: string | null;

  /**
   * For a subject below the age of digital consent (GDPR Art. 8(1)): the reference of the consent
   * given or authorised by the holder of parental responsibility, e.g. the verification's case number.
   */
  @Column({ type: "text", name: "evidence_parental_consent_reference", nullable: true })
  evidenceParentalConsentReference!: string | null;

  /** How consent was collected, e.g. API or REGISTRATION_FORM. */
  @Column({ type: "text", name: "evidence_method" })
  evidenceMethod!: string;

  @Column({ type: "integer", name: "policy_version" })
  policyVersion!: number;
}
