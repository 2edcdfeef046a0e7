import { fork, spawn, type ChildProcess } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { LoadPlan, LoadResult, ParentMessage, WorkerMessage } from "./load";

/**
 * The benchmark's child processes — servers and load workers — each in its own process group, all
 * killed when the benchmark ends, however it ends.
 */
const started = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

process.on("exit", () => {
  for (const child of started) killGroup(child, "SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of started) killGroup(child, "SIGKILL");
    process.exit(130);
  });
}

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  readonly log: string;
  stop(): Promise<void>;
}

/** Starts `node <args>` with `env` and waits until `ready` (at most 60 s). */
export async function startServer(
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  url: string,
  ready: () => Promise<boolean>,
): Promise<ServerProcess> {
  const log = path.join(os.tmpdir(), `bench-http-${name}-${process.pid}.log`);
  const out = openSync(log, "w");
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", out, out], detached: true });
  started.add(child);
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3_000);
    await exited;
    clearTimeout(timer);
    started.delete(child);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before it was ready:\n${tail(log)}`);
    try {
      if (await ready()) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} was not ready within 60 s:\n${tail(log)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { name, pid: child.pid!, url, log, stop };
}

export function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-20).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Runs a node script to its end and returns its standard output; throws with its output if it fails. */
export async function runNode(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  started.add(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  started.delete(child);
  if (code !== 0) throw new Error(`node ${args.join(" ")} failed (${code}):\n${output}`);
  return output;
}

/**
 * One timed load in a worker process (./load.ts): its warm-up, then `measure()` taken just before
 * the timed part starts and `measure()` again just after it ends.
 */
export async function loadOnce<T>(plan: LoadPlan, measure: () => Promise<T>): Promise<{ result: LoadResult; before: T; after: T }> {
  const worker = fork(path.join(__dirname, "load.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"], detached: true });
  started.add(worker);
  try {
    let before: T | undefined;
    const result = await new Promise<LoadResult>((resolve, reject) => {
      worker.on("message", (message: WorkerMessage) => {
        if (message.kind === "warm") {
          void measure()
            .then((value) => {
              before = value;
              worker.send({ kind: "go" } satisfies ParentMessage);
            })
            .catch(reject);
        } else resolve(message.result);
      });
      worker.once("exit", (code) => reject(new Error(`the load worker exited (${code}) without a result`)));
      worker.send({ kind: "plan", plan } satisfies ParentMessage);
    });
    const after = await measure();
    return { result, before: before!, after };
  } finally {
    killGroup(worker, "SIGKILL");
    started.delete(worker);
  }
}

/** User + system CPU time of a process, in milliseconds (/proc/<pid>/stat, fields 14 and 15); null when it cannot be read. */
export function cpuMillis(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command: field 3 is at index 0, so utime (14) and stime (15) are at 11 and 12. Ticks of 10 ms (CLK_TCK 100).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}
