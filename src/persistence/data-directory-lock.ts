import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import lockfile from "proper-lockfile";

/**
 * One owner per data directory. PGlite is a PostgreSQL that lives inside one process: a second
 * process opening the same files corrupts them. So the server and every CLI command claim the
 * directory before they open it, and a second claimant is refused at once, told who holds it.
 *
 * The lock is proper-lockfile's `<dir>.lock` (an atomic mkdir, kept fresh while held); beside it,
 * `<dir>.owner.json` says which process holds it and, for a server, where it listens. A lock left
 * by a process that died (kill -9) is taken over once the process is gone.
 */

export interface DataDirectoryOwner {
  readonly pid: number;
  readonly since: string;
  readonly command: string;
  /** Where the owning server answers, once it listens. */
  readonly url?: string;
}

export class DataDirectoryInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: DataDirectoryOwner | null,
  ) {
    const who = owner
      ? `process ${owner.pid} (${owner.url ? `the PurposeQL server at ${owner.url}` : owner.command}, since ${owner.since})`
      : "another process";
    super(
      `The data directory ${dataDir} is in use by ${who}. The embedded database belongs to one process at a time: stop that process first` +
        `${owner?.url ? `, or manage clients through its ADMIN mutations (createClient, revokeClient, clients)` : ""}. ` +
        `To run several instances, use PostgreSQL (DATABASE_URL).`,
    );
    this.name = "DataDirectoryInUseError";
  }
}

export interface DataDirectoryLock {
  /** Records where the owning server listens, for whoever is refused next. */
  announce(url: string): Promise<void>;
  release(): Promise<void>;
}

const STALE_MS = 2_000;

export async function claimDataDirectory(dataDir: string, command: string): Promise<DataDirectoryLock> {
  await mkdir(path.dirname(dataDir), { recursive: true });
  const lockPath = `${dataDir}.lock`;
  const ownerPath = `${dataDir}.owner.json`;
  const release = await acquire(dataDir, lockPath, ownerPath);
  const owner: DataDirectoryOwner = { pid: process.pid, since: new Date().toISOString(), command };
  await writeFile(ownerPath, JSON.stringify(owner));
  let released = false;
  return {
    announce: async (url) => writeFile(ownerPath, JSON.stringify({ ...owner, url })),
    release: async () => {
      if (released) return;
      released = true;
      await rm(ownerPath, { force: true });
      await release();
    },
  };
}

async function acquire(dataDir: string, lockPath: string, ownerPath: string): Promise<() => Promise<void>> {
  const options = { realpath: false, lockfilePath: lockPath, stale: STALE_MS };
  try {
    return await lockfile.lock(dataDir, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
    const owner = await readOwner(ownerPath);
    if (owner && isAlive(owner.pid)) throw new DataDirectoryInUseError(dataDir, owner);
    // The owner is gone (killed, crashed): its lock goes stale within STALE_MS; wait for that, no longer.
    try {
      return await lockfile.lock(dataDir, { ...options, retries: { retries: 10, minTimeout: STALE_MS / 4, maxTimeout: STALE_MS / 4 } });
    } catch (retryError) {
      if ((retryError as NodeJS.ErrnoException).code === "ELOCKED") throw new DataDirectoryInUseError(dataDir, await readOwner(ownerPath));
      throw retryError;
    }
  }
}

async function readOwner(ownerPath: string): Promise<DataDirectoryOwner | null> {
  try {
    return JSON.parse(await readFile(ownerPath, "utf8")) as DataDirectoryOwner;
  } catch {
    return null;
  }
}

/** Whether a process with this id exists (EPERM: it exists, under another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
