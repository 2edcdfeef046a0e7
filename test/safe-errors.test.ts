import { gzipSync } from "node:zlib";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getIntrospectionQuery } from "graphql";
import { answerWhileStarting } from "../src/server/http-failures";
import { DEV_KEY, errorCodes, overHttpPurposeQLForThisFile, type GraphQLResponse } from "./support/harness";

/**
 * Every failure, before GraphQL or inside it, answers as GraphQL over HTTP does: JSON
 * `{"errors":[{"message","extensions":{"code"}}]}`, never an HTML page, never a stack, never a
 * value the request carried. The subject's details below stand for what must never come back.
 */

// Introspection on: the standard introspection query must fit within the document limits.
const purposeql = overHttpPurposeQLForThisFile({ introspection: true });

const NAME = "Anna Bērziņa";
const EMAIL = "anna.berzina@example.lv";
const PHONE = "+37120000017";

interface RawAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
  readonly body: GraphQLResponse;
}

async function send(init: {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  path?: string;
}): Promise<RawAnswer> {
  const url = init.path ? purposeql.url.replace("/graphql", init.path) : purposeql.url;
  const response = await fetch(url, {
    method: init.method ?? "POST",
    headers: { authorization: `Bearer ${DEV_KEY}`, "x-purpose": "essential.service", ...init.headers },
    body: init.body,
  });
  const text = await response.text();
  let body: GraphQLResponse = {};
  try {
    body = JSON.parse(text) as GraphQLResponse;
  } catch {
    // Not JSON: the assertions below say so.
  }
  return { status: response.status, contentType: response.headers.get("content-type"), text, body };
}

/** A GraphQL-over-HTTP error answer with this status and code, and nothing of the request in it. */
function expectSafeError(answer: RawAnswer, status: number, code: string): void {
  expect({ status: answer.status, codes: errorCodes(answer.body) }).toEqual({ status, codes: [code] });
  expect(answer.contentType).toMatch(/^application\/(graphql-response\+)?json/);
  expect(typeof answer.body.errors?.[0]?.message).toBe("string");
  expect(answer.body.data).toBeUndefined();
  expectNothingOfTheRequest(answer.text);
}

function expectNothingOfTheRequest(text: string): void {
  for (const leak of [NAME, "Bērziņa", EMAIL, PHONE, "<html", "<!DOCTYPE", "    at ", "node_modules", __dirname, "stacktrace"]) {
    expect(text).not.toContain(leak);
  }
}

const createSubject = `mutation ($input: CreateSubjectInput!) { createSubject(input: $input) { id } }`;
const validJson = JSON.stringify({ query: createSubject, variables: { input: { fullName: NAME, email: EMAIL, phone: PHONE } } });

