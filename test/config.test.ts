import path from "node:path";
import { ConfigError, loadConfig } from "../src/config";

describe("configuration from the environment", () => {
  it("defaults to the embedded database in ./.purposeql-data on port 4000", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, database: { kind: "pglite", dataDir: path.resolve(".purposeql-data") }, logLevel: "info" });
    expect(config.devApiKey).toBeUndefined();
  });

  it("uses PostgreSQL when DATABASE_URL is set, and keeps memory:// as it is", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://u@localhost:5432/db" }).database).toEqual({
      kind: "postgres",
      url: "postgres://u@localhost:5432/db",
    });
    expect(loadConfig({ PURPOSEQL_DATA_DIR: "memory://" }).database).toEqual({ kind: "pglite", dataDir: "memory://" });
  });

  it("names every invalid variable", () => {
    const attempt = () => loadConfig({ PORT: "seventy", DATABASE_URL: "mysql://x", PURPOSEQL_DEV_API_KEY: "short", LOG_LEVEL: "loud" });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT[\s\S]*DATABASE_URL[\s\S]*PURPOSEQL_DEV_API_KEY[\s\S]*LOG_LEVEL/);
  });

  it("hides internal error detail outside development", () => {
    expect(loadConfig({ NODE_ENV: "production" }).exposeErrorDetail).toBe(false);
    expect(loadConfig({}).exposeErrorDetail).toBe(true);
  });
});
