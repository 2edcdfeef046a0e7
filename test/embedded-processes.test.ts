import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { TEST_ENCRYPTION_KEY } from "./support/harness";

/**
 * The embedded database as a new user meets it: real server processes (the built `npm start`) on a
 * data directory of their own. One owner per directory; a port clash touches no data; an
 * acknowledged write survives kill -9; SIGTERM closes cleanly; clients are managed through the
 * running server. PostgreSQL runs many instances by design, so these run on PGlite only.
 */

const ROOT = path.resolve(__dirname, "..");
const KEY = "embedded-processes-test-key-0123456789";
const describeEmbedded = process.env.DATABASE_URL ? describe.skip : describe;
// Each test starts PGlite two or three times in fresh processes (seconds each on a busy machine).
jest.setTimeout(180_000);

interface Server {
  readonly child: ChildProcess;
  readonly url: string;
}

interface Exit {
  readonly code: number | null;
  readonly stderr: string;
}

let workDir: string;

beforeAll(async () => {
  if (process.env.DATABASE_URL) return;
  execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "ignore" });
  workDir = await mkdtemp(path.join(tmpdir(), "purposeql-processes-"));
}, 120_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function environment(dataDir: string, port = 0): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PURPOSEQL_DATA_DIR: dataDir,
    PORT: String(port),
    PURPOSEQL_DEV_API_KEY: KEY,
    PURPOSEQL_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY.toString("base64"),
    LOG_LEVEL: "silent",
  };
  delete env.DATABASE_URL;
  return env;
}

function run(script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, "dist/src", script), ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
}

/** Starts a server and resolves once it says where it listens; rejects with what it printed if it exits first. */
function startServer(dataDir: string, port = 0): Promise<Server> {
  const child = run("main.js", [], environment(dataDir, port));
  let stdout = "";
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /ready at (http:\S+)/.exec(stdout)?.[1];
      if (url) resolve({ child, url });
    });
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("exit", (code) => reject(Object.assign(new Error(`server exited (${code}): ${stderr}`), { code, stderr })));
  });
}

function exitOf(child: ChildProcess): Promise<Exit> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stderr })));
}

interface Answer<T> {
  readonly data?: T;
  readonly errors?: { extensions?: { code?: string } }[];
}

async function post<T = Record<string, unknown>>(url: string, query: string, purpose?: string): Promise<Answer<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${KEY}`, ...(purpose ? { "x-purpose": purpose } : {}) },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as Answer<T>;
}

async function createSubject(url: string, name: string): Promise<string> {
  const created = await post<{ createSubject: { id: string } }>(
    url,
    `mutation { createSubject(input: { fullName: "${name}" }) { id } }`,
    "essential.service",
  );
  return created.data!.createSubject.id;
}

const readName = async (url: string, id: string) =>
  (await post<{ subject: { fullName: string } | null }>(url, `{ subject(id: "${id}") { fullName } }`, "essential.service")).data?.subject
    ?.fullName;

describeEmbedded("the embedded database across processes", () => {
  it("an acknowledged write survives kill -9; the directory is taken over once its owner is gone", async () => {
    const dataDir = path.join(workDir, "durable");
    const first = await startServer(dataDir);
    const id = await createSubject(first.url, "Durable Person");
    first.child.kill("SIGKILL");
    await exitOf(first.child);

    const second = await startServer(dataDir);
    try {
      expect(await readName(second.url, id)).toBe("Durable Person");
    } finally {
      second.child.kill("SIGTERM");
      expect((await exitOf(second.child)).code).toBe(0);
    }
  });

  it("a second server on the same directory is refused at once, naming the directory and the owner, and the first goes on", async () => {
    const dataDir = path.join(workDir, "owned");
    const owner = await startServer(dataDir);
    try {
      const id = await createSubject(owner.url, "Owned Person");
      const refused = await startServer(dataDir).then(
        () => null,
        (error: unknown) => error as { code: number; stderr: string },
      );
      expect(refused?.code).toBe(1);
      expect(refused?.stderr).toContain(
        `The data directory ${dataDir} is in use by process ${owner.child.pid} (the PurposeQL server at ${owner.url}`,
      );

      const cli = await exitOf(
        run(
          "cli/client.js",
          ["create", "--name", "crm", "--role", "INTERNAL_APP", "--purposes", "essential.service"],
          environment(dataDir),
        ),
      );
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain("is in use by process");
      expect(cli.stderr).toContain("createClient");

      expect(await readName(owner.url, id)).toBe("Owned Person");
      const created = await post<{ createClient: { apiKey: string; client: { name: string; capabilities: string[] } } }>(
        owner.url,
        `mutation { createClient(input: { name: "crm", role: INTERNAL_APP, purposes: ["essential.service"], capabilities: [MANAGE_SUBJECTS] }) { apiKey client { name capabilities } } }`,
      );
      expect(created.data?.createClient.client).toEqual({ name: "crm", capabilities: ["MANAGE_SUBJECTS"] });
      const asCrm = await fetch(owner.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${created.data!.createClient.apiKey}`,
          "x-purpose": "essential.service",
        },
        body: JSON.stringify({ query: `{ subject(id: "${id}") { fullName } }` }),
      });
      expect(await asCrm.json()).toEqual({ data: { subject: { fullName: "Owned Person" } } });
    } finally {
      owner.child.kill("SIGTERM");
      await exitOf(owner.child);
    }
  });

  it("a port that is taken stops the start before the data directory is touched", async () => {
    const dataDir = path.join(workDir, "first");
    const owner = await startServer(dataDir);
    try {
      const port = Number(new URL(owner.url).port);
      const untouched = path.join(workDir, "never-created");
      const refused = await startServer(untouched, port).then(
        () => null,
        (error: unknown) => error as { code: number; stderr: string },
      );
      expect(refused?.code).toBe(1);
      expect(refused?.stderr).toMatch(/EADDRINUSE/);
      expect(existsSync(untouched)).toBe(false);
      expect(existsSync(`${untouched}.lock`)).toBe(false);
    } finally {
      owner.child.kill("SIGTERM");
      await exitOf(owner.child);
    }
  });
});