describe("failures before GraphQL answer in JSON, with a code", () => {
  it("a malformed JSON body", async () => {
    const answer = await send({ headers: { "content-type": "application/json" }, body: validJson.slice(0, -20) });
    expectSafeError(answer, 400, "BAD_REQUEST");
  });

  it("a body over 1 MB", async () => {
    const padding = `${NAME} ${EMAIL} `.repeat(40_000);
    const body = JSON.stringify({ query: createSubject, variables: { input: { fullName: NAME, email: EMAIL, postalAddress: padding } } });
    expectSafeError(await send({ headers: { "content-type": "application/json" }, body }), 413, "BAD_REQUEST");
  });

  it("an unsupported charset", async () => {
    const answer = await send({ headers: { "content-type": "application/json; charset=klingon" }, body: validJson });
    expectSafeError(answer, 415, "BAD_REQUEST");
  });

  it("an unsupported content encoding, and a gzip body that is not gzip", async () => {
    expectSafeError(
      await send({ headers: { "content-type": "application/json", "content-encoding": "rot13" }, body: validJson }),
      415,
      "BAD_REQUEST",
    );
    expectSafeError(
      await send({ headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: validJson }),
      400,
      "BAD_REQUEST",
    );
    const truncated = gzipSync(Buffer.from(validJson)).subarray(0, 40);
    expectSafeError(
      await send({ headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: truncated }),
      400,
      "BAD_REQUEST",
    );
  });

  it("a method GraphQL does not serve, and a path that does not exist", async () => {
    expectSafeError(await send({ method: "PUT", headers: { "content-type": "application/json" }, body: validJson }), 405, "BAD_REQUEST");
    expectSafeError(await send({ method: "DELETE" }), 405, "BAD_REQUEST");
    expectSafeError(await send({ path: `/subjects/${encodeURIComponent(EMAIL)}`, method: "GET" }), 404, "NOT_FOUND");
  });

  it("headers too large for the HTTP parser", async () => {
    const answer = await send({ headers: { "content-type": "application/json", "x-padding": `${EMAIL} `.repeat(4_000) }, body: validJson });
    expectSafeError(answer, 431, "BAD_REQUEST");
  });

  it("a request while the server is still opening its database", async () => {
    const starting = createServer(answerWhileStarting);
    await new Promise<void>((resolve) => starting.listen(0, resolve));
    try {
      const base = `http://localhost:${(starting.address() as AddressInfo).port}`;
      const response = await fetch(`${base}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: validJson });
      const text = await response.text();
      expectSafeError(
        { status: response.status, contentType: response.headers.get("content-type"), text, body: JSON.parse(text) as GraphQLResponse },
        503,
        "SERVICE_UNAVAILABLE",
      );
      expect(response.headers.get("retry-after")).toBe("1");
      const health = await fetch(`${base}/healthz`);
      expect({ status: health.status, body: await health.json() }).toEqual({ status: 503, body: { status: "starting" } });
    } finally {
      await new Promise((resolve) => starting.close(resolve));
    }
  });

  it("a body that is not a GraphQL request", async () => {
    expectSafeError(await send({ headers: { "content-type": "application/json" }, body: JSON.stringify([EMAIL]) }), 400, "BAD_REQUEST");
    expectSafeError(await send({ headers: { "content-type": "application/json" }, body: JSON.stringify(EMAIL) }), 400, "BAD_REQUEST");
  });
});

describe("bad input inside GraphQL is BAD_USER_INPUT, and never echoed", () => {
  const post = (variables: Record<string, unknown>, query = createSubject): Promise<RawAnswer> =>
    send({ headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });

  it("a NUL character in a string, in a variable or a literal", async () => {
    expectSafeError(await post({ input: { fullName: `${NAME}\u0000`, email: EMAIL } }), 400, "BAD_USER_INPUT");
    const literal = `mutation { createSubject(input: { fullName: "Anna\\u0000 Bērziņa", phone: "${PHONE}" }) { id } }`;
    const answer = await post({}, literal);
    expect(errorCodes(answer.body)).toEqual(["BAD_USER_INPUT"]);
    expectNothingOfTheRequest(answer.text);
  });

  it("a date of birth that does not exist", async () => {
    for (const dateOfBirth of ["0000-01-01", "2021-02-30", "1990-13-01"]) {
      const answer = await post({ input: { fullName: NAME, email: EMAIL, dateOfBirth } });
      expect({ dateOfBirth, codes: errorCodes(answer.body) }).toEqual({ dateOfBirth, codes: ["BAD_USER_INPUT"] });
      expect(answer.text).not.toContain(dateOfBirth);
      expectNothingOfTheRequest(answer.text);
    }
  });

  it("a variable that does not fit its type names the variable, not its value", async () => {
    const answer = await post({ input: { fullName: { first: NAME }, email: EMAIL } });
    expectSafeError(answer, 400, "BAD_USER_INPUT");
    expect(answer.body.errors?.[0]?.message).toContain("$input does not fit its type CreateSubjectInput! at input.fullName");
    expect(answer.body.errors?.[0]?.message).not.toMatch(/too large/);

    const page = await post({ first: EMAIL }, `query ($first: Int) { subjects(first: $first) { totalCount } }`);
    expectSafeError(page, 400, "BAD_USER_INPUT");
    expect(page.body.errors?.[0]?.message).toContain("$first");
    expect(page.body.errors?.[0]?.extensions?.variables).toEqual(["first"]);
  });

  it("a literal that does not fit its type is not echoed", async () => {
    const answer = await post({}, `query { subjects(first: "${EMAIL}") { totalCount } }`);
    expectSafeError(answer, 400, "GRAPHQL_VALIDATION_FAILED");
    const syntax = await post({}, `query { subjects(first: 1) { totalCount } } ${NAME}`);
    expectSafeError(syntax, 400, "GRAPHQL_PARSE_FAILED");
    const unterminated = await post({}, `query { subjects(first: 1) { totalCount } } "${EMAIL}`);
    expectSafeError(unterminated, 400, "GRAPHQL_PARSE_FAILED");
    // An enum literal and a custom scalar's literal: graphql-js and graphql-scalars quote them.
    const enumObject = await post({}, `query { portabilityExport(requestId: "1", format: { value: "${EMAIL}" }) { content } }`);
    expectSafeError(enumObject, 400, "GRAPHQL_VALIDATION_FAILED");
    expect(enumObject.body.errors?.[0]?.message).toBe('Enum "PortabilityFormat" cannot represent non-enum value.');
    const enumName = await post({}, `query { portabilityExport(requestId: "1", format: BERZINA) { content } }`);
    expectSafeError(enumName, 400, "GRAPHQL_VALIDATION_FAILED");
    expect(enumName.text).not.toContain("BERZINA");
    const dateTime = await post({}, `query { subjectRequests(dueBefore: "${EMAIL}") { totalCount } }`);
    expectSafeError(dateTime, 400, "GRAPHQL_VALIDATION_FAILED");
    expect(dateTime.body.errors?.[0]?.message).toBe("DateTime cannot represent the value given.");
    const operationName = await send({
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `query A { policyVersion }`, operationName: EMAIL }),
    });
    expectSafeError(operationName, 400, "OPERATION_RESOLUTION_FAILURE");
    // An enum argument given a string literal: graphql-js quotes the literal after the enum's name.
    const enumLiteral = await post(
      {},
      `mutation { openSubjectRequest(subjectId: "x", kind: "${EMAIL}", receivedAt: "2026-01-01T00:00:00Z", channel: EMAIL) { id } }`,
    );
    expectSafeError(enumLiteral, 400, "GRAPHQL_VALIDATION_FAILED");
  });
});

