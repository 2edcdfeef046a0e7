import type { DataSource } from "typeorm";
import { currentRequestFacts } from "../../src/server/request-facts";

/** One SQL statement as the server issued it: the request it belongs to (undefined outside one) and its text. */
export interface Statement {
  readonly requestId: string | undefined;
  readonly sql: string;
}

type Query = (this: unknown, ...args: unknown[]) => Promise<unknown>;
type Connect = (this: object) => Promise<unknown>;
/** A driver connection as a query runner holds it (pg's client, or PGlite's pool). */
type Connection = { query: Query };

export interface StatementWatch {
  /** Every statement issued since the watch began (or was cleared), in order. */
  readonly statements: Statement[];
  clear(): void;
  /** Runs before each statement is sent; may wait (the statement, and the request, wait with it). */
  before?: (statement: Statement) => Promise<void> | void;
  /** Runs after each statement has answered, while its query runner still holds its connection. */
  after?: (statement: Statement) => Promise<void> | void;
  /** Runs when a query runner asks for a connection (on PGlite: for the one session), before it has one; again for each statement. */
  onConnect?: (runner: object, requestId: string | undefined) => void;
  /** Runs when a query runner gives its connection back. */
  onRelease?: (runner: object) => void;
  restore(): void;
}

/**
 * Watches the statements the server sends, by request (the request id is in the async scope of the
 * resolver that sends them), and lets a test hold a request at a statement. Every query runner of
 * both databases is TypeORM's PostgreSQL runner, so its prototype sees them all — but for a statement
 * sent as `{ name, text, values }` straight to a runner's pg connection (the audit's named
 * statement, src/persistence/request-audit-statement.ts), which is watched on that connection.
 * TypeORM itself always sends a text, so no statement is seen twice.
 */
export function watchStatements(dataSource: DataSource): StatementWatch {
  const prototype = Object.getPrototypeOf(dataSource.createQueryRunner()) as { query: Query; connect: Connect; release: Connect };
  const originalQuery = prototype.query;
  const originalConnect = prototype.connect;
  const originalRelease = prototype.release;
  const watchedConnections = new Map<Connection, Query>();
  const watch: StatementWatch = {
    statements: [],
    clear: () => void watch.statements.splice(0),
    restore: () => {
      prototype.query = originalQuery;
      prototype.connect = originalConnect;
      prototype.release = originalRelease;
      for (const [connection, query] of watchedConnections) connection.query = query;
      watchedConnections.clear();
    },
  };
  const watched = async (send: () => Promise<unknown>, sql: string): Promise<unknown> => {
    const statement = { requestId: currentRequestFacts()?.requestId, sql };
    watch.statements.push(statement);
    await watch.before?.(statement);
    const result = await send();
    await watch.after?.(statement);
    return result;
  };
  prototype.query = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
    return watched(() => originalQuery.apply(this, args), String(args[0]));
  };
  const watchConnection = (connection: unknown): void => {
    if (typeof connection !== "object" || connection === null || watchedConnections.has(connection as Connection)) return;
    const driverConnection = connection as Connection;
    const driverQuery = driverConnection.query;
    if (typeof driverQuery !== "function") return;
    watchedConnections.set(driverConnection, driverQuery);
    driverConnection.query = function (this: unknown, ...args: unknown[]): Promise<unknown> {
      const [config] = args;
      const text = typeof config === "object" && config !== null ? (config as { text?: unknown }).text : undefined;
      if (typeof text !== "string") return driverQuery.apply(this, args);
      return watched(() => driverQuery.apply(this, args), text);
    };
  };
  prototype.connect = async function (this: object): Promise<unknown> {
    watch.onConnect?.(this, currentRequestFacts()?.requestId);
    const connection = await originalConnect.call(this);
    watchConnection(connection);
    return connection;
  };
  prototype.release = function (this: object): Promise<unknown> {
    watch.onRelease?.(this);
    return originalRelease.call(this);
  };
  return watch;
}

/** A promise and the function that settles it: a test holds requests until it opens the gate. */
export function gate(): { readonly opened: Promise<void>; open(): void } {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
