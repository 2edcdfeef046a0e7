import "reflect-metadata";
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { registerClient } from "../src/auth/client-registration";
import { loadConfig } from "../src/config";
import { ALL_CAPABILITIES } from "../src/domain/capabilities";
import { ClientRole } from "../src/domain/policy-terms";
import { createLogger } from "../src/logging/logger";
import { startPurposeQL } from "../src/server/purposeql";
import type { LoadPlan, LoadResult } from "./soak-load";

/**
 * `npm run soak -- --minutes 5 [--concurrency 8] [--subjects 200]`: the server in this process (the
 * embedded database in a fresh temporary directory, or DATABASE_URL), load from a second process
 * (soak-load.ts), memory sampled here after a forced garbage collection every few seconds.
 * Fails (exit 1) on any error, or when memory grew after the warm-up beyond the tolerance:
 * heap more than 10 % + 16 MB, RSS more than 20 % + 64 MB (RSS holds the database's own cache on
 * PGlite, which fills in steps).
 */

const HEAP_TOLERANCE = { ratio: 0.1, bytes: 16 * 2 ** 20 };
const RSS_TOLERANCE = { ratio: 0.2, bytes: 64 * 2 ** 20 };
const SAMPLE_EVERY_MS = 5000;

interface MemorySample {
  readonly atMs: number;
  readonly rss: number;
  readonly heapUsed: number;
}

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "5" },
    concurrency: { type: "string", default: "8" },
    subjects: { type: "string", default: "200" },
  },
});
const minutes = Number(values.minutes);
const concurrency = Number(values.concurrency);
const subjectCount = Number(values.subjects);
if (!(minutes > 0) || !Number.isInteger(concurrency) || concurrency < 1 || !Number.isInteger(subjectCount) || subjectCount < 1) {
  process.stderr.write("Usage: npm run soak -- [--minutes 5] [--concurrency 8] [--subjects 200]\n");
  process.exit(2);
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

function sample(startedAt: number): MemorySample {
  // Without a collection the heap is wherever the collector left it: --expose-gc (npm run soak) makes it comparable.
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { atMs: performance.now() - startedAt, rss, heapUsed };
}

async function graphql<T>(url: string, apiKey: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}`, "x-purpose": "essential.service" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data || body.errors) throw new Error(`setup request failed: ${response.status} ${JSON.stringify(body.errors)}`);
  return body.data;
}

function runLoad(plan: LoadPlan): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = fork(path.join(__dirname, "soak-load.js"), { stdio: "inherit" });
    worker.once("message", (result) => resolve(result as LoadResult));
    worker.once("exit", (code) => reject(new Error(`the load process exited (${code}) without a result`)));
    worker.send(plan);
  });
}

async function main(): Promise<number> {
  const dataDir = process.env.DATABASE_URL ? null : await mkdtemp(path.join(os.tmpdir(), "purposeql-soak-"));
  const config = loadConfig({
    ...process.env,
    PORT: "0",
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    ...(dataDir ? { PURPOSEQL_DATA_DIR: path.join(dataDir, "data") } : {}),
  });
  const server = await startPurposeQL(config, createLogger(config.logLevel));
  try {
    const { apiKey } = await registerClient(
      server.services.dataSource.manager,
      {
        name: `soak-${randomBytes(4).toString("hex")}`,
        role: ClientRole.ADMIN,
        purposeKeys: ["essential.service"],
        capabilities: [...ALL_CAPABILITIES],
      },
      server.services.policy.compiled,
    );
    const subjectIds: string[] = [];
    for (let i = 0; i < subjectCount; i += 1) {
      const created = await graphql<{ createSubject: { id: string } }>(
        server.url,
        apiKey,
        `
          mutation ($n: String!, $e: String!) {
            createSubject(input: { fullName: $n, email: $e }) {
              id
            }
          }
        `,
        { n: `Soak Subject ${i}`, e: `soak${i}@example.lv` },
      );
      subjectIds.push(created.createSubject.id);
    }

    const durationMs = minutes * 60_000;
    const warmupMs = Math.min(60_000, Math.max(5_000, durationMs * 0.2));
    const database = dataDir ? `embedded PGlite in ${dataDir}` : "PostgreSQL (DATABASE_URL)";
    process.stdout.write(
      `Soak: ${minutes} min, ${concurrency} concurrent loops over loopback, ${subjectCount} subjects, on ${database}; warm-up ${warmupMs / 1000} s\n`,
    );

    const startedAt = performance.now();
    const samples: MemorySample[] = [sample(startedAt)];
    const sampler = setInterval(() => samples.push(sample(startedAt)), SAMPLE_EVERY_MS);
    let result: LoadResult;
    try {
      result = await runLoad({ url: server.url, apiKey, subjectIds, concurrency, durationMs, warmupMs });
    } finally {
      clearInterval(sampler);
    }
    samples.push(sample(startedAt));

    const afterWarmup = samples.filter((point) => point.atMs >= warmupMs);
    const first = afterWarmup[0] ?? samples[0]!;
    const last = samples[samples.length - 1]!;
    const heapLimit = first.heapUsed * (1 + HEAP_TOLERANCE.ratio) + HEAP_TOLERANCE.bytes;
    const rssLimit = first.rss * (1 + RSS_TOLERANCE.ratio) + RSS_TOLERANCE.bytes;
    const heapFlat = last.heapUsed <= heapLimit;
    const rssFlat = last.rss <= rssLimit;
    const seconds = durationMs / 1000;
    process.stdout.write(
      [
        `requests ${result.requests} (${Math.round(result.requests / seconds)}/s; ${Object.entries(result.byOperation)
          .map(([name, count]) => `${name} ${count}`)
          .join(", ")})`,
        `errors   ${result.errors}${result.errorSamples.map((error) => `\n  ${error}`).join("")}`,
        `latency  p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(1)} ms (after warm-up)`,
        `heap     ${mb(first.heapUsed)} after warm-up → ${mb(last.heapUsed)} at the end (limit ${mb(heapLimit)}): ${heapFlat ? "flat" : "GREW"}`,
        `rss      ${mb(first.rss)} after warm-up → ${mb(last.rss)} at the end (limit ${mb(rssLimit)}): ${rssFlat ? "flat" : "GREW"}`,
        `samples  heap ${samples.map((point) => (point.heapUsed / 2 ** 20).toFixed(0)).join(" ")} MB`,
        `         rss  ${samples.map((point) => (point.rss / 2 ** 20).toFixed(0)).join(" ")} MB`,
        "",
      ].join("\n"),
    );
    return result.errors === 0 && heapFlat && rssFlat ? 0 : 1;
  } finally {
    await server.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
