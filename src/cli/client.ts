import "reflect-metadata";
import { loadConfig } from "../config";
import { DataDirectoryInUseError } from "../persistence/data-directory-lock";
import { openDatabase } from "../persistence/data-source";
import { CLIENT_USAGE, runClientCommand, UsageError } from "./client-commands";

/** `npm run client -- create|list|revoke …` */
async function main(): Promise<void> {
  const dataSource = await openDatabase(loadConfig().database);
  try {
    await runClientCommand(process.argv.slice(2), dataSource, (text) => process.stdout.write(text));
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${CLIENT_USAGE}\n`);
    process.exit(2);
  }
  if (error instanceof DataDirectoryInUseError && error.owner?.url) {
    process.stderr.write(
      `${error.message}\n\nWith the server running, create a client through it, with an ADMIN key:\n\n${createClientExample(error.owner.url)}\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

function createClientExample(url: string): string {
  const query = `mutation { createClient(input: { name: \\"crm\\", role: INTERNAL_APP, purposes: [\\"essential.service\\"], capabilities: [MANAGE_SUBJECTS] }) { apiKey client { name } } }`;
  return `  curl -s ${url} -H 'content-type: application/json' -H "authorization: Bearer $ADMIN_KEY" \\\n    -d '{"query":"${query}"}'`;
}
