import type { DataSource } from "typeorm";
import { encryptionStatus, rotateEncryptionKey } from "../persistence/encryption-maintenance";
import { keyringOf } from "../persistence/field-encryption";

export const ENCRYPTION_USAGE = `Usage:
  npm run encryption -- status
  npm run encryption -- rotate

status counts the encrypted values stored under each key (by key id; "unencrypted": none).
rotate re-encrypts under PURPOSEQL_ENCRYPTION_KEY every value sealed with another key, in batches,
each its own transaction; the old keys must be given, comma-separated, in
PURPOSEQL_ENCRYPTION_OLD_KEYS. Interrupted, it can be run again; run twice, the second changes nothing.
With the embedded database, stop the server first; on PostgreSQL it may run beside the servers,
once each of them holds the new key among its keys.`;

export class EncryptionUsageError extends Error {}

/** The `npm run encryption` commands, on a data source opened with the keys. */
export async function runEncryptionCommand(argv: readonly string[], dataSource: DataSource, print: (text: string) => void): Promise<void> {
  const [command, ...rest] = argv;
  if (rest.length > 0) throw new EncryptionUsageError(`Unexpected arguments: ${rest.join(" ")}`);
  const currentKeyId = keyringOf(dataSource).currentKeyId;
  if (command === "status") {
    const rows = await encryptionStatus(dataSource);
    print(`Current key: ${currentKeyId}\n`);
    for (const row of rows) print(`${row.table.padEnd(16)} ${row.key.padEnd(12)} ${row.values}\n`);
    return;
  }
  if (command === "rotate") {
    const report = await rotateEncryptionKey(dataSource);
    print(
      `Re-encrypted under key ${currentKeyId}: ${report.subjectValues} subject values, ${report.archivedValues} archived values. ` +
        `No value uses another key now; the old keys can be removed from PURPOSEQL_ENCRYPTION_OLD_KEYS.\n`,
    );
    return;
  }
  throw new EncryptionUsageError(command ? `Unknown command ${command}` : "A command is required");
}