describe("documents too large to validate are refused with 400 and a code", () => {
  const postQuery = (query: string): Promise<RawAnswer> =>
    send({ headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });

  it("a chain of 5,000 fragments", async () => {
    const fragments = Array.from(
      { length: 5_000 },
      (_, i) => `fragment F${i} on Query { ${i === 4_999 ? "policyVersion" : `...F${i + 1}`} }`,
    );
    expectSafeError(await postQuery(`query { ...F0 } ${fragments.join(" ")}`), 400, "BAD_USER_INPUT");
    // Within the token bound, a chain still too deep to follow is refused the same way.
    const short = Array.from({ length: 200 }, (_, i) => `fragment F${i} on Query { ${i === 199 ? "policyVersion" : `...F${i + 1}`} }`);
    const answer = await postQuery(`query { ...F0 } ${short.join(" ")}`);
    expectSafeError(answer, 400, "BAD_USER_INPUT");
    expect(answer.body.errors?.[0]?.extensions?.reason).toBe("TOO_DEEP");
  });

  it("a document of 60,000 fields, and one nested 2,000 deep", async () => {
    const wide = await postQuery(`query { ${Array.from({ length: 60_000 }, () => "policyVersion").join(" ")} }`);
    expectSafeError(wide, 400, "BAD_USER_INPUT");
    expect(wide.body.errors?.[0]?.extensions?.reason).toBe("TOO_LARGE");
    const deep = await postQuery(`query { ${"subjects { ".repeat(2_000)} totalCount ${"} ".repeat(2_000)} }`);
    expectSafeError(deep, 400, "BAD_USER_INPUT");
    expect(deep.body.errors?.[0]?.extensions?.reason).toBe("TOO_DEEP");
    const overGet = await send({ method: "GET", path: `/graphql?query=${encodeURIComponent(`{ ${"subjects { ".repeat(100)} }`)}` });
    expectSafeError(overGet, 400, "BAD_USER_INPUT");
  });

  it("a sensible operation still runs, and so does the standard introspection query", async () => {
    const answer = await postQuery(`query { ...A } fragment A on Query { ...B } fragment B on Query { policyVersion }`);
    expect(answer.body).toEqual({ data: { policyVersion: 1 } });
    const introspection = await postQuery(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true }));
    expect(introspection.body.errors).toBeUndefined();
  });
});
