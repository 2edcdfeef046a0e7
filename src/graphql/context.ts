import { randomUUID } from "node:crypto";
import { declaredPurpose } from "../auth/authenticate";
import { recordRefusal } from "../audit/refusal-events";
import type { AppServices, RequestContext } from "../enforcement/request-context";
import type { RequestDeadline } from "../enforcement/request-deadline";

export type { AppServices, RequestContext } from "../enforcement/request-context";

export interface RequestHeaders {
  readonly authorization?: string;
  readonly purpose?: string;
  /** The id the HTTP layer gave the request (its access log line, its answer); a fresh one when absent. */
  readonly requestId?: string;
  /** When the request must be answered by (the HTTP layer starts it as the request arrives). */
  readonly deadline?: RequestDeadline;
}

/**
 * Who asks and for which purpose. A request whose key is missing or unknown is answered
 * UNAUTHENTICATED and recorded in the access log only: it has no client to audit, and anyone could
 * fill the audit with such requests. A known client that declares a purpose it may not is refused
 * here, before the operation is read, and the refusal is recorded in the audit.
 */
export async function createRequestContext(app: AppServices, headers: RequestHeaders): Promise<RequestContext> {
  const client = await app.authenticator.authenticate(headers.authorization);
  const requestId = headers.requestId ?? randomUUID();
  let headerPurpose: string | null;
  try {
    headerPurpose = declaredPurpose(client, app.policy.compiled, headers.purpose);
  } catch (error) {
    await recordRefusal(app, { requestId, client, purposeKey: null }, error);
    throw error;
  }
  return {
    requestId,
    client,
    headerPurpose,
    app,
    ...(headers.deadline ? { deadline: headers.deadline } : {}),
  };
}
