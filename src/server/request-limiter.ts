import { createHash } from "node:crypto";
import type { RequestHandler } from "express";
import type { RequestLimits } from "../config";
import { RequestDeadline } from "../enforcement/request-deadline";
import { requestTimeout } from "../errors";
import type { Logger } from "../logging/logger";
import { sendError } from "./http-failures";
import { factsOfResponse } from "./request-facts";

/**
 * What bounds GraphQL requests over HTTP, around Apollo's handler:
 *  - a client (one API key) has at most `maxRequestsPerClient` requests in flight; one more is
 *    refused at once, before its body reaches GraphQL (429 TOO_MANY_REQUESTS, Retry-After: 1),
 *    rather than queued: a queue would only move the wait, and hold the caller's connection too;
 *  - each request has a deadline: when it passes, the caller is answered REQUEST_TIMEOUT, and the
 *    request starts no further database work and releases nothing (src/enforcement/request-deadline.ts);
 *  - on shutdown, new requests are refused (503) and `drained` resolves once every request in flight
 *    has finished — its audit written — so the database can be closed under none.
 * A request counts as in flight until Apollo has finished with it, even after a timeout answer or
 * a caller who hung up: disconnecting frees no slot while the work goes on.
 */
export class RequestLimiter {
  private readonly inFlightByClient = new Map<string, number>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(
    private readonly limits: Pick<RequestLimits, "maxRequestsPerClient" | "requestTimeoutMs">,
    private readonly logger: Logger,
  ) {}

  get accepting(): boolean {
    return !this.stopping;
  }

  /** Refuses requests from now on; resolves once those in flight have finished. */
  async drain(): Promise<void> {
    this.stopping = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  around(handler: RequestHandler): RequestHandler {
    return (request, response, next) => {
      if (this.stopping) {
        response.setHeader("Connection", "close");
        response.setHeader("Retry-After", "1");
        sendError(response, 503, "SERVICE_UNAVAILABLE", "The server is shutting down: try again shortly.");
        return;
      }
      const client = clientKey(request.headers.authorization);
      const running = this.inFlightByClient.get(client) ?? 0;
      if (running >= this.limits.maxRequestsPerClient) {
        response.setHeader("Retry-After", "1");
        sendError(
          response,
          429,
          "TOO_MANY_REQUESTS",
          `This client already has ${running} requests in flight, the limit (PURPOSEQL_MAX_REQUESTS_PER_CLIENT): wait for one to finish. Nothing was executed.`,
          { maxRequestsPerClient: this.limits.maxRequestsPerClient },
        );
        return;
      }
      this.inFlightByClient.set(client, running + 1);
      const deadline = new RequestDeadline(this.limits.requestTimeoutMs);
      const facts = factsOfResponse(response);
      if (facts) facts.deadline = deadline;
      const timer = setTimeout(() => {
        deadline.expire();
        if (response.headersSent) return;
        const timeout = requestTimeout(deadline.limitMs);
        sendError(response, 503, "REQUEST_TIMEOUT", timeout.message, { limit: "PURPOSEQL_REQUEST_TIMEOUT_MS", limitMs: deadline.limitMs });
      }, deadline.limitMs);
      const work = Promise.resolve()
        .then(() => handler(request, response, next))
        .catch((error: unknown) => {
          // After a timeout answer, Apollo's own answer cannot be sent: expected, and nothing left.
          if (response.headersSent) return;
          next(error);
        })
        .finally(() => {
          clearTimeout(timer);
          this.release(client);
          this.inFlight.delete(work);
        });
      this.inFlight.add(work);
      work.catch((error: unknown) => this.logger.error({ error: String(error) }, "request limiter failed"));
    };
  }

  private release(client: string): void {
    const running = (this.inFlightByClient.get(client) ?? 1) - 1;
    if (running === 0) this.inFlightByClient.delete(client);
    else this.inFlightByClient.set(client, running);
  }
}

/**
 * Requests are counted per credential presented, before the database is asked who it belongs to:
 * the key is kept only as its hash, and requests without one share a count (they are refused anyway).
 */
function clientKey(authorization: string | undefined): string {
  return createHash("sha256")
    .update(authorization ?? "")
    .digest("hex");
}
