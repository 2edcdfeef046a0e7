import { subjectFactsOf as factsOfRow } from "../persistence/subject-facts-repository";
import { FACT_CATEGORIES } from "../domain/fact-categories";
import {
  CONSENT_EVIDENCE_CATEGORIES,
  SUBJECT_FIELD_NAMES,
  SUBJECT_FIELDS,
  type Provenance,
  type SUBJECT_FIELDS_NOT_EXPORTED,
  type SubjectFieldName,
} from "../domain/field-provenance";
import type { DataSubjectRow } from "../persistence/entities";
import type { SubjectRecord } from "../persistence/subject-record-repository";
import type { SubjectFacts } from "../policy/engine/lawfulness";

/**
 * Compile-time proof that the provenance table covers the subject's row exactly: every column is
 * either a value with a category and provenance (`SUBJECT_FIELDS`) or named with the reason it is
 * not one (`SUBJECT_FIELDS_NOT_EXPORTED`). A column added to `DataSubjectRow` without either stops
 * the build here (test/exports.test.ts checks the database's columns the same way).
 */
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type ExportedColumn = Exclude<keyof DataSubjectRow, keyof typeof SUBJECT_FIELDS_NOT_EXPORTED>;
export const EVERY_COLUMN_HAS_A_PROVENANCE: Exactly<ExportedColumn, SubjectFieldName> = true;

/** One stored value of the subject's row, with what the export says about it. */
export interface HeldValue {
  readonly field: SubjectFieldName;
  readonly category: string;
  readonly provenance: Provenance;
  readonly description: string;
  /** The value as stored: instants as ISO 8601, a date of birth as `YYYY-MM-DD`; null when none is held. */
  readonly value: string | null;
}

/** Every stored value of the subject's row, in the provenance table's order, null ones included. */
export function storedValues(subject: DataSubjectRow): HeldValue[] {
  return SUBJECT_FIELD_NAMES.map((field) => {
    const stored = subject[field];
    return {
      field,
      ...SUBJECT_FIELDS[field],
      value: stored === null ? null : stored instanceof Date ? stored.toISOString() : stored,
    };
  });
}

/**
 * The categories the controller holds a value of for this subject: the row's non-null fields, a
 * consent receipt's evidence, the archived values, and the privacy choices (consents, objections, requests) and account
 * status (restriction history) its records hold. Sorted.
 */
export function categoriesHeld(record: SubjectRecord): string[] {
  const held = new Set(storedValues(record.subject).flatMap((value) => (value.value === null ? [] : [value.category])));
  if (record.consents.length > 0 || record.objections.length > 0 || record.requests.length > 0) {
    held.add(FACT_CATEGORIES.privacyPreferences);
  }
  if (record.restrictionEvents.length > 0) held.add(FACT_CATEGORIES.accountStatus);
  // What the archive keeps is held too (GDPR Art. 15 knows no exception for archives).
  for (const archived of record.archived) held.add(archived.category);
  for (const consent of record.consents) {
    const evidence = {
      ipAddress: consent.evidenceIpAddress,
      browser: consent.evidenceBrowser,
      operatingSystem: consent.evidenceOperatingSystem,
      device: consent.evidenceDevice,
    } satisfies Record<keyof typeof CONSENT_EVIDENCE_CATEGORIES, string | null>;
    for (const [field, value] of Object.entries(evidence)) {
      if (value !== null) held.add(CONSENT_EVIDENCE_CATEGORIES[field as keyof typeof CONSENT_EVIDENCE_CATEGORIES]);
    }
  }
  return [...held].sort();
}

/** What the policy engine needs to decide on this subject (`lawfulness`, `retentionEndsAt`): the one mapping, fed from the whole record. */
export function subjectFactsOf(record: SubjectRecord): SubjectFacts {
  return factsOfRow(record.subject, {
    consents: record.consents,
    objections: record.objections,
    archivedCategories: record.archived.map((value) => value.category),
    legalHolds: record.legalHolds,
    inquiries: record.inquiries,
  });
}
