import { isObjectType, type GraphQLSchema } from "graphql";
import { extensionsOf } from "../enforcement/schema-extensions";
import type { PersonalCollection } from "../policy/fideslang/export";
import { ownDescriptionOf } from "./personal-data";

/**
 * The personal types of the built schema as collections of category-tagged fields, read from the
 * field extensions the static check and the field guards read (copied from each field's
 * `@dataCategory` directive): the fideslang dataset describes exactly what is enforced.
 */
export function personalCollectionsOf(schema: GraphQLSchema): PersonalCollection[] {
  return Object.values(schema.getTypeMap())
    .filter(isObjectType)
    .filter((type) => !type.name.startsWith("__"))
    .flatMap((type) => {
      const fields = Object.values(type.getFields()).flatMap((field) => {
        const category = extensionsOf(field).dataCategory;
        if (!category) return [];
        return [{ name: field.name, description: field.description ? ownDescriptionOf(field.description, category) : null, category }];
      });
      return fields.length > 0 ? [{ name: type.name, description: type.description ?? null, fields }] : [];
    });
}
