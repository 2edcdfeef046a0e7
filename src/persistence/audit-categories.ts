import type { DataSource, QueryRunner } from "typeorm";

/** A category key's bit in the audit's dictionary (`audit_category`, migration CompactReadAudit). */
export type CategoryBits = ReadonlyMap<string, number>;

/** Bits are never renumbered, so what one process has learnt of the dictionary stays true: it is kept per database. */
const known = new WeakMap<object, Map<string, number>>();

/**
 * The bits of `keys`, giving a bit to each key the dictionary does not hold yet (in the database,
 * as its owner: `audit_category_register`). Costs a statement only the first time this process
 * meets a key; fails, and so withholds the answer, past 63 keys.
 */
export async function categoryBits(queryRunner: QueryRunner, keys: Iterable<string>): Promise<CategoryBits> {
  const database = queryRunner.dataSource;
  let bits = known.get(database);
  if (!bits) {
    bits = new Map();
    known.set(database, bits);
  }
  const missing = [...new Set(keys)].filter((key) => !bits.has(key));
  if (missing.length === 0) return bits;
  // A smallint: a number from both drivers.
  const rows = await queryRunner.manager.query<{ bit: number; key: string }[]>(
    `SELECT bit_index AS bit, key FROM audit_category_register($1::text[])`,
    [missing],
  );
  for (const row of rows) bits.set(row.key, row.bit);
  return bits;
}

/** One subject's categories as a mask, in decimal (a bigint of up to 63 bits). */
export function maskOf(bits: CategoryBits, keys: readonly string[]): string {
  let mask = 0n;
  for (const key of keys) {
    const bit = bits.get(key);
    if (bit === undefined) throw new Error(`the audit has no bit for the category ${key}`);
    mask |= 1n << BigInt(bit);
  }
  return mask.toString();
}

/**
 * Gives every category of the policy in force its bit at start-up, so that no request pays the
 * registration statement: a request's audit stays one statement from its first one on. A category
 * a later policy version adds is registered by the first request that reads it.
 */
export async function registerAuditCategories(dataSource: DataSource, keys: Iterable<string>): Promise<void> {
  const queryRunner = dataSource.createQueryRunner("master");
  try {
    await categoryBits(queryRunner, keys);
  } finally {
    await queryRunner.release();
  }
}
