import { DirectiveLocation, GraphQLDirective, GraphQLNonNull, GraphQLString, isObjectType, type GraphQLSchema } from "graphql";
import { Directive, Extensions, Field, ObjectType } from "type-graphql";
import type { Capability } from "../domain/capabilities";
import { ADMIN_ONLY_EXTENSION, CAPABILITY_EXTENSION, DATA_CATEGORY_DIRECTIVE, extensionsOf } from "../enforcement/schema-extensions";

/**
 * Tags in code: every field of a personal-data type is either a personal field with exactly one
 * data category, or explicitly marked as not personal. The schema refuses to build otherwise.
 */

export const dataCategoryDirective = new GraphQLDirective({
  name: DATA_CATEGORY_DIRECTIVE,
  description:
    "Marks a personal-data field or input field with its data category. A field is released, and an input field written, only under a purpose that grants the category.",
  locations: [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.INPUT_FIELD_DEFINITION],
  args: {
    key: { type: new GraphQLNonNull(GraphQLString), description: "Key of the data category, e.g. `user.contact.email`." },
  },
});

/** type-graphql's type function (`() => SubjectStatus`, `() => [String]`); the package does not export its name. */
type ReturnTypeFunc = NonNullable<Parameters<typeof Field>[0]>;

type TypeClass = abstract new (...args: never[]) => object;

interface PersonalTypeTags {
  readonly categoryByField: Map<string, string>;
  readonly nonPersonalFields: Set<string>;
}

const tagsByClass = new Map<TypeClass, PersonalTypeTags>();
const personalTypeNames = new Map<string, TypeClass>();

function tagsOf(target: object): PersonalTypeTags {
  const typeClass = target.constructor as TypeClass;
  let tags = tagsByClass.get(typeClass);
  if (!tags) {
    tags = { categoryByField: new Map(), nonPersonalFields: new Set() };
    tagsByClass.set(typeClass, tags);
  }
  return tags;
}

export interface PersonalFieldOptions {
  readonly description: string;
  /** GraphQL type of the value; String when omitted. */
  readonly type?: ReturnTypeFunc;
}

/**
 * A personal-data field: nullable (a denial nulls the field, not its parent) and tagged with its
 * category three ways — in code (default deny), as `@dataCategory` for partners, and as a schema
 * extension that the static check and the field guard read.
 */
export function PersonalField(category: string, options: PersonalFieldOptions): PropertyDecorator {
  return (target, property) => {
    const name = String(property);
    Field(options.type ?? (() => GraphQLString), {
      nullable: true,
      description: `${options.description}${personalFieldNote(category)}`,
    })(target, property);
    tagCategory(category, target, property);
    tagsOf(target).categoryByField.set(name, category);
  };
}

/** What the schema adds to a personal field's own description: its category, and what a denial does. */
function personalFieldNote(category: string): string {
  return ` Personal data, category \`${category}\`: null, with a PURPOSE_LIMITATION error, when the declared purpose may not read it.`;
}

/** A personal field's own description, without the note `PersonalField` adds to it in the schema. */
export function ownDescriptionOf(schemaDescription: string, category: string): string {
  const note = personalFieldNote(category);
  return schemaDescription.endsWith(note) ? schemaDescription.slice(0, -note.length) : schemaDescription;
}

/**
 * A personal-data input field: writing it (a value, or null to clear it) needs the declared
 * purpose to grant its category, decided before execution.
 */
export function PersonalInputField(category: string, options: PersonalFieldOptions & { readonly nullable?: boolean }): PropertyDecorator {
  return (target, property) => {
    Field(options.type ?? (() => GraphQLString), {
      nullable: options.nullable ?? true,
      description: `${options.description} Personal data, category \`${category}\`: writing it (null clears it) needs a purpose that grants the category.`,
    })(target, property);
    tagCategory(category, target, property);
  };
}

