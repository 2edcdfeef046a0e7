import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DatabaseTarget } from "../src/config";
import { createDataSource } from "../src/persistence/data-source";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { TEST_ENCRYPTION_KEY } from "./support/harness";

/**
 * The real server process (the built `npm start`): /readyz, then SIGTERM under load. Every request
 * answered with data is audited in the database, and the process exits 0.
 */

const ROOT = path.resolve(__dirname, "..");
const KEY = "graceful-shutdown-test-key-0123456789";
jest.setTimeout(180_000);

let database: TestDatabase;
let target: DatabaseTarget;
let dataDir: string | undefined;

beforeAll(async () => {
  execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "ignore" });
  database = await createTestDatabase();
  if (database.kind === "pglite") {
    dataDir = await mkdtemp(path.join(tmpdir(), "purposeql-shutdown-"));
    target = { kind: "pglite", dataDir };
  } else {
    target = database.target;
  }
}, 120_000);

afterAll(async () => {
  await database.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function startServer(): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: "0",
    PURPOSEQL_DEV_API_KEY: KEY,
    PURPOSEQL_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY.toString("base64"),
    LOG_LEVEL: "silent",
    PURPOSEQL_MAX_REQUESTS_PER_CLIENT: "100",
  };
  if (target.kind === "postgres") env.DATABASE_URL = target.url;
  else {
    delete env.DATABASE_URL;
    env.PURPOSEQL_DATA_DIR = target.dataDir;
  }
  const child = spawn(process.execPath, [path.join(ROOT, "dist/src/main.js")], { cwd: ROOT, env, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /ready at (http:\S+)/.exec(stdout)?.[1];
      if (url) resolve({ child, url });
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
}

interface Answered {
  readonly requestId: string;
  readonly status: number;
  readonly released: boolean;
}

async function read(url: string, subjectId: string): Promise<Answered | null> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}`, "x-purpose": "essential.service" },
      body: JSON.stringify({ query: `{ subject(id: "${subjectId}") { fullName } }` }),
    });
    const body = (await response.json()) as { data?: { subject?: { fullName?: string } | null } };
    return {
      requestId: response.headers.get("x-request-id") ?? "",
      status: response.status,
      released: body.data?.subject?.fullName === "Shutdown Test",
    };
  } catch {
    return null; // refused or cut off: the server had stopped accepting
  }
}

describe(`SIGTERM under load (${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite on disk"})`, () => {
  it("finishes the requests in flight, audits every one answered with data, closes the database and exits 0", async () => {
    const { child, url } = await startServer();
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const ready = await fetch(url.replace("/graphql", "/readyz"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", policyVersion: 1 });

    const created = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}`, "x-purpose": "essential.service" },
      body: JSON.stringify({ query: `mutation { createSubject(input: { fullName: "Shutdown Test" }) { id } }` }),
    });
    const subjectId = ((await created.json()) as { data: { createSubject: { id: string } } }).data.createSubject.id;

    // Eight callers read in a loop; SIGTERM is sent once the first answers are in, so requests are in flight.
    const answers: Answered[] = [];
    let stopped = false;
    let sent = false;
    const caller = async (): Promise<void> => {
      while (!stopped) {
        const answer = await read(url, subjectId);
        if (answer === null) return;
        answers.push(answer);
        if (!sent && answers.length >= 20) {
          sent = true;
          child.kill("SIGTERM");
        }
      }
    };
    const callers = Array.from({ length: 8 }, caller);
    const code = await exited;
    stopped = true;
    await Promise.all(callers);
    expect(code).toBe(0);

    const released = answers.filter((answer) => answer.status === 200 && answer.released);
    expect(released.length).toBeGreaterThanOrEqual(20);
    // Answers after SIGTERM are refusals without data, never data without audit.
    for (const answer of answers) if (!answer.released) expect(answer.status).toBe(503);

    const dataSource = createDataSource(target);
    await dataSource.initialize();
    try {
      const rows = await dataSource.query<{ request_id: string }[]>(
        `SELECT DISTINCT request_id FROM audit_access_event WHERE request_id = ANY($1::uuid[]) AND operation = 'read'`,
        [released.map((answer) => answer.requestId)],
      );
      expect(new Set(rows.map((row) => row.request_id))).toEqual(new Set(released.map((answer) => answer.requestId)));
    } finally {
      await dataSource.destroy();
    }
  });
});
