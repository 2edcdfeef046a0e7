import { isUnder, parentKeyOf } from "../keys";

/**
 * Sets of hierarchical category keys, where a key stands for itself and everything beneath it
 * (`user.contact` covers `user.contact.email`): what a grant, a processor's contract and a fideslang
 * privacy declaration all mean by a list of categories.
 */

/** The keys no other key of the list covers, sorted: the same coverage, said once. */
export function minimalKeys(keys: Iterable<string>): string[] {
  const unique = [...new Set(keys)];
  return unique.filter((key) => !unique.some((other) => other !== key && isUnder(key, other))).sort();
}

/** What both lists cover: for each pair, the narrower key when one lies under the other. */
export function intersectKeys(a: readonly string[], b: readonly string[]): string[] {
  return minimalKeys(a.flatMap((x) => b.flatMap((y) => (isUnder(x, y) ? [x] : isUnder(y, x) ? [y] : []))));
}

/** The declared categories `keys` cover: what a purpose granted `keys` may read (CompiledPolicy's rule 2). */
export function covered(keys: readonly string[], declared: readonly string[]): string[] {
  return declared.filter((category) => keys.some((key) => isUnder(category, key)));
}

/** The declared categories without sub-categories that `keys` cover. */
export function leavesCovered(keys: readonly string[], declared: readonly string[]): Set<string> {
  return new Set(leavesOf(declared).filter((leaf) => keys.some((key) => isUnder(leaf, key))));
}

/**
 * The fewest declared keys that cover exactly what `keys` cover: a category whose every leaf is
 * covered stands for all of them (a contract covering every kind of contact data names `user.contact`).
 */
export function coverOf(keys: readonly string[], declared: readonly string[]): string[] {
  const covered = leavesCovered(keys, declared);
  const leaves = leavesOf(declared);
  const visit = (node: string): string[] => {
    const under = leaves.filter((leaf) => isUnder(leaf, node));
    if (under.length > 0 && under.every((leaf) => covered.has(leaf))) return [node];
    return declared.filter((child) => parentKeyOf(child) === node).flatMap(visit);
  };
  return declared
    .filter((key) => parentKeyOf(key) === null)
    .flatMap(visit)
    .sort();
}

function leavesOf(declared: readonly string[]): string[] {
  return declared.filter((key) => !declared.some((other) => parentKeyOf(other) === key));
}
