import { DirectiveLocation, GraphQLDirective, GraphQLNonNull, GraphQLString, Kind, type OperationDefinitionNode } from "graphql";
import { forbidden } from "../errors";

export const purposeDirective = new GraphQLDirective({
  name: "purpose",
  description:
    "Declares why the operation reads or writes personal data, as the `X-Purpose` header does. When both are given they must name the same purpose.",
  locations: [DirectiveLocation.QUERY, DirectiveLocation.MUTATION],
  args: { key: { type: new GraphQLNonNull(GraphQLString), description: "Key of the purpose, e.g. `essential.service`." } },
});

/** The purpose key an operation names with `@purpose(key: …)`, or null when it names none. */
export function purposeFromDirective(operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>): string | null {
  const directive = operation.directives?.find((node) => node.name.value === purposeDirective.name);
  const argument = directive?.arguments?.find((node) => node.name.value === "key")?.value;
  if (!argument) return null;
  if (argument.kind === Kind.STRING) return argument.value;
  if (argument.kind === Kind.VARIABLE) {
    const value = variables[argument.name.value];
    if (typeof value === "string") return value;
  }
  throw forbidden("The @purpose directive needs a purpose key as a string.", { reason: "PURPOSE_MALFORMED" });
}

/** Header and directive together: either alone declares the purpose; both must agree. */
export function combineDeclarations(fromHeader: string | null, fromDirective: string | null): string | null {
  if (fromHeader !== null && fromDirective !== null && fromHeader !== fromDirective) {
    throw forbidden(
      `The X-Purpose header (${fromHeader}) and the @purpose directive (${fromDirective}) name different purposes; declare one.`,
      { reason: "PURPOSE_CONFLICT" },
    );
  }
  return fromDirective ?? fromHeader;
}
