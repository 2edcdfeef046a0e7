import { Column, Entity, JoinTable, ManyToMany, PrimaryGeneratedColumn } from "typeorm";
import { DataCategoryRow } from "./data-category.entity";
import { PurposeRow } from "./purpose.entity";

@Entity({ name: "processor" })
export class ProcessorRow {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "text", unique: true })
  name!: string;

  /** ISO 3166-1 alpha-2 country where the processor processes the data. */
  @Column({ type: "char", length: 2 })
  country!: string;

  /** For a processor outside the EEA: the transfer's safeguard (GDPR Art. 44–49). */
  @Column({ type: "text", name: "transfer_safeguard", nullable: true })
  transferSafeguard!: string | null;

  @Column({ type: "text", name: "dpa_reference" })
  dpaReference!: string;

  @Column({ type: "date", name: "dpa_signed_on" })
  dpaSignedOn!: string;

  @Column({ type: "date", name: "last_vetted_on" })
  lastVettedOn!: string;

  @Column({ type: "text", array: true, name: "security_measures" })
  securityMeasures!: string[];

  @ManyToMany(() => PurposeRow)
  @JoinTable({
    name: "processor_purpose",
    joinColumn: { name: "processor_id", referencedColumnName: "id" },
    inverseJoinColumn: { name: "purpose_key", referencedColumnName: "key" },
  })
  purposes!: PurposeRow[];

  @ManyToMany(() => DataCategoryRow)
  @JoinTable({
    name: "processor_category",
    joinColumn: { name: "processor_id", referencedColumnName: "id" },
    inverseJoinColumn: { name: "category_key", referencedColumnName: "key" },
  })
  categories!: DataCategoryRow[];
}
