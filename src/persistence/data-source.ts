import { DataSource, type DataSourceOptions } from "typeorm";
import type { DatabaseTarget } from "../config";
import { entities } from "./entities";
import { migrations } from "./migrations";
import { exclusivePGliteDriver } from "./pglite-exclusive-pool";

type PostgresOptions = Extract<DataSourceOptions, { type: "postgres" }>;

/** One factory for both databases: PostgreSQL through `pg`, or embedded PGlite. Same entities, same migrations. */
export function createDataSource(target: DatabaseTarget): DataSource {
  const common: PostgresOptions = {
    type: "postgres",
    entities,
    migrations,
    migrationsTableName: "migrations",
    migrationsTransactionMode: "each",
    synchronize: false,
    // PGlite has no uuid-ossp; gen_random_uuid() is built into PostgreSQL 13+.
    uuidExtension: "pgcrypto",
    installExtensions: false,
    // Off: a failed query would be logged with its parameters, which hold personal data.
    logging: false,
  };
  const options: PostgresOptions =
    target.kind === "postgres"
      ? { ...common, url: target.url, extra: { max: 10 } }
      : { ...common, driver: exclusivePGliteDriver(target.dataDir) };
  return new DataSource(options);
}

/** Connects and brings the schema up to date. */
export async function openDatabase(target: DatabaseTarget): Promise<DataSource> {
  const dataSource = createDataSource(target);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
