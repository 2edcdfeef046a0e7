import {
  coerceInputValue,
  getVariableValues,
  isInputType,
  Kind,
  print,
  typeFromAST,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from "graphql";
import { badUserInput, type FieldProblem } from "../errors";

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
  const definitions = operation.variableDefinitions ?? [];
  const coerced = getVariableValues(schema, definitions, raw ?? {});
  if (coerced.errors) throw invalidVariables(schema, definitions, coerced.errors, raw ?? {});
  return coerced.coerced;
}

/**
 * Names each offending variable, its type and where inside it the fault lies — never the value:
 * graphql-js's own messages quote it, and a variable is where personal data travels.
 */
function invalidVariables(
  schema: GraphQLSchema,
  definitions: readonly VariableDefinitionNode[],
  errors: readonly GraphQLError[],
  raw: Readonly<Record<string, unknown>>,
): GraphQLError {
  const offending = definitions.filter((definition) =>
    errors.some((error) => error.nodes?.some((node) => node.kind === Kind.VARIABLE_DEFINITION && node === definition)),
  );
  const names = offending.map((definition) => definition.variable.name.value);
  const fields: FieldProblem[] = [];
  const problems = offending.map((definition) => {
    const name = definition.variable.name.value;
    const type = print(definition.type);
    const value = raw[name];
    if (value === undefined || value === null) {
      fields.push({ field: `$${name}`, message: `is required (${type}) but was not given` });
      return `$${name} (${type}) is required but was not given`;
    }
    const where = faultPaths(schema, definition, value);
    const problem = `does not fit its type ${type}`;
    fields.push(...(where.length > 0 ? where : [name]).map((path) => ({ field: `$${path}`, message: problem })));
    return `$${name} ${problem}${where.length > 0 ? ` at ${where.join(", ")}` : ""}`;
  });
  const message = problems.length > 0 ? problems.join("; ") : "a variable does not fit its type";
  return badUserInput(`Invalid variables: ${message} (values are not repeated here).`, { variables: names, fields, http: { status: 400 } });
}

/** The paths inside one variable's value where coercion fails (`input.fullName`), without the values. */
function faultPaths(schema: GraphQLSchema, definition: VariableDefinitionNode, value: unknown): string[] {
  const name = definition.variable.name.value;
  const type = typeFromAST(schema, definition.type);
  if (!type || !isInputType(type)) return [];
  const paths = new Set<string>();
  coerceInputValue(value, type, (path) => paths.add([name, ...path].join(".")));
  return [...paths];
}
