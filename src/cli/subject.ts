import { loadConfig } from "../config";
import { runSubjectCommand, SUBJECT_USAGE, UsageError } from "./subject-commands";

/** `npm run subject -- open|verify|extend|complete|refuse|list|export|portability …` against the running server. */
async function main(): Promise<void> {
  const apiKey = process.env.PURPOSEQL_API_KEY;
  if (!apiKey) throw new UsageError("PURPOSEQL_API_KEY must hold the key of a client with HANDLE_REQUESTS (and EXPORT for exports)");
  const url = process.env.PURPOSEQL_URL ?? `http://localhost:${loadConfig().port}/graphql`;
  await runSubjectCommand(process.argv.slice(2), { url, apiKey, print: (text) => process.stdout.write(text) });
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${SUBJECT_USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
