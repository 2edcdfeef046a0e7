import "reflect-metadata";
import { loadConfig } from "../config";
import { openDatabase } from "../persistence/data-source";
import { resolveEncryptionKeys } from "../persistence/encryption-keys";
import { LivePolicy } from "../persistence/live-policy";
import { runRetentionCommand } from "./retention-commands";

/** `npm run retention`: the retention sweep, against DATABASE_URL or the embedded database (with the server stopped). */
async function main(): Promise<void> {
  const config = loadConfig();
  // Retention archives and anonymises values, which it must decrypt and (archiving) encrypt again.
  const { keyring, notice } = await resolveEncryptionKeys(config);
  if (notice) process.stderr.write(`${notice}\n`);
  const dataSource = await openDatabase(config.database, { keyring });
  try {
    const policy = await LivePolicy.load(dataSource);
    try {
      await runRetentionCommand(process.argv.slice(2), dataSource, policy.compiled, (text) => process.stdout.write(text));
    } finally {
      policy.close();
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
