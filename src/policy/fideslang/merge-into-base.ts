import { isMap, isScalar, isSeq, type Document, type YAMLMap } from "yaml";
import type { PolicyDocument } from "../policy-document";

/** A policy file's content as plain data, before it is written: null where a value is still to be filled in. */
export interface PolicyDraft {
  readonly organisation: Record<string, unknown>;
  readonly categories: readonly Record<string, unknown>[];
  readonly purposes: readonly Record<string, unknown>[];
  readonly processors: readonly Record<string, unknown>[];
}

/** The values a policy file may leave out, as the loader fills them in: an omitted value and its default are the same. */
const DEFAULTS: Readonly<Record<string, unknown>> = {
  special: false,
  allowedUnderRestriction: false,
  consentAtRegistration: false,
  answersRequests: false,
  neverGrants: [],
  showsAds: false,
  automatedDecisions: [],
  timeZone: "UTC",
};

/**
 * `document`, the base policy file (`base` as the loader reads it), edited where `draft` differs from
 * it: its comments (the notice citations among them), order and untouched values stay. Items are
 * matched by key, processors by name.
 */
export function mergedIntoBase(document: Document, base: PolicyDocument, draft: PolicyDraft): Document {
  const organisation = document.get("organisation", true);
  if (isMap(organisation)) reconcileMap(document, organisation, base.organisation, draft.organisation);
  else document.set("organisation", createNode(document, draft.organisation));
  reconcileSeq(document, "categories", base.categories, draft.categories, "key");
  reconcileSeq(document, "purposes", base.purposes, draft.purposes, "key");
  reconcileSeq(document, "processors", base.processors, draft.processors, "name");
  return document;
}

function reconcileSeq(
  document: Document,
  section: string,
  baseItems: readonly object[],
  draftItems: readonly Record<string, unknown>[],
  id: "key" | "name",
): void {
  const seq = document.get(section, true);
  if (!isSeq(seq)) {
    if (draftItems.length > 0) document.set(section, createNode(document, draftItems));
    return;
  }
  const baseById = new Map(baseItems.map((item, index) => [(item as Record<string, unknown>)[id], { item, node: seq.items[index] }]));
  seq.items = draftItems.map((draftItem) => {
    const match = baseById.get(draftItem[id]);
    if (match && isMap(match.node)) {
      reconcileMap(document, match.node, match.item, draftItem);
      return match.node;
    }
    return createNode(document, draftItem);
  });
}

function reconcileMap(document: Document, node: YAMLMap, base: object, draft: Record<string, unknown>): void {
  const baseValues = base as Record<string, unknown>;
  for (const [key, value] of Object.entries(draft)) {
    if (value === undefined || sameValue(key, baseValues[key], value)) continue;
    node.set(key, createNode(document, value));
  }
  for (const pair of [...node.items]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (draft[key] === undefined && !sameValue(key, baseValues[key], undefined)) node.delete(key);
  }
}

function createNode(document: Document, value: unknown) {
  return document.createNode(value, { aliasDuplicateObjects: false });
}

/** Equal, counting an omitted value as its default. */
function sameValue(key: string, a: unknown, b: unknown): boolean {
  const normal = (value: unknown): unknown => (value === undefined ? DEFAULTS[key] : value);
  return deepEqual(normal(a), normal(b));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const entries = (value: object) => Object.entries(value).filter(([, item]) => item !== undefined);
    const [left, right] = [entries(a), entries(b)];
    return left.length === right.length && left.every(([key, item]) => deepEqual(item, (b as Record<string, unknown>)[key]));
  }
  return false;
}
