import { randomBytes } from "node:crypto";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Client } from "pg";
import { Keyring } from "../../src/persistence/field-encryption";
import { copyConsent, insertSubjects } from "./dataset";
import {
  CONSENT_FIELDS,
  CONSENT_PURPOSE,
  CONTRACT_FIELDS,
  CONTRACT_PURPOSE,
  PAGE_SIZE,
  PARTNER_PROCESSOR,
  REFUSED_PURPOSE,
  selection,
  type PersonalField,
} from "./fields";
import type { LoadPlan, LoadResult } from "./load";
import { PgWireCounter, type SeenStatement } from "./pg-wire-counter";
import { cpuMillis, loadOnce, runNode, startServer, type ServerProcess } from "./processes";

/**
 * `npm run bench:http`: PurposeQL beside PostGraphile 5 and a raw floor, over HTTP, on the same
 * PostgreSQL data (issue 14). DATABASE_URL names the PostgreSQL server (default
 * postgres://postgres@127.0.0.1:5432/postgres); the scratch database `purposeql_bench_http` is
 * created on it, migrated and seeded by PurposeQL itself, filled, and dropped at the end.
 *
 * Flags:
 *   --subjects N        subjects in the data set (10000); every other one consents to the consent purpose
 *   --duration S        seconds of each timed run (5), after a warm-up of --warmup S (1)
 *   --connections C     autocannon connections of the main configuration (10)
 *   --p99-connections C connections of the second configuration, page of 100 only, for the p99 target (50; 0 skips it)
 *   --rounds R          rounds; the servers' order alternates between rounds, figures are medians over rounds (3)
 *   --count-requests K  requests of each case sent one by one through the statement-counting proxy (10)
 *   --compare-sizes     then grow the data set to --large subjects (1000000) and time PurposeQL's page of 100 again
 *   --large N           the size --compare-sizes grows to (1000000)
 *   --keep              keep the scratch database (and print how to reach it)
 *   --full-sql          print the whole SQL of the statements PurposeQL sends per case (else their first 180 characters)
 *
 * Servers, each its own process: PurposeQL (`node dist/src/main.js`, production mode, its
 * encryption key, LOG_LEVEL=warn, PURPOSEQL_MAX_REQUESTS_PER_CLIENT raised above the connection count
 * so that one key's load is not refused with 429), PostGraphile 5.1.5 (amber preset, read-only,
 * ./postgraphile-server.ts), the floor (raw pg + JSON.stringify, ./floor-server.ts). Load: autocannon
 * from a worker process (./load.ts). Per case and server it prints requests/s, p50, p99, CPU per
 * request (the server process; and the database's backends serving it, from /proc), SQL statements
 * per request (a separate pass through ./pg-wire-counter.ts), audit bytes per request
 * (pg_total_relation_size of the audit tables) and WAL bytes per request (pg_current_wal_lsn, which
 * is the whole cluster's: anything else writing to it meanwhile counts too).
 */

const { values } = parseArgs({
  options: {
    subjects: { type: "string", default: "10000" },
    duration: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    connections: { type: "string", default: "10" },
    "p99-connections": { type: "string", default: "50" },
    rounds: { type: "string", default: "3" },
    "count-requests": { type: "string", default: "10" },
    "compare-sizes": { type: "boolean", default: false },
    large: { type: "string", default: "1000000" },
    keep: { type: "boolean", default: false },
    "full-sql": { type: "boolean", default: false },
  },
});
const SUBJECTS = Number(values.subjects);
const DURATION = Number(values.duration);
const WARMUP = Number(values.warmup);
const CONNECTIONS = Number(values.connections);
const P99_CONNECTIONS = Number(values["p99-connections"]);
const ROUNDS = Number(values.rounds);
const COUNT_REQUESTS = Number(values["count-requests"]);
const LARGE = Number(values.large);
const wholeNumbers = [SUBJECTS, DURATION, CONNECTIONS, ROUNDS, COUNT_REQUESTS, LARGE];
if (
  wholeNumbers.some((n) => !Number.isInteger(n) || n < 1) ||
  !Number.isInteger(WARMUP) ||
  WARMUP < 0 ||
  !Number.isInteger(P99_CONNECTIONS) ||
  P99_CONNECTIONS < 0 ||
  SUBJECTS < 2 * PAGE_SIZE
) {
  process.stderr.write(
    "Usage: DATABASE_URL=postgres://… npm run bench:http -- [--subjects 10000] [--duration 5] [--warmup 1] [--connections 10] [--p99-connections 50] [--rounds 3] [--count-requests 10] [--compare-sizes] [--large 1000000] [--keep] [--full-sql]\n",
  );
  process.exit(2);
}

