import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import { RequestEventKind, type AuditQueryFilter } from "../../domain/request-events";

/**
 * What a request did that concerns no one subject: a refusal before execution (REFUSAL: the client,
 * the purpose, the reason and the offending fields, categories and capabilities) or a query of the
 * audit itself (AUDIT_QUERY: the client, the query and its filter). Never a value from the request's
 * variables: only schema coordinates, policy keys, ids the auditor gave and the times.
 *
 * Append-only and in the same hash chain as `access_event` (migration AuditQueries): one head, one
 * sequence of positions across both tables, so deleting an audit query leaves a gap as deleting an
 * access event does.
 */
@Entity({ name: "request_event" })
@Index("request_event_chain_position", ["chainPosition"], { unique: true })
@Index("request_event_client_at", ["clientName", "at"])
@Check("request_event_refusal_has_reason", `(kind = 'REFUSAL') = (reason IS NOT NULL)`)
@Check("request_event_audit_query_has_query", `(kind = 'AUDIT_QUERY') = (query IS NOT NULL AND filter IS NOT NULL)`)
export class RequestEventRow {
  @PrimaryGeneratedColumn("identity", { type: "bigint", generatedIdentity: "ALWAYS" })
  id!: string;

  @Column({ type: "enum", enum: RequestEventKind, enumName: "request_event_kind" })
  kind!: RequestEventKind;

  @Column({ type: "uuid", name: "request_id" })
  requestId!: string;

  @Column({ type: "uuid", name: "client_id" })
  clientId!: string;

  @Column({ type: "text", name: "client_name" })
  clientName!: string;

  /** The purpose the request declared, when it declared one the policy knows; null otherwise. */
  @Column({ type: "text", name: "purpose_key", nullable: true })
  purposeKey!: string | null;

  /** REFUSAL: why (`NOT_GRANTED`, `CAPABILITY_MISSING`, …, or the error code when the refusal names no reason). */
  @Column({ type: "text", nullable: true })
  reason!: string | null;

  /** AUDIT_QUERY: the root field queried (`accessEvents`, `breachScope`, …). */
  @Column({ type: "text", nullable: true })
  query!: string | null;

  /** REFUSAL: the schema coordinates refused (`DataSubject.email`, `Mutation.grantCategory`). */
  @Column({ type: "text", array: true })
  fields!: string[];

  /** REFUSAL: the categories the purpose does not grant. */
  @Column({ type: "text", array: true })
  categories!: string[];

  /** REFUSAL: the capabilities the client lacked. */
  @Column({ type: "text", array: true })
  capabilities!: string[];

  /**
   * AUDIT_QUERY: the query's arguments as validated (JSON; `json`, not `jsonb`, so the text the
   * chain hashed is the text kept).
   */
  @Column({ type: "json", nullable: true })
  filter!: AuditQueryFilter | null;

  /** The request's time, from the server's clock. */
  @Column({ type: "timestamptz" })
  at!: Date;

  /** The position in the audit's one chain (shared with access_event); set by the database. */
  @Column({ type: "bigint", name: "chain_position" })
  chainPosition!: string;

  /** The hash of the event at the position before; set by the database. */
  @Column({ type: "bytea", name: "previous_hash" })
  previousHash!: Uint8Array;

  /** sha256(previousHash || the canonical encoding of this event's columns); set by the database. */
  @Column({ type: "bytea" })
  hash!: Uint8Array;
}
