import { GraphQLError } from "graphql";

/** The error codes PurposeQL answers with (`extensions.code`); docs/DESIGN.md §7. */
export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "PURPOSE_LIMITATION"
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "CONFLICT"
  | "AUDIT_UNAVAILABLE"
  | "POLICY_UNAVAILABLE"
  | "DATABASE_UNAVAILABLE"
  | "REQUEST_TIMEOUT"
  | "TOO_MANY_REQUESTS";

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  AUDIT_UNAVAILABLE: 503,
  POLICY_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  REQUEST_TIMEOUT: 503,
  TOO_MANY_REQUESTS: 429,
};

/**
 * One entry of `extensions.fields`, one shape whatever the code: `field` says where the fault is — an
 * argument or input path (`first`, `input.registration.consentedAt`) or a schema coordinate
 * (`DataSubject.email`, `Mutation.createSubject`) — and `message` what is wrong there. A code adds
 * what it knows: `category` (PURPOSE_LIMITATION), `capability` (a missing capability).
 */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
  readonly category?: string;
  readonly capability?: string;
}

/** An error's extensions beyond its code; `fields`, when given, is always a list of FieldProblem. */
export interface ErrorDetails {
  readonly fields?: readonly FieldProblem[];
  readonly [detail: string]: unknown;
}

export function apiError(code: ErrorCode, message: string, details: ErrorDetails = {}): GraphQLError {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, {
    extensions: { code, ...details, ...(status === undefined ? {} : { http: { status } }) },
  });
}

/** No valid API key (401); `challenge` is the response's `WWW-Authenticate` (RFC 6750 §3), which every 401 carries. */
export const unauthenticated = (message: string, challenge: string): GraphQLError =>
  new GraphQLError(message, {
    extensions: { code: "UNAUTHENTICATED", http: { status: 401, headers: new Map([["www-authenticate", challenge]]) } },
  });
export const forbidden = (message: string, details?: ErrorDetails): GraphQLError => apiError("FORBIDDEN", message, details);
export const badUserInput = (message: string, details?: ErrorDetails): GraphQLError => apiError("BAD_USER_INPUT", message, details);

/**
 * Invalid input at one field: the message is `Invalid input: <field> <problem>`, and
 * `extensions.fields` says the same as data, `[{ field, message: problem }]`.
 */
export function invalidInput(field: string, problem: string, details: ErrorDetails = {}): GraphQLError {
  return badUserInput(`Invalid input: ${field} ${problem}`, { ...details, fields: [{ field, message: problem }] });
}
export const notFound = (message: string): GraphQLError => apiError("NOT_FOUND", message);
/** The write contradicts what is recorded (`extensions.reason` says what); nothing was written. */
export const conflict = (message: string, details?: ErrorDetails): GraphQLError => apiError("CONFLICT", message, details);

/**
 * The request ran past its deadline (`limit`: PURPOSEQL_REQUEST_TIMEOUT_MS), or one of its database
 * statements past PostgreSQL's statement_timeout (PURPOSEQL_STATEMENT_TIMEOUT_MS): nothing more of
 * it is released.
 */
export const requestTimeout = (limitMs: number, limit = "PURPOSEQL_REQUEST_TIMEOUT_MS"): GraphQLError =>
  apiError(
    "REQUEST_TIMEOUT",
    limit === "PURPOSEQL_REQUEST_TIMEOUT_MS"
      ? `This request ran longer than the limit of ${limitMs} ms (${limit}): nothing of it is released. Ask for less, or try again later.`
      : `A database statement of this request ran longer than the limit of ${limitMs} ms (${limit}) and was cancelled. Ask for less, or try again later.`,
    { limit, limitMs },
  );

/**
 * The database could not be reached, or dropped the connection, while serving the request: a fault
 * of the moment (`retryable`). What a transaction had not committed was rolled back with it.
 */
export const databaseUnavailable = (): GraphQLError =>
  new GraphQLError(
    "The database could not be reached while serving this request, so it was not completed and no personal data was released. Try again shortly.",
    { extensions: { code: "DATABASE_UNAVAILABLE", retryable: true, http: { status: 503, headers: new Map([["retry-after", "1"]]) } } },
  );
