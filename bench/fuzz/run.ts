import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { buildSchema } from "graphql";
import type { AppServices } from "../../src/graphql/context";
import type { CompiledPolicy } from "../../src/policy/engine/compiled-policy";
import { contractCovers, purposeRefusal, type ClientStanding } from "../../src/policy/engine/recipient-rules";
import { verdictOf, markerIn, type FuzzResponse } from "./checks";
import { fuzzRequestArbitrary, type FuzzRequest } from "./requests";
import type { FuzzWorld } from "./world";

/**
 * The fuzzing run, shared by `npm test` (a bounded run) and `npm run fuzz` (as long as wanted):
 * generated requests sent one at a time over real HTTP to a server in this process, each response
 * checked as it comes (checks.ts), then the audit and the logs checked once at the end.
 */

export interface FuzzTarget {
  readonly url: string;
  readonly services: Pick<AppServices, "policy" | "dataSource">;
  /** Every line the server has logged so far. */
  readonly logLines: () => readonly string[];
}

export interface FuzzOptions {
  readonly numRuns: number;
  readonly seed: number;
}

export interface FuzzReport {
  requests: number;
  readonly statuses: Map<number, number>;
  readonly codes: Map<string, number>;
  /** Responses that carried a marker, by request id: each needs its audit events. */
  readonly carried: Map<string, readonly string[]>;
  /** Responses with data that is not null. */
  withData: number;
}

/** The repository's root: this file runs from bench/fuzz under jest and from dist/bench/fuzz as a script. */
function repositoryRoot(): string {
  let directory = __dirname;
  while (!existsSync(path.join(directory, "package.json")) && path.dirname(directory) !== directory) directory = path.dirname(directory);
  return directory;
}

const SCHEMA_FILE = path.join(repositoryRoot(), "schema.graphql");

/**
 * Requests that would fail for a reason already reported and not yet fixed, each with its issue;
 * fast-check discards them (fc.pre), so the run still covers everything else. Empty: keep it so.
 */
const KNOWN_ISSUES: readonly ((request: FuzzRequest) => boolean)[] = [];

export function newReport(): FuzzReport {
  return { requests: 0, statuses: new Map(), codes: new Map(), carried: new Map(), withData: 0 };
}

export async function fuzz(
  target: FuzzTarget,
  world: FuzzWorld,
  options: FuzzOptions,
  report: FuzzReport = newReport(),
): Promise<FuzzReport> {
  const schema = buildSchema(readFileSync(SCHEMA_FILE, "utf8"));
  const policy = target.services.policy;
  const pools = {
    purposes: policy.compiled.purposeKeys(),
    categories: policy.compiled.categories.map((category) => category.key),
    ids: world.ids,
    // The development client (ADMIN, every capability) twice as often as the others: it can reach every mutation.
    keys: { ...world.keys, "development-again": world.keys.development ?? "" },
    clientPurposes: {
      ...world.clientPurposes,
      development: policy.compiled.purposeKeys(),
      "development-again": policy.compiled.purposeKeys(),
    },
    readable: (purpose: string) => new Set(policy.compiled.readableCategories(purpose)),
  };
  const property = fc.asyncProperty(fuzzRequestArbitrary(schema, pools), async (request) => {
    fc.pre(!KNOWN_ISSUES.some((known) => known(request)));
    // The policy in force when the request is sent: a request that changes it is judged by the old one.
    const compiled = policy.compiled;
    const response = await send(target.url, request);
    record(report, response);
    const verdict = verdictOf(request, response, world.markers, readableBy(compiled, world.clientStandings[request.client]));
    if (verdict.carried.length > 0 && response.requestId) {
      report.carried.set(
        response.requestId,
        verdict.carried.map((marker) => marker.where),
      );
    }
    if (verdict.problems.length > 0) {
      throw new Error(
        `${verdict.problems.join("\n")}\nstatus ${response.status}, request id ${response.requestId}\nresponse: ${response.text.slice(0, 1_500)}`,
      );
    }
  });
  await fc.assert(property, { numRuns: options.numRuns, seed: options.seed });
  return report;
}

/**
 * What the request's client may read under a purpose, as the recipient it is: a processor's client
 * only its contract's purposes and categories, a third party only consent purposes. The development
 * client and junk keys are judged by the purpose alone.
 */
function readableBy(compiled: CompiledPolicy, standing: ClientStanding | undefined): (purpose: string) => readonly string[] {
  return (purpose) => {
    if (standing === undefined) return compiled.readableCategories(purpose);
    if (purposeRefusal(compiled, standing, purpose)) return [];
    return compiled.readableCategories(purpose).filter((category) => contractCovers(compiled, standing, category));
  };
}

export async function send(url: string, request: FuzzRequest): Promise<FuzzResponse> {
  const headers = { "x-request-id": randomUUID(), ...request.headers };
  const response = await fetch(`${url}${request.search}`, {
    method: request.method,
    headers,
    body: request.body,
    signal: AbortSignal.timeout(30_000),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    requestId: response.headers.get("x-request-id"),
    text: await response.text(),
  };
}

function record(report: FuzzReport, response: FuzzResponse): void {
  report.requests++;
  report.statuses.set(response.status, (report.statuses.get(response.status) ?? 0) + 1);
  try {
    const body = JSON.parse(response.text) as { data?: unknown; errors?: { extensions?: { code?: unknown } }[] };
    if (body.data !== null && body.data !== undefined) report.withData++;
    for (const error of body.errors ?? []) {
      const code = typeof error.extensions?.code === "string" ? error.extensions.code : "(none)";
      report.codes.set(code, (report.codes.get(code) ?? 0) + 1);
    }
  } catch {
    // Not JSON: the response's own check says so.
  }
}

/**
 * After the run: every response that carried a marker has its access events (the same request id
 * in `audit_access_event`: access_event's rows and read_event's, migration CompactReadAudit), no
 * marker of any category is in the logs, and the server still answers.
 */
export async function finalProblems(target: FuzzTarget, world: FuzzWorld, report: FuzzReport): Promise<string[]> {
  const problems: string[] = [];
  for (const [requestId, markers] of report.carried) {
    const events: unknown[] = await target.services.dataSource.query(`SELECT 1 FROM audit_access_event WHERE request_id = $1 LIMIT 1`, [
      requestId,
    ]);
    if (events.length === 0) problems.push(`request ${requestId} released ${markers.join(", ")} and has no access event`);
  }
  const lines = target.logLines();
  for (const marker of world.markers) {
    const line = lines.find((candidate) => markerIn(candidate, marker));
    if (line) problems.push(`${marker.where} in the logs: ${line.slice(0, 500)}`);
  }
  const health = await fetch(target.url.replace(/\/graphql$/, "/healthz"));
  if (health.status !== 200) problems.push(`/healthz answers ${health.status} after the run`);
  return problems;
}

export function describeReport(report: FuzzReport): string {
  const sorted = (map: Map<string | number, number>): string =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .map(([key, count]) => `${key}: ${count}`)
      .join(", ");
  return [
    `${report.requests} requests; ${report.withData} with data; ${report.carried.size} carried personal data`,
    `statuses ${sorted(report.statuses)}`,
    `codes ${sorted(report.codes)}`,
  ].join("\n");
}
