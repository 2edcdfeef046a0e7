import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import type { GraphQLError } from "graphql";
import type { Logger } from "../logging/logger";
import { factsOfResponse } from "./request-facts";

/**
 * Failures that happen before GraphQL (the body cannot be read, the method or path is wrong) answer
 * as GraphQL over HTTP does — `{"errors":[{"message","extensions":{"code"}}]}` — never with Express's
 * HTML page. The messages are ours: a body parser's own message can quote the body (a JSON syntax
 * error shows the text around the fault), and its stack shows the server's paths.
 */

export const MAX_BODY = "1mb";

/** The one shape every error answer has; `requestId` ties it to the access log and the audit. */
export function sendError(
  response: Response,
  status: number,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
): void {
  const requestId = requestIdOf(response);
  response.status(status).json({ errors: [{ message, extensions: { code, ...extensions, ...(requestId ? { requestId } : {}) } }] });
}

/**
 * An error PurposeQL raised (its code, message and other extensions) answered outside Apollo, with
 * the status and headers its `extensions.http` gives — a 401's WWW-Authenticate, a 503's
 * Retry-After — as Apollo answers it on /graphql.
 */
export function sendApiError(response: Response, error: GraphQLError): void {
  const { http, code, ...extensions } = error.extensions as { http?: HttpHints; code?: unknown };
  for (const [name, value] of http?.headers ?? []) response.setHeader(name, value);
  sendError(response, http?.status ?? 500, typeof code === "string" ? code : "INTERNAL_SERVER_ERROR", error.message, extensions);
}

/** What an error's `extensions.http` may hold (Apollo's convention). */
interface HttpHints {
  readonly status?: number;
  readonly headers?: ReadonlyMap<string, string>;
}

function requestIdOf(response: Response): string | undefined {
  return factsOfResponse(response)?.requestId;
}

/** What each body-parser failure (its `type`) means to the caller. */
const BODY_FAILURES: Readonly<Record<string, { status: number; message: string }>> = {
  "entity.parse.failed": { status: 400, message: "The request body is not valid JSON." },
  "entity.too.large": { status: 413, message: `The request body is larger than ${MAX_BODY.toUpperCase()}.` },
  "charset.unsupported": { status: 415, message: "The request body's charset is not supported: send UTF-8." },
  "encoding.unsupported": {
    status: 415,
    message: "The request body's Content-Encoding is not supported: send it as is, or gzip, deflate or br.",
  },
  "request.aborted": { status: 400, message: "The request was aborted before its body arrived." },
  "request.size.invalid": { status: 400, message: "The request body's length does not match its Content-Length." },
  "stream.encoding.set": { status: 500, message: "Internal server error" },
};

interface HttpError {
  readonly status?: unknown;
  readonly type?: unknown;
}

/** The last error handler: body-parser's failures, a body that cannot be decompressed, and anything else. */
export function answerFailuresInJson(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _request, response, next) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    const { status, type } = (typeof error === "object" && error !== null ? error : {}) as HttpError;
    const known = typeof type === "string" ? BODY_FAILURES[type] : undefined;
    // A gzip body that is not gzip fails inside zlib, which body-parser reports as a 400 without a type.
    const failure =
      known ??
      (typeof status === "number" && status >= 400 && status < 500
        ? { status, message: "The request body could not be read." }
        : { status: 500, message: "Internal server error" });
    if (failure.status >= 500) {
      // Name and type only: the message of a parsing error can quote the body.
      logger.error({ error: { name: error instanceof Error ? error.name : typeof error, type } }, "failure before GraphQL");
      sendError(response, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
      return;
    }
    sendError(response, failure.status, "BAD_REQUEST", failure.message);
  };
}

/** GraphQL over HTTP is GET (queries) and POST; anything else is refused before the body is read. */
export const onlyGetAndPost: RequestHandler = (request, response, next) => {
  if (request.method === "GET" || request.method === "POST") {
    next();
    return;
  }
  response.setHeader("Allow", "GET, POST");
  sendError(response, 405, "BAD_REQUEST", "GraphQL is served over GET and POST only.");
};

/** Any other path. */
export const notFound: RequestHandler = (_request, response) => {
  sendError(response, 404, "NOT_FOUND", "Not found: GraphQL is served at /graphql, health at /healthz, readiness at /readyz.");
};

/**
 * Requests Node's HTTP parser refuses before Express sees them (headers over its limit, a malformed
 * request line) are answered with the same JSON, not Node's bare status line.
 */
export function answerClientErrorInJson(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, message] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "Request Header Fields Too Large", "The request's headers are too large."]
      : error.code === "HPE_REQUEST_TIMEOUT" || error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "The request did not arrive in time."]
        : [400, "Bad Request", "The request is not valid HTTP."];
  const body = JSON.stringify({ errors: [{ message, extensions: { code: "BAD_REQUEST" } }] });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Until the database is open: 503 with Retry-After. `/healthz` and `/readyz` keep their own shape
 * for load balancers; everything else answers as GraphQL over HTTP does.
 */
export function answerWhileStarting(request: IncomingMessage, response: ServerResponse): void {
  const path = request.url?.split("?")[0];
  const health = path === "/healthz" || path === "/readyz";
  const body = health
    ? { status: "starting" }
    : { errors: [{ message: "The server is starting: try again shortly.", extensions: { code: "SERVICE_UNAVAILABLE" } }] };
  response.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": "1" }).end(JSON.stringify(body));
}
