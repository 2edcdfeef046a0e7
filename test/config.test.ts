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

  it("is production unless NODE_ENV=development: no internal detail, no development client, no introspection, no suggestions", () => {
    const production = {
      mode: "production",
      exposeErrorDetail: false,
      createDevClient: false,
      introspection: false,
      fieldSuggestions: false,
    };
    for (const env of [{}, { NODE_ENV: "production" }, { NODE_ENV: "test" }]) expect(loadConfig(env)).toMatchObject(production);
    expect(loadConfig({ NODE_ENV: "development" })).toMatchObject({
      mode: "development",
      exposeErrorDetail: true,
      createDevClient: true,
      introspection: true,
      fieldSuggestions: true,
    });
  });

  it("runs the retention sweep on a schedule only when PURPOSEQL_RETENTION_INTERVAL says how often", () => {
    expect(loadConfig({}).retentionIntervalMs).toBeNull();
    expect(loadConfig({ PURPOSEQL_RETENTION_INTERVAL: "off" }).retentionIntervalMs).toBeNull();
    expect(loadConfig({ PURPOSEQL_RETENTION_INTERVAL: "30s" }).retentionIntervalMs).toBe(30_000);
    expect(loadConfig({ PURPOSEQL_RETENTION_INTERVAL: "15m" }).retentionIntervalMs).toBe(900_000);
    expect(loadConfig({ PURPOSEQL_RETENTION_INTERVAL: "6h" }).retentionIntervalMs).toBe(21_600_000);
    expect(loadConfig({ PURPOSEQL_RETENTION_INTERVAL: "1d" }).retentionIntervalMs).toBe(86_400_000);
    for (const bad of ["0s", "10", "1w", "-5m", "soon"]) {
      expect(() => loadConfig({ PURPOSEQL_RETENTION_INTERVAL: bad })).toThrow(/PURPOSEQL_RETENTION_INTERVAL: must be a duration/);
    }
  });

  it("creates the development client in production only with the key the operator chose", () => {
    expect(loadConfig({ PURPOSEQL_DEV_API_KEY: "a-chosen-key-0123456789" })).toMatchObject({
      mode: "production",
      createDevClient: true,
      devApiKey: "a-chosen-key-0123456789",
    });
    expect(loadConfig({ PURPOSEQL_DEV_API_KEY: "" })).toMatchObject({ createDevClient: false, devApiKey: undefined });
  });

  it("turns introspection on or off with PURPOSEQL_INTROSPECTION, and refuses other values", () => {
    expect(loadConfig({ PURPOSEQL_INTROSPECTION: "true" }).introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: "development", PURPOSEQL_INTROSPECTION: "false" }).introspection).toBe(false);
    expect(() => loadConfig({ PURPOSEQL_INTROSPECTION: "yes" })).toThrow(/PURPOSEQL_INTROSPECTION: must be true or false/);
  });

  it("serves the browser IDE in development only, unless PURPOSEQL_GRAPHIQL says otherwise", () => {
    expect(loadConfig({}).graphiql).toBe(false);
    expect(loadConfig({ NODE_ENV: "development" }).graphiql).toBe(true);
    expect(loadConfig({ PURPOSEQL_GRAPHIQL: "true" }).graphiql).toBe(true);
    expect(loadConfig({ NODE_ENV: "development", PURPOSEQL_GRAPHIQL: "false" }).graphiql).toBe(false);
    expect(() => loadConfig({ PURPOSEQL_GRAPHIQL: "on" })).toThrow(/PURPOSEQL_GRAPHIQL: must be true or false/);
  });

  it("allows no origin by default; PURPOSEQL_CORS_ORIGINS lists origins, normalised, and refuses anything that is not one", () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ PURPOSEQL_CORS_ORIGINS: "" }).corsOrigins).toEqual([]);
    expect(
      loadConfig({ PURPOSEQL_CORS_ORIGINS: " https://Partner.Example , http://localhost:5173,https://partner.example:443/" }).corsOrigins,
    ).toEqual(["https://partner.example", "http://localhost:5173", "https://partner.example"]);
    for (const bad of [
      "*",
      "partner.example",
      "https://partner.example/app",
      "https://partner.example?x=1",
      "ftp://partner.example",
      "null",
    ]) {
      expect(() => loadConfig({ PURPOSEQL_CORS_ORIGINS: `https://ok.example,${bad}` })).toThrow(
        /PURPOSEQL_CORS_ORIGINS: .* is not an origin/,
      );
    }
  });

  it("bounds work by default, each limit overridable, and refuses a value that is not a whole number from 1, naming it", () => {
    expect(loadConfig({}).limits).toEqual({
      maxOperationCost: 3000,
      maxDatabaseFields: 10,
      statementTimeoutMs: 5000,
      requestTimeoutMs: 10000,
      maxRequestsPerClient: 4,
    });
    expect(loadConfig({ PURPOSEQL_MAX_DATABASE_FIELDS: "3", PURPOSEQL_REQUEST_TIMEOUT_MS: "2500" }).limits).toMatchObject({
      maxDatabaseFields: 3,
      requestTimeoutMs: 2500,
    });
    for (const value of ["0", "-1", "1.5", "ten", ""]) {
      expect(() => loadConfig({ PURPOSEQL_MAX_REQUESTS_PER_CLIENT: value })).toThrow(
        /PURPOSEQL_MAX_REQUESTS_PER_CLIENT: must be a whole number/,
      );
    }
    expect(() => loadConfig({ PURPOSEQL_STATEMENT_TIMEOUT_MS: "soon" })).toThrow(/PURPOSEQL_STATEMENT_TIMEOUT_MS/);
  });
});
