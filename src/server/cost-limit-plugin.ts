import type { ApolloServerPlugin } from "@apollo/server";
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from "graphql-query-complexity";
import type { RequestContext } from "../graphql/context";
import { coercedVariables } from "../enforcement/operation-variables";
import { badUserInput } from "../errors";

/** Highest cost an operation may have: each field costs 1, a page multiplies its children by its size. */
export const MAX_OPERATION_COST = 3_000;

/** Refuses, before execution, operations whose estimated cost exceeds the limit. */
export function costLimitPlugin(maxCost = MAX_OPERATION_COST): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operationName, operation }) {
          // Variables that do not fit their types are reported as such, not as an operation too large to estimate.
          const variables = operation ? coercedVariables(schema, operation, request.variables) : {};
          let cost: number;
          try {
            cost = getComplexity({
              schema,
              query: document,
              operationName: operationName ?? undefined,
              variables,
              estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch {
            // The estimator refuses documents too large to estimate (e.g. fragments spread exponentially).
            // Its own message is not passed on: it may quote the operation's values.
            throw badUserInput("This operation is too large to estimate its cost: send a smaller one.", { http: { status: 400 } });
          }
          if (cost > maxCost) {
            throw badUserInput(`This operation costs ${cost}, more than the limit of ${maxCost}: ask for fewer fields or smaller pages.`, {
              cost,
              maxCost,
              http: { status: 400 },
            });
          }
        },
      };
    },
  };
}
