import "reflect-metadata";
import { randomBytes, randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Client } from "pg";
import { eventHash, GENESIS_HASH, verifyAuditChain } from "../src/audit/audit-chain";
import { registerClient } from "../src/auth/client-registration";
import { DEFAULT_LIMITS, type Config } from "../src/config";
import { Capability } from "../src/domain/capabilities";
import { AccessDecision, ClientRole } from "../src/domain/policy-terms";
import { RecipientType } from "../src/domain/recipients";
import { createRequestContext } from "../src/graphql/context";
import { createLogger } from "../src/logging/logger";
import type { ChainedAccessEvent } from "../src/persistence/audit-chain-repository";
import { createPurposeQL, type PurposeQL } from "../src/server/purposeql";

/**
 * `npm run bench:audit -- --events 1000000`: what the audit queries cost over a large audit, on
 * PostgreSQL (DATABASE_URL names the server; a scratch database is created on it and dropped after,
 * unless --keep). The scratch database is migrated by the server itself, then filled with `--events`
 * access events over `--months` months, chained as the database would chain them; then
 * accessEvents (first page) and breachScope (one month of one client) are run through the whole
 * GraphQL pipeline — authentication, the checks before execution, validation, the queries and the
 * audit query's own record — timed over `--runs` runs, and each statement they send is EXPLAINed
 * (ANALYZE, BUFFERS).
 *
 * Filling: one million rows through the chain trigger take several minutes (each insert locks and
 * updates the chain's head), so by default the benchmark computes the chain here — the same
 * encoding `npm run audit -- verify` checks, src/audit/audit-chain.ts — and inserts rows with their
 * positions and hashes while the chain trigger is set aside in this scratch database only, then
 * puts the trigger back and sets the head. `--verify` then verifies the whole chain;
 * `--through-trigger` fills through the trigger instead (slow, nothing set aside).
 */

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    months: { type: "string", default: "12" },
    runs: { type: "string", default: "15" },
    keep: { type: "boolean", default: false },
    verify: { type: "boolean", default: false },
    "through-trigger": { type: "boolean", default: false },
  },
});
const EVENTS = Number(values.events);
const MONTHS = Number(values.months);
const RUNS = Number(values.runs);
const serverUrl = process.env.DATABASE_URL;
if (
  !serverUrl ||
  !Number.isInteger(EVENTS) ||
  EVENTS < 1 ||
  !Number.isInteger(MONTHS) ||
  MONTHS < 2 ||
  !Number.isInteger(RUNS) ||
  RUNS < 1
) {
  process.stderr.write(
    "Usage: DATABASE_URL=postgres://… npm run bench:audit -- [--events 1000000] [--months 12] [--runs 15] [--keep] [--verify] [--through-trigger]\n",
  );
  process.exit(2);
}

// The audit's span: MONTHS calendar months (UTC) ending at END; the scoped month is the last full one but one.
const END = Date.UTC(2026, 11, 1);
const START = Date.UTC(2026, 11 - MONTHS, 1);
const WINDOW = { from: new Date(Date.UTC(2026, 9, 1)).toISOString(), to: new Date(Date.UTC(2026, 10, 1)).toISOString() };

/** Who wrote the audit: a leaked partner's key with a tenth of the traffic, a busy internal app with two fifths, and 18 more. */
const CLIENTS: { name: string; share: number; purposes: string[] }[] = [
  { name: "partner-leaked", share: 0.1, purposes: ["analytics.reporting"] },
  { name: "crm", share: 0.4, purposes: ["essential.service", "essential.service.operations.support"] },
  ...Array.from({ length: 18 }, (_, i) => ({ name: `app-${i + 1}`, share: 0.5 / 18, purposes: ["essential.service", "personalize"] })),
];
const SUBJECTS = 200_000;
const READABLE = ["user.name", "user.contact.email", "user.location.coarse", "user.demographic.date_of_birth", "user.device.browser"];
const WRITES = [
  { operation: "updateSubject", written: ["user.contact.email"] },
  { operation: "giveConsent", written: ["user.privacy_preferences"] },
  { operation: "createSubject", written: ["user.account.service_relationship", "user.account.status", "user.contact.email", "user.name"] },
];

