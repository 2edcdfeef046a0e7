import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { gzipSync } from "node:zlib";
import { createLogger } from "../src/logging/logger";
import { DEV_KEY, overHttpPurposeQLForThisFile } from "./support/harness";

/**
 * The logs as an operator reads them: one access line per request with its id, client, purpose,
 * status and time; the same id in the answer's header, in every error, and in the audit; and never
 * a subject's details or a key, whatever the request carried and however it failed.
 */

const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    done();
  },
});
// "trace": whatever any part of the server would log at any level is captured and checked.
const purposeql = overHttpPurposeQLForThisFile({}, createLogger("trace", capture));

const NAME = "Ilze Kalniņa";
const EMAIL = "ilze.kalnina@example.lv";
const PHONE = "+37129876543";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface AccessLine {
  readonly msg: string;
  readonly requestId: string;
  readonly req: { method: string; path: string };
  readonly res: { status: number };
  readonly responseTime: number;
  readonly client: string | null;
  readonly purpose: string | null;
}

const parsed = (): Record<string, unknown>[] => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const accessLines = (): AccessLine[] =>
  parsed().filter((line) => line.msg === "request completed" || line.msg === "request failed") as unknown as AccessLine[];

/** The access line of one request; it is written when the response finishes, so wait for it. */
async function accessLineOf(requestId: string): Promise<AccessLine> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const line = accessLines().find((candidate) => candidate.requestId === requestId);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no access line for request ${requestId}`);
}

interface Sent {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
  readonly path?: string;
}

async function send(init: Sent) {
  const response = await fetch(init.path ? purposeql.url.replace("/graphql", init.path) : purposeql.url, {
    method: init.method ?? "POST",
    // A header given as "" is left out.
    headers: Object.fromEntries(
      Object.entries({
        authorization: `Bearer ${DEV_KEY}`,
        "x-purpose": "essential.service",
        "content-type": "application/json",
        ...init.headers,
      }).filter(([, value]) => value !== ""),
    ),
    body: init.body,
  });
  const text = await response.text();
  return { status: response.status, requestId: response.headers.get("x-request-id"), text };
}

const createSubject = `mutation ($input: CreateSubjectInput!) { createSubject(input: $input) { id } }`;
const subjectVariables = { input: { fullName: NAME, email: EMAIL, phone: PHONE } };

describe("the access log", () => {
  it("writes one line per request: id, method, path, status, time, client and purpose; the id is in the answer's header", async () => {
    const answer = await send({ body: JSON.stringify({ query: createSubject, variables: subjectVariables }) });
    expect(answer.status).toBe(200);
    expect(answer.requestId).toMatch(UUID);
    const line = await accessLineOf(answer.requestId!);
    expect(line).toMatchObject({
      msg: "request completed",
      req: { method: "POST", path: "/graphql" },
      res: { status: 200 },
      client: "development",
      purpose: "essential.service",
    });
    expect(typeof line.responseTime).toBe("number");
    expect(accessLines().filter((candidate) => candidate.requestId === answer.requestId)).toHaveLength(1);
    // The change event of the write carries the same id.
    const id = (JSON.parse(answer.text) as { data: { createSubject: { id: string } } }).data.createSubject.id;
    const events: { request_id: string }[] = await purposeql.services.dataSource.query(
      `SELECT request_id FROM audit_access_event WHERE subject_id = $1`,
      [id],
    );
    expect(events.map((event) => event.request_id)).toEqual([answer.requestId]);
  });

  it("names the purpose declared by the directive, and no client when the key is unknown", async () => {
    const directive = await send({
      headers: { "x-purpose": "" },
      body: JSON.stringify({ query: `query @purpose(key: "essential.service") { subjects { totalCount } }` }),
    });
    expect(await accessLineOf(directive.requestId!)).toMatchObject({ client: "development", purpose: "essential.service" });
    const unknown = await send({
      headers: { authorization: "Bearer pql_unknown-key-0000000000" },
      body: JSON.stringify({ query: "{ policyVersion }" }),
    });
    expect(await accessLineOf(unknown.requestId!)).toMatchObject({ res: { status: 401 }, client: null });
  });

  it("keeps a well-formed X-Request-Id and uses it in the answer, every error and the audit", async () => {
    const requestId = randomUUID();
    const created = await send({ body: JSON.stringify({ query: createSubject, variables: subjectVariables }) });
    const id = (JSON.parse(created.text) as { data: { createSubject: { id: string } } }).data.createSubject.id;
    const read = await send({
      headers: { "x-request-id": requestId.toUpperCase(), "x-purpose": "marketing.advertising" },
      body: JSON.stringify({ query: `query ($id: ID!) { subject(id: $id) { id fullName } }`, variables: { id } }),
    });
    expect(read.requestId).toBe(requestId);
    const body = JSON.parse(read.text) as { errors: { extensions: { code: string; requestId: string } }[] };
    expect(body.errors.map((error) => [error.extensions.code, error.extensions.requestId])).toEqual([["PURPOSE_LIMITATION", requestId]]);
    expect((await accessLineOf(requestId)).purpose).toBe("marketing.advertising");
    const audited: { request_id: string }[] = await purposeql.services.dataSource.query(
      `SELECT request_id FROM audit_access_event WHERE subject_id = $1 AND purpose_key = 'marketing.advertising'`,
      [id],
    );
    expect(audited).toEqual([{ request_id: requestId }]);
  });

  it("replaces an X-Request-Id that is not one UUID with a fresh one", async () => {
    for (const sent of ["../../etc/passwd", "a".repeat(5_000), `${randomUUID()},${randomUUID()}`, EMAIL, "<script>"]) {
      const answer = await send({ headers: { "x-request-id": sent }, body: JSON.stringify({ query: "{ policyVersion }" }) });
      expect(answer.requestId).toMatch(UUID);
      expect(answer.requestId).not.toBe(sent);
      await accessLineOf(answer.requestId!);
    }
    expect(lines.join("\n")).not.toContain("etc/passwd");
    expect(lines.join("\n")).not.toContain("<script>");
  });

  it("gives errors before GraphQL the request id too", async () => {
    const requestId = randomUUID();
    const answer = await send({ headers: { "x-request-id": requestId }, body: `{"query": "${NAME}` });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({
      errors: [{ message: "The request body is not valid JSON.", extensions: { code: "BAD_REQUEST", requestId } }],
    });
    expect(await accessLineOf(requestId)).toMatchObject({ res: { status: 400 }, req: { method: "POST", path: "/graphql" } });
  });
});

