import { performance } from "node:perf_hooks";

/**
 * The soak's load, in a process of its own so that its memory and CPU are not the server's:
 * `concurrency` loops, each sending one request after another over loopback — a read by id (60 %),
 * a page (25 %) or a write (15 %) — until the time is up. Latencies count after the warm-up; errors
 * count throughout. Started by soak.ts, which sends a `LoadPlan` and receives a `LoadResult`.
 */

export interface LoadPlan {
  readonly url: string;
  readonly apiKey: string;
  readonly subjectIds: readonly string[];
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  /** The first few errors, as the server answered them. */
  readonly errorSamples: readonly string[];
  /** After the warm-up, in milliseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly byOperation: Record<string, number>;
}

const PURPOSE = "essential.service";
const OPERATIONS = [
  { name: "read", weight: 60, query: `query ($id: ID!) { subject(id: $id) { id fullName email } }` },
  { name: "page", weight: 25, query: `{ subjects(first: 10) { totalCount edges { node { id fullName email } } } }` },
  { name: "write", weight: 15, query: `mutation ($id: ID!, $name: String!) { updateSubject(id: $id, input: { fullName: $name }) { id } }` },
] as const;

function pick(random: number): (typeof OPERATIONS)[number] {
  let left = random * 100;
  for (const operation of OPERATIONS) {
    if (left < operation.weight) return operation;
    left -= operation.weight;
  }
  return OPERATIONS[0];
}

async function run(plan: LoadPlan): Promise<LoadResult> {
  const started = performance.now();
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  const byOperation: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  const failed = (what: string): void => {
    errors += 1;
    if (errorSamples.length < 5) errorSamples.push(what);
  };

  const loop = async (): Promise<void> => {
    while (performance.now() - started < plan.durationMs) {
      const operation = pick(Math.random());
      const id = plan.subjectIds[Math.floor(Math.random() * plan.subjectIds.length)];
      const variables = { id, name: `Soak Person ${requests}` };
      const sent = performance.now();
      try {
        const response = await fetch(plan.url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${plan.apiKey}`, "x-purpose": PURPOSE },
          body: JSON.stringify({ query: operation.query, variables }),
        });
        const body = (await response.json()) as { errors?: unknown[] };
        if (response.status !== 200 || body.errors) failed(`${operation.name}: ${response.status} ${JSON.stringify(body.errors ?? body)}`);
      } catch (error) {
        failed(`${operation.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const done = performance.now();
      requests += 1;
      byOperation[operation.name] = (byOperation[operation.name] ?? 0) + 1;
      if (sent - started >= plan.warmupMs) latencies.push(done - sent);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, loop));

  latencies.sort((a, b) => a - b);
  const percentile = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { requests, errors, errorSamples, p50: percentile(50), p99: percentile(99), max: latencies.at(-1) ?? 0, byOperation };
}

process.once("message", (plan: LoadPlan) => {
  run(plan).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`load failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
});
