import "reflect-metadata";
import { loadConfig } from "./src/config";
import { createDataSource } from "./src/persistence/data-source";

/** The DataSource the TypeORM CLI uses (`npm run migration:run`, `npm run migration:generate`). */
export default createDataSource(loadConfig().database);
