import { createHash } from "node:crypto";
import type { EntityManager } from "typeorm";

/**
 * A statement the hot path sends on every request. On PostgreSQL it goes by name, so each pool
 * connection parses and plans it once and then only binds and executes it (the `pg` driver
 * prepares a named statement on a connection the first time that connection sees the name). On
 * PGlite — one session inside this process, reached through its exclusive pool — the text is sent
 * as it is. Either way the statement goes through TypeORM's query runner, so its pool, its
 * connection bounds and its statement timeout apply as to every other statement.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

export function preparedStatement(text: string): PreparedStatement {
  // The name is the text's digest: one text, one name, on every connection and in every process.
  return { name: `purposeql_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`, text };
}

/** Runs `statement` with `values` and returns its rows. */
export async function runPrepared<Row>(manager: EntityManager, statement: PreparedStatement, values: readonly unknown[]): Promise<Row[]> {
  if (!preparesByName(manager)) return manager.query<Row[]>(statement.text, [...values]);
  // TypeORM types its query text as a string; its PostgreSQL runner hands it to `pg` as it is, and
  // `pg` takes a query config ({ name, text }) in its place. toString keeps logs and watchers readable.
  const config = { name: statement.name, text: statement.text, toString: () => statement.text };
  return manager.query<Row[]>(config as unknown as string, [...values]);
}

/** Whether the driver behind `manager` is `pg` (PostgreSQL): PGlite's pool takes only text. */
function preparesByName(manager: EntityManager): boolean {
  const options = manager.dataSource.options;
  return !("driver" in options && options.driver !== undefined);
}

/**
 * SQL written with named parameters (`:now`, `:lineage`) turned into PostgreSQL's positional ones,
 * numbered in order of first appearance; `valuesOf` puts a request's values in that order. A
 * statement may only number the parameters it uses, so those a text leaves out are not sent.
 */
export function positional(text: string): {
  readonly text: string;
  readonly valuesOf: (named: Readonly<Record<string, unknown>>) => unknown[];
} {
  const names: string[] = [];
  const numbered = text.replace(/(?<![:\w]):([A-Za-z_]\w*)/g, (_match, name: string) => {
    let index = names.indexOf(name);
    if (index < 0) index = names.push(name) - 1;
    return `$${index + 1}`;
  });
  return {
    text: numbered,
    valuesOf: (named) =>
      names.map((name) => {
        if (!(name in named)) throw new Error(`No value for the statement's parameter :${name}`);
        return named[name];
      }),
  };
}
