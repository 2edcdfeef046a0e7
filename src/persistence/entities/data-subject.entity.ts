import { Column, CreateDateColumn, Entity, Generated, Index, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";
import { SubjectStatus } from "../../domain/policy-terms";
import { SEALED_ONLY } from "../encryption-envelope";

@Entity({ name: "data_subject" })
export class DataSubjectRow {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  /** Creation order; the keyset behind the `subjects` connection's cursors. */
  @Index("data_subject_seq", { unique: true })
  @Generated("increment")
  // A bigint reads as a string from pg and as a number from PGlite: always a string here, as typed.
  @Column({
    type: "bigint",
    insert: false,
    update: false,
    transformer: { to: (value: unknown) => value, from: (value: string | number | null) => (value === null ? null : String(value)) },
  })
  seq!: string;

  @Column({ type: "text", name: "full_name", nullable: true })
  fullName!: string | null;

  // Encrypted at rest (src/persistence/field-encryption.ts): the column holds an envelope; loaded, the plaintext.
  @Column({ type: "text", nullable: true, transformer: SEALED_ONLY })
  email!: string | null;

  @Column({ type: "text", name: "postal_address", nullable: true, transformer: SEALED_ONLY })
  postalAddress!: string | null;

  @Column({ type: "text", nullable: true, transformer: SEALED_ONLY })
  phone!: string | null;

  /** `YYYY-MM-DD` once decrypted; text, not a SQL date, since it is stored encrypted (compared in TypeScript only). */
  @Column({ type: "text", name: "date_of_birth", nullable: true, transformer: SEALED_ONLY })
  dateOfBirth!: string | null;

  @Column({ type: "char", length: 2, nullable: true })
  country!: string | null;

  /** The registration record: kept only when the person consented to advertising at registration. */
  @Column({ type: "timestamptz", name: "consented_at", nullable: true })
  consentedAt!: Date | null;

  @Column({ type: "text", name: "ip_address", nullable: true, transformer: SEALED_ONLY })
  ipAddress!: string | null;

  @Column({ type: "text", nullable: true })
  browser!: string | null;

  @Column({ type: "text", name: "operating_system", nullable: true })
  operatingSystem!: string | null;

  @Column({ type: "text", nullable: true })
  device!: string | null;

  @Column({ type: "enum", enum: SubjectStatus, enumName: "subject_status", default: SubjectStatus.ACTIVE })
  status!: SubjectStatus;

  /** When the service relationship began; null for someone who never became a customer (only an inquiry). */
  @Column({ type: "timestamptz", name: "service_active_since", nullable: true })
  serviceActiveSince!: Date | null;

  @Column({ type: "timestamptz", name: "service_active_until", nullable: true })
  serviceActiveUntil!: Date | null;

  @CreateDateColumn({ type: "timestamptz", name: "created_at" })
  createdAt!: Date;

  @UpdateDateColumn({ type: "timestamptz", name: "updated_at" })
  updatedAt!: Date;
}
