import { randomUUID } from "node:crypto";
import { authenticateClient, declaredPurpose } from "../auth/authenticate";
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

export async function createRequestContext(app: AppServices, headers: RequestHeaders): Promise<RequestContext> {
  const client = await authenticateClient(app.dataSource.manager, headers.authorization);
  return {
    requestId: headers.requestId ?? randomUUID(),
    client,
    headerPurpose: declaredPurpose(client, app.policy.compiled, headers.purpose),
    app,
    ...(headers.deadline ? { deadline: headers.deadline } : {}),
  };
}