function tagCategory(category: string, target: object, property: string | symbol): void {
  Directive(`@${DATA_CATEGORY_DIRECTIVE}(key: "${category}")`)(target, property);
}

/**
 * The capability a root field needs, or that an input field adds when it is given (the registration
 * record adds RECORD_CONSENT to createSubject). Checked before execution, whatever the purpose.
 */
export function RequiresCapability(capability: Capability): MethodDecorator & PropertyDecorator {
  return Extensions({ [CAPABILITY_EXTENSION]: capability });
}

/** A root field only ADMIN clients may use: policy and client administration, the audit. */
export function AdminOnly(): MethodDecorator {
  return Extensions({ [ADMIN_ONLY_EXTENSION]: true });
}

export class UnauthorisedMutationError extends Error {}

/** Default deny for writes: every mutation names the capability it needs, or is ADMIN only. */
export function assertMutationsAuthorised(schema: GraphQLSchema): void {
  const mutations = Object.values(schema.getMutationType()?.getFields() ?? {});
  const open = mutations.filter((field) => {
    const extensions = extensionsOf(field);
    return !extensions.requiresCapability && !extensions.adminOnly;
  });
  if (open.length > 0) {
    throw new UnauthorisedMutationError(
      `Mutations without a capability: ${open.map((field) => `Mutation.${field.name}`).join(", ")}. Mark each with @RequiresCapability(…) or @AdminOnly().`,
    );
  }
}

/** Marks a field of a personal-data type as not personal (identifiers, status, timestamps of the record). */
export function NotPersonal(): PropertyDecorator {
  return (target, property) => {
    tagsOf(target).nonPersonalFields.add(String(property));
  };
}

/** An object type that holds personal data; each of its fields must be tagged. */
export function PersonalDataType(name: string, description: string): ClassDecorator {
  return (target) => {
    ObjectType(name, { description })(target);
    personalTypeNames.set(name, target as unknown as TypeClass);
  };
}

export class UntaggedPersonalFieldError extends Error {}

/** Default deny: fails when a field of a personal-data type carries no category and is not marked as not personal. */
export function assertPersonalFieldsTagged(schema: GraphQLSchema): void {
  const untagged: string[] = [];
  for (const [typeName, typeClass] of personalTypeNames) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) continue;
    const tags = tagsByClass.get(typeClass);
    for (const fieldName of Object.keys(type.getFields())) {
      const tagged = tags?.categoryByField.has(fieldName) || tags?.nonPersonalFields.has(fieldName);
      if (!tagged) untagged.push(`${typeName}.${fieldName}`);
    }
  }
  if (untagged.length > 0) {
    throw new UntaggedPersonalFieldError(
      `Personal-data fields without a data category: ${untagged.join(", ")}. Tag each with @PersonalField(category) or @NotPersonal().`,
    );
  }
}

/** The category of a personal field, or undefined for a field that is not personal. */
export function categoryOfField(typeName: string, fieldName: string): string | undefined {
  const typeClass = personalTypeNames.get(typeName);
  return typeClass ? tagsByClass.get(typeClass)?.categoryByField.get(fieldName) : undefined;
}

/** Every personal type and its tagged fields, for tests that walk the whole schema. */
export function personalFieldsByType(): ReadonlyMap<string, ReadonlyMap<string, string>> {
  const result = new Map<string, ReadonlyMap<string, string>>();
  for (const [typeName, typeClass] of personalTypeNames) {
    result.set(typeName, tagsByClass.get(typeClass)?.categoryByField ?? new Map());
  }
  return result;
}

const NO_FIELDS: ReadonlyMap<string, string> = new Map();

/** The tagged fields of a personal-data class: field name → category. */
export function personalFieldsOfClass(typeClass: abstract new (...args: never[]) => object): ReadonlyMap<string, string> {
  return tagsByClass.get(typeClass)?.categoryByField ?? NO_FIELDS;
}
