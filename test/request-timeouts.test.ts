import { randomUUID } from "node:crypto";
import type { GraphQLFormattedError } from "graphql";
import { Client } from "pg";
import { DEFAULT_LIMITS } from "../src/config";
import { DEV_KEY, overHttpPurposeQLForThisFile } from "./support/harness";
import { gate, watchStatements } from "./support/statements";

/**
 * The request deadline (PURPOSEQL_REQUEST_TIMEOUT_MS) on both databases, and PostgreSQL's
 * statement_timeout (PURPOSEQL_STATEMENT_TIMEOUT_MS) on the pool's connections. PGlite is one
 * session inside the process, with no timer to interrupt a statement: there the deadline applies.
 */

const SERVICE = "essential.service";
const REQUEST_TIMEOUT_MS = 1_000;
const STATEMENT_TIMEOUT_MS = 200;
// One request per client in flight: a request counts until its work has finished, even after a timeout answer.
const purposeql = overHttpPurposeQLForThisFile({
  limits: { ...DEFAULT_LIMITS, requestTimeoutMs: REQUEST_TIMEOUT_MS, statementTimeoutMs: STATEMENT_TIMEOUT_MS, maxRequestsPerClient: 1 },
});
const onPostgres = Boolean(process.env.DATABASE_URL);

interface Answer {
  readonly status: number;
  readonly body: { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[] };
}

async function send(query: string, requestId?: string): Promise<Answer> {
  const response = await fetch(purposeql.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${DEV_KEY}`,
      "x-purpose": SERVICE,
      ...(requestId ? { "x-request-id": requestId } : {}),
    },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as Answer["body"] };
}

/** Sends `{ policyVersion }` until the client's one slot is free again: the previous request has finished. */
async function untilPreviousRequestFinished(): Promise<void> {
  while ((await send(`{ policyVersion }`)).status === 429) await new Promise((resolve) => setImmediate(resolve));
}

let subjectId: string;

beforeAll(async () => {
  const created = await send(`mutation { createSubject(input: { fullName: "Deadline Test" }) { id } }`);
  subjectId = (created.body.data?.createSubject as { id: string }).id;
});

describe("the request deadline", () => {
  it("answers REQUEST_TIMEOUT when it passes, starts no further database work, and releases and audits nothing", async () => {
    const requestId = randomUUID();
    const watch = watchStatements(purposeql.services.dataSource);
    const held = gate();
    let lookups = 0;
    watch.before = async (statement) => {
      if (statement.requestId !== requestId || !/data_subject/i.test(statement.sql)) return;
      lookups += 1;
      // The first lookup is held until the caller has its answer: past the deadline, whatever the machine's speed.
      await held.opened;
    };
    try {
      const answer = await send(`{ a: subject(id: "${subjectId}") { fullName } b: subject(id: "${subjectId}") { country } }`, requestId);
      expect(answer.status).toBe(503);
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors).toEqual([
        {
          message: `This request ran longer than the limit of ${REQUEST_TIMEOUT_MS} ms (PURPOSEQL_REQUEST_TIMEOUT_MS): nothing of it is released. Ask for less, or try again later.`,
          extensions: { code: "REQUEST_TIMEOUT", limit: "PURPOSEQL_REQUEST_TIMEOUT_MS", limitMs: REQUEST_TIMEOUT_MS, requestId },
        },
      ]);
      held.open();
      await untilPreviousRequestFinished();
      // The second lookup never started: the deadline had passed when its turn came.
      expect(lookups).toBe(1);
      const events = await purposeql.services.dataSource.query<unknown[]>(`SELECT 1 FROM audit_access_event WHERE request_id = $1`, [
        requestId,
      ]);
      expect(events).toEqual([]);
    } finally {
      held.open();
      watch.restore();
    }
  });

  it("leaves a request answered in time as it was: released and audited", async () => {
    const requestId = randomUUID();
    const answer = await send(`{ subject(id: "${subjectId}") { fullName } }`, requestId);
    expect(answer).toEqual({ status: 200, body: { data: { subject: { fullName: "Deadline Test" } } } });
    const events = await purposeql.services.dataSource.query<unknown[]>(`SELECT 1 FROM audit_access_event WHERE request_id = $1`, [
      requestId,
    ]);
    expect(events).toHaveLength(1);
  });
});

(onPostgres ? describe : describe.skip)("PostgreSQL's statement_timeout", () => {
  it("is set on the pool's connections", async () => {
    const [row] = await purposeql.services.dataSource.query<{ statement_timeout: string }[]>(`SHOW statement_timeout`);
    expect(row?.statement_timeout).toBe(`${STATEMENT_TIMEOUT_MS}ms`);
  });

  it("cancels a statement that runs longer (here: waiting for a lock another session holds), answered as REQUEST_TIMEOUT", async () => {
    const url = (purposeql.services.dataSource.options as { url: string }).url;
    const locker = new Client({ connectionString: url });
    await locker.connect();
    try {
      await locker.query(`BEGIN`);
      await locker.query(`LOCK TABLE data_subject IN ACCESS EXCLUSIVE MODE`);
      const answer = await send(`{ subjects(first: 1) { totalCount } }`);
      expect(answer.body.data).toBeNull();
      expect(answer.body.errors?.[0]).toMatchObject({
        path: ["subjects"],
        message: `A database statement of this request ran longer than the limit of ${STATEMENT_TIMEOUT_MS} ms (PURPOSEQL_STATEMENT_TIMEOUT_MS) and was cancelled. Ask for less, or try again later.`,
        extensions: { code: "REQUEST_TIMEOUT", limit: "PURPOSEQL_STATEMENT_TIMEOUT_MS", limitMs: STATEMENT_TIMEOUT_MS },
      });
    } finally {
      await locker.query(`ROLLBACK`);
      await locker.end();
    }
    await untilPreviousRequestFinished();
    expect((await send(`{ subjects(first: 1) { totalCount } }`)).body.errors).toBeUndefined();
  });
});
