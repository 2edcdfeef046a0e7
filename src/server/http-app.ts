import type { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import express, { type Express } from "express";
import { createRequestContext, type AppServices, type RequestContext } from "../graphql/context";

/** The HTTP face: `/graphql` for clients, `/healthz` for load balancers. */
export function createHttpApp(apollo: ApolloServer<RequestContext>, services: AppServices): Express {
  const app = express();
  app.disable("x-powered-by");
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
  app.use(
    "/graphql",
    express.json({ limit: "1mb" }),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        createRequestContext(services, { authorization: req.headers.authorization, purpose: req.header("x-purpose") }),
    }),
  );
  return app;
}
