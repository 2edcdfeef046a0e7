import autocannon from "autocannon";

/**
 * The load generator, in a process of its own so that it never shares the server's CPU time
 * accounting or event loop: autocannon over loopback, keep-alive connections. Started by run.ts
 * through `fork`: it receives a LoadPlan, runs the warm-up, says `warm`, waits for `go`, runs the
 * timed load and answers a LoadResult.
 */
export interface LoadPlan {
  readonly url: string;
  readonly method: "GET" | "POST";
  readonly headers: Record<string, string>;
  /** POST: the bodies, cycled. GET: the paths, cycled (appended to url's origin). */
  readonly items: readonly string[];
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
}

export interface LoadResult {
  /** Requests answered within the timed run. */
  readonly requests: number;
  /** Requests sent, answered or not when the run ended (the server finishes them all the same). */
  readonly sent: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly status2xx: number;
  readonly status4xx: number;
  readonly status5xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

export type ParentMessage = { kind: "plan"; plan: LoadPlan } | { kind: "go" };
export type WorkerMessage = { kind: "warm" } | { kind: "result"; result: LoadResult };

async function run(plan: LoadPlan, seconds: number): Promise<autocannon.Result> {
  let next = Math.floor(Math.random() * plan.items.length);
  const item = (): string => {
    next = (next + 1) % plan.items.length;
    return plan.items[next]!;
  };
  return autocannon({
    url: plan.url,
    connections: plan.connections,
    duration: seconds,
    headers: plan.headers,
    requests: [
      {
        method: plan.method,
        setupRequest: (request) =>
          plan.method === "POST" ? { ...request, method: "POST", body: item() } : { ...request, method: "GET", path: item() },
      },
    ],
    // The servers are on loopback: a request slower than this is broken, not slow.
    timeout: 30,
  });
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}

let plan: LoadPlan | undefined;
process.on("message", (message: ParentMessage) => {
  if (message.kind === "plan") {
    plan = message.plan;
    const warmup = plan.warmupSeconds > 0 ? run(plan, plan.warmupSeconds) : Promise.resolve(null);
    void warmup.then(() => send({ kind: "warm" }));
  } else if (plan) {
    void run(plan, plan.durationSeconds).then((result) => {
      send({
        kind: "result",
        result: {
          requests: result.requests.total,
          // In autocannon's result, missing from its published types.
          sent: (result.requests as { sent?: number }).sent ?? result.requests.total,
          seconds: result.duration,
          p50: result.latency.p50,
          p99: result.latency.p99,
          status2xx: result["2xx"],
          status4xx: result["4xx"],
          status5xx: result["5xx"],
          errors: result.errors,
          timeouts: result.timeouts,
        },
      });
      process.disconnect();
    });
  }
});
