import type { ApolloServerPlugin } from "@apollo/server";
import type { DocumentNode, GraphQLSchema } from "graphql";
import { fieldExtensionsEstimator, getComplexity, simpleEstimator, type ComplexityEstimator } from "graphql-query-complexity";
import type { RequestLimits } from "../config";
import type { RequestContext } from "../graphql/context";
import { DATABASE_ROUND_TRIPS } from "../graphql/database-work";
import { coercedVariables } from "../enforcement/operation-variables";
import { badUserInput } from "../errors";

type WorkLimits = Pick<RequestLimits, "maxOperationCost" | "maxDatabaseFields">;

/**
 * Refuses, before execution — no resolver, no SQL — an operation with more fields that go to the
 * database than the limit, or whose estimated cost exceeds it. Both are counted as the operation
 * will run: through aliases, fragments and @skip/@include. Each field costs 1; each database round
 * trip it makes costs far more, and a page multiplies its children by its size (src/graphql/database-work.ts).
 */
export function costLimitPlugin(limits: WorkLimits): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operationName, operation }) {
          // Variables that do not fit their types are reported as such, not as an operation too large to estimate.
          const variables = operation ? coercedVariables(schema, operation, request.variables) : {};
          const estimate = (estimators: ComplexityEstimator[]): number =>
            estimateOrRefuse(schema, document, operationName ?? undefined, variables, estimators);

          const databaseFields = estimate([countDatabaseFields]);
          if (databaseFields > limits.maxDatabaseFields) {
            throw badUserInput(
              `This operation has ${databaseFields} fields that read or write the database, more than the limit of ${limits.maxDatabaseFields} (PURPOSEQL_MAX_DATABASE_FIELDS): send fewer lists, lookups or aliases. Nothing was executed.`,
              { reason: "TOO_MANY_DATABASE_FIELDS", databaseFields, maxDatabaseFields: limits.maxDatabaseFields, http: { status: 400 } },
            );
          }
          const cost = estimate([fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })]);
          if (cost > limits.maxOperationCost) {
            throw badUserInput(
              `This operation costs ${cost}, more than the limit of ${limits.maxOperationCost} (PURPOSEQL_MAX_OPERATION_COST): ask for fewer fields or smaller pages. Nothing was executed.`,
              { reason: "TOO_COSTLY", cost, maxCost: limits.maxOperationCost, http: { status: 400 } },
            );
          }
        },
      };
    },
  };
}

/** Counts the fields marked as going to the database (database-work.ts), each alias and each spread once. */
const countDatabaseFields: ComplexityEstimator = ({ field, childComplexity }) =>
  (field.extensions[DATABASE_ROUND_TRIPS] === undefined ? 0 : 1) + childComplexity;

function estimateOrRefuse(
  schema: GraphQLSchema,
  query: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
  estimators: ComplexityEstimator[],
): number {
  try {
    return getComplexity({ schema, query, operationName, variables, estimators });
  } catch {
    // The estimator refuses documents too large to estimate (e.g. fragments spread exponentially).
    // Its own message is not passed on: it may quote the operation's values.
    throw badUserInput("This operation is too large to estimate its cost: send a smaller one.", { http: { status: 400 } });
  }
}
