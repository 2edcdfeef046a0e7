/**
 * Whether an error means the database could not be reached or dropped the connection, rather than
 * refused the statement: a fault of the moment, which the caller may retry once it is back. The pg
 * pool discards a broken connection and opens a new one on the next query, so the server recovers
 * by itself. TypeORM wraps the driver's error (`driverError`), which is unwrapped first.
 *
 * SQLSTATE class 08 is "connection exception"; 57P01–57P03 are the server shutting down or not yet
 * accepting connections; 53300 is "too many connections". The node codes are the socket's.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const cause = driverErrorOf(error);
  // Duck-typed: a socket error is made in Node's own realm, where `instanceof Error` of another realm (a VM, a test runner) fails.
  if (typeof cause !== "object" || cause === null) return false;
  const { name, message } = cause as { name?: unknown; message?: unknown };
  if (typeof name !== "string" || typeof message !== "string") return false;
  // TypeORM releases a query runner whose connection broke; the query that follows on it meets one of these.
  if (RELEASED_RUNNER_ERRORS.has(name)) return true;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === "string" && (code.startsWith("08") || UNAVAILABLE_CODES.has(code))) return true;
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

const RELEASED_RUNNER_ERRORS: ReadonlySet<string> = new Set(["QueryRunnerAlreadyReleasedError", "QueryRunnerProviderAlreadyReleasedError"]);

const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);

// pg reports a connection lost mid-query, or a client used after it broke, by message alone.
const UNAVAILABLE_MESSAGES: readonly RegExp[] = [
  /^Connection terminated/,
  /Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /timeout exceeded when trying to connect/,
  // A database that refuses connections for now (a restart, or ALLOW_CONNECTIONS false during maintenance).
  /is not currently accepting connections/,
  /the database system is (starting up|shutting down|in recovery mode)/,
];

function driverErrorOf(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const next =
      (current as { driverError?: unknown; originalError?: unknown }).driverError ?? (current as { originalError?: unknown }).originalError;
    if (next === undefined) break;
    current = next;
  }
  return current;
}
