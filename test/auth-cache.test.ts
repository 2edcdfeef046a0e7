import { randomBytes, randomUUID } from "node:crypto";
import { Client } from "pg";
import { storedFormOf } from "../src/auth/api-key";
import { ClientRole } from "../src/domain/policy-terms";
import { LISTENER_APPLICATION_NAME } from "../src/persistence/notification-listener";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { createTestClient, DEV_KEY, startOverHttp, testConfig, type OverHttpPurposeQL } from "./support/harness";
import { watchStatements, type StatementWatch } from "./support/statements";

/**
 * Authentication is served from memory after a key's first request (README, Security), and a
 * change to the client — revoked, its purposes changed — takes effect at its next request when made
 * through this server, and within the notification latency when made by any other connection
 * (the client_change_notify trigger and LISTEN; on PGlite the one session hears it as it commits).
 */

const SERVICE = "essential.service";
const ANALYTICS = "analytics.reporting";
const onPostgres = process.env.DATABASE_URL ? it : it.skip;
/** What "within the notification latency" may take at most here. */
const NOTIFICATION_BOUND_MS = 2_000;

let database: TestDatabase;
let purposeql: OverHttpPurposeQL;
let watch: StatementWatch;

beforeAll(async () => {
  database = await createTestDatabase();
  purposeql = await startOverHttp(testConfig(database.target));
  watch = watchStatements(purposeql.services.dataSource);
});

afterAll(async () => {
  watch.restore();
  await purposeql.close();
  await database.drop();
});

afterEach(() => watch.clear());

interface Answer {
  readonly status: number;
  readonly codes: unknown[];
  /** The statements the server sent for this request. */
  readonly statements: string[];
}

