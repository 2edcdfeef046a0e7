import type { AppServices } from "../graphql/context";
import { sweepRetention } from "../retention/sweep";

export interface RetentionSchedule {
  /** Stops the schedule and waits for a sweep in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs the retention sweep every `intervalMs` (PURPOSEQL_RETENTION_INTERVAL), at the server's clock;
 * never two at once, never while the policy in force may be stale (the sweep deletes by it). The
 * log says how many subjects changed, never who.
 */
export function scheduleRetention(services: AppServices, intervalMs: number | null): RetentionSchedule {
  if (intervalMs === null) return { stop: () => Promise.resolve() };
  let running: Promise<void> | null = null;
  const run = (): void => {
    if (running || !services.policy.available) return;
    running = sweepRetention(services.dataSource, services.policy.compiled, services.now(), { dryRun: false })
      .then(
        (report) => {
          if (report.subjects.length > 0) {
            services.logger.info({ examined: report.examined, changed: report.subjects.length }, "retention sweep done");
          }
        },
        (error: unknown) => services.logger.error({ err: error }, "retention sweep failed; it runs again at the next interval"),
      )
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
