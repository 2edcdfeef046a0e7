/** A JSON value: what an export document is made of, so it serialises the same on every path. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export type JsonObject = { readonly [key: string]: JsonValue };

/** An instant as ISO 8601 in UTC (`2026-03-29T00:30:00.000Z`), or null. */
export function instant(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/**
 * A stored row's columns as JSON, every column but those in `omit`: instants as ISO 8601, arrays
 * and nested values kept. Used where the export promises a complete copy of a record (Art. 15(3)),
 * so a column added to the table later is in the export without anyone remembering to add it.
 * Relations are not columns: one TypeORM did not load is absent, a loaded one (an object) is omitted.
 */
export function columnsOf(row: object, omit: readonly string[] = []): JsonObject {
  const result: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(row)) {
    if (omit.includes(key) || value === undefined || isRelation(value)) continue;
    result[key] = jsonOf(value);
  }
  return result;
}

function isRelation(value: unknown): boolean {
  return typeof value === "object" && value !== null && !(value instanceof Date) && !Array.isArray(value);
}

function jsonOf(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonOf);
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return value.toString();
    default:
      // No column holds anything else; an export that promises a complete copy fails rather than guess.
      throw new TypeError(`cannot export a value of type ${typeof value}`);
  }
}
