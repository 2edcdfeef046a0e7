import type { DataSource } from "typeorm";
import { currentRequestFacts } from "../../src/server/request-facts";

/** One SQL statement as the server issued it: the request it belongs to (undefined outside one) and its text. */
export interface Statement {
  readonly requestId: string | undefined;
  readonly sql: string;
  /** The name it was sent under, a prepared statement's (src/persistence/prepared-statement.ts); undefined for plain text. */
  readonly preparedAs?: string;
  readonly parameters: readonly unknown[];
}

type Query = (this: unknown, ...args: unknown[]) => Promise<unknown>;
type Connect = (this: object) => Promise<unknown>;

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
 * both databases is TypeORM's PostgreSQL runner, so its prototype sees them all.
 */
export function watchStatements(dataSource: DataSource): StatementWatch {
  const prototype = Object.getPrototypeOf(dataSource.createQueryRunner()) as { query: Query; connect: Connect; release: Connect };
  const originalQuery = prototype.query;
  const originalConnect = prototype.connect;
  const originalRelease = prototype.release;
  const watch: StatementWatch = {
    statements: [],
    clear: () => void watch.statements.splice(0),
    restore: () => {
      prototype.query = originalQuery;
      prototype.connect = originalConnect;
      prototype.release = originalRelease;
    },
  };
  prototype.query = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
    const sent = args[0];
    const preparedAs = typeof sent === "object" && sent !== null && "name" in sent ? String(sent.name) : undefined;
    const parameters = Array.isArray(args[1]) ? (args[1] as unknown[]) : [];
    const statement = { requestId: currentRequestFacts()?.requestId, sql: String(sent), preparedAs, parameters };
    watch.statements.push(statement);
    await watch.before?.(statement);
    const result = await originalQuery.apply(this, args);
    await watch.after?.(statement);
    return result;
  };
  prototype.connect = function (this: object): Promise<unknown> {
    watch.onConnect?.(this, currentRequestFacts()?.requestId);
    return originalConnect.call(this);
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
