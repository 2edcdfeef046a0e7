import { MapperKind, mapSchema, pruneSchema } from "@graphql-tools/utils";
import {
  getNamedType,
  isInputObjectType,
  isNonNullType,
  isRequiredInputField,
  type GraphQLFieldConfig,
  type GraphQLInputFieldConfig,
  type GraphQLInputObjectType,
  type GraphQLSchema,
} from "graphql";
import type { AuthenticatedClient } from "../auth/authenticate";
import { mayUse } from "../enforcement/authority";
import { extensionsOf } from "../enforcement/schema-extensions";
import type { CompiledPolicy } from "../policy/engine/compiled-policy";
import { contractCovers, purposeRefusal } from "../policy/engine/recipient-rules";
import { printPurposeQLSchema } from "./schema";

/**
 * The schema as one client sees it: what introspection answers it and `/graphql/schema.graphql`
 * serves it. Execution keeps the full schema and the checks before it; the view only stops a client
 * from being shown what those checks would refuse it. Built from the full schema by these rules:
 *
 *  1. a root field the client may not use is left out — any mutation for a PARTNER, ADMIN-only
 *     fields for other roles, a field needing a capability the client lacks (`mayUse`, the rules of
 *     the authority check before execution);
 *  2. a personal field or input field is left out when no purpose the client may declare grants its
 *     category (`policy.grants`, the lookup of the purpose check before execution) — the purposes it
 *     may declare as the recipient it is, and only categories its processor's contract covers
 *     (`purposeRefusal`, `contractCovers`, the recipient checks before execution); an input field
 *     that needs a capability the client lacks is left out too;
 *  3. an input type that lost a required field, or every field, cannot be filled: it is left out,
 *     with every argument and input field of its type, and a field that lost a required argument
 *     is left out (repeated until nothing changes);
 *  4. types nothing reaches any more, and types left with no field, are left out, with the fields
 *     that lead to them (`pruneSchema`).
 */
export function buildClientView(schema: GraphQLSchema, client: AuthenticatedClient, policy: CompiledPolicy): GraphQLSchema {
  // The purposes it may declare as the recipient it is (a processor's contract, a third party's consent), and what its contract covers.
  const declarable = [...client.purposes].filter((purpose) => purposeRefusal(policy, client, purpose) === null);
  const readable = (category: string): boolean =>
    contractCovers(policy, client, category) && declarable.some((purpose) => policy.grants(purpose, category));
  const keepsInputField = (field: { readonly extensions?: unknown }): boolean => {
    const { dataCategory } = extensionsOf(field);
    return mayUse(client, extensionsOf(field), false) && (dataCategory === undefined || readable(dataCategory));
  };
  const unfillable = unfillableInputTypes(schema, keepsInputField);
  const rootKinds = new Map([
    [schema.getQueryType()?.name, "query"],
    [schema.getMutationType()?.name, "mutation"],
    [schema.getSubscriptionType()?.name, "subscription"],
  ]);

  const keepsField = (field: GraphQLFieldConfig<unknown, unknown>, typeName: string): boolean => {
    const extensions = extensionsOf(field);
    const root = rootKinds.get(typeName);
    if (root !== undefined && !mayUse(client, extensions, root === "mutation")) return false;
    if (extensions.dataCategory !== undefined && !readable(extensions.dataCategory)) return false;
    return !Object.values(field.args ?? {}).some(
      (argument) => isNonNullType(argument.type) && argument.defaultValue === undefined && unfillable.has(getNamedType(argument.type).name),
    );
  };

  const mapped = mapSchema(schema, {
    [MapperKind.INPUT_OBJECT_TYPE]: (type) => (unfillable.has(type.name) ? null : type),
    [MapperKind.INPUT_OBJECT_FIELD]: (field: GraphQLInputFieldConfig) => (keepsInputField(field) ? field : null),
    [MapperKind.OBJECT_FIELD]: (field, _name, typeName) => (keepsField(field, typeName) ? field : null),
  });
  return pruneSchema(mapped);
}

/** Input types the client could not fill: one that lost a required field, or every field, to the rules; to a fixed point. */
function unfillableInputTypes(schema: GraphQLSchema, keepsInputField: (field: { readonly extensions?: unknown }) => boolean): Set<string> {
  const inputTypes = Object.values(schema.getTypeMap()).filter((type): type is GraphQLInputObjectType => isInputObjectType(type));
  const unfillable = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const type of inputTypes) {
      if (unfillable.has(type.name)) continue;
      const fields = Object.values(type.getFields());
      const kept = fields.filter((field) => keepsInputField(field) && !unfillable.has(getNamedType(field.type).name));
      const lostRequired = fields.some((field) => isRequiredInputField(field) && !kept.includes(field));
      if (kept.length === 0 || lostRequired) {
        unfillable.add(type.name);
        changed = true;
      }
    }
  }
  return unfillable;
}

/** A client's view, and its SDL (printed the first time it is asked for). */
export class ClientView {
  private printed: string | undefined;

  constructor(readonly schema: GraphQLSchema) {}

  /** The view as SDL, with the `@dataCategory` tag of every personal field and input field it keeps. */
  get sdl(): string {
    this.printed ??= printPurposeQLSchema(this.schema);
    return this.printed;
  }
}

/**
 * The views of the policy version in force, built once per version and per set of grants a client
 * holds — its role, its processor, the purposes it may declare and its capabilities, which are all a view depends
 * on — never per request. Clients holding the same grants share one view. A new policy version
 * (`grantCategory`, `revokeGrant`, a reload) starts afresh; a client whose purposes or capabilities
 * changed is looked up under its new grants, so it gets a view of them at its next request.
 */
export class ClientViews {
  private version: number | null = null;
  private readonly views = new Map<string, ClientView>();
  private built = 0;

  constructor(private readonly schema: GraphQLSchema) {}

  /** How many views were built since the start: a measure for tests and operators that the cache holds. */
  get builds(): number {
    return this.built;
  }

  of(client: AuthenticatedClient, policy: CompiledPolicy): ClientView {
    if (this.version === null || policy.version > this.version) {
      this.views.clear();
      this.version = policy.version;
    }
    // A request decided under an older version than the newest seen (it began before a reload) gets its view uncached.
    if (policy.version < this.version) return this.build(client, policy);
    const key = grantsOf(client);
    let view = this.views.get(key);
    if (!view) {
      view = this.build(client, policy);
      this.views.set(key, view);
    }
    return view;
  }

  private build(client: AuthenticatedClient, policy: CompiledPolicy): ClientView {
    this.built += 1;
    return new ClientView(buildClientView(this.schema, client, policy));
  }
}

/** What a view depends on: the client's role, processor, purposes and capabilities, in a fixed order. */
function grantsOf(client: AuthenticatedClient): string {
  return JSON.stringify([client.role, client.processorName, [...client.purposes].sort(), [...client.capabilities].sort()]);
}
