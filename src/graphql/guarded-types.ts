import type { FieldGuard } from "../enforcement/field-guard";
import { attachGuard } from "../enforcement/field-guard";
import type { RequestAccess } from "../enforcement/request-access";
import type { ConsentRow, DataSubjectRow, ObjectionRow } from "../persistence/entities";
import type { LoadedFacts } from "../persistence/subject-facts-repository";
import { consentValues, evidenceValues, objectionValues, subjectValues } from "./mappers";
import { personalFieldsOfClass } from "./personal-data";
import { Objection } from "./types/audit.types";
import { Consent, ConsentEvidence } from "./types/consent.types";
import { DataSubject } from "./types/subject.types";

/**
 * The personal types as GraphQL resolves them: built from rows, their personal fields held behind
 * the request's guard for their subject (enforcement/field-guard.ts), the rest plain.
 */

type TypeClass<T> = new () => T;

/** An instance of `typeClass` whose personal fields pass `guard`; `values` holds every field. */
export function guardedObject<T extends object>(typeClass: TypeClass<T>, values: { [K in keyof T]: T[K] }, guard: FieldGuard): T {
  const instance = new typeClass() as Record<string, unknown>;
  const personal = personalFieldsOfClass(typeClass);
  const personalValues: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (personal.has(key)) personalValues[key] = value;
    else instance[key] = value;
  }
  return attachGuard(instance, personalValues, guard) as T;
}

export async function subjectById(access: RequestAccess, id: string): Promise<DataSubject | null> {
  const row = await access.loadSubject(id);
  return row ? guardSubject(access, row) : null;
}

export async function guardSubject(access: RequestAccess, row: DataSubjectRow): Promise<DataSubject> {
  const guard = await access.guardOfRow(row);
  return guardedObject(DataSubject, subjectValues(await access.subjectView(row), access.now), guard);
}

/** A subject whose facts are loaded already (the field-guard benchmark). */
export function guardLoadedSubject(access: RequestAccess, row: DataSubjectRow, facts: LoadedFacts): DataSubject {
  return guardedObject(DataSubject, subjectValues(row, access.now), access.guardWith(row, facts));
}

export async function guardSubjects(access: RequestAccess, rows: readonly DataSubjectRow[]): Promise<DataSubject[]> {
  return Promise.all(rows.map((row) => guardSubject(access, row)));
}

/** A subject this request has just written: loaded and decided afresh, not from what the request saw before. */
export async function guardChangedSubject(access: RequestAccess, row: DataSubjectRow): Promise<DataSubject> {
  access.forget(row.id);
  return guardSubject(access, row);
}

/** A consent, every field but its identifiers behind the guard of its subject (that she consented is personal data). */
export async function guardConsent(access: RequestAccess, row: ConsentRow): Promise<Consent> {
  const guard = await access.guardOf(row.subjectId);
  return guardedObject(
    Consent,
    { ...consentValues(row, access.now), evidence: guardedObject(ConsentEvidence, evidenceValues(row), guard) },
    guard,
  );
}

/** An objection, guarded like a consent. */
export async function guardObjection(access: RequestAccess, row: ObjectionRow): Promise<Objection> {
  return guardedObject(Objection, objectionValues(row, access.now), await access.guardOf(row.subjectId));
}
