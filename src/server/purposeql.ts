import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ApolloServer } from "@apollo/server";
import type { Config } from "../config";
import type { AppServices, RequestContext } from "../graphql/context";
import { ClientViews } from "../graphql/client-view";
import { buildPurposeQLSchema } from "../graphql/schema";
import type { Logger } from "../logging/logger";
import { EmbeddedDataSource, openDatabase } from "../persistence/data-source";
import { resolveEncryptionKeys } from "../persistence/encryption-keys";
import { registerAuditCategories } from "../persistence/audit-categories";
import { LivePolicy } from "../persistence/live-policy";
import { policyChanges } from "../persistence/policy-listener";
import { clientChanges, listenOnEmbedded } from "../persistence/client-changes";
import { listenOnDedicatedConnection } from "../persistence/notification-listener";
import { Authenticator } from "../auth/authenticator";
import { ensureDevClient, seedIfEmpty, type DevClient } from "./bootstrap";
import { createGraphQLServer } from "./graphql-server";
import { createHttpApp } from "./http-app";
import { scheduleRetention } from "./retention-schedule";
import { RequestLimiter } from "./request-limiter";
import { answerClientErrorInJson, answerWhileStarting } from "./http-failures";

export interface PurposeQL {
  readonly services: AppServices;
  readonly apollo: ApolloServer<RequestContext>;
  /** Each client's view of the schema: what introspection and /graphql/schema.graphql show it. */
  readonly views: ClientViews;
  readonly devClient: DevClient | null;
  readonly seededVersion: number | null;
  /** Said by the development start that generated the encryption key (where it keeps it); null otherwise. */
  readonly encryptionKeyNotice: string | null;
  close(): Promise<void>;
}

export interface ListeningPurposeQL extends PurposeQL {
  readonly url: string;
}

/** Opens the database (migrating and seeding it as needed) and builds the GraphQL server, without listening. `clock` is the one source of time. */
export async function createPurposeQL(config: Config, logger: Logger, clock: () => Date = () => new Date()): Promise<PurposeQL> {
  // Before the database is opened: production without PURPOSEQL_ENCRYPTION_KEY stops here, having touched nothing.
  const { keyring, notice } = await resolveEncryptionKeys(config);
  const dataSource = await openDatabase(config.database, { statementTimeoutMs: config.limits.statementTimeoutMs, keyring });
  try {
    const seededVersion = await seedIfEmpty(dataSource, config.policyFile);
    // Production creates no ADMIN client of its own accord: only one whose key the operator chose.
    const devClient = config.createDevClient ? await ensureDevClient(dataSource, config.devApiKey) : null;
    const policy = await LivePolicy.load(dataSource);
    await registerAuditCategories(
      dataSource,
      policy.compiled.categories.map((category) => category.key),
    );
    const authenticator = new Authenticator(dataSource.manager, () => policy.version);
    const services: AppServices = { dataSource, policy, logger, now: clock, authenticator };
    const schema = await buildPurposeQLSchema();
    const views = new ClientViews(schema);
    const apollo = createGraphQLServer(schema, {
      logger,
      exposeErrorDetail: config.exposeErrorDetail,
      introspection: config.introspection,
      fieldSuggestions: config.fieldSuggestions,
      limits: config.limits,
      views,
    });
    await apollo.start();
    // PGlite belongs to this one process, which reloads its own policy changes and hears its own
    // client changes as they commit; PostgreSQL may serve several instances, and the CLI writes beside them.
    const listener =
      config.database.kind === "postgres"
        ? await listenOnDedicatedConnection(config.database.url, [policyChanges(policy, logger), clientChanges(authenticator)], logger)
        : null;
    const embeddedListener = config.database.kind === "postgres" ? null : await listenOnEmbedded(dataSource, clientChanges(authenticator));
    const retention = scheduleRetention(services, config.retentionIntervalMs);
    return {
      services,
      apollo,
      views,
      devClient,
      seededVersion,
      encryptionKeyNotice: notice,
      close: async () => {
        await retention.stop();
        await listener?.close();
        embeddedListener?.close();
        policy.close();
        await apollo.stop();
        await dataSource.destroy();
      },
    };
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
}

/**
 * Binds the port first, then opens the database: a port that is taken stops the start before any
 * data is touched. Until the database is open, requests are answered 503.
 */
export async function startPurposeQL(config: Config, logger: Logger, clock?: () => Date): Promise<ListeningPurposeQL> {
  let handle: RequestListener = answerWhileStarting;
  const httpServer = await listen((request, response) => handle(request, response), config.port);
  const closeHttp = (): Promise<void> => new Promise((resolve, reject) => httpServer.close((error) => (error ? reject(error) : resolve())));
  let purposeql: PurposeQL;
  try {
    purposeql = await createPurposeQL(config, logger, clock);
  } catch (error) {
    await closeHttp();
    throw error;
  }
  const limiter = new RequestLimiter(config.limits, logger);
  handle = createHttpApp(purposeql.apollo, purposeql.services, limiter, purposeql.views, config);
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://localhost:${port}/graphql`;
  const { dataSource } = purposeql.services;
  if (dataSource instanceof EmbeddedDataSource) await dataSource.announceServer(url);
  return {
    ...purposeql,
    url,
    // Graceful: refuse new requests, let those in flight finish (each writes its audit before it
    // answers), then close the connections, then the database.
    close: async () => {
      const closed = closeHttp();
      httpServer.closeIdleConnections();
      await limiter.drain();
      httpServer.closeAllConnections();
      await closed;
      await purposeql.close();
    },
  };
}

function listen(handler: RequestListener, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.on("clientError", answerClientErrorInJson);
    server.once("error", reject);
    server.listen(port, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
