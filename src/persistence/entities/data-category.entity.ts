import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";

@Entity({ name: "data_category" })
export class DataCategoryRow {
  @PrimaryColumn({ type: "text" })
  key!: string;

  @Column({ type: "text", name: "parent_key", nullable: true })
  parentKey!: string | null;

  @ManyToOne(() => DataCategoryRow, { nullable: true })
  @JoinColumn({ name: "parent_key" })
  parent?: DataCategoryRow | null;

  @Column({ type: "text" })
  name!: string;

  @Column({ type: "text" })
  description!: string;

  /** A special category of personal data (GDPR Art. 9). */
  @Column({ type: "boolean", default: false })
  special!: boolean;
}
