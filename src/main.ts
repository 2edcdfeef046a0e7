import "reflect-metadata";
import { loadConfig, type Config } from "./config";
import { countClients } from "./persistence/client-repository";
import { createLogger } from "./logging/logger";
import { startPurposeQL } from "./server/purposeql";

async function main(): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = config.database.kind === "postgres" ? "PostgreSQL (DATABASE_URL)" : `embedded PGlite at ${config.database.dataDir}`;
  const server = await startPurposeQL(config, logger);

  // Printed, not logged: it must reach the developer whatever LOG_LEVEL says. It names the file, never the key.
  if (server.encryptionKeyNotice) process.stdout.write(`\n${server.encryptionKeyNotice}\n`);
  if (server.seededVersion !== null) logger.info({ policyVersion: server.seededVersion, file: config.policyFile }, "seeded the policy");
  if (server.devClient) {
    // A generated key exists only in development; production creates this client only with the key the operator chose.
    if (server.devClient.generatedKey && config.mode === "development") {
      process.stdout.write(
        `\nDevelopment client "${server.devClient.name}" created (ADMIN, every purpose, every capability). Its API key, shown only this once:\n\n  ${server.devClient.generatedKey}\n\n`,
      );
    } else {
      logger.info({ client: server.devClient.name }, "created the development client with the key PURPOSEQL_DEV_API_KEY gives");
    }
  }
  if (config.mode === "production" && (await countClients(server.services.dataSource.manager)) === 0) {
    logger.warn(
      "no client exists, so every request is refused: create one with `npm run client -- create --name <name> --role ADMIN --purposes <key,…>` (PostgreSQL, or the embedded database with the server stopped)",
    );
  }
  process.stdout.write(
    `PurposeQL ready at ${server.url} on ${database} in ${Math.round(performance.now() - startedAt)} ms (${describeMode(config)})\n`,
  );

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

function describeMode(config: Config): string {
  if (config.mode === "development") return "development: internal error messages shown; npm run start:prod for production";
  return `production: internal details hidden, introspection ${config.introspection ? "on" : "off"}`;
}

main().catch((error: unknown) => {
  process.stderr.write(`PurposeQL failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
