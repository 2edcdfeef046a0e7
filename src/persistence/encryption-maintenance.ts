import type { DataSource, EntityManager } from "typeorm";
import { ENVELOPE_PATTERN } from "./encryption-envelope";
import {
  archiveBinding,
  ENCRYPTED_CATEGORIES,
  ENCRYPTED_SUBJECT_FIELDS,
  envelopeKeyId,
  keyringOf,
  subjectBinding,
  type Binding,
  type EncryptedSubjectField,
  type Keyring,
} from "./field-encryption";

/** Values re-sealed by one pass, per table. */
export interface ResealReport {
  readonly subjectValues: number;
  readonly archivedValues: number;
}

/** Rows changed per transaction: each batch locks only its own rows, and a pass interrupted keeps what it committed. */
export const RESEAL_BATCH_SIZE = 200;

/**
 * Encrypts every value of an encrypted column still stored in the clear: those written before the
 * migration that introduced encryption at rest (a SQL migration cannot know the key). Run by every
 * start after the migrations; finds nothing to do once done.
 */
export function sealUnencryptedValues(dataSource: DataSource, batchSize = RESEAL_BATCH_SIZE): Promise<ResealReport> {
  return reseal(dataSource, "unencrypted", batchSize);
}

/**
 * Key rotation: re-encrypts under the current key every value sealed with another (an old key must
 * still be configured to open them) and seals any left in the clear. In batches, each its own
 * transaction with its rows locked; idempotent — a second run, or one after an interruption,
 * changes only what is left.
 */
export function rotateEncryptionKey(dataSource: DataSource, batchSize = RESEAL_BATCH_SIZE): Promise<ResealReport> {
  return reseal(dataSource, "not-current", batchSize);
}

type Selection = "unencrypted" | "not-current";

async function reseal(dataSource: DataSource, selection: Selection, batchSize: number): Promise<ResealReport> {
  const keyring = keyringOf(dataSource);
  let subjectValues = 0;
  let archivedValues = 0;
  for (;;) {
    const changed = await dataSource.transaction((manager) => resealSubjects(manager, keyring, selection, batchSize));
    subjectValues += changed;
    if (changed === 0) break;
  }
  for (;;) {
    const changed = await dataSource.transaction((manager) => resealArchive(manager, keyring, selection, batchSize));
    archivedValues += changed;
    if (changed === 0) break;
  }
  return { subjectValues, archivedValues };
}

const FIELDS = Object.entries(ENCRYPTED_SUBJECT_FIELDS) as [EncryptedSubjectField, string][];

/** SQL that is true when `column` holds a value this pass must re-seal; `$2` is the envelope pattern, `$3` the current key's prefix (rotation only). */
function needsResealing(column: string, selection: Selection): string {
  return selection === "unencrypted"
    ? `(${column} IS NOT NULL AND ${column} !~ $2::text)`
    : `(${column} IS NOT NULL AND (${column} !~ $2::text OR left(${column}, length($3::text)) <> $3::text))`;
}

/** `$1` the batch size, `$2` the envelope pattern, `$3` the current key's prefix when rotating. */
function selectionParameters(keyring: Keyring, selection: Selection, batchSize: number): unknown[] {
  return selection === "unencrypted" ? [batchSize, ENVELOPE_PATTERN] : [batchSize, ENVELOPE_PATTERN, `v1:${keyring.currentKeyId}:`];
}

async function resealSubjects(manager: EntityManager, keyring: Keyring, selection: Selection, batchSize: number): Promise<number> {
  const columns = FIELDS.map(([, column]) => column);
  const rows: Record<string, string | null>[] = await manager.query(
    `SELECT id, ${columns.join(", ")} FROM data_subject
     WHERE ${columns.map((column) => needsResealing(column, selection)).join(" OR ")}
     ORDER BY id LIMIT $1 FOR UPDATE`,
    selectionParameters(keyring, selection, batchSize),
  );
  let changed = 0;
  for (const row of rows) {
    const id = row.id as string;
    const updates: [string, string][] = [];
    for (const [field, column] of FIELDS) {
      const stored = row[column];
      if (stored === null || stored === undefined) continue;
      const value = resealed(keyring, stored, subjectBinding(id, field));
      if (value !== null) updates.push([column, value]);
    }
    if (updates.length === 0) continue;
    // Straight SQL: re-encryption changes no value of the person, so it is no change event and leaves updated_at alone.
    await manager.query(
      `UPDATE data_subject SET ${updates.map(([column], index) => `${column} = $${index + 2}`).join(", ")} WHERE id = $1`,
      [id, ...updates.map(([, value]) => value)],
    );
    changed += updates.length;
  }
  return changed;
}

async function resealArchive(manager: EntityManager, keyring: Keyring, selection: Selection, batchSize: number): Promise<number> {
  const rows: { id: string; subject_id: string; category: string; value: string }[] = await manager.query(
    `SELECT id, subject_id, category, value FROM archived_value
     WHERE category IN (${ENCRYPTED_CATEGORIES.map((category) => `'${category}'`).join(", ")}) AND ${needsResealing("value", selection)}
     ORDER BY id LIMIT $1 FOR UPDATE`,
    selectionParameters(keyring, selection, batchSize),
  );
  let changed = 0;
  for (const row of rows) {
    const resealedValue = resealed(keyring, row.value, archiveBinding(row.subject_id, row.category));
    if (resealedValue === null) continue;
    await manager.query(`UPDATE archived_value SET value = $2 WHERE id = $1`, [row.id, resealedValue]);
    changed += 1;
  }
  return changed;
}

/** The value sealed with the current key; null when it already is. A value in the clear is sealed as it is. */
function resealed(keyring: Keyring, stored: string, binding: Binding): string | null {
  const keyId = envelopeKeyId(stored);
  if (keyId === keyring.currentKeyId) return null;
  const plaintext = keyId === null ? stored : keyring.open(stored, binding);
  return keyring.seal(plaintext, binding);
}

/** How many stored values each key sealed (`unencrypted`: none), per table: what `npm run encryption -- status` prints. */
export async function encryptionStatus(dataSource: DataSource): Promise<{ table: string; key: string; values: number }[]> {
  const keyOf = (column: string) => `CASE WHEN ${column} ~ $1 THEN split_part(${column}, ':', 2) ELSE 'unencrypted' END`;
  const subject = FIELDS.map(
    ([, column]) => `SELECT 'data_subject' AS "table", ${keyOf(column)} AS key FROM data_subject WHERE ${column} IS NOT NULL`,
  );
  const archive = `SELECT 'archived_value' AS "table", ${keyOf("value")} AS key FROM archived_value WHERE category = ANY($2)`;
  const rows: { table: string; key: string; values: number }[] = await dataSource.query(
    `SELECT "table", key, count(*)::int AS "values" FROM (${[...subject, archive].join(" UNION ALL ")}) AS stored
     GROUP BY "table", key ORDER BY "table", key`,
    [ENVELOPE_PATTERN, [...ENCRYPTED_CATEGORIES]],
  );
  return rows;
}
