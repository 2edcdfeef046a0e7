import type { ApolloServerPlugin } from "@apollo/server";
import { executeSync } from "graphql";
import type { ClientViews } from "../graphql/client-view";
import type { RequestContext } from "../graphql/context";
import { introspectionPart } from "../graphql/introspection-part";

/**
 * Introspection answers with the client's view of the schema (src/graphql/client-view.ts).
 *
 * Apollo Server executes every operation against the one schema it was given, and graphql-js
 * answers `__schema` and `__type` from that schema: there is no per-request schema, and no hook
 * that gives the meta-fields another (see src/graphql/introspection-part.ts). So the operation runs
 * as it always does — full schema, the checks before execution, the guard — and, before the answer
 * leaves, the answers of its root `__schema` and `__type` fields are replaced by those of the same
 * fields executed against the client's view. An operation that mixes introspection and data keeps
 * its data, checked and audited as ever; `__typename` is untouched. Should the view's execution
 * fail, the whole answer is replaced by an error: the full schema's introspection never leaves.
 */
export function clientViewPlugin(views: ClientViews): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: context, document, operation, request, response, schema }) {
          if (!operation || !document || response.body.kind !== "single") return;
          const data = response.body.singleResult.data;
          if (!data) return;
          const queryType = schema.getQueryType();
          const part = queryType ? introspectionPart(document, operation, queryType.name) : null;
          if (!part) return;
          const view = views.of(context.client, context.app.policy.compiled);
          let answered: ReturnType<typeof executeSync> | undefined;
          try {
            answered = executeSync({ schema: view.schema, document: part, variableValues: request.variables });
          } catch (error) {
            context.app.logger.error(
              { requestId: context.requestId, error: error instanceof Error ? error.message : String(error) },
              "introspection against the client's view failed",
            );
          }
          if (!answered?.data || (answered.errors?.length ?? 0) > 0) {
            response.http.status = 500;
            response.body = {
              kind: "single",
              singleResult: {
                errors: [
                  {
                    message: "The schema could not be introspected as this client sees it; nothing was answered.",
                    extensions: { code: "INTERNAL_SERVER_ERROR", requestId: context.requestId },
                  },
                ],
              },
            };
            return;
          }
          for (const [key, value] of Object.entries(answered.data)) if (key in data) data[key] = value;
        },
      };
    },
  };
}
