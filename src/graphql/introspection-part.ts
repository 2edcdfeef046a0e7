import {
  Kind,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from "graphql";

/** The meta-fields that read the schema itself; graphql-js answers them only at the root of the query type. */
const SCHEMA_META_FIELDS: ReadonlySet<string> = new Set(["__schema", "__type"]);

/**
 * The part of an operation that introspects the schema: the operation with only its root
 * `__schema` and `__type` fields — directly, or in inline fragments and fragments spread at the
 * root — and the fragments and variables they use. Null when the operation introspects nothing.
 *
 * graphql-js answers `__schema` and `__type` from the schema the operation executes against, with
 * no hook to give them another; so this part is executed on its own against the client's view,
 * while the whole operation executes against the full schema. `__typename` names the runtime type
 * and is the same in both, so it is left to execution.
 */
export function introspectionPart(document: DocumentNode, operation: OperationDefinitionNode, queryTypeName: string): DocumentNode | null {
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition]] : [],
    ),
  );
  // Fragments on the query type can be spread only at the root: they are cut to their introspection too.
  const atRoot = (definition: FragmentDefinitionNode): boolean => definition.typeCondition.name.value === queryTypeName;
  const rootFragments = new Map<string, FragmentDefinitionNode | null>();

  const onlyIntrospection = (selectionSet: SelectionSetNode, seen: ReadonlySet<string>): SelectionSetNode | null => {
    const kept = selectionSet.selections.flatMap((selection): SelectionNode[] => {
      switch (selection.kind) {
        case Kind.FIELD:
          return SCHEMA_META_FIELDS.has(selection.name.value) ? [selection] : [];
        case Kind.INLINE_FRAGMENT: {
          const inner = onlyIntrospection(selection.selectionSet, seen);
          return inner ? [{ ...selection, selectionSet: inner }] : [];
        }
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const definition = fragments.get(name);
          if (!definition || !atRoot(definition) || seen.has(name)) return [];
          if (!rootFragments.has(name)) {
            rootFragments.set(name, null);
            const inner = onlyIntrospection(definition.selectionSet, new Set([...seen, name]));
            rootFragments.set(name, inner ? { ...definition, selectionSet: inner } : null);
          }
          return rootFragments.get(name) ? [selection] : [];
        }
      }
    });
    return kept.length > 0 ? { ...selectionSet, selections: kept } : null;
  };

  const selectionSet = onlyIntrospection(operation.selectionSet, new Set());
  if (!selectionSet) return null;
  const otherFragments = [...fragments.values()].filter((definition) => !atRoot(definition));
  const cutFragments = [...rootFragments.values()].filter((definition): definition is FragmentDefinitionNode => definition !== null);
  const body = [{ ...operation, selectionSet }, ...cutFragments, ...otherFragments];

  // Only the variables the part uses: the others may be of types the client's view does not have.
  const used = new Set<string>();
  for (const definition of body) {
    visit(definition.kind === Kind.OPERATION_DEFINITION ? definition.selectionSet : definition, {
      Variable: (node) => void used.add(node.name.value),
    });
  }
  const variableDefinitions = (operation.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value));
  const [cutOperation, ...rest] = body as [OperationDefinitionNode, ...FragmentDefinitionNode[]];
  return { kind: Kind.DOCUMENT, definitions: [{ ...cutOperation, variableDefinitions }, ...rest] };
}
