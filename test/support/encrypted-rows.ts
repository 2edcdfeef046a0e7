import type { DataSource } from "typeorm";
import {
  archiveBinding,
  ENCRYPTED_CATEGORIES,
  ENCRYPTED_SUBJECT_FIELDS,
  keyringOf,
  subjectBinding,
  type EncryptedSubjectField,
} from "../../src/persistence/field-encryption";

/**
 * Raw rows as a test reads them with SQL, their encrypted columns decrypted with the database's
 * keys: for tests about what is stored, not how (test/encryption-at-rest.test.ts is about how).
 */
export function decryptedSubjectRow<T extends Record<string, unknown>>(dataSource: DataSource, subjectId: string, raw: T): T {
  const opened: Record<string, unknown> = { ...raw };
  for (const [field, column] of Object.entries(ENCRYPTED_SUBJECT_FIELDS) as [EncryptedSubjectField, string][]) {
    const value = raw[column];
    if (typeof value === "string") opened[column] = keyringOf(dataSource).open(value, subjectBinding(subjectId, field));
  }
  return opened as T;
}

export function decryptedArchivedValue<T extends { category: string; value: string }>(
  dataSource: DataSource,
  subjectId: string,
  raw: T,
): T {
  if (!ENCRYPTED_CATEGORIES.includes(raw.category)) return raw;
  return { ...raw, value: keyringOf(dataSource).open(raw.value, archiveBinding(subjectId, raw.category)) };
}
