import { createHash } from "node:crypto";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig, type Config } from "../src/config";
import { countClients } from "../src/persistence/client-repository";
import { createLogger } from "../src/logging/logger";
import { createPurposeQL } from "../src/server/purposeql";
import { ClientRole } from "../src/domain/policy-terms";
import { createTestDatabase, type TestDatabase } from "./support/database";
import {
  createTestClient,
  DEV_KEY,
  errorCodes,
  POLICY_FILE,
  startOverHttp,
  TEST_ENCRYPTION_KEY,
  type GraphQLResponse,
  type OverHttpPurposeQL,
} from "./support/harness";

/**
 * The server as an operator starts it: anything but NODE_ENV=development gets production's
 * defaults — internal details hidden, no development client unless its key is chosen, no key
 * printed, no introspection unless PURPOSEQL_INTROSPECTION says so, no name suggestions, no
 * automatic persisted queries. `npm start` is the development start, and says so.
 */

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, "..");
const databases: TestDatabase[] = [];

afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
});

/** The configuration loadConfig gives for this environment, on a fresh test database. */
async function configFor(env: NodeJS.ProcessEnv): Promise<Config> {
  const database = await createTestDatabase();
  databases.push(database);
  // Production needs the encryption key configured (test/encryption-keys.test.ts shows the refusal without it).
  return {
    ...loadConfig(env),
    port: 0,
    database: database.target,
    policyFile: POLICY_FILE,
    logLevel: "silent",
    encryption: { key: TEST_ENCRYPTION_KEY, oldKeys: [] },
  };
}

async function withServer(env: NodeJS.ProcessEnv, use: (server: OverHttpPurposeQL) => Promise<void>): Promise<void> {
  const server = await startOverHttp(await configFor(env));
  try {
    await use(server);
  } finally {
    await server.close();
  }
}

