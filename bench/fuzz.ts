import "reflect-metadata";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { Client } from "pg";
import { DEFAULT_LIMITS, IN_MEMORY_DATA_DIR, type Config, type DatabaseTarget } from "../src/config";
import { createLogger } from "../src/logging/logger";
import { startPurposeQL } from "../src/server/purposeql";
import { describeReport, finalProblems, fuzz, newReport } from "./fuzz/run";
import { seedWorld } from "./fuzz/world";

/**
 * `npm run fuzz -- --runs 5000 [--seed N]`: the fuzzing run of test/fuzz.test.ts, as long as wanted,
 * against a server in this process on a fresh database (embedded, in memory; or a new database on
 * the PostgreSQL server DATABASE_URL names, dropped afterwards). Exits 1 on the first property
 * broken (fast-check prints the seed and the request), or when the final checks fail.
 */

const { values } = parseArgs({
  options: { runs: { type: "string", default: "5000" }, seed: { type: "string" } },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const DEV_KEY = `fuzz-dev-${randomBytes(12).toString("hex")}`;

async function main(): Promise<void> {
  const database = await freshDatabase();
  const lines: string[] = [];
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const config: Config = {
    port: 0,
    database: database.target,
    policyFile: path.resolve(__dirname, "../../policy/clubmium.policy.yaml"),
    // Production defaults, as a deployed server runs; the development client's key chosen here.
    mode: "production",
    createDevClient: true,
    devApiKey: DEV_KEY,
    logLevel: "trace",
    retentionIntervalMs: null,
    // A fresh key for this run's fresh database.
    encryption: { key: randomBytes(32), oldKeys: [] },
    exposeErrorDetail: false,
    introspection: false,
    fieldSuggestions: false,
    graphiql: false,
    corsOrigins: [],
    limits: DEFAULT_LIMITS,
  };
  const purposeql = await startPurposeQL(config, createLogger("trace", capture));
  let failed = false;
  try {
    const target = { url: purposeql.url, services: purposeql.services, logLines: () => lines };
    const world = await seedWorld(purposeql.url, DEV_KEY);
    console.log(`Fuzzing ${purposeql.url} on ${database.target.kind}: ${runs} requests, seed ${seed}`);
    const report = newReport();
    const started = Date.now();
    try {
      await fuzz(target, world, { numRuns: runs, seed }, report);
    } catch (error) {
      failed = true;
      console.error(error instanceof Error ? error.message : error);
    }
    const problems = await finalProblems(target, world, report);
    for (const problem of problems) console.error(problem);
    failed ||= problems.length > 0;
    console.log(`${describeReport(report)}\n${((Date.now() - started) / 1000).toFixed(1)} s; ${failed ? "FAILED" : "no property broken"}`);
  } finally {
    await purposeql.close();
    await database.drop();
  }
  process.exitCode = failed ? 1 : 0;
}

async function freshDatabase(): Promise<{ target: DatabaseTarget; drop(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) return { target: { kind: "pglite", dataDir: IN_MEMORY_DATA_DIR }, drop: () => Promise.resolve() };
  const name = `purposeql_fuzz_${randomBytes(6).toString("hex")}`;
  const admin = async (sql: string): Promise<void> => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { target: { kind: "postgres", url: url.toString() }, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
