import path from "node:path";
import { DataSource, type DataSourceOptions } from "typeorm";
import { IN_MEMORY_DATA_DIR, type DatabaseTarget } from "../config";
import { claimDataDirectory, type DataDirectoryLock } from "./data-directory-lock";
import { entities } from "./entities";
import { migrations } from "./migrations";
import { attachKeyring, FieldEncryptionSubscriber, type Keyring } from "./field-encryption";
import { sealUnencryptedValues } from "./encryption-maintenance";
import { exclusivePGliteDriver } from "./pglite-exclusive-pool";

type PostgresOptions = Extract<DataSourceOptions, { type: "postgres" }>;

/** How the server's connections behave; the CLI's commands run without these bounds. */
export interface ConnectionOptions {
  /**
   * PostgreSQL cancels any statement of these connections that runs longer (its `statement_timeout`,
   * set when each pool connection starts). PGlite ignores it: it is one session inside this
   * process, with no timer to interrupt a statement, so there the per-request deadline bounds work.
   */
  readonly statementTimeoutMs?: number;
  /**
   * The keys of encryption at rest. Without them nothing encrypted can be read or written (an
   * error, never ciphertext in an answer): what the migration CLI and the audit's verification need.
   */
  readonly keyring?: Keyring;
}

/** Connections a PostgreSQL pool opens at most: the per-client request limit is kept below it. */
export const POSTGRES_POOL_SIZE = 10;

/** One factory for both databases: PostgreSQL through `pg`, or embedded PGlite. Same entities, same migrations. */
export function createDataSource(target: DatabaseTarget, connection: ConnectionOptions = {}): DataSource {
  const dataSource = newDataSource(target, connection);
  if (connection.keyring) attachKeyring(dataSource, connection.keyring);
  return dataSource;
}

function newDataSource(target: DatabaseTarget, connection: ConnectionOptions): DataSource {
  const common: PostgresOptions = {
    type: "postgres",
    entities,
    migrations,
    // Decrypts every subject row and archived value loaded (src/persistence/field-encryption.ts).
    subscribers: [FieldEncryptionSubscriber],
    migrationsTableName: "migrations",
    migrationsTransactionMode: "each",
    synchronize: false,
    // PGlite has no uuid-ossp; gen_random_uuid() is built into PostgreSQL 13+.
    uuidExtension: "pgcrypto",
    installExtensions: false,
    // Off: a failed query would be logged with its parameters, which hold personal data.
    logging: false,
  };
  if (target.kind === "postgres") {
    const timeout = connection.statementTimeoutMs === undefined ? {} : { statement_timeout: connection.statementTimeoutMs };
    return new DataSource({ ...common, url: target.url, extra: { max: POSTGRES_POOL_SIZE, ...timeout } });
  }
  const options: PostgresOptions = { ...common, driver: exclusivePGliteDriver(target.dataDir) };
  return target.dataDir === IN_MEMORY_DATA_DIR ? new DataSource(options) : new EmbeddedDataSource(options, target.dataDir);
}

/**
 * The embedded database on disk: it claims its data directory before opening it and gives it up
 * when closed, so no second process — another server, a CLI command, the TypeORM CLI — ever opens
 * the same files (see data-directory-lock.ts).
 */
export class EmbeddedDataSource extends DataSource {
  private lock: DataDirectoryLock | undefined;

  constructor(
    options: PostgresOptions,
    readonly dataDir: string,
  ) {
    super(options);
  }

  override async initialize(): Promise<this> {
    this.lock = await claimDataDirectory(this.dataDir, path.basename(process.argv[1] ?? "node"));
    try {
      return await super.initialize();
    } catch (error) {
      await this.releaseLock();
      throw error;
    }
  }

  override async destroy(): Promise<void> {
    try {
      await super.destroy();
    } finally {
      await this.releaseLock();
    }
  }

  /** Tells whoever is refused the directory next where this server answers. */
  async announceServer(url: string): Promise<void> {
    await this.lock?.announce(url);
  }

  private async releaseLock(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release();
  }
}

/** Connects, brings the schema up to date, and (given the keys) encrypts any value stored before encryption at rest. */
export async function openDatabase(target: DatabaseTarget, connection: ConnectionOptions = {}): Promise<DataSource> {
  const dataSource = createDataSource(target, connection);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
    if (connection.keyring) await sealUnencryptedValues(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
