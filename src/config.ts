import path from "node:path";
import { z } from "zod";

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
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
});

export type DatabaseTarget = { readonly kind: "postgres"; readonly url: string } | { readonly kind: "pglite"; readonly dataDir: string };

export interface Config {
  readonly port: number;
  readonly database: DatabaseTarget;
  readonly policyFile: string;
  readonly devApiKey: string | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** Whether error messages may carry internal detail (never in production). */
  readonly exposeErrorDetail: boolean;
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
  return {
    port: values.PORT,
    database: databaseUrl ? { kind: "postgres", url: databaseUrl } : { kind: "pglite", dataDir: resolveDataDir(values.PURPOSEQL_DATA_DIR) },
    policyFile: path.resolve(values.PURPOSEQL_POLICY_FILE),
    devApiKey: values.PURPOSEQL_DEV_API_KEY || undefined,
    logLevel: values.LOG_LEVEL,
    exposeErrorDetail: values.NODE_ENV === "development",
  };
}

function resolveDataDir(dataDir: string): string {
  return dataDir === IN_MEMORY_DATA_DIR ? dataDir : path.resolve(dataDir);
}
