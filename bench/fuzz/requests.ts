import fc from "fast-check";
import type { GraphQLSchema } from "graphql";
import { Choices } from "./choices";
import { ECHO_TOKEN, OperationBuilder, type OperationPools } from "./operations";

/**
 * Whole HTTP requests: a generated operation in a body (or a query string), and headers — the
 * purpose among the policy's and junk, keys of clients of every role and junk, Content-Type
 * variants, X-Request-Id well-formed and not.
 */

export interface RequestPools extends OperationPools {
  /** Valid keys by the client they belong to (a revoked one included). */
  readonly keys: Readonly<Record<string, string>>;
  /** The purposes each client may declare. */
  readonly clientPurposes: Readonly<Record<string, readonly string[]>>;
}

export interface FuzzRequest {
  readonly method: string;
  /** Appended to the endpoint's URL (a GET's query string). */
  readonly search: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** The purposes the request declares, as the server reads them: X-Purpose, and the `@purpose` directive. */
  readonly declared: { readonly header: string | null; readonly directive: string | null };
  /** Response keys of the exports, released whatever the purpose (see GeneratedOperation). */
  readonly exportKeys: readonly string[];
  /** Which client's key was sent, for the report. */
  readonly client: string;
}

/** Strings fast-check draws for text: every kind of code point, surrogates included. */
const drawnText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.constantFrom("\u0000", "\u0001", "\ud800", "\udfff", "\u2028", "\ufeff", '"', "\\", "{", "}", "$"), maxLength: 12 }),
);

export function fuzzRequestArbitrary(schema: GraphQLSchema, pools: RequestPools): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      // Unbiased: fast-check's bias towards small and extreme values would make most requests alike.
      // Shrinking still moves towards zeros, the plainest choices.
      numbers: fc.noBias(fc.array(fc.nat({ max: 0xffff }), { minLength: 100, maxLength: 600 })),
      strings: fc.array(drawnText, { maxLength: 6 }),
    })
    .map(({ numbers, strings }) => buildRequest(schema, pools, new Choices(numbers, strings)));
}

function buildRequest(schema: GraphQLSchema, pools: RequestPools, c: Choices): FuzzRequest {
  c.hostile = c.chance(35);
  const headers: Record<string, string> = {};
  const clients = Object.keys(pools.keys);
  let client = c.pick(clients) ?? "none";
  const key = pools.keys[client] ?? "";
  // Half the well-formed requests are lawful: a purpose the client may declare, and only fields it
  // may read. Those reach the data, where the read-time rules (consent, objection, restriction,
  // retention, erasure) decide.
  const lawfulPurpose = !c.hostile && c.chance(50) ? (c.pick(pools.clientPurposes[client] ?? []) ?? null) : null;
  const operation = new OperationBuilder(schema, pools, c, lawfulPurpose).build();
  if (c.garbage(25)) {
    const junk = c.pick([
      "",
      "Bearer",
      "Bearer ",
      `Bearer ${ECHO_TOKEN}-key`,
      `bearer ${key}`,
      `Bearer  ${key}`,
      `Bearer ${key}x`,
      `Token ${key}`,
      "Basic dXNlcjpwYXNzd29yZA==",
      `Bearer ${key}, Bearer ${key}`,
      `Bearer ${"k".repeat(4_000)}`,
    ]);
    client = `junk:${JSON.stringify(junk.slice(0, 40))}`;
    if (junk !== "") headers.authorization = headerSafe(junk);
  } else {
    headers.authorization = `Bearer ${key}`;
  }

  let purposeHeader: string | null = null;
  const purposeShape = c.below(100);
  if (lawfulPurpose !== null) purposeHeader = lawfulPurpose;
  else if (purposeShape < 80 || !c.hostile) purposeHeader = c.pick(pools.purposes) ?? null;
  else if (purposeShape < 85)
    purposeHeader = c.pick([
      "",
      "ESSENTIAL.SERVICE",
      "essential.service, marketing.advertising",
      `${ECHO_TOKEN}-header`,
      "essential",
      c.drawnString(),
    ]);
  if (purposeHeader !== null) {
    purposeHeader = headerSafe(purposeHeader);
    // An empty header is no header to fetch; the server then sees no purpose.
    if (purposeHeader === "") purposeHeader = null;
    else headers["x-purpose"] = purposeHeader;
  }

  const contentType = c.garbage(20)
    ? c.pick([
        "",
        "application/json; charset=utf-8",
        "application/json; charset=latin1",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/graphql-response+json",
        "application/json; charset=klingon",
        "application/JSON",
      ])
    : "application/json";
  if (contentType !== "") headers["content-type"] = contentType;

  // Mostly none here: the sender gives each request a fresh UUID, so that ids never repeat and the
  // audit can be matched to the response. Junk the server must replace with an id of its own.
  if (c.garbage(20)) {
    headers["x-request-id"] =
      headerSafe(c.pick(["../../etc/passwd", "not-a-uuid", `${ECHO_TOKEN}-request`, "a".repeat(2_000), c.drawnString()])) || "x";
  }

  const payload: Record<string, unknown> = { query: operation.query };
  if (operation.variables !== undefined) payload.variables = operation.variables;
  if (operation.operationName !== undefined) payload.operationName = operation.operationName;

  let method = "POST";
  let search = "";
  let body: string | undefined = JSON.stringify(payload);
  const methodShape = c.hostile ? c.below(100) : 0;
  if (methodShape >= 97) {
    method = c.pick(["PUT", "DELETE", "PATCH", "OPTIONS"]);
  } else if (methodShape >= 90) {
    method = "GET";
    const parameters = new URLSearchParams({ query: operation.query.slice(0, 6_000) });
    if (operation.variables !== undefined) parameters.set("variables", JSON.stringify(operation.variables).slice(0, 2_000));
    search = `?${parameters.toString()}`;
    body = undefined;
  } else if (c.garbage(12)) {
    body = c.pick([
      body.slice(0, c.below(body.length)),
      "[]",
      JSON.stringify(`${ECHO_TOKEN}-body`),
      JSON.stringify({ query: 5 }),
      JSON.stringify({ query: null }),
      JSON.stringify({ ...payload, variables: `${ECHO_TOKEN}-variables` }),
      JSON.stringify({ ...payload, extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } }),
      JSON.stringify({}),
      "",
      "\u0000",
    ]);
  }

  return {
    method,
    search,
    headers,
    body,
    declared: { header: purposeHeader, directive: operation.directivePurpose },
    exportKeys: operation.exportKeys,
    client,
  };
}

/**
 * What fetch can send as a header value: bytes, without NUL, CR or LF, no surrounding whitespace
 * (fetch trims it, so the server never sees it). Anything else becomes "?".
 */
function headerSafe(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, "?").trim();
}
