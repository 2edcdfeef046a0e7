import "reflect-metadata";
import { parseArgs } from "node:util";
import { stringify } from "csv-stringify/sync";
import { loadConfig } from "../config";
import { openDatabase } from "../persistence/data-source";
import { clientRecipients, wholePolicyOf } from "../persistence/records-repository";
import { recordsAsMarkdown, recordsAsRows, recordsOfProcessing } from "../policy/records-of-processing";

const USAGE = `Usage: npm run ropa -- [--format json|markdown|csv] [--as-of <policy version>]
  The records of processing (GDPR Art. 30(1)) of the policy in force, or as of a past version.
  Against DATABASE_URL, or the embedded database with the server stopped.`;

const FORMATS = ["json", "markdown", "csv"] as const;
type Format = (typeof FORMATS)[number];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { format: { type: "string", default: "markdown" }, "as-of": { type: "string" }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new Error(`--format must be json, markdown or csv\n${USAGE}`);
  const asOf = values["as-of"] === undefined ? null : Number(values["as-of"]);
  if (asOf !== null && !(Number.isInteger(asOf) && asOf > 0))
    throw new Error(`--as-of must be a policy version (a whole number from 1)\n${USAGE}`);

  const dataSource = await openDatabase(loadConfig().database);
  try {
    const whole = await wholePolicyOf(dataSource.manager, asOf);
    if (!whole)
      throw new Error(
        asOf === null
          ? "No whole policy is stored yet: seed the policy first (npm run seed)."
          : `No whole policy is stored for version ${asOf}.`,
      );
    const records = recordsOfProcessing(whole.document, whole.version, await clientRecipients(dataSource.manager));
    const output =
      format === "json"
        ? `${JSON.stringify(records, null, 2)}\n`
        : format === "markdown"
          ? recordsAsMarkdown(records)
          : stringify(recordsAsRows(records));
    process.stdout.write(output);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
