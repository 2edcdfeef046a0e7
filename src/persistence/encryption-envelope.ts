import type { ValueTransformer } from "typeorm";

/** The envelope format's version, the first field of every encrypted value (src/persistence/field-encryption.ts). */
export const ENVELOPE_VERSION = "v1";

/**
 * The envelope's shape — version, key id, 96-bit IV, 128-bit tag, ciphertext — checked before any
 * decryption; the same pattern finds values not yet sealed in SQL (`!~`, on both databases).
 */
export const ENVELOPE_PATTERN = "^v1:[A-Za-z0-9_-]{8}:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]{22}==:[A-Za-z0-9+/]*={0,2}$";
const ENVELOPE = new RegExp(ENVELOPE_PATTERN);

/** A value could not be decrypted (its key is not configured, or it was altered or moved), or would be stored unencrypted. Never carries the value. */
export class EncryptedValueError extends Error {}

export function isEnvelope(value: string): boolean {
  return ENVELOPE.test(value);
}

/**
 * The transformer of every encrypted column: refuses to write a value that is not sealed, so a
 * write path that forgot to encrypt fails instead of storing plaintext. Reads are decrypted by
 * FieldEncryptionSubscriber, which knows the row (a transformer does not, and the row is part of
 * what each ciphertext is bound to).
 */
export const SEALED_ONLY: ValueTransformer = {
  to(value: unknown): unknown {
    if (typeof value === "string" && !isEnvelope(value))
      throw new EncryptedValueError("Refusing to store an unencrypted value in an encrypted column");
    return value;
  },
  from(value: unknown): unknown {
    return value;
  },
};