/** A small deterministic generator: the same data on every run. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface GeneratedEvent extends Omit<ChainedAccessEvent, "table"> {
  readonly at: string;
}

/** The events in chain order; `at` follows the position, each a few seconds off as concurrent requests are. */
function* events(
  clientIds: ReadonlyMap<string, string>,
): Generator<Omit<GeneratedEvent, "previousHash" | "hash" | "chainPosition" | "id">> {
  const random = generator(13);
  const subjects = Array.from({ length: SUBJECTS }, () => randomUUID());
  const cumulative = CLIENTS.map((_, i) => CLIENTS.slice(0, i + 1).reduce((sum, client) => sum + client.share, 0));
  for (let i = 0; i < EVENTS; i += 1) {
    const draw = random();
    const client = CLIENTS[cumulative.findIndex((bound) => draw < bound)] ?? CLIENTS[CLIENTS.length - 1]!;
    const atMs = Math.round(START + ((END - START) * i) / EVENTS + (random() - 0.5) * 4000);
    const kind = random();
    const write = client.name !== "partner-leaked" && kind < 0.15 ? WRITES[Math.floor(random() * WRITES.length)]! : null;
    const released = write ? [] : READABLE.filter(() => random() < 0.4).sort();
    const denied = !write && random() < 0.05 ? ["user.contact.phone_number"] : [];
    yield {
      requestId: randomUUID(),
      clientId: clientIds.get(client.name) ?? randomUUID(),
      clientName: client.name,
      purposeKey: client.purposes[Math.floor(random() * client.purposes.length)]!,
      subjectId: subjects[Math.floor(random() * SUBJECTS)]!,
      operation: write ? write.operation : "read",
      written: write ? write.written : [],
      released,
      denied,
      // As the server records them since recipients were (migration ProcessorClients): a partner acting for no processor is a third party.
      recipientType: client.name.startsWith("partner") ? RecipientType.THIRD_PARTY : RecipientType.INTERNAL,
      processorName: null,
      decision: write
        ? AccessDecision.WRITTEN
        : denied.length === 0
          ? AccessDecision.RELEASED
          : released.length === 0
            ? AccessDecision.DENIED
            : AccessDecision.PARTIAL,
      atMicros: String(atMs * 1000),
      at: new Date(atMs).toISOString(),
    };
  }
}

const arrayLiteral = (items: readonly string[]): string => `{${items.join(",")}}`;

/** The one value of a one-row, one-column answer. */
async function single(client: Client, sql: string, parameters: unknown[] = []): Promise<string> {
  const row = (await client.query(sql, parameters)).rows[0] as Record<string, string> | undefined;
  const value = row ? Object.values(row)[0] : undefined;
  if (value === undefined) throw new Error(`no answer to ${sql}`);
  return value;
}

const INSERT_COLUMNS = `id, chain_position, request_id, client_id, client_name, purpose_key, subject_id, operation, written, released, denied, decision, at, recipient_type, previous_hash, hash`;

