import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { EntityManager, EventSubscriber, type DataSource, type EntitySubscriberInterface, type LoadEvent } from "typeorm";
import { RETAINED_FIELDS } from "../domain/field-provenance";
import { ENVELOPE_VERSION, EncryptedValueError, isEnvelope } from "./encryption-envelope";
import { ArchivedValueRow, DataSubjectRow } from "./entities";

export { ENVELOPE_PATTERN, EncryptedValueError, isEnvelope } from "./encryption-envelope";

/**
 * Encryption at rest of the most sensitive personal values (README, Security): AES-256-GCM with a
 * random 96-bit IV per value, each value stored as one self-describing text envelope
 *
 *     v1:<key id>:<iv, base64>:<auth tag, base64>:<ciphertext, base64>
 *
 * (src/persistence/encryption-envelope.ts).
 * The key id names the key that sealed the value, so several keys can be held while a rotation
 * runs and the rotation can find what still uses an old one. The associated data binds each
 * ciphertext to where it is stored — table, column and the row's key — so a value copied to another
 * row or column does not decrypt there: it fails closed (an error), never answers another
 * person's value. Only the key protects the values: the server holds it in memory, so this protects
 * disks, backups and database dumps, not a compromised server.
 */

/** Bytes of an AES-256 key; `openssl rand -base64 32` makes one. */
export const KEY_BYTES = 32;

/**
 * The data subject's fields stored encrypted, with their columns. Nothing selects, orders or
 * compares by these columns in SQL (a date of birth is compared in TypeScript,
 * src/policy/engine/consent-age.ts), which is what encrypting them requires.
 */
export const ENCRYPTED_SUBJECT_FIELDS = {
  email: "email",
  postalAddress: "postal_address",
  phone: "phone",
  dateOfBirth: "date_of_birth",
  ipAddress: "ip_address",
} as const satisfies Partial<Record<keyof DataSubjectRow, string>>;

export type EncryptedSubjectField = keyof typeof ENCRYPTED_SUBJECT_FIELDS;

const ENCRYPTED_FIELD_ENTRIES = Object.entries(ENCRYPTED_SUBJECT_FIELDS) as [EncryptedSubjectField, string][];

/** The categories of the encrypted fields: wherever else a value of one is stored (the archive), it is encrypted too. */
export const ENCRYPTED_CATEGORIES: readonly string[] = ENCRYPTED_FIELD_ENTRIES.map(([field]) => RETAINED_FIELDS[field]);

/** Where a value is stored: what its ciphertext is bound to (GCM associated data). */
export interface Binding {
  readonly table: string;
  readonly column: string;
  /** The row's key: the subject's id; for the archive, subject id and category (its natural key, kept when an upsert replaces the value). */
  readonly row: string;
}

export function subjectBinding(subjectId: string, field: EncryptedSubjectField): Binding {
  return { table: "data_subject", column: ENCRYPTED_SUBJECT_FIELDS[field], row: subjectId };
}

export function archiveBinding(subjectId: string, category: string): Binding {
  return { table: "archived_value", column: "value", row: `${subjectId}/${category}` };
}

/** The keys the server holds: the current one seals; it and the old ones open. */
export class Keyring {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly derived = new Map<string, Buffer>();

  private constructor(
    readonly currentKeyId: string,
    private readonly current: Buffer,
    keys: Map<string, Buffer>,
  ) {
    this.keys = keys;
  }

  static of(current: Buffer, oldKeys: readonly Buffer[] = []): Keyring {
    const keys = new Map<string, Buffer>();
    for (const key of [current, ...oldKeys]) {
      if (key.length !== KEY_BYTES) throw new Error(`An encryption key must be ${KEY_BYTES} bytes`);
      keys.set(keyIdOf(key), Buffer.from(key));
    }
    return new Keyring(keyIdOf(current), Buffer.from(current), keys);
  }

  /**
   * A key for another use than sealing stored values — `use` names it (`connection cursors`) —
   * derived from the current key by HKDF-SHA256: one secret to configure, a different key per use,
   * and none of them the key itself. Every instance with the same key derives the same one.
   */
  derivedKey(use: string): Buffer {
    // Derived once per use: every page of every request asks for the cursors' key.
    let derived = this.derived.get(use);
    if (!derived) {
      derived = Buffer.from(hkdfSync("sha256", this.current, Buffer.alloc(0), `purposeql ${use}`, KEY_BYTES));
      this.derived.set(use, derived);
    }
    return derived;
  }

