/** What a request event records (the audit's events that concern no one subject; see RequestEventRow). */
export enum RequestEventKind {
  /** The request was refused before execution: nothing ran. */
  REFUSAL = "REFUSAL",
  /** The request read the audit. */
  AUDIT_QUERY = "AUDIT_QUERY",
}

/** An audit query's arguments as recorded: names and keys, ids, instants (ISO), numbers — never a personal value. */
export type AuditQueryFilter = Record<string, string | number>;
