import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { DEV_KEY, overHttpPurposeQLForThisFile } from "./support/harness";

/**
 * Database faults under load, against real PostgreSQL: the server's connections are killed
 * (pg_terminate_backend), then the database refuses connections for a while, as a restarting server
 * does, then comes back. Requests fail cleanly with a retryable error, the server recovers without
 * a restart, and no answer that carried personal data lacks its audit events.
 *
 * PGlite is skipped: it runs inside the server's own process, so there is no connection to lose.
 * (A restart of the whole PostgreSQL cluster is not done here: the other test files share it.)
 */
const onPostgres = Boolean(process.env.DATABASE_URL);
const describeOnPostgres = onPostgres ? describe : describe.skip;

const purposeql = onPostgres ? overHttpPurposeQLForThisFile() : null;
const SERVICE = "essential.service";
const MARKER = "Fault Person";

interface Answer {
  readonly requestId: string;
  readonly status: number;
  readonly body: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string; retryable?: boolean } }[] };
  readonly retryAfter: string | null;
}

async function send(query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const requestId = randomUUID();
  const response = await fetch(purposeql!.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${DEV_KEY}`, "x-purpose": SERVICE, "x-request-id": requestId },
    body: JSON.stringify({ query, variables }),
  });
  return {
    requestId,
    status: response.status,
    body: (await response.json()) as Answer["body"],
    retryAfter: response.headers.get("retry-after"),
  };
}

/** An administrator's session on the server's own PostgreSQL, outside the database under test. */
async function asAdministrator<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describeOnPostgres("database faults under load", () => {
  it("killed connections and a database that refuses connections: clean retryable errors, recovery without a restart, every release audited", async () => {
    const services = purposeql!.services;
    const [current] = await services.dataSource.query<{ name: string }[]>(`SELECT current_database() AS name`);
    const database = current!.name;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await send(`mutation ($n: String!) { createSubject(input: { fullName: $n, email: "fault@example.lv" }) { id } }`, {
        n: `${MARKER} ${i}`,
      });
      ids.push((created.body.data!.createSubject as { id: string }).id);
    }

    const answers: Answer[] = [];
    let loading = true;
    const loop = async (worker: number): Promise<void> => {
      for (let n = 0; loading; n++) {
        const id = ids[(worker + n) % ids.length]!;
        const answer =
          n % 4 === 3
            ? await send(`mutation ($id: ID!) { updateSubject(id: $id, input: { country: "LV" }) { id } }`, { id })
            : await send(`query ($id: ID!) { subject(id: $id) { fullName email } }`, { id });
        answers.push(answer);
      }
    };
    const terminate = (client: Client): Promise<unknown> =>
      client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);

    const load = Promise.all([0, 1, 2].map(loop));
    await sleep(500);
    await asAdministrator(async (admin) => {
      // Every connection of the server's is killed mid-load.
      await terminate(admin);
      await sleep(700);
      // Then the database refuses connections for a while, as during a restart.
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      await terminate(admin);
      await sleep(1_000);
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
    });
    // The server recovers by itself: an ordinary request succeeds again.
    let recovered: Answer | null = null;
    for (let attempt = 0; attempt < 50 && !recovered; attempt++) {
      const answer = await send(`query ($id: ID!) { subject(id: $id) { fullName } }`, { id: ids[0] });
      if (answer.status === 200 && !answer.body.errors) recovered = answer;
      else await sleep(200);
    }
    loading = false;
    await load;
    expect(recovered).not.toBeNull();

    // The fault was felt, and only as a retryable error: never a 500, never an internal error.
    const codes = answers.flatMap((answer) => (answer.body.errors ?? []).map((error) => error.extensions?.code));
    expect(codes.filter((code) => code === "DATABASE_UNAVAILABLE" || code === "AUDIT_UNAVAILABLE").length).toBeGreaterThan(0);
    expect(new Set(codes.filter((code) => code !== "DATABASE_UNAVAILABLE" && code !== "AUDIT_UNAVAILABLE"))).toEqual(new Set());
    expect(answers.filter((answer) => answer.status === 500)).toEqual([]);
    for (const answer of answers.filter((candidate) => candidate.status !== 200)) {
      expect({ status: answer.status, retryAfter: answer.retryAfter }).toEqual({ status: 503, retryAfter: "1" });
    }

    // Every answer that carried personal data has its access events; every write that answered, its change event.
    const released = answers.filter((answer) => JSON.stringify(answer.body.data ?? null).includes(MARKER));
    const written = answers.filter(
      (answer) => answer.status === 200 && !answer.body.errors && answer.body.data && "updateSubject" in answer.body.data,
    );
    expect(released.length).toBeGreaterThan(0);
    const audited = new Set(
      (
        await services.dataSource.query<{ request_id: string }[]>(
          `SELECT DISTINCT request_id FROM audit_access_event WHERE request_id = ANY($1)`,
          [[...released, ...written].map((answer) => answer.requestId)],
        )
      ).map((row) => row.request_id),
    );
    expect([...released, ...written].filter((answer) => !audited.has(answer.requestId)).map((answer) => answer.requestId)).toEqual([]);

    const ready = await fetch(new URL("/readyz", purposeql!.url));
    expect(ready.status).toBe(200);
  });
});

if (!onPostgres) {
  it("is skipped on PGlite: the database runs inside the server's process, so there is no connection to lose", () => {
    expect(onPostgres).toBe(false);
  });
}
