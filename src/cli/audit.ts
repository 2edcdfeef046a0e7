import "reflect-metadata";
import { loadConfig } from "../config";
import { createDataSource } from "../persistence/data-source";
import { AUDIT_USAGE, runAuditCommand, UsageError } from "./audit-commands";

/**
 * `npm run audit -- verify`: reads the database (DATABASE_URL, or the embedded data directory with
 * the server stopped) without migrating it, since an audit check should change nothing.
 */
async function main(): Promise<number> {
  const dataSource = createDataSource(loadConfig().database);
  await dataSource.initialize();
  try {
    return await runAuditCommand(process.argv.slice(2), dataSource, (text) => process.stdout.write(text));
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${AUDIT_USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
