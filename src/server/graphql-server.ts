import { ApolloServer } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { GraphQLError, GraphQLFormattedError, GraphQLSchema } from "graphql";
import type { RequestLimits } from "../config";
import { databaseUnavailable, requestTimeout } from "../errors";
import { purposeLimitationPlugin } from "../enforcement/enforcement-plugin";
import type { ClientViews } from "../graphql/client-view";
import type { RequestContext } from "../graphql/context";
import type { Logger } from "../logging/logger";
import { clientViewPlugin } from "./client-view-plugin";
import { costLimitPlugin } from "./cost-limit-plugin";
import { MAX_TOKENS } from "./document-limits";
import { nulCharacterPlugin } from "./nul-character-plugin";
import { currentRequestFacts } from "./request-facts";
import { requestFactsPlugin } from "./request-facts-plugin";
import { databaseFaultPlugin } from "./database-fault-plugin";
import { isDatabaseUnavailable } from "../persistence/database-faults";
import { withoutRequestValues } from "./safe-messages";

/**
 * Apollo refuses a GET (or a POST with a form content type) that carries none of these headers, as a
 * possible cross-site request forgery: a browser sends such a "simple" request cross-origin without
 * asking first. Apollo's own two (`x-apollo-operation-name`, `apollo-require-preflight`) are kept;
 * `authorization` and `x-purpose` are added because neither is CORS-safelisted either — a browser
 * must preflight any cross-origin request carrying one — and every PurposeQL request that can read
 * anything carries its API key. So a GET with the documented headers works as it is.
 */
export const CSRF_PREVENTION_HEADERS = ["x-apollo-operation-name", "apollo-require-preflight", "authorization", "x-purpose"];

const PUBLIC_CODES = new Set([
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "PURPOSE_LIMITATION",
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "CONFLICT",
  "AUDIT_UNAVAILABLE",
  "POLICY_UNAVAILABLE",
  "DATABASE_UNAVAILABLE",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
  "REQUEST_TIMEOUT",
  "TOO_MANY_REQUESTS",
]);

/** PostgreSQL's code for a statement cancelled by statement_timeout. */
const QUERY_CANCELED = "57014";

export interface GraphQLServerOptions {
  readonly logger: Logger;
  /** Development only: the messages of internal errors reach the caller (never stack traces). */
  readonly exposeErrorDetail: boolean;
  readonly introspection: boolean;
  /** "Did you mean …?" in validation errors. */
  readonly fieldSuggestions: boolean;
  readonly limits: RequestLimits;
  /** Each client's view of the schema, which introspection answers with. */
  readonly views: ClientViews;
}

export function createGraphQLServer(schema: GraphQLSchema, options: GraphQLServerOptions): ApolloServer<RequestContext> {
  return new ApolloServer<RequestContext>({
    schema,
    introspection: options.introspection,
    hideSchemaDetailsFromClientErrors: !options.fieldSuggestions,
    includeStacktraceInErrorResponses: false,
    // Automatic persisted queries are off: Apollo keeps one cache for every caller, so a hash one
    // client registered would run for another that never sent the query.
    persistedQueries: false,
    csrfPrevention: { requestHeaders: CSRF_PREVENTION_HEADERS },
    // The HTTP layer refuses larger documents first (document-limits.ts); this holds for any other way in.
    parseOptions: { maxTokens: MAX_TOKENS },
    // Apollo's own logger would print its messages to the console; they go to the structured log.
    logger: options.logger,
    // Text with NUL is refused first, before the cost estimate and the purpose checks read the variables.
    plugins: [
      nulCharacterPlugin(),
      costLimitPlugin(options.limits),
      purposeLimitationPlugin(),
      clientViewPlugin(options.views),
      requestFactsPlugin(),
      databaseFaultPlugin(),
      // Never Apollo's own page: it loads its Sandbox from a CDN, with telemetry. Browsers get
      // GraphiQL, served from this server, where it is on (src/server/graphiql.ts).
      ApolloServerPluginLandingPageDisabled(),
      // Apollo's cache-control plugin computes a hint for every field resolved (some 800 on a page
      // of 100) only to arrive at `no-store`: no answer here may be cached by a shared cache. The
      // purpose-limitation plugin sets the header itself (PERSONAL_CACHE_CONTROL, NOT_CACHED).
      ApolloServerPluginCacheControlDisabled(),
    ],
    formatError: (formatted, error) => withRequestId(hideInternalDetail(formatted, error, options)),
  });
}

/** Every error names its request, so a caller can quote it and an operator find its log line and audit rows. */
function withRequestId(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const requestId = currentRequestFacts()?.requestId;
  return requestId === undefined ? formatted : { ...formatted, extensions: { ...formatted.extensions, requestId } };
}

/** Errors PurposeQL raises on purpose pass through; anything else becomes a bare internal error (no SQL, no stack). */
function hideInternalDetail(formatted: GraphQLFormattedError, error: unknown, options: GraphQLServerOptions): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (formatted.extensions?.validationErrorCode === "INTROSPECTION_DISABLED") {
    // Apollo's own message tells the caller to reconfigure the server in code.
    return {
      ...formatted,
      message: "Introspection is off on this server (PURPOSEQL_INTROSPECTION); the schema is published as schema.graphql.",
    };
  }
  if (typeof code === "string" && PUBLIC_CODES.has(code)) return { ...formatted, message: withoutRequestValues(code, formatted.message) };
  const cause = unwrapResolverError(error);
  if (typeof cause === "object" && cause !== null && (cause as { code?: unknown }).code === QUERY_CANCELED) {
    // The statement ran past statement_timeout: the caller's request was too heavy, not the server broken.
    options.logger.warn({ requestId: currentRequestFacts()?.requestId, path: formatted.path }, "a statement ran past statement_timeout");
    return answeredAs(requestTimeout(options.limits.statementTimeoutMs, "PURPOSEQL_STATEMENT_TIMEOUT_MS"), formatted);
  }
  if (isDatabaseUnavailable(cause)) {
    // The connection broke or could not be made: a fault of the moment, reported as one the caller may retry.
    options.logger.warn({ requestId: currentRequestFacts()?.requestId, error: describeSafely(cause) }, "the database could not be reached");
    return answeredAs(databaseUnavailable(), formatted);
  }
  options.logger.error(
    { requestId: currentRequestFacts()?.requestId, error: describeSafely(cause), path: formatted.path },
    "internal error while serving a request",
  );
  if (options.exposeErrorDetail) return formatted;
  return {
    message: "Internal server error",
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  };
}

/** `error` in place of the internal one, at the same path; its HTTP hints stay out of the body. */
function answeredAs(error: GraphQLError, formatted: GraphQLFormattedError): GraphQLFormattedError {
  const extensions: Record<string, unknown> = { ...error.extensions };
  delete extensions.http;
  return { message: error.message, path: formatted.path, locations: formatted.locations, extensions };
}

/** Name, message and code only: a database error also carries the query's parameters, which hold personal data. */
function describeSafely(error: unknown): { name: string; message: string; code?: unknown } {
  if (!(error instanceof Error)) return { name: "NonError", message: String(error) };
  return { name: error.name, message: error.message, code: (error as { code?: unknown }).code };
}
