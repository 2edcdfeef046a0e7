import type { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import { databaseUnavailable } from "../errors";
import { isDatabaseUnavailable } from "../persistence/database-faults";
import express, { type Express, type RequestHandler } from "express";
import { createRequestContext, type AppServices, type RequestContext } from "../graphql/context";
import { documentLimitRefusal } from "./document-limits";
import { accessLog } from "./access-log";
import { answerFailuresInJson, MAX_BODY, notFound, onlyGetAndPost, sendError } from "./http-failures";
import { factsOfResponse, withinRequestScope } from "./request-facts";
import type { RequestLimiter } from "./request-limiter";

/**
 * The HTTP face: `/graphql` for clients; `/healthz` and `/readyz` for load balancers and
 * orchestrators; every failure answers in JSON.
 */
export function createHttpApp(apollo: ApolloServer<RequestContext>, services: AppServices, limiter: RequestLimiter): Express {
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