describe("production unless NODE_ENV=development", () => {
  it("an empty database gets no development client: no ADMIN of its own accord", async () => {
    for (const env of [{}, { NODE_ENV: "production" }, { NODE_ENV: "test" }]) {
      const purposeql = await createPurposeQL(await configFor(env), createLogger("silent"));
      try {
        expect(purposeql.devClient).toBeNull();
        expect(await countClients(purposeql.services.dataSource.manager)).toBe(0);
      } finally {
        await purposeql.close();
      }
    }
  });

  it("creates the development client only with the key the operator chose, and generates none", async () => {
    const purposeql = await createPurposeQL(await configFor({ PURPOSEQL_DEV_API_KEY: DEV_KEY }), createLogger("silent"));
    try {
      expect(purposeql.devClient).toEqual({ name: "development", generatedKey: undefined });
    } finally {
      await purposeql.close();
    }
  });

  it("refuses introspection, suggests no names, and serves no HTML page", async () => {
    await withServer({ PURPOSEQL_DEV_API_KEY: DEV_KEY }, async (server) => {
      const introspection = await server.post(`{ __schema { types { name } } }`);
      expect(introspection.status).toBe(400);
      expect(errorCodes(introspection.body)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
      expect(introspection.body.errors?.[0]?.message).toMatch(/^Introspection is off on this server \(PURPOSEQL_INTROSPECTION\)/);
      expect(introspection.body.data).toBeUndefined();

      const typo = await server.post(`{ policyVersio }`);
      expect(errorCodes(typo.body)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
      expect(typo.body.errors?.[0]?.message).not.toMatch(/Did you mean/);

      const browser = await fetch(server.url, { headers: { accept: "text/html" } });
      expect(browser.headers.get("content-type")).toMatch(/json/);
      expect(await browser.text()).not.toMatch(/<html/i);
    });
  });

  it("allows introspection when PURPOSEQL_INTROSPECTION=true", async () => {
    await withServer({ PURPOSEQL_DEV_API_KEY: DEV_KEY, PURPOSEQL_INTROSPECTION: "true" }, async (server) => {
      const introspection = await server.post<{ __schema: { queryType: { name: string } } }>(`{ __schema { queryType { name } } }`);
      expect(introspection.body).toEqual({ data: { __schema: { queryType: { name: "Query" } } } });
    });
  });

  it("runs no query from a hash: a query one client registered never runs for another", async () => {
    await withServer({ PURPOSEQL_DEV_API_KEY: DEV_KEY }, async (server) => {
      const partner = await createTestClient(server, { name: "partner-b", role: ClientRole.PARTNER, purposes: ["analytics.reporting"] });
      const query = `{ purposes { key } }`;
      const persistedQuery = { version: 1, sha256Hash: createHash("sha256").update(query).digest("hex") };
      const post = (apiKey: string, body: Record<string, unknown>) =>
        fetch(server.url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
          body: JSON.stringify(body),
        }).then(async (response) => (await response.json()) as GraphQLResponse);

      const registered = await post(DEV_KEY, { query, extensions: { persistedQuery } });
      const replayed = await post(partner, { extensions: { persistedQuery } });
      expect(replayed.data).toBeUndefined();
      expect(errorCodes(replayed)).toEqual(["PERSISTED_QUERY_NOT_SUPPORTED"]);
      expect(errorCodes(registered)).toEqual(["PERSISTED_QUERY_NOT_SUPPORTED"]);
    });
  });
});

describe("development, when NODE_ENV=development says so", () => {
  it("loads with introspection, suggestions and the development client with a generated key", async () => {
    await withServer({ NODE_ENV: "development" }, async (server) => {
      expect(server.devClient?.generatedKey).toMatch(/^pql_/);
      const key = server.devClient!.generatedKey!;
      const typo = await server.post(`{ policyVersio }`, { apiKey: key });
      expect(typo.body.errors?.[0]?.message).toMatch(/Did you mean "policyVersion"\?/);
      const introspection = await server.post(`{ __schema { queryType { name } } }`, { apiKey: key });
      expect(introspection.body).toEqual({ data: { __schema: { queryType: { name: "Query" } } } });
      // A browser gets GraphiQL from this server (test/graphiql.test.ts), never Apollo's Sandbox from its CDN.
      const browser = await fetch(server.url, { headers: { accept: "text/html" } });
      const page = await browser.text();
      expect(page).toMatch(/<script src="\/graphql\/ide\/graphiql\.min\.js"><\/script>/);
      expect(page).not.toMatch(/apollo|https?:\/\//i);
    });
  });
});

/** Real processes on a data directory of their own: what a fresh clone prints. PGlite only, like the other process tests. */
const describeEmbedded = process.env.DATABASE_URL ? describe.skip : describe;

describeEmbedded("what a start prints", () => {
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "purposeql-modes-"));
    execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "ignore" });
  }, 120_000);
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  /** A clean environment: no NODE_ENV (jest sets "test"), no DATABASE_URL, no key — but the encryption key when given. */
  function environment(dataDir: string, encryptionKey?: string): NodeJS.ProcessEnv {
    const cleared = new Set([
      "NODE_ENV",
      "DATABASE_URL",
      "PURPOSEQL_DEV_API_KEY",
      "PURPOSEQL_INTROSPECTION",
      "PURPOSEQL_GRAPHIQL",
      "PURPOSEQL_CORS_ORIGINS",
      "PURPOSEQL_ENCRYPTION_KEY",
    ]);
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !cleared.has(name)));
    const env: NodeJS.ProcessEnv = { ...inherited, PORT: "0", PURPOSEQL_DATA_DIR: dataDir, LOG_LEVEL: "silent" };
    if (encryptionKey) env.PURPOSEQL_ENCRYPTION_KEY = encryptionKey;
    return env;
  }

  /** Runs until the server says it is ready, then stops it (the whole group: npm and the node it started); resolves with what it printed. */
  function untilReady(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
    const child: ChildProcess = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let ready = false;
    return new Promise((resolve, reject) => {
      const collect = (chunk: Buffer): void => {
        output += chunk.toString();
        if (!ready && /PurposeQL ready at .*\n/.test(output)) {
          ready = true;
          process.kill(-child.pid!, "SIGTERM");
        }
      };
      child.stdout?.on("data", collect);
      child.stderr?.on("data", collect);
      child.once("exit", (code) => (ready ? resolve(output) : reject(new Error(`exited (${code}) before it was ready: ${output}`))));
    });
  }

  it("npm start, with no configuration, is the development start: it says so and prints the development key once", async () => {
    const output = await untilReady("npm", ["start", "--silent"], environment(path.join(workDir, "fresh-clone")));
    expect(output).toMatch(/Development client "development" created[\s\S]*\n {2}pql_\S+\n/);
    expect(output).toMatch(/ready at http:\S+ .*\(development: /);
    // The development start generated the encryption key beside the data directory, and said so.
    expect(output).toContain(`Generated the development encryption key in ${path.join(workDir, "fresh-clone")}.key`);
  });

  it("the server started any other way is production: no client created, no key printed", async () => {
    const key = TEST_ENCRYPTION_KEY.toString("base64");
    const output = await untilReady(
      process.execPath,
      [path.join(ROOT, "dist/src/main.js")],
      environment(path.join(workDir, "production"), key),
    );
    expect(output).not.toMatch(/pql_/);
    expect(output).not.toMatch(/Development client/);
    expect(output).toMatch(/ready at http:\S+ .*\(production: internal details hidden, introspection off\)/);
  });

  it("in production, a missing encryption key stops the start with a message naming the variable and how to make one", async () => {
    const dataDir = path.join(workDir, "production-without-key");
    await expect(untilReady(process.execPath, [path.join(ROOT, "dist/src/main.js")], environment(dataDir))).rejects.toThrow(
      /exited \(1\)[\s\S]*PURPOSEQL_ENCRYPTION_KEY is not set[\s\S]*openssl rand -base64 32/,
    );
  });
});
