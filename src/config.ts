import path from "node:path";
import { z } from "zod";

// 32 bytes in standard base64, as `openssl rand -base64 32` prints them: 43 characters and one "=".
const BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const KEY_MESSAGE = "must be 32 random bytes in base64, as `openssl rand -base64 32` prints them";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  PURPOSEQL_DATA_DIR: z.string().min(1).default("./.purposeql-data"),
  PURPOSEQL_POLICY_FILE: z.string().min(1).default("policy/clubmium.policy.yaml"),
  PURPOSEQL_DEV_API_KEY: z.string().min(16, "must be at least 16 characters: it is an ADMIN key").optional().or(z.literal("")),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  // Anything but development (unset included) runs with production defaults: `npm start` sets it.
  NODE_ENV: z.enum(["development", "production", "test"]).optional(),
  PURPOSEQL_INTROSPECTION: z.enum(["true", "false"], "must be true or false").optional(),
  PURPOSEQL_GRAPHIQL: z.enum(["true", "false"], "must be true or false").optional(),
  PURPOSEQL_CORS_ORIGINS: z
    .string()
    .transform((value, context) => {
      const origins = value
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== "");
      for (const origin of origins) {
        if (originOf(origin) === null)
          context.addIssue({
            code: "custom",
            message: `${JSON.stringify(origin)} is not an origin such as https://partner.example or http://localhost:5173`,
          });
      }
      return origins.map((origin) => originOf(origin) ?? origin);
    })
    .optional(),
  PURPOSEQL_RETENTION_INTERVAL: z
    .string()
    .regex(/^(|off|[1-9][0-9]*(s|m|h|d))$/, "must be a duration such as 30s, 15m, 6h or 1d, or off")
    .optional(),
  PURPOSEQL_MAX_OPERATION_COST: positiveInteger(),
  PURPOSEQL_MAX_DATABASE_FIELDS: positiveInteger(),
  PURPOSEQL_STATEMENT_TIMEOUT_MS: positiveInteger(),
  PURPOSEQL_REQUEST_TIMEOUT_MS: positiveInteger(),
  PURPOSEQL_MAX_REQUESTS_PER_CLIENT: positiveInteger(),
  PURPOSEQL_ENCRYPTION_KEY: encryptionKey().optional(),
  PURPOSEQL_ENCRYPTION_OLD_KEYS: z
    .string()
    .transform((value, context) => {
      const keys = value
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== "");
      for (const key of keys) if (!BASE64_KEY.test(key)) context.addIssue({ code: "custom", message: KEY_MESSAGE });
      return keys.map((key) => Buffer.from(key, "base64"));
    })
    .optional(),
});

function encryptionKey() {
  // Empty counts as unset.
  return z
    .string()
    .refine((value) => value === "" || BASE64_KEY.test(value), KEY_MESSAGE)
    .transform((value) => (value === "" ? undefined : Buffer.from(value, "base64")));
}

/**
 * An origin as browsers send it in `Origin` (scheme, host, port; no path, no `*`), normalised
 * (`HTTPS://Partner.Example:443` → `https://partner.example`); null for anything else.
 */
function originOf(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const bare = url.pathname === "/" && url.search === "" && url.hash === "" && url.username === "" && url.password === "";
  return (url.protocol === "https:" || url.protocol === "http:") && bare ? url.origin : null;
}

/** A whole number from 1 up, or unset (its default applies). */
function positiveInteger() {
  return z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/, "must be a whole number from 1 to 999999999")
    .transform(Number)
    .optional();
}

/**
 * What one request may make the server do (README, Security): each bounds work, not only fields,
 * so that no request — and no client — can hold the database for long.
 */
export interface RequestLimits {
  /** Highest estimated cost of an operation; a database round trip weighs far more than a field (src/graphql/database-work.ts). */
  readonly maxOperationCost: number;
  /** Most fields that go to the database (lists, lookups, exports, mutations) in one operation. */
  readonly maxDatabaseFields: number;
  /** PostgreSQL's statement_timeout on every pool connection: a statement running longer is cancelled. */
  readonly statementTimeoutMs: number;
  /** A request not answered by then is answered REQUEST_TIMEOUT, and starts no further database work. */
  readonly requestTimeoutMs: number;
  /** Requests of one client (one API key) in flight at once; more are refused with TOO_MANY_REQUESTS. */
  readonly maxRequestsPerClient: number;
}

export const DEFAULT_LIMITS: RequestLimits = {
  maxOperationCost: 3_000,
  maxDatabaseFields: 10,
  statementTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  maxRequestsPerClient: 4,
};

