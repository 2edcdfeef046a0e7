import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { RequestDeadline } from "../enforcement/request-deadline";

/**
 * What the access log and every error answer say about one request: its id, and once known, the
 * client and the purpose. One object per request, reachable from the response (the access log is
 * written when it finishes) and, while GraphQL runs, from the async scope (Apollo's error
 * formatter sees neither the request nor the response).
 */
export interface RequestFacts {
  readonly requestId: string;
  client?: string;
  purpose?: string;
  /** Set as a GraphQL request is admitted (request-limiter.ts). */
  deadline?: RequestDeadline;
}

export const REQUEST_ID_HEADER = "X-Request-Id";

/**
 * A request id the caller sent is kept when it is one UUID (36 characters, hex and dashes: bounded
 * and safe in a header, a log line and the audit, whose request_id columns are uuid); any other
 * value is replaced by a fresh one, never rejected.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requestIdFrom(header: string | readonly string[] | undefined): string {
  return typeof header === "string" && UUID.test(header) ? header.toLowerCase() : randomUUID();
}

const byResponse = new WeakMap<ServerResponse, RequestFacts>();
const scope = new AsyncLocalStorage<RequestFacts>();

export function beginRequest(response: ServerResponse, requestId: string): RequestFacts {
  const facts: RequestFacts = { requestId };
  byResponse.set(response, facts);
  response.setHeader(REQUEST_ID_HEADER, requestId);
  return facts;
}

export function factsOfResponse(response: ServerResponse): RequestFacts | undefined {
  return byResponse.get(response);
}

/** Runs `next` (the rest of the request's handling) with its facts in the async scope. */
export function withinRequestScope(response: ServerResponse, next: () => void): void {
  const facts = byResponse.get(response);
  if (facts) scope.run(facts, next);
  else next();
}

export function currentRequestFacts(): RequestFacts | undefined {
  return scope.getStore();
}
