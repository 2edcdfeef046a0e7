import { Client } from "pg";
import { PgWireCounter } from "../bench/http/pg-wire-counter";

/**
 * The statement counter of `npm run bench:http` (bench/http/pg-wire-counter.ts): what it counts is
 * what the benchmark reports as SQL statements per request, so it must count each simple query and
 * each execution of a prepared statement exactly once, naming its SQL.
 */
const onPostgres = Boolean(process.env.DATABASE_URL);
const describeOnPostgres = onPostgres ? describe : describe.skip;

describeOnPostgres("the benchmark's statement counter", () => {
  it("counts a simple query and every execution of a statement once, with its SQL, and passes the answers through", async () => {
    const target = new URL(process.env.DATABASE_URL!);
    const counter = await PgWireCounter.start({ host: target.hostname, port: Number(target.port || 5432) });
    const proxied = new URL(process.env.DATABASE_URL!);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(counter.port);
    const client = new Client({ connectionString: proxied.toString() });
    try {
      await client.connect();
      counter.reset();
      const simple = await client.query("SELECT 1 AS n");
      const unnamed = await client.query("SELECT $1::int AS n", [2]);
      // A named statement is parsed once per connection; its second execution sends no Parse, and still counts.
      const first = await client.query({ name: "bench_counter_test", text: "SELECT $1::int + 1 AS n", values: [3] });
      const second = await client.query({ name: "bench_counter_test", text: "SELECT $1::int + 1 AS n", values: [4] });

      expect([simple, unnamed, first, second].map((result) => result.rows[0])).toEqual([{ n: 1 }, { n: 2 }, { n: 4 }, { n: 5 }]);
      expect(counter.statements()).toEqual([
        { kind: "Q", sql: "SELECT 1 AS n" },
        { kind: "E", sql: "SELECT $1::int AS n" },
        { kind: "E", sql: "SELECT $1::int + 1 AS n" },
        { kind: "E", sql: "SELECT $1::int + 1 AS n" },
      ]);
    } finally {
      await client.end();
      await counter.close();
    }
  });
});

if (!onPostgres) {
  it("is skipped on PGlite: the counter sits between a server and PostgreSQL's wire protocol", () => {
    expect(onPostgres).toBe(false);
  });
}
