import type { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import { databaseUnavailable } from "../errors";
import { isDatabaseUnavailable } from "../persistence/database-faults";
import express, { type Express, type RequestHandler } from "express";
import { GraphQLError } from "graphql";
import type { AuthenticatedClient } from "../auth/authenticate";
import type { ClientViews } from "../graphql/client-view";
import { createRequestContext, type AppServices, type RequestContext } from "../graphql/context";
import { documentLimitRefusal } from "./document-limits";
import type { Config } from "../config";
import { accessLog } from "./access-log";
import { crossOrigin } from "./cross-origin";
import { graphiql } from "./graphiql";
import { answerFailuresInJson, MAX_BODY, notFound, onlyGetAndPost, sendApiError, sendError } from "./http-failures";
import { factsOfResponse, withinRequestScope } from "./request-facts";
import type { RequestLimiter } from "./request-limiter";

/**
 * The HTTP face: `/graphql` for clients; `/healthz` and `/readyz` for load balancers and
 * orchestrators; every failure answers in JSON.
 */
export function createHttpApp(
  apollo: ApolloServer<RequestContext>,
  services: AppServices,
  limiter: RequestLimiter,
  /** Each client's view of the schema, served as SDL at /graphql/schema.graphql. */
  views: ClientViews,
  browsers: Pick<Config, "corsOrigins" | "graphiql">,
): Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(accessLog(services.logger));
  app.get("/healthz", async (_request, response) => {
    try {
      await services.dataSource.query("SELECT 1");
      if (!services.policy.available) {
        response.status(503).json({ status: "policy_unavailable", policyVersion: services.policy.version });
        return;
      }
      response.json({ status: "ok", policyVersion: services.policy.version });
    } catch {
      response.status(503).json({ status: "unavailable" });
    }
  });
  // Ready: the database answers, the policy is loaded, and the server is not shutting down — so a
  // load balancer stops sending requests as soon as SIGTERM arrives, while those in flight finish.
  app.get("/readyz", async (_request, response) => {
    if (!limiter.accepting) {
      response.status(503).json({ status: "shutting_down" });
      return;
    }
    try {
      await services.dataSource.query("SELECT 1");
    } catch {
      response.status(503).json({ status: "database_unavailable" });
      return;
    }
    if (!services.policy.available) {
      response.status(503).json({ status: "policy_unavailable", policyVersion: services.policy.version });
      return;
    }
    response.json({ status: "ready", policyVersion: services.policy.version });
  });
  if (browsers.corsOrigins.length > 0) app.use("/graphql", crossOrigin(browsers.corsOrigins));
  // Before the /graphql mount, which would otherwise take the path as a GraphQL request.
  app
    .route(SDL_PATH)
    .get(serveSdl(services, views))
    .all((_request, response) => {
      response.setHeader("Allow", "GET, HEAD");
      sendError(response, 405, "BAD_REQUEST", "The schema is served over GET only.");
    });
  if (browsers.graphiql) app.use(graphiql());
  app.use(
    "/graphql",
    onlyGetAndPost,
    express.json({ limit: MAX_BODY }),
    refuseOversizedDocuments,
    (_request, response, next) => withinRequestScope(response, next),
    limiter.around(
      expressMiddleware(apollo, {
        context: async ({ req, res }) => {
          const facts = factsOfResponse(res);
          const context = await createRequestContext(services, {
            authorization: req.headers.authorization,
            purpose: req.header("x-purpose"),
            requestId: facts?.requestId,
            deadline: facts?.deadline,
          }).catch((error: unknown) => {
            // Authentication reads the database: when it cannot be reached, the caller is told to retry (503), not an internal error.
            if (isDatabaseUnavailable(error)) throw databaseUnavailable();
            throw error;
          });
          if (facts) {
            facts.client = context.client.name;
            facts.purpose = context.headerPurpose ?? undefined;
          }
          return context;
        },
      }),
    ),
  );
  app.use(notFound);
  app.use(answerFailuresInJson(services.logger));
  return app;
}

export const SDL_PATH = "/graphql/schema.graphql";

/**
 * The client's view of the schema as SDL — the same view introspection answers with — with the
 * `@dataCategory` tag of every personal field and input field, which standard introspection drops.
 * The same API key as /graphql is needed, checked the same way. The view depends on the key, so no
 * shared cache may keep it for another (`private`, `Vary: Authorization`), and on the policy in
 * force, so a cache must ask again before reusing it (`no-cache`; the ETag makes that cheap).
 */
function serveSdl(services: AppServices, views: ClientViews): RequestHandler {
  return async (request, response) => {
    let client: AuthenticatedClient;
    try {
      client = await services.authenticator.authenticate(request.headers.authorization);
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        sendApiError(response, databaseUnavailable());
        return;
      }
      if (error instanceof GraphQLError && error.extensions.code === "UNAUTHENTICATED") {
        sendApiError(response, error);
        return;
      }
      throw error;
    }
    response.setHeader("Cache-Control", "private, no-cache");
    response.setHeader("Vary", "Authorization");
    response.type("application/graphql; charset=utf-8").send(views.of(client, services.policy.compiled).sdl);
  };
}

/** Documents too large or too deep to parse and validate safely are refused before GraphQL sees them. */
const refuseOversizedDocuments: RequestHandler = (request, response, next) => {
  const body: unknown = request.body;
  const query: unknown =
    request.method === "GET"
      ? request.query.query
      : typeof body === "object" && body !== null
        ? (body as { query?: unknown }).query
        : undefined;
  const refusal = typeof query === "string" ? documentLimitRefusal(query) : null;
  if (refusal) {
    sendError(response, 400, "BAD_USER_INPUT", refusal.message, { reason: refusal.reason });
    return;
  }
  next();
};
