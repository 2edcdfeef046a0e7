import cors from "cors";
import type { RequestHandler } from "express";
import onHeaders from "on-headers";

/**
 * What a browser page on another origin may send: the API key, the purpose, a JSON body, Apollo's
 * two preflight headers, and a request id of its own.
 */
const ALLOWED_HEADERS = [
  "Authorization",
  "X-Purpose",
  "Content-Type",
  "Apollo-Require-Preflight",
  "X-Apollo-Operation-Name",
  "X-Request-Id",
];

/** What such a page may read of an answer beyond the CORS-safelisted headers. */
const EXPOSED_HEADERS = ["X-Request-Id", "Retry-After", "WWW-Authenticate"];

/** How long a browser may keep a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE = 600;

/**
 * CORS for the pages of the configured origins (PURPOSEQL_CORS_ORIGINS) and no others. A request
 * from an allowed origin gets `Access-Control-Allow-Origin` (that origin) and its preflight is
 * answered 204 with the methods (GET, POST) and headers above; a request from any other origin, or
 * with no Origin, gets no CORS header at all, so a browser keeps the answer from the page (and a
 * preflight goes on to be refused like any OPTIONS, 405). No cookies are involved (the key is a
 * header the page sets itself), so credentials are not allowed.
 *
 * Apollo's CSRF prevention is independent and stays on: it refuses a GET that carries none of the
 * headers that make a browser preflight (src/server/graphql-server.ts), so a page of another origin
 * cannot have a browser send a request it may not even read.
 */
export function crossOrigin(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  const answer = cors({
    origin: (origin, callback) => {
      callback(null, origin !== undefined && allowed.has(origin));
    },
    methods: ["GET", "POST"],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE,
    optionsSuccessStatus: 204,
  });
  return (request, response, next) => {
    // Every answer depends on the Origin now, so caches must key on it. Added as the headers leave:
    // Apollo sets its own Vary (Authorization, X-Purpose) with setHeader, which would replace this.
    onHeaders(response, () => {
      response.vary("Origin");
    });
    answer(request, response, next);
  };
}
