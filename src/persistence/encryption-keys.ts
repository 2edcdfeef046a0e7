import { randomBytes } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ConfigError, IN_MEMORY_DATA_DIR, type Config } from "../config";
import { Keyring, KEY_BYTES } from "./field-encryption";

/** The keys to open the database with, and what the start should tell the operator about them (never a key). */
export interface ResolvedKeys {
  readonly keyring: Keyring;
  /** Said once on the start that generated the development key; null otherwise. */
  readonly notice: string | null;
}

/** Where development keeps the key it generated: beside the embedded data directory (not inside it, so a copy of the directory alone is not readable), or in the working directory for PostgreSQL. */
export function developmentKeyFile(database: Config["database"]): string | null {
  if (database.kind === "postgres") return path.resolve(".purposeql-encryption.key");
  return database.dataDir === IN_MEMORY_DATA_DIR ? null : `${database.dataDir}.key`;
}

/**
 * The keys of encryption at rest: PURPOSEQL_ENCRYPTION_KEY (with PURPOSEQL_ENCRYPTION_OLD_KEYS)
 * when set. Without it, production refuses to start — data written under a key no one kept is
 * lost — and development uses the key it generated on its first start, generating it now if
 * there is none (an in-memory database gets a key that lives as long as it does).
 */
export async function resolveEncryptionKeys(config: Pick<Config, "mode" | "database" | "encryption">): Promise<ResolvedKeys> {
  const { key, oldKeys } = config.encryption;
  if (key) return { keyring: Keyring.of(key, oldKeys), notice: null };
  const file = developmentKeyFile(config.database);
  if (config.mode !== "development") {
    throw new ConfigError(
      [
        "PURPOSEQL_ENCRYPTION_KEY is not set: in production the key that encrypts personal data at rest must be configured.",
        "Make one with `openssl rand -base64 32`, keep it safe (without it the encrypted data cannot be read), and set PURPOSEQL_ENCRYPTION_KEY to it.",
        ...(file
          ? [`(A development start keeps its generated key in ${file}: to go on using it, set PURPOSEQL_ENCRYPTION_KEY to its contents.)`]
          : []),
      ].join("\n"),
    );
  }
  if (file === null) return { keyring: Keyring.of(randomBytes(KEY_BYTES), oldKeys), notice: null };
  const existing = await readKeyFile(file);
  if (existing) return { keyring: Keyring.of(existing, oldKeys), notice: null };
  const generated = randomBytes(KEY_BYTES);
  try {
    // `wx`: two processes starting at once cannot each write a key; the loser reads the winner's.
    await writeFile(file, `${generated.toString("base64")}\n`, { flag: "wx", mode: 0o600 });
  } catch (error) {
    const raced = (error as NodeJS.ErrnoException).code === "EEXIST" ? await readKeyFile(file) : null;
    if (raced) return { keyring: Keyring.of(raced, oldKeys), notice: null };
    throw error;
  }
  await chmod(file, 0o600);
  return {
    keyring: Keyring.of(generated, oldKeys),
    notice: `Generated the development encryption key in ${file} (mode 0600): personal data at rest is encrypted with it. Keep it with the data; in production set PURPOSEQL_ENCRYPTION_KEY instead.`,
  };
}

async function readKeyFile(file: string): Promise<Buffer | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== KEY_BYTES) throw new ConfigError(`The development encryption key in ${file} is not 32 bytes in base64`);
  return key;
}
