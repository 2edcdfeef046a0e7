/** Hierarchical keys: `user.contact.email` is under `user.contact`, which is under `user`. */

export function parentKeyOf(key: string): string | null {
  const lastDot = key.lastIndexOf(".");
  return lastDot === -1 ? null : key.slice(0, lastDot);
}

/** True when `key` is `ancestor` itself or lies beneath it. */
export function isUnder(key: string, ancestor: string): boolean {
  return key === ancestor || key.startsWith(`${ancestor}.`);
}

/** The closest proper ancestor of `key` that is declared, or null. */
export function nearestDeclaredAncestor(key: string, declared: { has(key: string): boolean }): string | null {
  let candidate = parentKeyOf(key);
  while (candidate !== null && !declared.has(candidate)) candidate = parentKeyOf(candidate);
  return candidate;
}
