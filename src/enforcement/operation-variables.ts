import { getVariableValues, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import { badUserInput } from "../errors";

/**
 * The operation's variables as execution will see them: coerced to their types, defaults applied.
 * Every check made before execution reads these, so it judges what will run; variables that do not
 * fit their types are the caller's error (400), reported as such, before any check or resolver.
 */
export function coercedVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  raw: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], raw ?? {});
  if (coerced.errors) {
    throw badUserInput(`Invalid variables: ${coerced.errors.map((error) => error.message).join("; ")}`, { http: { status: 400 } });
  }
  return coerced.coerced;
}
