import type { IncomingMessage, ServerResponse } from "node:http";
import { pinoHttp, type HttpLogger } from "pino-http";
import type { Logger } from "../logging/logger";
import { beginRequest, factsOfResponse, requestIdFrom } from "./request-facts";

/**
 * One access log line per request, written when it finishes: its id, method and path (never the
 * query string, which can carry a GET operation's variables), status, time taken, and the client
 * and purpose once known. Headers (the API key is one) and bodies are never logged.
 */
export function accessLog(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: (request, response) => beginRequest(response, requestIdFrom(request.headers["x-request-id"])).requestId,
    customAttributeKeys: { reqId: "requestId" },
    quietReqLogger: true,
    wrapSerializers: false,
    serializers: {
      req: (request: IncomingMessage) => ({ method: request.method, path: pathOf(request) }),
      res: (response: ServerResponse) => ({ status: response.statusCode }),
    },
    customLogLevel: (_request, response, error) => (error !== undefined || response.statusCode >= 500 ? "error" : "info"),
    customSuccessMessage: () => "request completed",
    customErrorMessage: () => "request failed",
    customSuccessObject: (_request, response, logged: object) => ({ ...logged, ...whoAndWhy(response) }),
    // pino-http would add an error with its stack for a 5xx; the status says it, the error was logged where it happened.
    customErrorObject: (_request, response, _error, logged: object) => {
      const line: Record<string, unknown> = { ...logged, ...whoAndWhy(response) };
      delete line.err;
      return line;
    },
  });
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? "";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

function whoAndWhy(response: ServerResponse): { client: string | null; purpose: string | null } {
  const facts = factsOfResponse(response);
  return { client: facts?.client ?? null, purpose: facts?.purpose ?? null };
}
