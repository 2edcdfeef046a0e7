import { parseArgs } from "node:util";
import type { DataSource } from "typeorm";
import type { CompiledPolicy } from "../policy/engine/compiled-policy";
import { sweepRetention, type SweepReport } from "../retention/sweep";

export const RETENTION_USAGE = `Usage: npm run retention [-- --dry-run [--at <ISO 8601 instant>]] [-- --json]
  Deletes, anonymises and archives what the policy's retention rules say has run out, now.
  --dry-run   list what would be done, subject by subject, with the rule that decides it; change nothing
  --at        with --dry-run only: what would be done at that instant (e.g. 2031-12-01T00:00:00Z)
  --json      print the report as JSON`;

/** A command line that cannot be carried out as given. */
export class RetentionUsageError extends Error {}

/**
 * `npm run retention` on an open database: parses `argv`, sweeps at `now` (or, for a dry run,
 * at `--at`), and writes the report. A real sweep runs only at the real clock: asking it to delete
 * by another instant would delete early.
 */
export async function runRetentionCommand(
  argv: readonly string[],
  dataSource: DataSource,
  policy: CompiledPolicy,
  write: (text: string) => void,
  now: Date = new Date(),
): Promise<SweepReport | null> {
  const { values } = parseUsage(argv);
  if (values.help) {
    write(`${RETENTION_USAGE}\n`);
    return null;
  }
  const dryRun = values["dry-run"];
  if (values.at !== undefined && !dryRun)
    throw new RetentionUsageError(`--at is for a dry run only: a sweep deletes by the real clock.\n${RETENTION_USAGE}`);
  const at = values.at === undefined ? now : new Date(values.at);
  if (Number.isNaN(at.getTime()))
    throw new RetentionUsageError(`--at must be an ISO 8601 instant, e.g. 2031-12-01T00:00:00Z\n${RETENTION_USAGE}`);
  const report = await sweepRetention(dataSource, policy, at, { dryRun });
  write(values.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
  return report;
}

function parseUsage(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        "dry-run": { type: "boolean", default: false },
        at: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new RetentionUsageError(`${error instanceof Error ? error.message : String(error)}\n${RETENTION_USAGE}`);
  }
}

/** The report in words: a line per subject with something to do, then one per step with the rule that decides it. */
function describe(report: SweepReport): string {
  const lines = [
    `Retention sweep at ${report.at.toISOString()}${report.dryRun ? " (dry run: nothing changed)" : ""}: ${report.subjects.length} of ${report.examined} subjects ${report.dryRun ? "would change" : "changed"}.`,
  ];
  for (const subject of report.subjects) {
    lines.push(
      `subject ${subject.subjectId} (${subject.statusBefore}${subject.statusAfter === subject.statusBefore ? "" : ` → ${subject.statusAfter}`})`,
    );
    for (const step of subject.steps) {
      const until = step.action === "ARCHIVE" ? ` until ${step.keptUntil?.toISOString() ?? "a date not known yet"}` : "";
      lines.push(`  ${step.action.padEnd(9)} ${step.category}${until} — ${step.rule}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
