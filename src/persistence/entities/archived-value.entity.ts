import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { ArchiveReason } from "../../domain/policy-terms";
import { DataSubjectRow } from "./data-subject.entity";

/**
 * A value that left live processing but must be kept: for a legal duty (GDPR Art. 17(3)(b)) or under
 * a legal hold (Art. 17(3)(e)). Only a record-keeping purpose reads it; the retention sweep purges it
 * once no duty or hold keeps it. One per subject and category.
 */
@Entity({ name: "archived_value" })
@Index("archived_value_one_per_category", ["subjectId", "category"], { unique: true })
export class ArchivedValueRow {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "uuid", name: "subject_id" })
  subjectId!: string;

  // RESTRICT: a subject's record is never deleted out from under what the law requires to keep.
  @ManyToOne(() => DataSubjectRow, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "subject_id" })
  subject?: DataSubjectRow;

  @Column({ type: "text" })
  category!: string;

  /** The value as the record held it, in its text form (a date as YYYY-MM-DD, an instant as ISO 8601). */
  @Column({ type: "text" })
  value!: string;

  @Column({ type: "enum", enum: ArchiveReason, enumName: "archive_reason" })
  reason!: ArchiveReason;

  /** The purpose whose legal duty, or the reference of the legal hold, that archived it. */
  @Column({ type: "text", name: "decided_by" })
  decidedBy!: string;

  @Column({ type: "timestamptz", name: "archived_at" })
  archivedAt!: Date;
}