/** Fills the audit with the events, chained here; the chain trigger set aside meanwhile (this scratch database only). */
async function fillChained(client: Client, clientIds: ReadonlyMap<string, string>): Promise<void> {
  const position = await single(client, `SELECT position::text FROM access_event_chain_head`);
  const last = await single(client, `SELECT coalesce(max(id), 0)::text FROM access_event`);
  if (position !== "0") throw new Error("the scratch database's chain is not empty");
  await client.query(`ALTER TABLE access_event DISABLE TRIGGER access_event_chain`);
  let previousHash = GENESIS_HASH;
  let batch: GeneratedEvent[] = [];
  let count = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const column = <K extends keyof GeneratedEvent>(key: K) => batch.map((event) => event[key]);
    await client.query(
      `INSERT INTO access_event (${INSERT_COLUMNS}) OVERRIDING SYSTEM VALUE
       SELECT id, position, request_id, client_id, client_name, purpose_key, subject_id, operation,
              written::text[], released::text[], denied::text[], decision::access_decision, at, recipient::recipient_type,
              decode(previous, 'hex'), decode(hash, 'hex')
         FROM unnest($1::bigint[], $2::bigint[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::uuid[], $8::text[],
                     $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::text[], $15::text[], $16::text[])
           AS e(id, position, request_id, client_id, client_name, purpose_key, subject_id, operation, written, released, denied, decision, at, recipient, previous, hash)`,
      [
        column("id"),
        column("chainPosition"),
        column("requestId"),
        column("clientId"),
        column("clientName"),
        column("purposeKey"),
        column("subjectId"),
        column("operation"),
        batch.map((event) => arrayLiteral(event.written)),
        batch.map((event) => arrayLiteral(event.released)),
        batch.map((event) => arrayLiteral(event.denied)),
        column("decision"),
        column("at"),
        column("recipientType"),
        column("previousHash"),
        column("hash"),
      ],
    );
    batch = [];
    process.stdout.write(`\r  ${count.toLocaleString("en")} events`);
  };
  try {
    for (const generated of events(clientIds)) {
      count += 1;
      const chained = {
        ...generated,
        table: "access_event" as const,
        id: String(BigInt(last) + BigInt(count)),
        chainPosition: String(count),
        previousHash,
        hash: "",
      };
      const hash = eventHash(previousHash, chained);
      batch.push({ ...chained, hash });
      previousHash = hash;
      if (batch.length === 5000) await flush();
    }
    await flush();
    await client.query(`UPDATE access_event_chain_head SET position = $1, hash = decode($2, 'hex')`, [String(count), previousHash]);
    await client.query(`SELECT setval(pg_get_serial_sequence('access_event', 'id'), (SELECT max(id) FROM access_event))`);
  } finally {
    await client.query(`ALTER TABLE access_event ENABLE TRIGGER access_event_chain`);
  }
  process.stdout.write("\n");
}

/** Fills the audit through the chain trigger, as the server writes it: 500 events a statement. */
async function fillThroughTrigger(client: Client, clientIds: ReadonlyMap<string, string>): Promise<void> {
  let batch: ReturnType<typeof events> extends Generator<infer T> ? T[] : never = [];
  let count = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const column = <K extends keyof (typeof batch)[number]>(key: K) => batch.map((event) => event[key]);
    await client.query(
      `INSERT INTO access_event (request_id, client_id, client_name, purpose_key, subject_id, operation, written, released, denied, decision, at, recipient_type)
       SELECT request_id, client_id, client_name, purpose_key, subject_id, operation, written::text[], released::text[], denied::text[], decision::access_decision, at,
              recipient::recipient_type
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::text[])
           AS e(request_id, client_id, client_name, purpose_key, subject_id, operation, written, released, denied, decision, at, recipient)`,
      [
        column("requestId"),
        column("clientId"),
        column("clientName"),
        column("purposeKey"),
        column("subjectId"),
        column("operation"),
        batch.map((event) => arrayLiteral(event.written)),
        batch.map((event) => arrayLiteral(event.released)),
        batch.map((event) => arrayLiteral(event.denied)),
        column("decision"),
        column("at"),
        column("recipientType"),
      ],
    );
    batch = [];
    process.stdout.write(`\r  ${count.toLocaleString("en")} events`);
  };
  for (const generated of events(clientIds)) {
    count += 1;
    batch.push(generated);
    if (batch.length === 500) await flush();
  }
  await flush();
  process.stdout.write("\n");
}

interface Timing {
  readonly label: string;
  readonly coldMs: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

/** Runs one GraphQL operation as `apiKey` would over HTTP (the HTTP layer aside): one cold run, then `RUNS` timed ones. */
async function timed(purposeql: PurposeQL, apiKey: string, label: string, query: string, check: (data: unknown) => void): Promise<Timing> {
  const once = async (): Promise<number> => {
    const started = performance.now();
    const contextValue = await createRequestContext(purposeql.services, { authorization: `Bearer ${apiKey}` });
    const response = await purposeql.apollo.executeOperation({ query }, { contextValue });
    const elapsed = performance.now() - started;
    if (response.body.kind !== "single" || response.body.singleResult.errors) {
      throw new Error(
        `${label} failed: ${JSON.stringify(response.body.kind === "single" ? response.body.singleResult.errors : "incremental")}`,
      );
    }
    check(response.body.singleResult.data);
    return elapsed;
  };
  const coldMs = await once();
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await once());
  runs.sort((a, b) => a - b);
  const at = (fraction: number) => runs[Math.min(runs.length - 1, Math.floor(fraction * runs.length))]!;
  return { label, coldMs, medianMs: at(0.5), p95Ms: at(0.95), maxMs: runs[runs.length - 1]! };
}

