import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import { AccessDecision } from "../../domain/policy-terms";
import { RecipientType } from "../../domain/recipients";

/**
 * One request's reads of one subject (operation `read`), or one change a mutation made to a subject
 * (its operation, e.g. `updateSubject`, and the categories written). Append-only: a trigger refuses
 * UPDATE, DELETE and TRUNCATE. Holds no personal values. Tamper-evident: the database chains each
 * event to the one before it (`chainPosition`, `previousHash`, `hash`; migration AuditHashChain,
 * src/audit/audit-chain.ts), whatever an insert supplies for those columns.
 */
@Entity({ name: "access_event" })
@Index("access_event_subject_at", ["subjectId", "at"])
@Index("access_event_chain_position", ["chainPosition"], { unique: true })
@Check(
  "access_event_processor_named",
  `(recipient_type = 'PROCESSOR') = (processor_name IS NOT NULL) AND (recipient_type IS NOT NULL OR processor_name IS NULL)`,
)
// The audit queries' windows (accessEvents, breachScope): a client's events in a time range, or all events in one —
// with their positions, so a page finds its positions in the index alone.
@Index("access_event_client_at", ["clientName", "at", "chainPosition"])
@Index("access_event_at", ["at", "chainPosition"])
export class AccessEventRow {
  @PrimaryGeneratedColumn("identity", { type: "bigint", generatedIdentity: "ALWAYS" })
  id!: string;

  @Column({ type: "uuid", name: "request_id" })
  requestId!: string;

  @Column({ type: "uuid", name: "client_id" })
  clientId!: string;

  @Column({ type: "text", name: "client_name" })
  clientName!: string;

  @Column({ type: "text", name: "purpose_key" })
  purposeKey!: string;

  @Column({ type: "uuid", name: "subject_id" })
  subjectId!: string;

  /** `read`, or the mutation that changed the subject (`updateSubject`, `giveConsent`, …). */
  @Column({ type: "text" })
  operation!: string;

  /** Categories the change wrote (empty for reads). */
  @Column({ type: "text", array: true })
  written!: string[];

  @Column({ type: "text", array: true })
  released!: string[];

  @Column({ type: "text", array: true })
  denied!: string[];

  @Column({ type: "enum", enum: AccessDecision, enumName: "access_decision" })
  decision!: AccessDecision;

  @Column({ type: "timestamptz", default: () => "now()" })
  at!: Date;

  /**
   * Who received what was read, or made the change (src/domain/recipients.ts): a THIRD_PARTY's reads
   * are disclosures. Null only for events recorded before recipients were (migration ProcessorClients).
   */
  @Column({ type: "enum", enum: RecipientType, enumName: "recipient_type", name: "recipient_type", nullable: true })
  recipientType!: RecipientType | null;

  /** The processor the client acted for; null unless `recipientType` is PROCESSOR. */
  @Column({ type: "text", name: "processor_name", nullable: true })
  processorName!: string | null;

  /** 1, 2, 3, … in the order events were committed, with no gap; set by the database. */
  @Column({ type: "bigint", name: "chain_position" })
  chainPosition!: string;

  /** The hash of the event at the position before (32 zero bytes for the first); set by the database. */
  @Column({ type: "bytea", name: "previous_hash" })
  previousHash!: Uint8Array;

  /** sha256(previousHash || the canonical encoding of this event's columns); set by the database. */
  @Column({ type: "bytea" })
  hash!: Uint8Array;
}
