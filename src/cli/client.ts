import "reflect-metadata";
import { loadConfig } from "../config";
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
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