const SERVER_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DATABASE = "purposeql_bench_http";
const ROOT = path.resolve(__dirname, "../../..");
const DIST = path.join(ROOT, "dist");
/** Pages of each page case the load cycles through (their cursors are fetched first). */
const PAGES = 20;
/** Ids the by-id cases cycle through, drawn at random from the data set. */
const SAMPLE_IDS = 1_000;

type ServerName = "PurposeQL" | "PostGraphile" | "floor";
const SERVER_NAMES: readonly ServerName[] = ["PurposeQL", "PostGraphile", "floor"];
type CaseKey = "byId" | "page" | "consentPage" | "refused";
const CASES: readonly { key: CaseKey; title: string }[] = [
  { key: "byId", title: "(a) one subject by id, six fields" },
  { key: "page", title: `(b) a page of ${PAGE_SIZE}, six fields, contract purpose` },
  { key: "consentPage", title: `(c) a page of ${PAGE_SIZE}, six fields, consent purpose` },
  { key: "refused", title: "(d) an operation refused before execution" },
];

/** What one server is sent for one case, wherever it listens: items cycled by the load, and how to check an answer. */
interface Target {
  readonly method: "GET" | "POST";
  /** Appended to the server's base URL: `/graphql`, or empty for the floor (its items are paths). */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly items: readonly string[];
  /** Why the answer is wrong, or null when it is right. */
  check(status: number, body: unknown): string | null;
}

type Targets = Partial<Record<CaseKey, Partial<Record<ServerName, Target>>>>;

const log = (text: string): void => void process.stdout.write(`${text}\n`);

function scratchUrl(): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  return { status: response.status, json: await response.json() };
}

async function send(base: string, target: Target, item: string): Promise<{ status: number; json: unknown }> {
  if (target.method === "POST") return post(`${base}${target.path}`, target.headers, item);
  const response = await fetch(`${base}${item}`, { headers: target.headers });
  return { status: response.status, json: await response.json() };
}

const answersOk = (url: string) => async (): Promise<boolean> => (await fetch(url)).ok;

const graphql = (query: string, variables: Record<string, unknown>): string => JSON.stringify({ query, variables });