/** The keys of encryption at rest (src/persistence/field-encryption.ts); never logged. */
export interface EncryptionKeys {
  /** PURPOSEQL_ENCRYPTION_KEY: seals new values and opens them. Unset: development generates one; production refuses to start. */
  readonly key: Buffer | undefined;
  /** PURPOSEQL_ENCRYPTION_OLD_KEYS: open only, while a rotation moves their values to the current key. */
  readonly oldKeys: readonly Buffer[];
}

export type DatabaseTarget = { readonly kind: "postgres"; readonly url: string } | { readonly kind: "pglite"; readonly dataDir: string };

/** `development` only when NODE_ENV says so; otherwise production, whatever started the server. */
export type Mode = "development" | "production";

export interface Config {
  readonly port: number;
  readonly database: DatabaseTarget;
  readonly policyFile: string;
  readonly mode: Mode;
  /** Whether a database without clients gets the development ADMIN client: always in development; in production only with a chosen key. */
  readonly createDevClient: boolean;
  /** The development client's key; generated (and printed once, in development only) when undefined. */
  readonly devApiKey: string | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** Whether error messages may carry internal detail (never in production). */
  readonly exposeErrorDetail: boolean;
  /** Whether the schema may be read by introspection (PURPOSEQL_INTROSPECTION; on in development, off in production). */
  readonly introspection: boolean;
  /** Whether validation errors suggest names ("Did you mean …?"), which reveal the schema piece by piece: development only. */
  readonly fieldSuggestions: boolean;
  /** Whether a browser's GET of /graphql is answered with the IDE, GraphiQL (PURPOSEQL_GRAPHIQL; on in development, off in production). */
  readonly graphiql: boolean;
  /** The origins whose pages may call the API from a browser (PURPOSEQL_CORS_ORIGINS); none by default. */
  readonly corsOrigins: readonly string[];
  /** How often the server runs the retention sweep, in milliseconds (PURPOSEQL_RETENTION_INTERVAL); null: never (run `npm run retention`). */
  readonly retentionIntervalMs: number | null;
  readonly limits: RequestLimits;
  readonly encryption: EncryptionKeys;
}

export const IN_MEMORY_DATA_DIR = "memory://";

export class ConfigError extends Error {}

/** Reads and validates the environment once; every problem is reported, each with its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join("\n")}`);
  }
  const values = parsed.data;
  const databaseUrl = values.DATABASE_URL === "" ? undefined : values.DATABASE_URL;
  const development = values.NODE_ENV === "development";
  const devApiKey = values.PURPOSEQL_DEV_API_KEY || undefined;
  return {
    port: values.PORT,
    database: databaseUrl ? { kind: "postgres", url: databaseUrl } : { kind: "pglite", dataDir: resolveDataDir(values.PURPOSEQL_DATA_DIR) },
    policyFile: path.resolve(values.PURPOSEQL_POLICY_FILE),
    mode: development ? "development" : "production",
    createDevClient: development || devApiKey !== undefined,
    devApiKey,
    logLevel: values.LOG_LEVEL,
    exposeErrorDetail: development,
    introspection: values.PURPOSEQL_INTROSPECTION === undefined ? development : values.PURPOSEQL_INTROSPECTION === "true",
    fieldSuggestions: development,
    graphiql: values.PURPOSEQL_GRAPHIQL === undefined ? development : values.PURPOSEQL_GRAPHIQL === "true",
    corsOrigins: values.PURPOSEQL_CORS_ORIGINS ?? [],
    retentionIntervalMs: durationMs(values.PURPOSEQL_RETENTION_INTERVAL),
    limits: {
      maxOperationCost: values.PURPOSEQL_MAX_OPERATION_COST ?? DEFAULT_LIMITS.maxOperationCost,
      maxDatabaseFields: values.PURPOSEQL_MAX_DATABASE_FIELDS ?? DEFAULT_LIMITS.maxDatabaseFields,
      statementTimeoutMs: values.PURPOSEQL_STATEMENT_TIMEOUT_MS ?? DEFAULT_LIMITS.statementTimeoutMs,
      requestTimeoutMs: values.PURPOSEQL_REQUEST_TIMEOUT_MS ?? DEFAULT_LIMITS.requestTimeoutMs,
      maxRequestsPerClient: values.PURPOSEQL_MAX_REQUESTS_PER_CLIENT ?? DEFAULT_LIMITS.maxRequestsPerClient,
    },
    encryption: {
      key: values.PURPOSEQL_ENCRYPTION_KEY,
      oldKeys: values.PURPOSEQL_ENCRYPTION_OLD_KEYS ?? [],
    },
  };
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function durationMs(value: string | undefined): number | null {
  if (value === undefined || value === "" || value === "off") return null;
  const unit = value.slice(-1) as keyof typeof UNIT_MS;
  return Number(value.slice(0, -1)) * UNIT_MS[unit];
}

function resolveDataDir(dataDir: string): string {
  return dataDir === IN_MEMORY_DATA_DIR ? dataDir : path.resolve(dataDir);
}
