import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { CriticalityLevel, diff, type Change } from "@graphql-inspector/core";
import { buildSchema } from "graphql";
import { z } from "zod";

const ROOT = path.resolve(__dirname, "../../..");

const USAGE = `Usage: npm run schema:check [-- --released <sdl> --current <sdl> --acknowledged <json>]
  Compares schema.graphql with the last released schema (schema/released.graphql) and fails on a
  breaking change that schema/acknowledged-breaking-changes.json does not acknowledge with a reason.
  Exit status: 0 compatible (or every breaking change acknowledged), 1 otherwise, 2 a usage error.`;

/**
 * One breaking change let through on purpose: which (GraphQL Inspector's change type and path, as
 * this command prints them) and why partners can live with it. A release copies schema.graphql to
 * schema/released.graphql and empties the list.
 */
const acknowledgementsSchema = z.strictObject({
  acknowledged: z.array(
    z.strictObject({
      type: z.string().min(1),
      path: z.string().min(1),
      reason: z.string().trim().min(1, "give the reason partners can live with the change"),
    }),
  ),
});
type Acknowledgement = z.infer<typeof acknowledgementsSchema>["acknowledged"][number];

/** `npm run schema:check`: breaking changes since the last release fail unless acknowledged; CI runs it. */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      released: { type: "string", default: path.join(ROOT, "schema/released.graphql") },
      current: { type: "string", default: path.join(ROOT, "schema.graphql") },
      acknowledged: { type: "string", default: path.join(ROOT, "schema/acknowledged-breaking-changes.json") },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const released = buildSchema(await readFile(values.released, "utf8"));
  const current = buildSchema(await readFile(values.current, "utf8"));
  const parsed = acknowledgementsSchema.safeParse(JSON.parse(await readFile(values.acknowledged, "utf8")));
  if (!parsed.success)
    throw new Error(
      `${values.acknowledged}: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
    );
  const acknowledgements = parsed.data.acknowledged;

  const changes = await diff(released, current);
  const acknowledgementOf = (change: Change): Acknowledgement | undefined =>
    acknowledgements.find((acknowledgement) => acknowledgement.type === change.type && acknowledgement.path === change.path);
  const breaking = changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking);
  const unacknowledged = breaking.filter((change) => !acknowledgementOf(change));
  // An acknowledgement that matches nothing is stale (the release it was for has been made) or mistyped: either way, say so.
  const stale = acknowledgements.filter((acknowledgement) => !breaking.some((change) => acknowledgementOf(change) === acknowledgement));

  const relative = (file: string): string => path.relative(process.cwd(), file) || file;
  const lines = [
    `${relative(values.current)} against ${relative(values.released)}: ${changes.length} change(s), ${breaking.length} breaking.`,
  ];
  for (const change of breaking) {
    const acknowledgement = acknowledgementOf(change);
    lines.push(
      acknowledgement
        ? `  acknowledged  ${change.type} ${change.path ?? ""}: ${change.message} — ${acknowledgement.reason}`
        : `  BREAKING      ${change.type} ${change.path ?? ""}: ${change.message}`,
    );
  }
  for (const change of changes.filter((candidate) => candidate.criticality.level === CriticalityLevel.Dangerous))
    lines.push(`  dangerous     ${change.type} ${change.path ?? ""}: ${change.message}`);
  for (const acknowledgement of stale)
    lines.push(
      `  STALE         ${acknowledgement.type} ${acknowledgement.path}: acknowledged in ${relative(values.acknowledged)}, but no such breaking change`,
    );
  if (unacknowledged.length > 0)
    lines.push(
      `${unacknowledged.length} breaking change(s) not acknowledged: keep the released schema working, or add each to ${relative(values.acknowledged)} as { "type", "path", "reason" }.`,
    );
  if (stale.length > 0) lines.push(`${stale.length} acknowledgement(s) match no breaking change: remove them.`);
  process.stdout.write(`${lines.join("\n")}\n`);
  return unacknowledged.length > 0 || stale.length > 0 ? 1 : 0;
}

main().then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exitCode = 2;
  },
);