async function send(key: string, options: { purpose?: string; query?: string } = {}): Promise<Answer> {
  const requestId = randomUUID();
  const response = await fetch(purposeql.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${key}`,
      "x-request-id": requestId,
      ...(options.purpose ? { "x-purpose": options.purpose } : {}),
    },
    body: JSON.stringify({ query: options.query ?? `{ policyVersion }` }),
  });
  const body = (await response.json()) as { errors?: { extensions?: { code?: unknown } }[] };
  return {
    status: response.status,
    codes: (body.errors ?? []).map((error) => error.extensions?.code),
    statements: watch.statements.filter((statement) => statement.requestId === requestId).map((statement) => statement.sql),
  };
}

/** The statements that authenticate: they read the client table. */
const authentication = (answer: Answer): string[] => answer.statements.filter((sql) => /\bFROM client\b/i.test(sql));

async function newClient(purposes: string[] = [SERVICE]): Promise<{ name: string; key: string }> {
  const name = `app-${randomBytes(4).toString("hex")}`;
  let key = "";
  // Its creation is announced too: waited for, so that it cannot drop the first request's read of the client.
  await changeAndAwaitNotice(name, async () => {
    key = await createTestClient(purposeql, { name, role: ClientRole.INTERNAL_APP, purposes });
  });
  return { name, key };
}

/** A connection of its own, as the CLI or another instance would use: its changes reach this server only by NOTIFY. */
async function otherConnection<T>(work: (connection: Client) => Promise<T>): Promise<T> {
  if (database.target.kind !== "postgres") throw new Error("another connection exists on PostgreSQL only");
  const connection = new Client({ connectionString: database.target.url });
  await connection.connect();
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

/** Runs a change to the named client, and resolves once the server's cache has been told of it; fails when that takes longer than the bound. */
async function changeAndAwaitNotice(name: string, change: () => Promise<unknown>): Promise<number> {
  const notices: (string | null)[] = [];
  const stop = purposeql.services.authenticator.onChange((clientId) => notices.push(clientId));
  const started = Date.now();
  try {
    await change();
    const [row] = await purposeql.services.dataSource.query<{ id: string }[]>(`SELECT id FROM client WHERE name = $1`, [name]);
    await until(
      () => notices.includes(row?.id ?? "") || notices.includes(null),
      `the notice of the change to ${name}`,
      NOTIFICATION_BOUND_MS,
    );
  } finally {
    stop();
  }
  return Date.now() - started;
}

async function until(condition: () => boolean, what: string, boundMs = NOTIFICATION_BOUND_MS + 2_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("authentication served from memory", () => {
  it("reads a key's client in one statement at its first request, and sends no SQL to authenticate it afterwards", async () => {
    const { key } = await newClient();
    const first = await send(key);
    expect(first.status).toBe(200);
    expect(authentication(first)).toHaveLength(1);
    for (let i = 0; i < 3; i += 1) {
      const later = await send(key);
      expect(later.status).toBe(200);
      expect(authentication(later)).toEqual([]);
      // `{ policyVersion }` reads nothing else: the whole request sends no SQL.
      expect(later.statements).toEqual([]);
    }
  });

  it("reads an unknown key every time and keeps nothing for it", async () => {
    const key = `pql_${randomBytes(32).toString("base64url")}`;
    for (let i = 0; i < 2; i += 1) {
      const answer = await send(key);
      expect(answer.status).toBe(401);
      expect(authentication(answer)).toHaveLength(1);
    }
  });

  it("still compares the presented key with the stored hash when the client is in memory", async () => {
    // A row found by the key id of `presented` whose hash is another key's: what a key id collision would look like.
    const presented = `pql_${randomBytes(32).toString("base64url")}`;
    const other = storedFormOf(`pql_${randomBytes(32).toString("base64url")}`);
    await changeAndAwaitNotice("collision", () =>
      purposeql.services.dataSource.query(
        `INSERT INTO client (name, role, key_id, key_hash, capabilities) VALUES ('collision', 'INTERNAL_APP', $1, $2, '{}')`,
        [storedFormOf(presented).keyId, other.keyHash],
      ),
    );
    const first = await send(presented);
    expect(first.status).toBe(401);
    expect(authentication(first)).toHaveLength(1);
    // Now served from memory — and still refused.
    const second = await send(presented);
    expect(second.status).toBe(401);
    expect(second.statements).toEqual([]);
  });

  it("reads a key's client again under a new policy version", async () => {
    const { key } = await newClient();
    await send(key);
    expect((await send(key)).statements).toEqual([]);
    const version = purposeql.services.policy.version;
    const changed = await send(DEV_KEY, {
      query: `mutation { revokeGrant(purpose: "personalize", category: "user.name", justification: "Test: a new policy version") { key } }`,
    });
    expect(changed.codes).toEqual([]);
    expect(purposeql.services.policy.version).toBe(version + 1);
    expect(authentication(await send(key))).toHaveLength(1);
    expect((await send(key)).statements).toEqual([]);
  });

  // PGlite is one database per process (typeorm-pglite keeps one instance): a second server needs PostgreSQL.
  onPostgres("keeps each server's clients to itself", async () => {
    const { key } = await newClient();
    expect((await send(key)).status).toBe(200);
    expect((await send(key)).statements).toEqual([]);
    const other = await createTestDatabase();
    const second = await startOverHttp(testConfig(other.target)).catch(async (error: unknown) => {
      await other.drop();
      throw error;
    });
    try {
      // The key exists in the first server's database only: the second one must not know it from the first one's memory.
      const response = await fetch(second.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: `{ policyVersion }` }),
      });
      expect(response.status).toBe(401);
    } finally {
      await second.close();
      await other.drop();
    }
  });
});

describe("revocation", () => {
  it("revokeClient: the key's very next request is refused", async () => {
    const { name, key } = await newClient();
    await send(key);
    expect((await send(key)).statements).toEqual([]);
    // Deaf to notifications meanwhile: the mutation itself must drop the client, not the NOTIFY its UPDATE sends.
    const notifications = jest.spyOn(purposeql.services.authenticator, "changed").mockImplementation(() => undefined);
    try {
      const revoked = await send(DEV_KEY, { query: `mutation { revokeClient(name: "${name}") { revokedAt } }` });
      expect(revoked.codes).toEqual([]);
      const next = await send(key);
      expect(next.status).toBe(401);
      expect(next.codes).toEqual(["UNAUTHENTICATED"]);
    } finally {
      notifications.mockRestore();
    }
  });

  it("a revocation by another connection is refused once notified, within the notification latency", async () => {
    const { name, key } = await newClient();
    await send(key);
    expect((await send(key)).statements).toEqual([]);
    const revoke = (): Promise<unknown> =>
      database.kind === "postgres"
        ? otherConnection((connection) => connection.query(`UPDATE client SET revoked_at = now() WHERE name = $1`, [name]))
        : // PGlite has no other connection: the one session, used behind the server's back, announces as it commits.
          purposeql.services.dataSource.query(`UPDATE client SET revoked_at = now() WHERE name = $1`, [name]);
    const latency = await changeAndAwaitNotice(name, revoke);
    expect(latency).toBeLessThan(NOTIFICATION_BOUND_MS);
    const next = await send(key);
    expect(next.status).toBe(401);
    expect(authentication(next)).toHaveLength(1);
  });

  it("a change of purposes by another connection takes effect likewise, both ways", async () => {
    const { name, key } = await newClient([SERVICE, ANALYTICS]);
    expect((await send(key, { purpose: ANALYTICS })).status).toBe(200);
    expect((await send(key, { purpose: ANALYTICS })).statements).toEqual([]);
    const run = (sql: string): Promise<unknown> =>
      database.kind === "postgres"
        ? otherConnection((connection) => connection.query(sql, [name, ANALYTICS]))
        : purposeql.services.dataSource.query(sql, [name, ANALYTICS]);

    await changeAndAwaitNotice(name, () =>
      run(`DELETE FROM client_purpose WHERE client_id = (SELECT id FROM client WHERE name = $1) AND purpose_key = $2`),
    );
    const refused = await send(key, { purpose: ANALYTICS });
    expect(refused.status).toBe(403);
    expect(refused.codes).toEqual(["FORBIDDEN"]);
    expect((await send(key, { purpose: SERVICE })).status).toBe(200);

    await changeAndAwaitNotice(name, () =>
      run(`INSERT INTO client_purpose (client_id, purpose_key) SELECT id, $2 FROM client WHERE name = $1`),
    );
    expect((await send(key, { purpose: ANALYTICS })).status).toBe(200);
  });

  onPostgres(
    "while the listener has lost its connection nothing is served from memory, and after it is back nothing stale is",
    async () => {
      const { name, key } = await newClient();
      const { key: bystander } = await newClient();
      await send(key);
      await send(bystander);
      expect((await send(key)).statements).toEqual([]);
      const authenticator = purposeql.services.authenticator;
      expect(authenticator.servesFromMemory).toBe(true);

      await otherConnection(async (connection) => {
        const terminated = await connection.query<{ terminated: boolean }>(
          `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
          [LISTENER_APPLICATION_NAME],
        );
        expect(terminated.rows).toEqual([{ terminated: true }]);
        // Revoked during the outage: no listener hears it.
        await connection.query(`UPDATE client SET revoked_at = now() WHERE name = $1`, [name]);
      });
      await until(() => !authenticator.servesFromMemory, "the listener to report its lost connection");

      const duringOutage = await send(key);
      expect(duringOutage.status).toBe(401);
      // Every request reads the database meanwhile, the bystander's included.
      const bystanderDuringOutage = await send(bystander);
      expect(bystanderDuringOutage.status).toBe(200);
      expect(authentication(bystanderDuringOutage)).toHaveLength(1);

      await until(() => authenticator.servesFromMemory, "the listener to reconnect");
      expect((await send(key)).status).toBe(401);
      const first = await send(bystander);
      expect(authentication(first)).toHaveLength(1);
      expect((await send(bystander)).statements).toEqual([]);
    },
  );

  onPostgres("a revocation made just as the listener loses its connection is never served once the loss is known", async () => {
    const { name, key } = await newClient();
    await send(key);
    expect((await send(key)).statements).toEqual([]);
    const authenticator = purposeql.services.authenticator;
    await otherConnection(async (connection) => {
      await connection.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
        [LISTENER_APPLICATION_NAME],
      );
      await connection.query(`UPDATE client SET revoked_at = now() WHERE name = $1`, [name]);
    });
    // Either the notification or the lost connection reaches the server first; each drops the entry.
    await until(() => !authenticator.servesFromMemory, "the listener to report its lost connection");
    expect((await send(key)).status).toBe(401);
    await until(() => authenticator.servesFromMemory, "the listener to reconnect");
    expect((await send(key)).status).toBe(401);
  });
});
