import { Check, Column, CreateDateColumn, Entity, JoinTable, ManyToMany, PrimaryGeneratedColumn } from "typeorm";
import { ALL_CAPABILITIES, type Capability } from "../../domain/capabilities";
import { ClientRole } from "../../domain/policy-terms";
import { PurposeRow } from "./purpose.entity";

/** An internal app or partner that calls the API. Only a hash of its key is stored. */
@Entity({ name: "client" })
@Check("client_capabilities_known", `capabilities <@ ARRAY[${ALL_CAPABILITIES.map((capability) => `'${capability}'`).join(", ")}]::text[]`)
@Check("client_partner_holds_no_capability", `role <> 'PARTNER' OR cardinality(capabilities) = 0`)
@Check("client_admin_acts_for_no_processor", `role <> 'ADMIN' OR processor_name IS NULL`)
export class ClientRow {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "text", unique: true })
  name!: string;

  @Column({ type: "enum", enum: ClientRole, enumName: "client_role" })
  role!: ClientRole;

  /** Public half of the API key, used to find the client without touching the secret. */
  @Column({ type: "text", name: "key_id", unique: true })
  keyId!: string;

  /** SHA-256 of the secret half of the API key, hex. */
  @Column({ type: "text", name: "key_hash" })
  keyHash!: string;

  /** What the client may change about subjects; the database itself refuses unknown ones, and any for a PARTNER. */
  @Column({ type: "text", array: true })
  capabilities!: Capability[];

  /**
   * The processor of the policy's register it acts for (GDPR Art. 28), by name; null when it acts for
   * none. Not a foreign key: the register changes with the policy, and a client whose processor left
   * it is refused every purpose (src/policy/engine/recipient-rules.ts), never silently unlinked.
   */
  @Column({ type: "text", name: "processor_name", nullable: true })
  processorName!: string | null;

  @CreateDateColumn({ type: "timestamptz", name: "created_at" })
  createdAt!: Date;

  @Column({ type: "timestamptz", name: "revoked_at", nullable: true })
  revokedAt!: Date | null;

  @ManyToMany(() => PurposeRow)
  @JoinTable({
    name: "client_purpose",
    joinColumn: { name: "client_id", referencedColumnName: "id" },
    inverseJoinColumn: { name: "purpose_key", referencedColumnName: "key" },
  })
  purposes!: PurposeRow[];
}