describe("what the logs never hold", () => {
  it("a subject's name, e-mail or phone, or the API key, from well-formed or malformed requests", async () => {
    const withDetails = JSON.stringify({ query: createSubject, variables: subjectVariables });
    const literal = `mutation { createSubject(input: { fullName: "${NAME}", email: "${EMAIL}", phone: "${PHONE}" }) { id } }`;
    const requests: Sent[] = [
      { body: withDetails },
      { body: JSON.stringify({ query: literal }) },
      { body: withDetails.slice(0, -10) },
      {
        body: JSON.stringify({
          query: createSubject,
          variables: { input: { ...subjectVariables.input, postalAddress: `${NAME} `.repeat(90_000) } },
        }),
      },
      { body: withDetails, headers: { "content-type": "application/json; charset=klingon" } },
      { body: gzipSync(Buffer.from(withDetails)).subarray(0, 30), headers: { "content-encoding": "gzip" } },
      { body: JSON.stringify({ query: createSubject, variables: { input: { ...subjectVariables.input, fullName: `${NAME}\u0000` } } }) },
      { body: JSON.stringify({ query: createSubject, variables: { input: { ...subjectVariables.input, dateOfBirth: "0000-01-01" } } }) },
      { body: JSON.stringify({ query: createSubject, variables: { input: { fullName: { NAME, EMAIL, PHONE } } } }) },
      { body: JSON.stringify({ query: `${literal} ${EMAIL}` }) },
      { body: JSON.stringify({ query: literal }), headers: { authorization: `Bearer ${EMAIL}` } },
      { body: JSON.stringify({ query: literal }), headers: { "x-purpose": EMAIL } },
      {
        method: "GET",
        path: `/graphql?query=${encodeURIComponent(`{ subjects(first: 1) { totalCount } }`)}&variables=${encodeURIComponent(JSON.stringify(subjectVariables))}`,
      },
      { method: "PUT", body: withDetails },
      { method: "GET", path: `/people/${encodeURIComponent(EMAIL)}?name=${encodeURIComponent(NAME)}` },
    ];
    const before = lines.length;
    for (const request of requests) {
      const answer = await send(request);
      expect(answer.text).not.toContain(EMAIL);
      await accessLineOf(answer.requestId!);
    }
    const written = lines.slice(before);
    expect(written.length).toBeGreaterThanOrEqual(requests.length);
    for (const secret of [NAME, "Kalniņa", EMAIL, PHONE, DEV_KEY]) {
      expect(written.filter((line) => line.includes(secret))).toEqual([]);
    }
    // Something was worth logging besides the access lines: the failures themselves were seen.
    expect(accessLines().map((line) => line.res.status)).toEqual(expect.arrayContaining([200, 400, 405, 413, 415, 404]));
  });
});
