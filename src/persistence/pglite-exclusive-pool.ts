import { types } from "@electric-sql/pglite";
import { Mutex } from "async-mutex";
import { PGliteDriver } from "typeorm-pglite";

/**
 * PGlite is one PostgreSQL session in this process, and typeorm-pglite hands that one session to
 * every TypeORM query runner: two requests' transactions would interleave in it, and one's
 * ROLLBACK would undo the other's work — an access event included. Here each query runner holds
 * the session alone, from the moment it connects until it is released: a transaction runs start
 * to finish before any other statement does, as on a PostgreSQL connection of its own. The cost
 * is that statements on the embedded database run one at a time, which PGlite does anyway.
 *
 * A query runner that waited on a second one while holding the session would wait forever: code
 * inside a transaction uses that transaction's manager only.
 */
type PGlitePoolClass = PGliteDriver["driver"]["Pool"];
type ConnectCallback = Parameters<InstanceType<PGlitePoolClass>["connect"]>[0];

export function exclusivePGliteDriver(dataDir: string): { Pool: PGlitePoolClass } {
  const BasePool = new PGliteDriver({
    dataDir,
    // Every acknowledged write is flushed before the answer (PGlite's default, stated: a write the
    // caller saw succeed survives a crash).
    relaxedDurability: false,
    // A `date` is a calendar day, not an instant: keep PostgreSQL's text ('1990-04-01'). PGlite
    // would make it a Date at UTC midnight, which a machine west of UTC shows as the day before.
    parsers: { [types.DATE]: (value: string) => value },
  }).driver.Pool;
  const session = new Mutex();

  class ExclusivePGlitePool extends BasePool {
    override async connect(callback: ConnectCallback): Promise<void> {
      const unlock = await session.acquire();
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        unlock();
      };
      await super.connect((error, client) => {
        if (error) release();
        callback(error, client, release);
      });
    }
  }
  return { Pool: ExclusivePGlitePool };
}