/** The statements an operation sends to the audit's tables, with their parameters, then each one's EXPLAIN (ANALYZE, BUFFERS). */
async function plansOf(purposeql: PurposeQL, apiKey: string, query: string): Promise<string[]> {
  const prototype = Object.getPrototypeOf(purposeql.services.dataSource.createQueryRunner()) as {
    query: (...args: unknown[]) => Promise<unknown>;
  };
  const original = prototype.query;
  const sent: { sql: string; parameters: unknown[] }[] = [];
  prototype.query = function (this: unknown, ...args: unknown[]) {
    sent.push({ sql: String(args[0]), parameters: Array.isArray(args[1]) ? args[1] : [] });
    return original.apply(this, args);
  };
  try {
    const contextValue = await createRequestContext(purposeql.services, { authorization: `Bearer ${apiKey}` });
    await purposeql.apollo.executeOperation({ query }, { contextValue });
  } finally {
    prototype.query = original;
  }
  const plans: string[] = [];
  for (const { sql, parameters } of sent.filter(
    (statement) => /^\s*(WITH|SELECT)/i.test(statement.sql) && /\baccess_event\b|\brequest_event\b/.test(statement.sql),
  )) {
    const rows: Record<string, string>[] = await purposeql.services.dataSource.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, parameters);
    plans.push(`${sql.replace(/\s+/g, " ").trim()}\n${rows.map((row) => `    ${Object.values(row)[0]}`).join("\n")}`);
  }
  return plans;
}

