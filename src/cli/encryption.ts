import "reflect-metadata";
import { loadConfig } from "../config";
import { openDatabase } from "../persistence/data-source";
import { resolveEncryptionKeys } from "../persistence/encryption-keys";
import { ENCRYPTION_USAGE, EncryptionUsageError, runEncryptionCommand } from "./encryption-commands";

/** `npm run encryption -- status | rotate`: against DATABASE_URL or the embedded database (with the server stopped). */
async function main(): Promise<void> {
  const config = loadConfig();
  const { keyring, notice } = await resolveEncryptionKeys(config);
  if (notice) process.stderr.write(`${notice}\n`);
  const dataSource = await openDatabase(config.database, { keyring });
  try {
    await runEncryptionCommand(process.argv.slice(2), dataSource, (text) => process.stdout.write(text));
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  if (error instanceof EncryptionUsageError) {
    process.stderr.write(`${error.message}\n\n${ENCRYPTION_USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
