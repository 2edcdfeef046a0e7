import { GraphQLError, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from "graphql";
import { deniedAt, purposeLimitationError } from "./purpose-limitation-error";
import { extensionsOf } from "./schema-extensions";

/**
 * The guard is structural. Where the schema is built, every field tagged with a data category gets
 * one resolver (`installFieldGuards`): it releases a value only through the guard that a request
 * attached to the object (`attachGuard`). An object that did not come through a request's guard —
 * a resolver that builds a plain `DataSubject`, say — has no guard, so its personal fields are
 * denied (CHECK_FAILED), never released. Personal values are not properties of the object at all.
 */

export interface FieldGuard {
  read(field: string, category: string, value: unknown): unknown;
}

const GUARDED = Symbol("guarded");

interface Guarded {
  readonly guard: FieldGuard;
  readonly personalValues: Readonly<Record<string, unknown>>;
}

/** Attaches the guard, and the personal values only it may release, to an object GraphQL will resolve. */
export function attachGuard<T extends object>(target: T, personalValues: Readonly<Record<string, unknown>>, guard: FieldGuard): T {
  const guarded: Guarded = { guard, personalValues };
  Object.defineProperty(target, GUARDED, { value: guarded, enumerable: false });
  return target;
}

/** What the unguarded path needs of the request: only the purpose it declared, to say so in the denial. */
interface DeclaredPurposeContext {
  readonly access?: { readonly purposeKey: string | null };
}

/** Gives every category-tagged field of every object type the guard's resolver. Returns the fields it guarded. */
export function installFieldGuards(schema: GraphQLSchema): string[] {
  const guardedFields: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const category = extensionsOf(field).dataCategory;
      if (!category) continue;
      field.resolve = guardedResolver(field.name, category);
      guardedFields.push(`${type.name}.${field.name}`);
    }
  }
  return guardedFields;
}

function guardedResolver(fieldName: string, category: string): GraphQLFieldResolver<unknown, DeclaredPurposeContext> {
  return (source, _args, context, info) => {
    const guarded = (source as { [GUARDED]?: Guarded } | null | undefined)?.[GUARDED];
    const outcome = guarded
      ? guarded.guard.read(fieldName, category, guarded.personalValues[fieldName])
      : purposeLimitationError("CHECK_FAILED", category, context.access?.purposeKey ?? null);
    // A personal value is never an error object: an error is the guard's denial, located at this field.
    return outcome instanceof GraphQLError ? deniedAt(outcome, info) : outcome;
  };
}
