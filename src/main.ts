import "reflect-metadata";
import { loadConfig } from "./config";
import { createLogger } from "./logging/logger";
import { startPurposeQL } from "./server/purposeql";

async function main(): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = config.database.kind === "postgres" ? "PostgreSQL (DATABASE_URL)" : `embedded PGlite at ${config.database.dataDir}`;
  const server = await startPurposeQL(config, logger);

  if (server.seededVersion !== null) logger.info({ policyVersion: server.seededVersion, file: config.policyFile }, "seeded the policy");
  if (server.devClient?.generatedKey) {
    process.stdout.write(
      `\nDevelopment client "${server.devClient.name}" created (ADMIN, every purpose, every capability). Its API key, shown only this once:\n\n  ${server.devClient.generatedKey}\n\n`,
    );
  }
  process.stdout.write(`PurposeQL ready at ${server.url} on ${database} in ${Math.round(performance.now() - startedAt)} ms\n`);

  const shutdown = (signal: string): void => {
    logger.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`PurposeQL failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