  seal(plaintext: string, binding: Binding): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.current, iv);
    cipher.setAAD(associatedData(binding));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [ENVELOPE_VERSION, this.currentKeyId, iv.toString("base64"), tag.toString("base64"), ciphertext.toString("base64")].join(":");
  }

  open(envelope: string, binding: Binding): string {
    const where = `${binding.table}.${binding.column}`;
    if (!isEnvelope(envelope)) throw new EncryptedValueError(`A value in ${where} is not encrypted: refusing to read it`);
    const [, keyId, iv, tag, ciphertext] = envelope.split(":") as [string, string, string, string, string];
    const key = this.keys.get(keyId);
    if (!key) {
      throw new EncryptedValueError(
        `A value in ${where} is encrypted with key ${keyId}, which is not configured (PURPOSEQL_ENCRYPTION_KEY, PURPOSEQL_ENCRYPTION_OLD_KEYS)`,
      );
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
      decipher.setAAD(associatedData(binding));
      decipher.setAuthTag(Buffer.from(tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64")), decipher.final()]).toString("utf8");
    } catch {
      throw new EncryptedValueError(`A value in ${where} does not decrypt for its row: it was altered or moved from elsewhere`);
    }
  }
}

/** A short, stable name of a key: not the key, and no help in finding it (a hash of 256 random bits). */
export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update("purposeql encryption key id\0").update(key).digest("base64url").slice(0, 8);
}

/** The key id of an envelope, or null for a value that is not one. */
export function envelopeKeyId(value: string): string | null {
  return isEnvelope(value) ? (value.split(":")[1] ?? null) : null;
}

function associatedData(binding: Binding): Buffer {
  // Length-prefixed, so no choice of names can make two bindings encode alike.
  return Buffer.from(
    [ENVELOPE_VERSION, binding.table, binding.column, binding.row].map((part) => `${part.length}:${part}`).join(","),
    "utf8",
  );
}

const KEYRINGS = new WeakMap<DataSource, Keyring>();

/** Gives a data source its keys: every read of an encrypted column on it decrypts, every write through the repositories encrypts. */
export function attachKeyring(dataSource: DataSource, keyring: Keyring): void {
  KEYRINGS.set(dataSource, keyring);
}

/** The keys of the data source behind `manager`; a data source without keys reads and writes no encrypted value. */
export function keyringOf(source: EntityManager | DataSource): Keyring {
  const dataSource = source instanceof EntityManager ? source.dataSource : source;
  const keyring = KEYRINGS.get(dataSource);
  if (!keyring) throw new EncryptedValueError("No encryption key is configured for this database connection (PURPOSEQL_ENCRYPTION_KEY)");
  return keyring;
}

/** The fields to write, the encrypted ones sealed for the subject's row; undefined and null stay as they are. */
export function sealSubjectFields<T extends Partial<Record<EncryptedSubjectField, string | null | undefined>>>(
  keyring: Keyring,
  subjectId: string,
  fields: T,
): T {
  const sealed: T = { ...fields };
  for (const [field] of ENCRYPTED_FIELD_ENTRIES) {
    const value = fields[field];
    if (typeof value === "string") (sealed as Record<string, unknown>)[field] = keyring.seal(value, subjectBinding(subjectId, field));
  }
  return sealed;
}

/** An archived value as stored: sealed when its category is one of the encrypted ones. */
export function sealArchivedValue(keyring: Keyring, subjectId: string, category: string, value: string): string {
  return ENCRYPTED_CATEGORIES.includes(category) ? keyring.seal(value, archiveBinding(subjectId, category)) : value;
}

/**
 * Decrypts every subject row and archived value TypeORM loads — finds, query builders, relations —
 * so no read path can forget to. A value that does not decrypt makes the whole query fail.
 */
// Registered by the data source's `subscribers` option, which takes only classes so decorated.
@EventSubscriber()
export class FieldEncryptionSubscriber implements EntitySubscriberInterface {
  afterLoad(entity: unknown, event?: LoadEvent<unknown>): void {
    if (!event) return;
    if (entity instanceof DataSubjectRow) openSubjectRow(keyringFor(event), entity);
    else if (entity instanceof ArchivedValueRow) openArchivedValue(keyringFor(event), entity);
  }
}

function keyringFor(event: LoadEvent<unknown>): () => Keyring {
  return () => keyringOf(event.dataSource);
}

/** Decrypts, in place, the encrypted fields of a subject row read with plain SQL (the subscriber does it for TypeORM's loads). */
export function openSubjectFields(keyring: Keyring, row: DataSubjectRow): void {
  openSubjectRow(() => keyring, row);
}

function openSubjectRow(keyring: () => Keyring, row: DataSubjectRow): void {
  for (const [field] of ENCRYPTED_FIELD_ENTRIES) {
    const value = row[field] as string | null | undefined;
    if (typeof value !== "string") continue;
    if (typeof row.id !== "string") throw new EncryptedValueError("An encrypted subject field was loaded without the row's id");
    row[field] = keyring().open(value, subjectBinding(row.id, field));
  }
}

function openArchivedValue(keyring: () => Keyring, row: ArchivedValueRow): void {
  if (typeof row.value !== "string") return;
  if (typeof row.category !== "string" || typeof row.subjectId !== "string") {
    throw new EncryptedValueError("An archived value was loaded without its subject and category");
  }
  if (ENCRYPTED_CATEGORIES.includes(row.category)) row.value = keyring().open(row.value, archiveBinding(row.subjectId, row.category));
}
