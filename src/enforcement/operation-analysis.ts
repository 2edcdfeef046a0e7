import {
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isCompositeType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { categoryOfField } from "../graphql/personal-data";

/** A personal field an operation selects, wherever it hides (alias, fragment, nested relation, connection). */
export interface PersonalSelection {
  /** Schema coordinate, e.g. `DataSubject.email`. */
  readonly field: string;
  readonly category: string;
}

export interface OperationShape {
  readonly personalSelections: readonly PersonalSelection[];
  /** Whether the operation reads or writes personal data at all (a personal field, or a root field marked so). */
  readonly touchesPersonalData: boolean;
}

/** Root fields that work on personal data carry this extension (see `TouchesPersonalData`). */
export const PERSONAL_DATA_EXTENSION = "touchesPersonalData";

/**
 * Walks the operation as it will execute — honouring @skip/@include with the request's variables —
 * and lists every personal field it selects. Runs before execution, so a refusal runs no SQL.
 */
export function analyseOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variables: Readonly<Record<string, unknown>>,
): OperationShape {
  const selections = new Map<string, PersonalSelection>();
  let touchesPersonalData = false;
  // A fragment selects the same fields wherever it is spread: walk each once, so nested spreads cannot multiply the work.
  const walkedFragments = new Set<string>();

  const walk = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, atRoot: boolean): void => {
    for (const selection of selectionSet.selections) {
      if (!isIncluded(selection, variables)) continue;
      switch (selection.kind) {
        case Kind.FIELD: {
          const fieldName = selection.name.value;
          if (fieldName.startsWith("__")) break;
          for (const category of categoriesOf(schema, parentType, fieldName)) {
            selections.set(category.field, category);
            touchesPersonalData = true;
          }
          const field = fieldOf(parentType, fieldName);
          if (atRoot && field?.extensions?.[PERSONAL_DATA_EXTENSION]) touchesPersonalData = true;
          const fieldType = field ? getNamedType(field.type) : undefined;
          if (selection.selectionSet && fieldType && isCompositeType(fieldType)) walk(selection.selectionSet, fieldType, false);
          break;
        }
        case Kind.INLINE_FRAGMENT: {
          const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
          if (type && isCompositeType(type)) walk(selection.selectionSet, type, atRoot);
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments[selection.name.value];
          const walkKey = `${selection.name.value}${atRoot ? "@root" : ""}`;
          if (!fragment || walkedFragments.has(walkKey)) break;
          walkedFragments.add(walkKey);
          const type = schema.getType(fragment.typeCondition.name.value);
          if (type && isCompositeType(type)) walk(fragment.selectionSet, type, atRoot);
          break;
        }
      }
    }
  };

  const rootType = operation.operation === "mutation" ? schema.getMutationType() : operation.operation === "subscription" ? schema.getSubscriptionType() : schema.getQueryType();
  if (rootType) walk(operation.selectionSet, rootType, true);
  return { personalSelections: [...selections.values()], touchesPersonalData };
}

function fieldOf(type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return "getFields" in type ? type.getFields()[name] : undefined;
}

/** The categories a field may carry: on an abstract type, those of every concrete type that has it. */
function categoriesOf(schema: GraphQLSchema, parentType: GraphQLCompositeType, fieldName: string): PersonalSelection[] {
  const concrete = isAbstractType(parentType) ? schema.getPossibleTypes(parentType) : [parentType];
  return concrete.flatMap((type) => {
    const category = categoryOfField(type.name, fieldName);
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
