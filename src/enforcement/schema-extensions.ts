import { isInputObjectType, isObjectType, Kind, type GraphQLField, type GraphQLInputField, type GraphQLSchema } from "graphql";
import type { Capability } from "../domain/capabilities";

/**
 * What enforcement reads from the schema. The GraphQL layer's decorators write these extensions on
 * fields and input fields; the static check and the field guards read them back from the built
 * schema, so what is enforced is exactly what the schema says.
 */

/** On a personal field or input field: the key of its data category. */
export const DATA_CATEGORY_EXTENSION = "dataCategory";

/** The directive that carries a field's category in the SDL partners read: `@dataCategory(key: "user.contact.email")`. */
export const DATA_CATEGORY_DIRECTIVE = "dataCategory";

/** On a root field that reads or writes personal data: an operation selecting it must declare a purpose. */
export const PERSONAL_DATA_EXTENSION = "touchesPersonalData";

/** On a root field, or on an input field whose presence adds a write: the capability the client must hold. */
export const CAPABILITY_EXTENSION = "requiresCapability";

/** On a root field only ADMIN clients may use (policy and client administration, the audit). */
export const ADMIN_ONLY_EXTENSION = "adminOnly";

export interface FieldExtensions {
  readonly [DATA_CATEGORY_EXTENSION]?: string;
  readonly [PERSONAL_DATA_EXTENSION]?: boolean;
  readonly [CAPABILITY_EXTENSION]?: Capability;
  readonly [ADMIN_ONLY_EXTENSION]?: boolean;
}

/** The extensions of a field or input field, typed; graphql-js types them as an open record. */
export function extensionsOf(field: { readonly extensions?: unknown } | undefined): FieldExtensions {
  return field?.extensions ?? {};
}

/**
 * The `@dataCategory` directive partners read is the one source of a field's category: this copies
 * it, for every field and input field that carries it, into the schema extension that the static
 * check and the field guards read. The server applies it to the schema it builds from code
 * (type-graphql drops extensions on inherited input fields — `CreateSubjectInput` inherits
 * `UpdateSubjectInput`'s — but keeps their directives); `purposeql-check` to a schema it reads from
 * SDL, so both walk the same tags.
 */
export function applyCategoryDirectives(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) && !isInputObjectType(type)) continue;
    for (const field of Object.values<GraphQLField<unknown, unknown> | GraphQLInputField>(type.getFields())) {
      const directive = field.astNode?.directives?.find((node) => node.name.value === DATA_CATEGORY_DIRECTIVE);
      const key = directive?.arguments?.find((argument) => argument.name.value === "key")?.value;
      if (key?.kind === Kind.STRING) field.extensions = { ...field.extensions, [DATA_CATEGORY_EXTENSION]: key.value };
    }
  }
}
