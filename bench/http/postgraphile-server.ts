import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { GrafservBase, GrafservConfig } from "grafserv";
import { postgraphile } from "postgraphile";

/**
 * PostGraphile 5 (amber preset) over the scratch database, read-only: the default behaviour takes
 * insert, update and delete from every table, so the schema has no Mutation type. Its own process,
 * started by run.ts with the `Promise.withResolvers` polyfill preloaded (Node 20; ./polyfill.ts).
 * Env: PORT, DATABASE_URL.
 */

// These entry points exist only as package.json "exports", which the project's node10 module
// resolution does not read; Node's require does.
type PgService = NonNullable<GraphileConfig.Preset["pgServices"]>[number];
const load = createRequire(__filename);
const { PostGraphileAmberPreset } = load("postgraphile/presets/amber") as { PostGraphileAmberPreset: GraphileConfig.Preset };
const { makePgService } = load("postgraphile/adaptors/pg") as {
  makePgService: (options: { connectionString?: string; schemas?: string[]; poolConfig?: { max?: number } }) => PgService;
};
const { grafserv } = load("postgraphile/grafserv/node") as {
  grafserv: (config: GrafservConfig) => GrafservBase & { addTo(server: ReturnType<typeof createServer>): Promise<void> };
};

const port = Number(process.env.PORT ?? 4101);
const preset: GraphileConfig.Preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ["public"], poolConfig: { max: 10 } })],
  schema: { defaultBehavior: "-insert -update -delete" },
  grafserv: { port, graphiql: false, watch: false },
  grafast: { explain: false },
};

async function main(): Promise<void> {
  const instance = postgraphile(preset);
  const serv = instance.createServ(grafserv);
  const server = createServer();
  server.keepAliveTimeout = 60_000;
  await serv.addTo(server);
  await instance.getSchema();
  server.listen(port, "127.0.0.1");
  process.on("SIGTERM", () => {
    server.close();
    void Promise.resolve(instance.release()).then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
