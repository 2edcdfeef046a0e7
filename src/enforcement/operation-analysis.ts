import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isCompositeType,
  isInputObjectType,
  isListType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLArgument,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { Capability } from "../domain/capabilities";
import { extensionsOf } from "./schema-extensions";

/** A personal field an operation selects or writes, wherever it hides (alias, fragment, nested input, variable). */
export interface PersonalSelection {
  /** Schema coordinate, e.g. `DataSubject.email` or `UpdateSubjectInput.email`. */
  readonly field: string;
  readonly category: string;
  /**
   * Where the operation first reaches it, as it is written (aliases included, fragments seen
   * through): response keys from the root for a read (`subjects.edges.node.email`), the field and
   * the argument's input fields for a write (`updateSubject(input.email)`).
   */
  readonly path: string;
}

/** A capability an operation needs, and the field that needs it (`Mutation.giveConsent`, `CreateSubjectInput.registration`). */
export interface RequiredCapability {
  readonly capability: Capability;
  readonly field: string;
}

export interface OperationShape {
  /** Personal fields the operation reads. */
  readonly personalSelections: readonly PersonalSelection[];
  /** Personal input fields the operation writes: present in its arguments, `null` (which clears) included. */
  readonly personalInputs: readonly PersonalSelection[];
  readonly requiredCapabilities: readonly RequiredCapability[];
  /** Root fields only ADMIN clients may use, e.g. `Mutation.grantCategory`. */
  readonly adminOnlyFields: readonly string[];
  /** Whether the operation reads or writes personal data at all (a personal field or input, or a root field marked so). */
  readonly touchesPersonalData: boolean;
}

/**
 * Walks the operation as it will execute — honouring @skip/@include with the request's variables —
 * and lists every personal field it selects, every personal input it writes and the authority it
 * needs. `variables` must be coerced (`getVariableValues`), so defaults are applied. Runs before
 * execution, so a refusal runs no resolver and no SQL.
 */
export function analyseOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variables: Readonly<Record<string, unknown>>,
): OperationShape {
  const selections = new Map<string, PersonalSelection>();
  const inputs = new Map<string, PersonalSelection>();
  const capabilities = new Map<string, RequiredCapability>();
  const adminOnly = new Set<string>();
  let touchesPersonalData = false;
  // A fragment selects the same fields wherever it is spread: walk each once, so nested spreads cannot multiply the work.
  const walkedFragments = new Set<string>();

  const walk = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, atRoot: boolean, path: string): void => {
    for (const selection of selectionSet.selections) {
      if (!isIncluded(selection, variables)) continue;
      switch (selection.kind) {
        case Kind.FIELD: {
          const fieldName = selection.name.value;
          if (fieldName.startsWith("__")) break;
          const fieldPath = `${path}${path ? "." : ""}${selection.alias?.value ?? fieldName}`;
          for (const category of categoriesOf(schema, parentType, fieldName)) {
            if (!selections.has(category.field)) selections.set(category.field, { ...category, path: fieldPath });
            touchesPersonalData = true;
          }
          const field = fieldOf(parentType, fieldName);
          if (!field) break;
          if (atRoot) {
            const coordinate = `${parentType.name}.${fieldName}`;
            const extensions = extensionsOf(field);
            if (extensions.touchesPersonalData) touchesPersonalData = true;
            if (extensions.adminOnly) adminOnly.add(coordinate);
            if (extensions.requiresCapability) {
              capabilities.set(`${coordinate} ${extensions.requiresCapability}`, {
                capability: extensions.requiresCapability,
                field: coordinate,
              });
            }
          }
          const written = writesOf(field.args, getArgumentValues(field, selection, variables), fieldPath);
          for (const input of written.personalInputs) if (!inputs.has(input.field)) inputs.set(input.field, input);
          for (const needed of written.requiredCapabilities) capabilities.set(`${needed.field} ${needed.capability}`, needed);
          if (written.personalInputs.length > 0) touchesPersonalData = true;
          const fieldType = getNamedType(field.type);
          if (selection.selectionSet && isCompositeType(fieldType)) walk(selection.selectionSet, fieldType, false, fieldPath);
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
          if (type && isCompositeType(type)) walk(selection.selectionSet, type, atRoot, path);
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments[selection.name.value];
          const walkKey = `${selection.name.value}${atRoot ? "@root" : ""}`;
          if (!fragment || walkedFragments.has(walkKey)) break;
          walkedFragments.add(walkKey);
          const type = schema.getType(fragment.typeCondition.name.value);
          if (type && isCompositeType(type)) walk(fragment.selectionSet, type, atRoot, path);
          break;
        }
      }
    }
  };

  const rootType = schema.getRootType(operation.operation);
  if (rootType) walk(operation.selectionSet, rootType, true, "");
  return {
    personalSelections: [...selections.values()],
    personalInputs: [...inputs.values()],
    requiredCapabilities: [...capabilities.values()],
    adminOnlyFields: [...adminOnly],
    touchesPersonalData,
  };
}

