import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { DataSubjectRow } from "./data-subject.entity";

/**
 * A legal hold (GDPR Art. 17(3)(e)): while it is open, the categories it covers are neither deleted
 * by retention nor erased; they are archived instead, and the record-keeping purpose may read them.
 */
@Entity({ name: "legal_hold" })
@Index("legal_hold_subject", ["subjectId"])
@Check("legal_hold_ends_after_it_opens", `until > opened_at`)
@Check("legal_hold_release_has_author", `(released_at IS NULL) = (released_by IS NULL)`)
@Check("legal_hold_covers_something", `cardinality(categories) > 0`)
export class LegalHoldRow {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "uuid", name: "subject_id" })
  subjectId!: string;

  @ManyToOne(() => DataSubjectRow, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "subject_id" })
  subject?: DataSubjectRow;

  /** The category keys held; a key covers its sub-categories. */
  @Column({ type: "text", array: true })
  categories!: string[];

  /** The case or proceedings, e.g. a court file number. */
  @Column({ type: "text" })
  reference!: string;

  @Column({ type: "timestamptz", name: "opened_at" })
  openedAt!: Date;

  @Column({ type: "text", name: "opened_by" })
  openedBy!: string;

  @Column({ type: "timestamptz" })
  until!: Date;

  @Column({ type: "timestamptz", name: "released_at", nullable: true })
  releasedAt!: Date | null;

  @Column({ type: "text", name: "released_by", nullable: true })
  releasedBy!: string | null;
}