async function main(): Promise<void> {
  const name = `purposeql_bench_${randomBytes(6).toString("hex")}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  const config: Config = {
    port: 0,
    database: { kind: "postgres", url: url.toString() },
    policyFile: path.resolve(__dirname, "../../policy/clubmium.policy.yaml"),
    mode: "production",
    graphiql: false,
    corsOrigins: [],
    createDevClient: false,
    devApiKey: undefined,
    logLevel: "silent",
    exposeErrorDetail: false,
    introspection: false,
    fieldSuggestions: false,
    retentionIntervalMs: null,
    limits: DEFAULT_LIMITS,
    encryption: { key: randomBytes(32), oldKeys: [] },
  };
  let purposeql: PurposeQL | undefined;
  const filler = new Client({ connectionString: url.toString() });
  try {
    purposeql = await createPurposeQL(config, createLogger("silent"));
    const manager = purposeql.services.dataSource.manager;
    const auditor = await registerClient(
      manager,
      {
        name: "dpo",
        role: ClientRole.INTERNAL_APP,
        purposeKeys: ["essential.legal_obligation"],
        capabilities: [Capability.READ_AUDIT],
      },
      purposeql.services.policy.compiled,
    );
    const clientIds = new Map<string, string>();
    for (const client of CLIENTS.slice(0, 2)) {
      const { client: row } = await registerClient(
        manager,
        {
          name: client.name,
          role: client.name.startsWith("partner") ? ClientRole.PARTNER : ClientRole.INTERNAL_APP,
          purposeKeys: client.purposes,
          capabilities: [],
        },
        purposeql.services.policy.compiled,
      );
      clientIds.set(client.name, row.id);
    }

    await filler.connect();
    const fillStarted = performance.now();
    process.stdout.write(
      `Filling ${EVENTS.toLocaleString("en")} access events over ${MONTHS} months (${values["through-trigger"] ? "through the chain trigger" : "chained here"})…\n`,
    );
    await (values["through-trigger"] ? fillThroughTrigger(filler, clientIds) : fillChained(filler, clientIds));
    await filler.query(`VACUUM ANALYZE access_event`);
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    const size = await single(filler, `SELECT pg_size_pretty(pg_total_relation_size('access_event'))`);
    const windowCounts = (
      await filler.query(
        `SELECT client_name, count(*)::int AS n FROM access_event WHERE at >= $1 AND at < $2 AND client_name IN ('partner-leaked', 'crm') GROUP BY client_name ORDER BY client_name`,
        [WINDOW.from, WINDOW.to],
      )
    ).rows as { client_name: string; n: number }[];
    process.stdout.write(`Filled in ${fillSeconds.toFixed(1)} s; access_event with its indexes: ${size}.\n`);
    process.stdout.write(
      `Events in the window ${WINDOW.from} – ${WINDOW.to}: ${windowCounts.map((row) => `${row.client_name} ${row.n.toLocaleString("en")}`).join(", ")}.\n`,
    );

    if (values.verify) {
      const started = performance.now();
      const verdict = await verifyAuditChain(purposeql.services.dataSource);
      process.stdout.write(`Chain verified in ${((performance.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(verdict)}\n`);
      if (!verdict.intact) throw new Error("the chain does not verify");
    }

    const page = (clientName: string | null, first: number) =>
      `{ accessEvents(filter: { ${clientName ? `clientName: "${clientName}", ` : ""}from: "${WINDOW.from}", to: "${WINDOW.to}" }, first: ${first}) {
           edges { cursor node { id requestId clientName purposeKey subjectId operation written released denied decision at chainPosition } }
           pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    const scope = (clientName: string) =>
      `{ breachScope(clientName: "${clientName}", from: "${WINDOW.from}", to: "${WINDOW.to}", first: 100) {
           events readEvents writeEvents subjectsRead subjectsWritten subjectsTouched firstEventAt lastEventAt
           categoriesReleased { category subjects events } categoriesWritten { category subjects events }
           writes { operation events subjects } refusals { reason requests }
           subjects { edges { cursor node { subjectId released written firstEventAt lastEventAt } } pageInfo { hasNextPage endCursor } } } }`;
    const pageOf = (size: number) => (data: unknown) => {
      const edges = (data as { accessEvents: { edges: unknown[] } }).accessEvents.edges;
      if (edges.length !== size) throw new Error(`a page of ${edges.length}, not ${size}`);
    };
    const touched = (data: unknown) => {
      if (!((data as { breachScope: { subjectsTouched: number } }).breachScope.subjectsTouched > 0)) throw new Error("an empty scope");
    };
    const loadBefore = os.loadavg()[0]!;
    const timings = [
      await timed(purposeql, auditor.apiKey, "accessEvents, partner-leaked's month, first 20", page("partner-leaked", 20), pageOf(20)),
      await timed(purposeql, auditor.apiKey, "accessEvents, partner-leaked's month, first 100", page("partner-leaked", 100), pageOf(100)),
      await timed(purposeql, auditor.apiKey, "accessEvents, every client's month, first 100", page(null, 100), pageOf(100)),
      await timed(purposeql, auditor.apiKey, "breachScope, partner-leaked, one month, 100 subjects", scope("partner-leaked"), touched),
      await timed(purposeql, auditor.apiKey, "breachScope, crm, one month, 100 subjects", scope("crm"), touched),
    ];

    process.stdout.write(
      `\nMachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB; ${await single(filler, "SELECT version()")}\n`,
    );
    process.stdout.write(
      `Each through the GraphQL pipeline (HTTP aside), its audit record included; ${RUNS} warm runs after one cold run; load average ${loadBefore.toFixed(1)} before the runs, ${os.loadavg()[0]!.toFixed(1)} after.\n\n`,
    );
    process.stdout.write(`| query | cold | median | p95 | max |\n| --- | --: | --: | --: | --: |\n`);
    for (const timing of timings) {
      process.stdout.write(
        `| ${timing.label} | ${timing.coldMs.toFixed(1)} ms | ${timing.medianMs.toFixed(1)} ms | ${timing.p95Ms.toFixed(1)} ms | ${timing.maxMs.toFixed(1)} ms |\n`,
      );
    }
    for (const [label, query] of [
      ["accessEvents, partner-leaked's month, first 20", page("partner-leaked", 20)],
      ["breachScope, partner-leaked, one month", scope("partner-leaked")],
    ] as const) {
      process.stdout.write(`\nEXPLAIN (ANALYZE, BUFFERS) of each statement of ${label}:\n\n`);
      for (const plan of await plansOf(purposeql, auditor.apiKey, query)) process.stdout.write(`${plan}\n\n`);
    }
  } finally {
    await filler.end().catch(() => undefined);
    await purposeql?.close();
    if (values.keep) process.stdout.write(`Kept the scratch database ${name}.\n`);
    else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
