import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { DataSubjectRow } from "./data-subject.entity";
import { PurposeRow } from "./purpose.entity";

/** One consent of one subject to one purpose; withdrawal closes it, a new consent is a new row. */
@Entity({ name: "consent" })
@Index("consent_one_active_per_purpose", ["subjectId", "purposeKey"], { unique: true, where: "withdrawn_at IS NULL" })
export class ConsentRow {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "uuid", name: "subject_id" })
  subjectId!: string;

  @ManyToOne(() => DataSubjectRow, { onDelete: "CASCADE" })
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

  @Column({ type: "text", name: "evidence_ip_address", nullable: true })
  evidenceIpAddress!: string | null;

  @Column({ type: "text", name: "evidence_browser", nullable: true })
  evidenceBrowser!: string | null;

  @Column({ type: "text", name: "evidence_operating_system", nullable: true })
  evidenceOperatingSystem!: string | null;

  @Column({ type: "text", name: "evidence_device", nullable: true })
  evidenceDevice!: string | null;

  /** How consent was collected, e.g. API or REGISTRATION_FORM. */
  @Column({ type: "text", name: "evidence_method" })
  evidenceMethod!: string;

  @Column({ type: "integer", name: "policy_version" })
  policyVersion!: number;
}
