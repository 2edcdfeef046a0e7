import type { AuditQueryFilter, RequestEventKind } from "../domain/request-events";
import { badUserInput, invalidInput } from "../errors";
import type { AccessEventFilter, RequestEventFilter, ScopeWindow } from "../persistence/audit-query-repository";
import { clientNameExists } from "../persistence/client-repository";
import { RETENTION_SWEEP_ACTOR } from "../retention/sweep";
import { subjectIdArgument } from "./arguments";
import type { RequestContext } from "./context";
import type { AccessEventFilterInput, RequestEventFilterInput } from "./inputs/audit.inputs";

/**
 * The audit queries' arguments, checked before any of the audit is read: a mistyped name or key is
 * the auditor's error, said clearly, not an empty answer that looks like "nothing happened". What
 * passes is also what the query's own audit record keeps (`recorded`): names and keys known to the
 * server, a subject id, instants — so no personal value can reach the audit through a filter. No
 * message repeats what was sent.
 */

/** A filter as the repository takes it, and as the audit query's record keeps it (fixed key order). */
export interface CheckedFilter<F> {
  readonly filter: F;
  readonly recorded: AuditQueryFilter;
}

// Operations are camelCase names: `read`, `accessExport`, `updateSubject`, `retentionStatus`.
const OPERATION = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

export async function accessEventFilterArgument(
  context: RequestContext,
  input: AccessEventFilterInput | null | undefined,
): Promise<CheckedFilter<AccessEventFilter>> {
  const policy = context.app.policy.compiled;
  const given = input ?? {};
  const filter: { -readonly [K in keyof AccessEventFilter]: AccessEventFilter[K] } = {};
  if (given.clientName != null) filter.clientName = await knownClientName(context, given.clientName, "filter.clientName");
  if (given.purposeKey != null) {
    if (!policy.hasPurpose(given.purposeKey)) {
      throw invalidInput("filter.purposeKey", "is not a purpose of the policy in force (see `purposes { key }`)");
    }
    filter.purposeKey = given.purposeKey;
  }
  if (given.subjectId != null) filter.subjectId = subjectIdArgument(given.subjectId, "filter.subjectId");
  if (given.category != null) {
    if (!policy.hasCategory(given.category)) {
      throw invalidInput("filter.category", "is not a category of the policy in force (see `dataCategories { key }`)");
    }
    filter.category = given.category;
  }
  if (given.operation != null) {
    if (!OPERATION.test(given.operation)) {
      throw invalidInput("filter.operation", "is not an operation name, such as `read` or `updateSubject`");
    }
    filter.operation = given.operation;
  }
  Object.assign(filter, windowArgument(given.from, given.to, "filter."));
  return { filter, recorded: recordedFilter(filter) };
}

export async function requestEventFilterArgument(
  context: RequestContext,
  input: RequestEventFilterInput | null | undefined,
): Promise<CheckedFilter<RequestEventFilter>> {
  const given = input ?? {};
  const filter: { clientName?: string; kind?: RequestEventKind; from?: Date; to?: Date } = {};
  if (given.clientName != null) filter.clientName = await knownClientName(context, given.clientName, "filter.clientName");
  if (given.kind != null) filter.kind = given.kind;
  Object.assign(filter, windowArgument(given.from, given.to, "filter."));
  return { filter, recorded: recordedFilter(filter) };
}

/** breachScope's client and window: all three required, the window not empty. */
export async function scopeWindowArgument(
  context: RequestContext,
  clientName: string,
  from: Date,
  to: Date,
): Promise<CheckedFilter<ScopeWindow>> {
  const window = { clientName: await knownClientName(context, clientName, "clientName"), ...windowArgument(from, to, "") } as ScopeWindow;
  return { filter: window, recorded: recordedFilter(window) };
}

/**
 * A client's name as the audit records it: one registered (revoked ones included — a leaked key is
 * revoked before its scope is asked), or the retention sweep, which acts under its own name.
 */
async function knownClientName(context: RequestContext, name: string, field: string): Promise<string> {
  if (name === RETENTION_SWEEP_ACTOR.clientName || (await clientNameExists(context.app.dataSource.manager, name))) return name;
  throw invalidInput(field, "names no client (see `clients { name }`)");
}

function windowArgument(from: Date | null | undefined, to: Date | null | undefined, prefix: string): { from?: Date; to?: Date } {
  if (from != null && to != null && from.getTime() >= to.getTime()) {
    const message = `${prefix}from must be before ${prefix}to`;
    throw badUserInput(`Invalid input: ${message}`, {
      fields: [
        { field: `${prefix}from`, message },
        { field: `${prefix}to`, message },
      ],
    });
  }
  return { ...(from != null ? { from } : {}), ...(to != null ? { to } : {}) };
}

/** The filter's values in their declared order, instants in ISO 8601 (UTC). */
function recordedFilter(filter: object): AuditQueryFilter {
  return Object.fromEntries(
    Object.entries(filter).flatMap(([key, value]: [string, unknown]) =>
      value instanceof Date ? [[key, value.toISOString()]] : typeof value === "string" ? [[key, value]] : [],
    ),
  );
}
