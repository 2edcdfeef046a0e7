import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";

/**
 * Whether the operation selects `name` directly under the field being resolved — through aliases,
 * inline fragments and named fragments alike. `@skip`/`@include` are not weighed: a field that
 * might be selected counts as selected, so what it costs is paid rather than its answer missed.
 */
export function selectsField(info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">, name: string): boolean {
  const visited = new Set<string>();
  const within = (selectionSet: SelectionSetNode | undefined): boolean =>
    (selectionSet?.selections ?? []).some((selection) => {
      switch (selection.kind) {
        case Kind.FIELD:
          return selection.name.value === name;
        case Kind.INLINE_FRAGMENT:
          return within(selection.selectionSet);
        case Kind.FRAGMENT_SPREAD: {
          const fragmentName = selection.name.value;
          if (visited.has(fragmentName)) return false;
          visited.add(fragmentName);
          return within(info.fragments[fragmentName]?.selectionSet);
        }
      }
    });
  return info.fieldNodes.some((node) => within(node.selectionSet));
}
