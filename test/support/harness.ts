import { randomBytes } from "node:crypto";
import path from "node:path";
import type { GraphQLFormattedError } from "graphql";
import { GraphQLError } from "graphql";
import { storedFormOf } from "../../src/auth/api-key";
import { DEFAULT_LIMITS, type Config, type DatabaseTarget } from "../../src/config";
import type { Capability } from "../../src/domain/capabilities";
import type { ClientRole } from "../../src/domain/policy-terms";
import { insertClient } from "../../src/persistence/client-repository";
import { createRequestContext } from "../../src/graphql/context";
import { createLogger, type Logger } from "../../src/logging/logger";
import { createPurposeQL, startPurposeQL, type PurposeQL } from "../../src/server/purposeql";
import { createTestDatabase, type TestDatabase } from "./database";

export const DEV_KEY = "test-dev-key-0123456789abcdef";
/** The fixed key of encryption at rest in tests (PURPOSEQL_ENCRYPTION_KEY): 32 bytes, base64. */
export const TEST_ENCRYPTION_KEY = Buffer.from("purposeql-test-encryption-key-32", "utf8");
export const POLICY_FILE = path.resolve(__dirname, "../../policy/clubmium.policy.yaml");

export interface GraphQLResponse<TData = Record<string, unknown>> {
  readonly data?: TData | null;
  readonly errors?: readonly GraphQLFormattedError[];
}

export interface Request {
  readonly variables?: Record<string, unknown>;
  /** Sent as X-Purpose; omitted when undefined. */
  readonly purpose?: string;
  /** Sent as the bearer key; the development key when undefined, no header when null. */
  readonly apiKey?: string | null;
}

export function testConfig(database: DatabaseTarget, overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    database,
    policyFile: POLICY_FILE,
    // Production, as loadConfig gives it, with the development client's key chosen (PURPOSEQL_DEV_API_KEY).
    mode: "production",
    createDevClient: true,
    devApiKey: DEV_KEY,
    logLevel: "silent",
    retentionIntervalMs: null,
    exposeErrorDetail: false,
    introspection: false,
    fieldSuggestions: false,
    graphiql: false,
    corsOrigins: [],
    limits: DEFAULT_LIMITS,
    encryption: { key: TEST_ENCRYPTION_KEY, oldKeys: [] },
    ...overrides,
  };
}

/** PurposeQL in-process: operations go through Apollo's full pipeline, the HTTP layer aside. */
export interface InProcessPurposeQL extends PurposeQL {
  execute<TData = Record<string, unknown>>(query: string, request?: Request): Promise<GraphQLResponse<TData>>;
}

export async function createInProcess(config: Config, clock?: () => Date): Promise<InProcessPurposeQL> {
  const purposeql = await createPurposeQL(config, createLogger(config.logLevel), clock);
  return {
    ...purposeql,
    async execute<TData>(query: string, request: Request = {}): Promise<GraphQLResponse<TData>> {
      let contextValue;
      try {
        contextValue = await createRequestContext(purposeql.services, headersOf(request));
      } catch (error) {
        if (error instanceof GraphQLError) return { errors: [error.toJSON()] };
        throw error;
      }
      const response = await purposeql.apollo.executeOperation<TData>({ query, variables: request.variables }, { contextValue });
      if (response.body.kind !== "single") throw new Error("incremental delivery is not used");
      return JSON.parse(JSON.stringify(response.body.singleResult)) as GraphQLResponse<TData>;
    },
  };
}

/** PurposeQL listening on a free port; operations are sent over HTTP as a client would. */
export interface OverHttpPurposeQL extends PurposeQL {
  readonly url: string;
  post<TData = Record<string, unknown>>(query: string, request?: Request): Promise<{ status: number; body: GraphQLResponse<TData> }>;
}

/** `logger`: where the server logs (a test captures it); by default, the configured level on stdout. */
export async function startOverHttp(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<OverHttpPurposeQL> {
  const purposeql = await startPurposeQL(config, logger);
  return {
    ...purposeql,
    async post<TData>(query: string, request: Request = {}) {
      const headers = headersOf(request);
      const response = await fetch(purposeql.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(headers.authorization ? { authorization: headers.authorization } : {}),
          ...(headers.purpose ? { "x-purpose": headers.purpose } : {}),
        },
        body: JSON.stringify({ query, variables: request.variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse<TData> };
    },
  };
}

function headersOf(request: Request): { authorization?: string; purpose?: string } {
  const apiKey = request.apiKey === undefined ? DEV_KEY : request.apiKey;
  return {
    ...(apiKey === null ? {} : { authorization: `Bearer ${apiKey}` }),
    ...(request.purpose === undefined ? {} : { purpose: request.purpose }),
  };
}

export function errorCodes(response: GraphQLResponse<unknown>): unknown[] {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}

export interface FilePurposeQL extends InProcessPurposeQL {
  readonly database: TestDatabase;
}

/**
 * One in-process PurposeQL on a fresh database for the calling test file, started before its
 * first test and closed after its last. The returned object stands for it once started.
 */
export function inProcessPurposeQLForThisFile(overrides: Partial<Config> = {}, clock?: () => Date): FilePurposeQL {
  let database: TestDatabase | undefined;
  let purposeql: InProcessPurposeQL | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    purposeql = await createInProcess(testConfig(database.target, overrides), clock);
  });
  afterAll(async () => {
    await purposeql?.close();
    await database?.drop();
  });
  return new Proxy({} as FilePurposeQL, {
    get(_target, property) {
      if (property === "database") return database;
      if (!purposeql) throw new Error("PurposeQL is used before beforeAll started it");
      return Reflect.get(purposeql, property);
    },
  });
}

/** As `inProcessPurposeQLForThisFile`, but listening on a free port: operations go over HTTP. */
export function overHttpPurposeQLForThisFile(overrides: Partial<Config> = {}, logger?: Logger): OverHttpPurposeQL {
  let database: TestDatabase | undefined;
  let purposeql: OverHttpPurposeQL | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    purposeql = await startOverHttp(testConfig(database.target, overrides), logger);
  });
  afterAll(async () => {
    await purposeql?.close();
    await database?.drop();
  });
  return new Proxy({} as OverHttpPurposeQL, {
    get(_target, property) {
      if (!purposeql) throw new Error("PurposeQL is used before beforeAll started it");
      return Reflect.get(purposeql, property);
    },
  });
}

export interface TestClient {
  readonly name: string;
  readonly role: ClientRole;
  readonly purposes: readonly string[];
  readonly capabilities?: readonly Capability[];
  /** The processor of the policy's register it acts for; none when omitted. */
  readonly processor?: string;
}

/**
 * Creates a client straight in the database and returns its API key. The policy's rules for
 * recipients are not checked here (registration checks them; every request checks them again).
 */
export async function createTestClient(purposeql: PurposeQL, client: TestClient): Promise<string> {
  const apiKey = `test-key-${client.name}-${randomBytes(12).toString("hex")}`;
  await insertClient(purposeql.services.dataSource.manager, {
    name: client.name,
    role: client.role,
    ...storedFormOf(apiKey),
    purposeKeys: client.purposes,
    capabilities: client.capabilities ?? [],
    processorName: client.processor ?? null,
  });
  return apiKey;
}
