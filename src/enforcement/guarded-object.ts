import { personalFieldsOfClass } from "../graphql/personal-data";

/**
 * A personal-data object whose tagged fields are getters: graphql-js's default resolver reads the
 * property, and the getter asks the request's guard, which decides by a lookup and records the
 * release or denial. Untagged fields are plain values. One subclass per type, built once.
 */

export interface FieldGuard {
  read(field: string, category: string, value: unknown): unknown;
}

const GUARD = Symbol("guard");
const VALUES = Symbol("personalValues");

interface GuardedInstance {
  [GUARD]: FieldGuard;
  [VALUES]: Record<string, unknown>;
}

type TypeClass<T> = new () => T;
const guardedClasses = new Map<TypeClass<object>, TypeClass<object>>();

function guardedClassOf<T extends object>(typeClass: TypeClass<T>): TypeClass<T> {
  let guarded = guardedClasses.get(typeClass);
  if (!guarded) {
    const Guarded = class extends (typeClass as TypeClass<object>) {};
    for (const [field, category] of personalFieldsOfClass(typeClass)) {
      Object.defineProperty(Guarded.prototype, field, {
        get(this: GuardedInstance): unknown {
          return this[GUARD].read(field, category, this[VALUES][field]);
        },
        enumerable: true,
      });
    }
    guarded = Guarded;
    guardedClasses.set(typeClass, guarded);
  }
  return guarded as TypeClass<T>;
}

/** Builds an instance of `typeClass` whose personal fields pass `guard`; `values` holds every field. */
export function guardedObject<T extends object>(typeClass: TypeClass<T>, values: { [K in keyof T]: T[K] }, guard: FieldGuard): T {
  const instance = new (guardedClassOf(typeClass))() as GuardedInstance & Record<string, unknown>;
  const personal = personalFieldsOfClass(typeClass);
  const personalValues: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (personal.has(key)) personalValues[key] = value;
    else instance[key] = value;
  }
  instance[GUARD] = guard;
  instance[VALUES] = personalValues;
  return instance as unknown as T;
}
