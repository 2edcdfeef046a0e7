import { randomBytes } from "node:crypto";
import { Client } from "pg";
import type { DatabaseTarget } from "../../src/config";
import { IN_MEMORY_DATA_DIR } from "../../src/config";

/**
 * A fresh database for one test file: on PostgreSQL (when DATABASE_URL is set) a new database on
 * that server, dropped afterwards; otherwise an in-memory PGlite.
 */
export interface TestDatabase {
  readonly target: DatabaseTarget;
  readonly kind: DatabaseTarget["kind"];
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    return { target: { kind: "pglite", dataDir: IN_MEMORY_DATA_DIR }, kind: "pglite", drop: async () => {} };
  }
  const name = `purposeql_test_${randomBytes(6).toString("hex")}`;
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    target: { kind: "postgres", url: url.toString() },
    kind: "postgres",
    drop: () => withAdminClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withAdminClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