export interface ArgumentWrites {
  readonly personalInputs: readonly PersonalSelection[];
  readonly requiredCapabilities: readonly RequiredCapability[];
}

/**
 * What a field's coerced arguments write: every tagged input field present, at any depth and in any
 * list element (a `null` clears the value, so it counts), and the capabilities that input fields
 * present and non-null require. The static check and the change events both use it. `fieldPath`
 * (the field's path in the operation) prefixes the path of each input written.
 */
export function writesOf(args: readonly GraphQLArgument[], values: Readonly<Record<string, unknown>>, fieldPath = ""): ArgumentWrites {
  const personalInputs = new Map<string, PersonalSelection>();
  const requiredCapabilities = new Map<string, RequiredCapability>();
  const visit = (type: GraphQLInputType, value: unknown, path: string): void => {
    if (value === undefined || value === null) return;
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      for (const element of Array.isArray(value) ? value : [value]) visit(nullable.ofType, element, path);
      return;
    }
    if (!isInputObjectType(nullable) || typeof value !== "object") return;
    for (const field of Object.values(nullable.getFields())) {
      const fieldValue = (value as Record<string, unknown>)[field.name];
      if (fieldValue === undefined) continue;
      const coordinate = `${nullable.name}.${field.name}`;
      const inputPath = `${path}.${field.name}`;
      const { dataCategory, requiresCapability } = extensionsOf(field);
      if (dataCategory && !personalInputs.has(coordinate))
        personalInputs.set(coordinate, { field: coordinate, category: dataCategory, path: `${fieldPath}(${inputPath})` });
      if (requiresCapability && fieldValue !== null)
        requiredCapabilities.set(coordinate, { capability: requiresCapability, field: coordinate });
      visit(field.type, fieldValue, inputPath);
    }
  };
  for (const arg of args) visit(arg.type, values[arg.name], arg.name);
  return { personalInputs: [...personalInputs.values()], requiredCapabilities: [...requiredCapabilities.values()] };
}

function fieldOf(type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return "getFields" in type ? type.getFields()[name] : undefined;
}

/** The categories a field may carry: on an abstract type, those of every concrete type that has it. */
function categoriesOf(schema: GraphQLSchema, parentType: GraphQLCompositeType, fieldName: string): Omit<PersonalSelection, "path">[] {
  const concrete = isAbstractType(parentType) ? schema.getPossibleTypes(parentType) : [parentType];
  return concrete.flatMap((type) => {
    const category = extensionsOf(type.getFields()[fieldName]).dataCategory;
    return category ? [{ field: `${type.name}.${fieldName}`, category }] : [];
  });
}

/** @skip/@include as execution will apply them; when a value cannot be read, the selection counts (safe side). */
function isIncluded(node: FieldNode | InlineFragmentNode | FragmentSpreadNode, variables: Readonly<Record<string, unknown>>): boolean {
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  } catch {
    return true;
  }
}
