import { RETAINED_FIELDS, type RetainedFieldName } from "../domain/field-provenance";
import type { DataSubjectRow } from "./entities";

/** A retained field's value in the text form the archive keeps (an instant as ISO 8601, a date as YYYY-MM-DD). */
export function archivedFormOf(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : value;
}

/** The categories of the subject's retained fields that hold a value: what retention and erasure act on. */
export function liveCategoriesOf(row: DataSubjectRow): string[] {
  return RETAINED_FIELD_ENTRIES.filter(([field]) => row[field] !== null).map(([, category]) => category);
}

/** The field of the row that holds a category's value. */
export function fieldOfCategory(category: string): RetainedFieldName | undefined {
  return RETAINED_FIELD_ENTRIES.find(([, fieldCategory]) => fieldCategory === category)?.[0];
}

/** The row's value for a category, in the archive's text form; null when it holds none. */
export function liveValueOf(row: DataSubjectRow, category: string): string | null {
  const field = fieldOfCategory(category);
  const value = field ? row[field] : null;
  return value === null ? null : archivedFormOf(value);
}

/**
 * The subject as a purpose that reads the archive sees it: each retained field the archive keeps
 * shows the archived value; the others keep the live value (null once it left live processing; a
 * live value is released to that purpose only when a legal hold covers it, as the guard decides).
 */
export function archiveViewOf(row: DataSubjectRow, archived: ReadonlyMap<string, string>): DataSubjectRow {
  const view: DataSubjectRow = Object.assign(Object.create(Object.getPrototypeOf(row) as object) as DataSubjectRow, row);
  for (const [field, category] of RETAINED_FIELD_ENTRIES) {
    const value = archived.get(category);
    if (value === undefined) continue;
    if (field === "consentedAt") view.consentedAt = new Date(value);
    else view[field] = value;
  }
  return view;
}

const RETAINED_FIELD_ENTRIES = Object.entries(RETAINED_FIELDS) as [RetainedFieldName, string][];