/** The value at `keys` in a JSON answer. */
function dig(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = current !== null && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

const ENVELOPE = /^v1:/;

/** Why a row lacks one of the six fields, or shows an encrypted one in the wrong form (PurposeQL decrypts; the others do not). */
function checkRow(row: unknown, fields: readonly PersonalField[], decrypted: boolean): string | null {
  for (const { field, encrypted } of fields) {
    const value = dig(row, field);
    if (typeof value !== "string" || value === "") return `field ${field} missing in ${JSON.stringify(row)}`;
    if (encrypted && ENVELOPE.test(value) === decrypted)
      return `field ${field} is ${decrypted ? "still encrypted" : "not the stored envelope"}: ${value}`;
  }
  return null;
}

function checkOne(status: number, row: unknown, fields: readonly PersonalField[], decrypted: boolean): string | null {
  return status !== 200 ? `status ${status}` : checkRow(row, fields, decrypted);
}

function checkPage(status: number, rows: unknown, fields: readonly PersonalField[], decrypted: boolean): string | null {
  if (status !== 200) return `status ${status}`;
  if (!Array.isArray(rows)) return "no rows";
  if (rows.length !== PAGE_SIZE) return `${rows.length} rows, not ${PAGE_SIZE}`;
  for (const row of rows) {
    const wrong = checkRow(row, fields, decrypted);
    if (wrong) return wrong;
  }
  return null;
}

function checkRefused(status: number, body: unknown): string | null {
  const code = dig(body, "errors", "0", "extensions", "code");
  return status === 403 && code === "PURPOSE_LIMITATION" ? null : `status ${status}, code ${String(code)}`;
}

/** Creates the scratch database anew. */
async function createDatabase(): Promise<void> {
  const admin = new Client({ connectionString: SERVER_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
}

async function dropDatabase(): Promise<void> {
  const admin = new Client({ connectionString: SERVER_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** The key `npm run client -- create` prints once. */
async function createClient(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const output = await runNode([path.join(DIST, "src/cli/client.js"), "create", ...args], env);
  const key = /shown only this once:\s+(\S+)/.exec(output)?.[1];
  if (!key) throw new Error(`no API key in: ${output}`);
  return key;
}

function purposeqlEnv(databaseUrl: string, port: number, key: string): NodeJS.ProcessEnv {
  return {
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    LOG_LEVEL: "warn",
    PURPOSEQL_ENCRYPTION_KEY: key,
    PURPOSEQL_RETENTION_INTERVAL: "off",
    PURPOSEQL_MAX_REQUESTS_PER_CLIENT: String(Math.max(CONNECTIONS, P99_CONNECTIONS) * 2),
  };
}

interface Servers {
  readonly all: Record<ServerName, ServerProcess>;
  stop(): Promise<void>;
}

/** PurposeQL, PostGraphile and the floor over `databaseUrl` (PurposeQL possibly already started). */
async function startServers(databaseUrl: string, key: string, purposeql?: ServerProcess): Promise<Servers> {
  const running: ServerProcess[] = [];
  try {
    const ql =
      purposeql ??
      (await (async () => {
        const port = await freePort();
        return startServer(
          "purposeql",
          [path.join(DIST, "src/main.js")],
          purposeqlEnv(databaseUrl, port, key),
          `http://127.0.0.1:${port}`,
          answersOk(`http://127.0.0.1:${port}/readyz`),
        );
      })());
    running.push(ql);
    const graphilePort = await freePort();
    const graphile = await startServer(
      "postgraphile",
      ["--require", path.join(__dirname, "polyfill.js"), path.join(__dirname, "postgraphile-server.js")],
      { DATABASE_URL: databaseUrl, PORT: String(graphilePort), NODE_ENV: "production" },
      `http://127.0.0.1:${graphilePort}`,
      async () => (await post(`http://127.0.0.1:${graphilePort}/graphql`, {}, graphql("{ __typename }", {}))).status === 200,
    );
    running.push(graphile);
    const floorPort = await freePort();
    const floor = await startServer(
      "floor",
      [path.join(__dirname, "floor-server.js")],
      { DATABASE_URL: databaseUrl, PORT: String(floorPort) },
      `http://127.0.0.1:${floorPort}`,
      answersOk(`http://127.0.0.1:${floorPort}/readyz`),
    );
    running.push(floor);
    return {
      all: { PurposeQL: ql, PostGraphile: graphile, floor },
      stop: async () => {
        await Promise.all(running.map((server) => server.stop()));
      },
    };
  } catch (error) {
    await Promise.all(running.map((server) => server.stop()));
    throw error;
  }
}

interface Keys {
  readonly app: string;
  readonly partner: string;
}

/** The cursors after which each of the first PAGES pages starts (null: the first page), walking the list. */
async function purposeqlCursors(base: string, apiKey: string, purpose: string): Promise<(string | null)[]> {
  const cursors: (string | null)[] = [null];
  while (cursors.length < PAGES) {
    const { json } = await post(
      `${base}/graphql`,
      { authorization: `Bearer ${apiKey}`, "x-purpose": purpose },
      graphql(`query ($after: String) { subjects(first: ${PAGE_SIZE}, after: $after) { pageInfo { endCursor hasNextPage } } }`, {
        after: cursors[cursors.length - 1],
      }),
    );
    const pageInfo = dig(json, "data", "subjects", "pageInfo");
    const end = dig(pageInfo, "endCursor");
    if (typeof end !== "string") throw new Error(`PurposeQL gave no cursor: ${JSON.stringify(json)}`);
    // The last cursor must still have a full page after it.
    if (dig(pageInfo, "hasNextPage") !== true) break;
    cursors.push(end);
  }
  return cursors;
}

async function graphileCursors(base: string): Promise<(string | null)[]> {
  const cursors: (string | null)[] = [null];
  while (cursors.length < PAGES) {
    const { json } = await post(
      `${base}/graphql`,
      {},
      graphql(
        `query ($after: Cursor) { allDataSubjects(first: ${PAGE_SIZE}, orderBy: SEQ_ASC, after: $after) { pageInfo { endCursor hasNextPage } } }`,
        {
          after: cursors[cursors.length - 1],
        },
      ),
    );
    const end = dig(json, "data", "allDataSubjects", "pageInfo", "endCursor");
    if (typeof end !== "string") throw new Error(`PostGraphile gave no cursor: ${JSON.stringify(json)}`);
    if (dig(json, "data", "allDataSubjects", "pageInfo", "hasNextPage") !== true) break;
    cursors.push(end);
  }
  return cursors;
}

/** What each server is sent for each case. */
async function buildTargets(servers: Servers, keys: Keys, ids: readonly string[], database: Client): Promise<Targets> {
  const ql = servers.all.PurposeQL.url;
  const graphile = servers.all.PostGraphile.url;
  const app = (purpose: string) => ({ authorization: `Bearer ${keys.app}`, "x-purpose": purpose });
  const contract = selection(CONTRACT_FIELDS);
  const consent = selection(CONSENT_FIELDS);
  const byIdQuery = `query ($id: ID!) { subject(id: $id) { ${contract} } }`;
  const pageQuery = (fields: string) =>
    `query ($after: String) { subjects(first: ${PAGE_SIZE}, after: $after) { edges { node { ${fields} } } } }`;
  const graphilePage = (fields: string) =>
    `query ($after: Cursor) { allDataSubjects(first: ${PAGE_SIZE}, orderBy: SEQ_ASC, after: $after) { nodes { ${fields} } } }`;
  const contractCursors = await purposeqlCursors(ql, keys.app, CONTRACT_PURPOSE);
  const consentCursors = await purposeqlCursors(ql, keys.app, CONSENT_PURPOSE);
  const graphileAfter = await graphileCursors(graphile);
  const seqs = (await database.query<{ seq: string }>(`SELECT seq FROM data_subject ORDER BY seq LIMIT ${PAGES * PAGE_SIZE}`)).rows.map(
    (row) => row.seq,
  );
  const floorAfter = ["0", ...seqs.filter((_, i) => (i + 1) % PAGE_SIZE === 0).slice(0, PAGES - 1)];
  const edges = (json: unknown) => (dig(json, "data", "subjects", "edges") as unknown[] | undefined)?.map((edge) => dig(edge, "node"));
  return {
    byId: {
      PurposeQL: {
        method: "POST",
        path: "/graphql",
        headers: app(CONTRACT_PURPOSE),
        items: ids.map((id) => graphql(byIdQuery, { id })),
        check: (status, json) => checkOne(status, dig(json, "data", "subject"), CONTRACT_FIELDS, true),
      },
      PostGraphile: {
        method: "POST",
        path: "/graphql",
        headers: {},
        items: ids.map((id) => graphql(`query ($id: UUID!) { dataSubjectByRowId(rowId: $id) { ${contract} } }`, { id })),
        check: (status, json) => checkOne(status, dig(json, "data", "dataSubjectByRowId"), CONTRACT_FIELDS, false),
      },
      floor: {
        method: "GET",
        path: "",
        headers: {},
        items: ids.map((id) => `/subject?id=${id}`),
        check: (status, json) => checkOne(status, dig(json, "data", "subject"), CONTRACT_FIELDS, false),
      },
    },
    page: {
      PurposeQL: {
        method: "POST",
        path: "/graphql",
        headers: app(CONTRACT_PURPOSE),
        items: contractCursors.map((after) => graphql(pageQuery(contract), { after })),
        check: (status, json) => checkPage(status, edges(json), CONTRACT_FIELDS, true),
      },
      PostGraphile: {
        method: "POST",
        path: "/graphql",
        headers: {},
        items: graphileAfter.map((after) => graphql(graphilePage(contract), { after })),
        check: (status, json) => checkPage(status, dig(json, "data", "allDataSubjects", "nodes"), CONTRACT_FIELDS, false),
      },
      floor: {
        method: "GET",
        path: "",
        headers: {},
        items: floorAfter.map((after) => `/subjects?after=${after}`),
        check: (status, json) => checkPage(status, dig(json, "data", "subjects", "nodes"), CONTRACT_FIELDS, false),
      },
    },
    consentPage: {
      PurposeQL: {
        method: "POST",
        path: "/graphql",
        headers: app(CONSENT_PURPOSE),
        items: consentCursors.map((after) => graphql(pageQuery(consent), { after })),
        check: (status, json) => checkPage(status, edges(json), CONSENT_FIELDS, true),
      },
      // PostGraphile's amber preset has no filter on another table's rows (that takes a plugin): the same page over every subject.
      PostGraphile: {
        method: "POST",
        path: "/graphql",
        headers: {},
        items: graphileAfter.map((after) => graphql(graphilePage(consent), { after })),
        check: (status, json) => checkPage(status, dig(json, "data", "allDataSubjects", "nodes"), CONSENT_FIELDS, false),
      },
      floor: {
        method: "GET",
        path: "",
        headers: {},
        items: floorAfter.map((after) => `/subjects?after=${after}&consent=1`),
        check: (status, json) => checkPage(status, dig(json, "data", "subjects", "nodes"), CONSENT_FIELDS, false),
      },
    },
    refused: {
      PurposeQL: {
        method: "POST",
        path: "/graphql",
        headers: { authorization: `Bearer ${keys.partner}`, "x-purpose": REFUSED_PURPOSE },
        items: ids.slice(0, 100).map((id) => graphql(byIdQuery, { id })),
        check: checkRefused,
      },
      floor: { method: "GET", path: "", headers: {}, items: ["/refused"], check: checkRefused },
    },
  };
}

/** Sends a sample of each target and refuses to go on if any answer is wrong: a broken server posts no figure. */
async function validate(servers: Servers, targets: Targets): Promise<void> {
  for (const { key, title } of CASES) {
    for (const name of SERVER_NAMES) {
      const target = targets[key]?.[name];
      if (!target) continue;
      for (const item of [target.items[0]!, target.items[target.items.length - 1]!]) {
        const { status, json } = await send(servers.all[name].url, target, item);
        const wrong = target.check(status, json);
        if (wrong) throw new Error(`${name} answers ${title} wrongly: ${wrong}\n${JSON.stringify(json).slice(0, 500)}`);
      }
    }
  }
}

interface StatementCount {
  readonly perRequest: number;
  /** The statements of one request (the last one sent). */
  readonly sample: readonly SeenStatement[];
}

/**
 * The counting pass: a second instance of each server, its database connection through the
 * counting proxy, sent each case's requests one at a time; statements ÷ requests.
 */
async function countStatements(key: string, targets: Targets): Promise<Map<string, StatementCount>> {
  const counter = await PgWireCounter.start({
    host: new URL(SERVER_URL).hostname || "127.0.0.1",
    port: Number(new URL(SERVER_URL).port || 5432),
  });
  const url = new URL(scratchUrl());
  url.hostname = "127.0.0.1";
  url.port = String(counter.port);
  const counts = new Map<string, StatementCount>();
  const servers = await startServers(url.toString(), key);
  try {
    for (const { key: caseKey } of CASES) {
      for (const name of SERVER_NAMES) {
        const target = targets[caseKey]?.[name];
        if (!target) continue;
        const base = servers.all[name].url;
        // One unmeasured request first: connections opened, statements prepared, caches filled.
        await send(base, target, target.items[0]!);
        counter.reset();
        let sample: readonly SeenStatement[] = [];
        for (let i = 0; i < COUNT_REQUESTS; i += 1) {
          const before = counter.statements().length;
          await send(base, target, target.items[i % target.items.length]!);
          // Statements a request sends may still be arriving when its answer does (an audit written after): a short pause.
          await new Promise((resolve) => setTimeout(resolve, 20));
          sample = counter.statements().slice(before);
        }
        counts.set(`${caseKey}|${name}`, { perRequest: counter.statements().length / COUNT_REQUESTS, sample });
      }
    }
  } finally {
    await servers.stop();
    await counter.close();
  }
  return counts;
}

interface Snapshot {
  readonly serverCpu: number | null;
  readonly backendCpu: ReadonlyMap<number, number>;
  readonly auditBytes: number;
  readonly wal: bigint;
}

interface RunFigures {
  readonly requestsPerSecond: number;
  /** Null when no request was answered within the run. */
  readonly p50: number | null;
  readonly p99: number | null;
  readonly cpuPerRequest: number | null;
  readonly backendCpuPerRequest: number | null;
  readonly auditBytesPerRequest: number;
  readonly walBytesPerRequest: number;
  /** Answers not of the expected kind (non-2xx, or for the refused case non-4xx), errors and timeouts. */
  readonly unexpected: number;
}

function lsn(text: string): bigint {
  const [high, low] = text.split("/") as [string, string];
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

async function snapshot(database: Client, auditTables: readonly string[], pid: number): Promise<Snapshot> {
  const { rows } = await database.query<{ audit: string; lsn: string; pids: number[] | null }>(
    `SELECT (SELECT coalesce(sum(pg_total_relation_size(relation)), 0) FROM unnest($1::regclass[]) AS relation)::text AS audit,
            pg_current_wal_lsn()::text AS lsn,
            (SELECT array_agg(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) AS pids`,
    [auditTables],
  );
  const row = rows[0]!;
  const backendCpu = new Map<number, number>();
  for (const backend of row.pids ?? []) {
    const cpu = cpuMillis(backend);
    if (cpu !== null) backendCpu.set(backend, cpu);
  }
  return { serverCpu: cpuMillis(pid), backendCpu, auditBytes: Number(row.audit), wal: lsn(row.lsn) };
}

/** Total CPU (ms) of the server process and the database's backends; waits until it stops moving (at most 60 s). */
async function settle(database: Client, pid: number): Promise<void> {
  const busy = async (): Promise<number> => {
    const { rows } = await database.query<{ pids: number[] | null }>(
      "SELECT array_agg(pid) AS pids FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    return [pid, ...(rows[0]?.pids ?? [])].reduce((sum, each) => sum + (cpuMillis(each) ?? 0), 0);
  };
  const deadline = Date.now() + 60_000;
  let last = await busy();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = await busy();
    if (now - last <= 20) return;
    last = now;
  }
}

/**
 * One timed run. The figures per request divide what the server and the database did between
 * two quiet moments — after the warm-up's requests have all finished, and after the timed run's
 * have — by the requests sent, so that requests still in flight when the load stops are counted
 * with their cost. Throughput and latency count the requests answered within the run.
 */
async function timedRun(
  server: ServerProcess,
  target: Target,
  connections: number,
  database: Client,
  auditTables: readonly string[],
  expect4xx: boolean,
): Promise<RunFigures> {
  const plan: LoadPlan = {
    url: `${server.url}${target.path}`,
    method: target.method,
    headers: target.method === "POST" ? { "content-type": "application/json", ...target.headers } : target.headers,
    items: target.items,
    connections,
    durationSeconds: DURATION,
    warmupSeconds: WARMUP,
  };
  const { result, before, after } = await loadOnce(plan, async () => {
    await settle(database, server.pid);
    return snapshot(database, auditTables, server.pid);
  });
  const sent = Math.max(result.sent, 1);
  let backend = 0;
  let backendSeen = false;
  for (const [pid, cpu] of after.backendCpu) {
    const earlier = before.backendCpu.get(pid);
    if (earlier === undefined) continue;
    backend += cpu - earlier;
    backendSeen = true;
  }
  const answered = result.requests > 0;
  return {
    requestsPerSecond: result.requests / result.seconds,
    p50: answered ? result.p50 : null,
    p99: answered ? result.p99 : null,
    cpuPerRequest: after.serverCpu !== null && before.serverCpu !== null ? (after.serverCpu - before.serverCpu) / sent : null,
    backendCpuPerRequest: backendSeen ? backend / sent : null,
    auditBytesPerRequest: (after.auditBytes - before.auditBytes) / sent,
    walBytesPerRequest: Number(after.wal - before.wal) / sent,
    unexpected: unexpectedAnswers(result, expect4xx),
  };
}

function unexpectedAnswers(result: LoadResult, expect4xx: boolean): number {
  const wrongStatus = expect4xx ? result.status2xx + result.status5xx : result.status4xx + result.status5xx;
  return wrongStatus + result.errors + result.timeouts;
}

function median(numbers: readonly number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function medianOf(runs: readonly RunFigures[], pick: (run: RunFigures) => number | null): number | null {
  const values = runs.map(pick).filter((value): value is number => value !== null);
  return values.length === 0 ? null : median(values);
}

const fixed = (value: number | null, digits: number): string => (value === null ? "n/a" : value.toFixed(digits));

/** `×a/b`, or n/a when either is unknown or b is 0 (a latency under autocannon's 1 ms resolution reads as 0). */
function ratio(a: number | null, b: number | null, digits: number): string {
  return a === null || b === null || b === 0 ? "n/a" : `×${(a / b).toFixed(digits)}`;
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
}

/** The figures of one configuration: per case, per server, medians over the rounds; then the ratios. */
function report(
  connections: number,
  cases: readonly CaseKey[],
  results: Map<string, RunFigures[]>,
  statements: Map<string, StatementCount>,
): void {
  log(`\n## ${connections} connections — medians over ${ROUNDS} rounds of ${DURATION} s (after ${WARMUP} s warm-up)\n`);
  log(
    "| case | server | req/s | p50 ms | p99 ms | CPU ms/req (server) | CPU ms/req (PG backends) | SQL stmts/req | audit B/req | WAL B/req | unexpected |",
  );
  log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const { key, title } of CASES.filter((c) => cases.includes(c.key))) {
    const medians = new Map<ServerName, { rps: number; p50: number | null; p99: number | null }>();
    for (const name of SERVER_NAMES) {
      const runs = results.get(`${connections}|${key}|${name}`);
      if (!runs) continue;
      const rps = medianOf(runs, (run) => run.requestsPerSecond)!;
      const p50 = medianOf(runs, (run) => run.p50);
      const p99 = medianOf(runs, (run) => run.p99);
      medians.set(name, { rps, p50, p99 });
      const count = statements.get(`${key}|${name}`);
      log(
        `| ${title} | ${name} | ${rps.toFixed(rps < 10 ? 1 : 0)} | ${fixed(p50, 1)} | ${fixed(p99, 1)} | ${fixed(
          medianOf(runs, (run) => run.cpuPerRequest),
          3,
        )} | ${fixed(
          medianOf(runs, (run) => run.backendCpuPerRequest),
          3,
        )} | ${fixed(count?.perRequest ?? null, 1)} | ${fixed(
          medianOf(runs, (run) => run.auditBytesPerRequest),
          0,
        )} | ${fixed(
          medianOf(runs, (run) => run.walBytesPerRequest),
          0,
        )} | ${runs.reduce((sum, run) => sum + run.unexpected, 0)} |`,
      );
    }
    const ql = medians.get("PurposeQL");
    for (const other of ["PostGraphile", "floor"] as const) {
      const them = medians.get(other);
      if (ql && them) {
        log(
          `|  | PurposeQL/${other} | ${ratio(ql.rps, them.rps, 2)} | ${ratio(ql.p50, them.p50, 1)} | ${ratio(ql.p99, them.p99, 1)} |  |  |  |  |  |  |`,
        );
      }
    }
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  log(`# bench:http — ${new Date().toISOString()}`);
  log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, Node ${process.version}, load average ${loadAverage()}`);
  const key = randomBytes(32).toString("base64");
  const databaseUrl = scratchUrl();
  await createDatabase();
  let purposeql: ServerProcess | undefined;
  let servers: Servers | undefined;
  const database = new Client({ connectionString: databaseUrl });
  let connected = false;
  try {
    // PurposeQL first: it migrates and seeds the scratch database.
    const port = await freePort();
    purposeql = await startServer(
      "purposeql",
      [path.join(DIST, "src/main.js")],
      purposeqlEnv(databaseUrl, port, key),
      `http://127.0.0.1:${port}`,
      answersOk(`http://127.0.0.1:${port}/readyz`),
    );
    const cliEnv = { DATABASE_URL: databaseUrl, PURPOSEQL_ENCRYPTION_KEY: key, NODE_ENV: "production", LOG_LEVEL: "warn" };
    const keys: Keys = {
      app: await createClient(
        [
          "--name",
          "bench-app",
          "--role",
          "INTERNAL_APP",
          "--purposes",
          `${CONTRACT_PURPOSE},${CONSENT_PURPOSE}`,
          "--capabilities",
          "RECORD_CONSENT",
        ],
        cliEnv,
      ),
      partner: await createClient(
        ["--name", "bench-partner", "--role", "PARTNER", "--purposes", REFUSED_PURPOSE, "--processor", PARTNER_PROCESSOR],
        cliEnv,
      ),
    };
    await database.connect();
    connected = true;
    const { rows: versionRows } = await database.query<{ server_version: string }>("SHOW server_version");
    const { rows: jitRows } = await database.query<{ jit: string }>("SHOW jit");
    log(
      `PostgreSQL ${versionRows[0]?.server_version ?? "?"} (jit ${jitRows[0]?.jit ?? "?"}, as configured: the benchmark changes no setting)`,
    );

    const generating = Date.now();
    const ids = await insertSubjects(database, Keyring.of(Buffer.from(key, "base64")), 0, SUBJECTS);
    await giveConsents(purposeql.url, keys.app, database, ids);
    await database.query("ANALYZE");
    log(
      `data set: ${SUBJECTS} subjects (all with an active service relationship), ${Math.ceil(SUBJECTS / 2)} consenting to ${CONSENT_PURPOSE}, in ${((Date.now() - generating) / 1000).toFixed(1)} s`,
    );

    servers = await startServers(databaseUrl, key, purposeql);
    const sample = [...ids].sort(() => Math.random() - 0.5).slice(0, SAMPLE_IDS);
    const targets = await buildTargets(servers, keys, sample, database);
    await validate(servers, targets);
    log(
      "answers checked: six fields on every row, 100 rows a page, 403 PURPOSE_LIMITATION when refused; PurposeQL's encrypted fields decrypted, the others' the stored envelopes",
    );

    const statements = await countStatements(key, targets);
    const { rows: auditRows } = await database.query<{ name: string }>(
      `SELECT c.oid::regclass::text AS name FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
         AND (c.relname LIKE '%\\_event%' OR c.relname LIKE '%audit%') ORDER BY 1`,
    );
    const auditTables = auditRows.map((row) => row.name);
    log(`audit tables measured: ${auditTables.join(", ")}`);

    const configurations: { connections: number; cases: readonly CaseKey[] }[] = [
      { connections: CONNECTIONS, cases: CASES.map((c) => c.key) },
    ];
    if (P99_CONNECTIONS > 0) configurations.push({ connections: P99_CONNECTIONS, cases: ["page"] });
    const results = new Map<string, RunFigures[]>();
    for (const { connections, cases } of configurations) {
      for (let round = 0; round < ROUNDS; round += 1) {
        const order = round % 2 === 0 ? SERVER_NAMES : [...SERVER_NAMES].reverse();
        for (const caseKey of cases) {
          for (const name of order) {
            const target = targets[caseKey]?.[name];
            if (!target) continue;
            const figures = await timedRun(servers.all[name], target, connections, database, auditTables, caseKey === "refused");
            const id = `${connections}|${caseKey}|${name}`;
            results.set(id, [...(results.get(id) ?? []), figures]);
          }
        }
        log(`… ${connections} connections, round ${round + 1}/${ROUNDS} done (load average ${loadAverage()})`);
      }
    }

    for (const { connections, cases } of configurations) report(connections, cases, results, statements);
    log("\nNotes: PurposeQL authenticates, enforces, decrypts the encrypted fields and audits every read; PostGraphile and the floor");
    log("answer the stored ciphertext of the encrypted columns (no decryption), no authentication, no audit. Case (c): PurposeQL reads");
    log(
      `only subjects consenting to ${CONSENT_PURPOSE}; the floor joins on consent (EXISTS, an active consent to the purpose); PostGraphile's`,
    );
    log("amber preset cannot filter on another table without a plugin, so it reads the same page over every subject. Case (d): the");
    log("floor answers a fixed 403; PostGraphile n/a. CPU: the server process (user+sys) and the PostgreSQL backends connected to the");
    log("scratch database, from /proc. WAL: the whole cluster's, so other work on it counts too. 'unexpected': non-2xx answers (non-4xx");
    log("for (d)), errors and timeouts over all rounds.");
    log("\nStatements PurposeQL sent for one request of each case (through the counting proxy):");
    for (const { key: caseKey, title } of CASES) {
      const count = statements.get(`${caseKey}|PurposeQL`);
      log(`  ${title}: ${fixed(count?.perRequest ?? null, 1)} per request`);
      for (const statement of count?.sample ?? [])
        log(`    ${statement.kind} ${statement.sql.replace(/\s+/g, " ").slice(0, values["full-sql"] ? undefined : 180)}`);
    }

    if (values["compare-sizes"]) await compareSizes(servers.all.PurposeQL, targets, results, database, auditTables, key);
    log(`\nload average at the end: ${loadAverage()}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    // The servers keep this process alive until they are stopped, whatever failed.
    if (servers) await servers.stop();
    else if (purposeql) await purposeql.stop();
    if (connected) await database.end();
    if (values.keep) log(`kept the scratch database: ${databaseUrl}`);
    else await dropDatabase();
  }
}

/** One consent given through the API (its receipt the server's own), then copied to every other subject. */
async function giveConsents(base: string, appKey: string, database: Client, ids: readonly string[]): Promise<void> {
  const { status, json } = await post(
    `${base}/graphql`,
    { authorization: `Bearer ${appKey}`, "x-purpose": CONSENT_PURPOSE },
    graphql(`mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${CONSENT_PURPOSE}") { id } }`, { id: ids[0] }),
  );
  const templateId = dig(json, "data", "giveConsent", "id");
  if (status !== 200 || typeof templateId !== "string") throw new Error(`giveConsent failed: ${JSON.stringify(json)}`);
  await copyConsent(
    database,
    templateId,
    ids.filter((_, i) => i > 0 && i % 2 === 0),
  );
}

/** One page at a time over one connection: the median time of `times` requests, and the answers that were not right. */
async function sequentialPages(server: ServerProcess, target: Target, times: number): Promise<{ median: number; wrong: string[] }> {
  const durations: number[] = [];
  const wrong: string[] = [];
  for (let i = 0; i < times; i += 1) {
    const begin = performance.now();
    const { status, json } = await send(server.url, target, target.items[i % target.items.length]!);
    durations.push(performance.now() - begin);
    const why = target.check(status, json);
    if (why) wrong.push(`${why} ${JSON.stringify(dig(json, "errors", "0", "extensions", "code") ?? "")}`);
  }
  return { median: median(durations), wrong };
}

/**
 * PurposeQL's page of 100 (contract purpose) at the first size and again after growing the data set
 * to --large: one page at a time (its own time, no queue), then under the load of the timed runs.
 */
async function compareSizes(
  purposeql: ServerProcess,
  targets: Targets,
  results: Map<string, RunFigures[]>,
  database: Client,
  auditTables: readonly string[],
  key: string,
): Promise<void> {
  const target = targets.page?.PurposeQL;
  if (!target || LARGE <= SUBJECTS) return;
  const SEQUENTIAL = 5;
  const loadedSmall = results.get(`${CONNECTIONS}|page|PurposeQL`) ?? [];
  const small = await sequentialPages(purposeql, target, SEQUENTIAL);
  const growing = Date.now();
  await insertSubjects(database, Keyring.of(Buffer.from(key, "base64")), SUBJECTS, LARGE, (written) => {
    if (written % 200_000 === 0) log(`  … ${SUBJECTS + written} subjects`);
  });
  await database.query("ANALYZE data_subject");
  log(`
grew the data set to ${LARGE} subjects in ${((Date.now() - growing) / 1000).toFixed(0)} s`);
  const large = await sequentialPages(purposeql, target, SEQUENTIAL);
  const loadedLarge: RunFigures[] = [];
  for (let round = 0; round < ROUNDS; round += 1)
    loadedLarge.push(await timedRun(purposeql, target, CONNECTIONS, database, auditTables, false));
  log(`
PurposeQL's page of ${PAGE_SIZE} (contract purpose) at ${SUBJECTS} and at ${LARGE} subjects:`);
  log(
    "| subjects | one page at a time: median ms | wrong answers | " + `${CONNECTIONS} connections: req/s | p50 ms | p99 ms | unexpected |`,
  );
  log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [size, sequential, loaded] of [
    [SUBJECTS, small, loadedSmall],
    [LARGE, large, loadedLarge],
  ] as const) {
    log(
      `| ${size} | ${sequential.median.toFixed(0)} | ${sequential.wrong.length}/${SEQUENTIAL} | ${fixed(
        medianOf(loaded, (run) => run.requestsPerSecond),
        1,
      )} | ${fixed(
        medianOf(loaded, (run) => run.p50),
        0,
      )} | ${fixed(
        medianOf(loaded, (run) => run.p99),
        0,
      )} | ${loaded.reduce((sum, run) => sum + run.unexpected, 0)} |`,
    );
  }
  const wrong = [...small.wrong, ...large.wrong];
  if (wrong.length > 0) log(`wrong answers: ${[...new Set(wrong)].join("; ")}`);
  log(`one page at a time: ×${(large.median / small.median).toFixed(1)} at ${LARGE / SUBJECTS}× the subjects`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
