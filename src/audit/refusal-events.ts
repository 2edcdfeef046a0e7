import { GraphQLError } from "graphql";
import type { AuthenticatedClient } from "../auth/authenticate";
import { isCapability } from "../domain/capabilities";
import { RequestEventKind } from "../domain/request-events";
import type { AppServices } from "../enforcement/request-context";
import { insertRequestEvents, type RequestEventToWrite } from "../persistence/request-event-repository";

/**
 * The codes of a refusal before execution: the client lacks the authority (FORBIDDEN) or the
 * purpose does not allow what the operation asks (PURPOSE_LIMITATION). Any error of these codes
 * that the checks before execution raise is recorded, whatever its reason — a reason added later
 * (a processor bound to its contract, say) is recorded as it is, with no change here.
 */
const REFUSAL_CODES: ReadonlySet<unknown> = new Set(["FORBIDDEN", "PURPOSE_LIMITATION"]);

/** Who was refused: the request, its client, and the purpose it declared (settled so far; null when none). */
export interface RefusedRequest {
  readonly requestId: string;
  readonly client: Pick<AuthenticatedClient, "id" | "name">;
  readonly purposeKey: string | null;
  readonly at: Date;
}

// What a refusal's structured details may hold, checked by shape so that nothing else is recorded.
const COORDINATE = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;
const POLICY_KEY = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/;
const REASON = /^[A-Z][A-Z0-9_]*$/;

/**
 * The request event of a refusal, read from the error's structured extensions alone — `reason`,
 * `purpose`, `fields` (schema coordinates, with their `category`), `categories`,
 * `missingCapabilities` or `capability` — never from its message, and each value kept only when it
 * has the shape of a coordinate, a policy key or a capability: so no value of the request's
 * variables can reach the audit. Null for an error that is not a refusal.
 */
export function refusalEvent(error: unknown, refused: RefusedRequest, knowsPurpose: (key: string) => boolean): RequestEventToWrite | null {
  if (!(error instanceof GraphQLError) || !REFUSAL_CODES.has(error.extensions.code)) return null;
  const extensions = error.extensions;
  const code = String(extensions.code);
  const fields = Array.isArray(extensions.fields) ? (extensions.fields as unknown[]) : [];
  const named = (key: string) => (item: unknown) =>
    typeof item === "object" && item !== null ? (item as Record<string, unknown>)[key] : key === "field" ? item : undefined;
  const purpose = typeof extensions.purpose === "string" && knowsPurpose(extensions.purpose) ? extensions.purpose : refused.purposeKey;
  const capabilities = Array.isArray(extensions.missingCapabilities) ? extensions.missingCapabilities : [extensions.capability];
  return {
    kind: RequestEventKind.REFUSAL,
    requestId: refused.requestId,
    clientId: refused.client.id,
    clientName: refused.client.name,
    purposeKey: purpose,
    reason: typeof extensions.reason === "string" && REASON.test(extensions.reason) ? extensions.reason : code,
    query: null,
    fields: distinct(fields.map(named("field")), (value) => COORDINATE.test(value)),
    categories: distinct(
      [...fields.map(named("category")), ...(Array.isArray(extensions.categories) ? (extensions.categories as unknown[]) : [])],
      (value) => POLICY_KEY.test(value),
    ),
    capabilities: distinct(capabilities, isCapability),
    filter: null,
    at: refused.at,
  };
}

function distinct(values: readonly unknown[], keep: (value: string) => boolean): string[] {
  return [...new Set(values.filter((value): value is string => typeof value === "string" && keep(value)))].sort();
}

/**
 * Records a refusal before execution, if `error` is one. The refusal is the answer either way: it
 * releases nothing, so a refusal that cannot be recorded is logged (without the request's values)
 * and still answered as it is.
 */
export async function recordRefusal(app: AppServices, refused: Omit<RefusedRequest, "at">, error: unknown): Promise<void> {
  const event = refusalEvent(error, { ...refused, at: app.now() }, (key) => app.policy.compiled.hasPurpose(key));
  if (!event) return;
  try {
    await insertRequestEvents(app.dataSource.manager, [event]);
  } catch (failure) {
    app.logger.error(
      { requestId: refused.requestId, reason: event.reason, error: failure instanceof Error ? failure.message : String(failure) },
      "a refusal could not be recorded in the audit",
    );
  }
}
