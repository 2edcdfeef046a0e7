import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConfigError, IN_MEMORY_DATA_DIR, loadConfig } from "../src/config";
import { createLogger } from "../src/logging/logger";
import { resolveEncryptionKeys } from "../src/persistence/encryption-keys";
import { keyIdOf } from "../src/persistence/field-encryption";
import { createPurposeQL } from "../src/server/purposeql";
import { testConfig } from "./support/harness";

const KEY = randomBytes(32).toString("base64");
const OLD = randomBytes(32).toString("base64");

describe("the keys of encryption at rest", () => {
  it("are read from PURPOSEQL_ENCRYPTION_KEY and PURPOSEQL_ENCRYPTION_OLD_KEYS, and a malformed one stops the start naming the variable", () => {
    const config = loadConfig({ PURPOSEQL_ENCRYPTION_KEY: KEY, PURPOSEQL_ENCRYPTION_OLD_KEYS: `${OLD}, ` });
    expect(config.encryption.key?.toString("base64")).toBe(KEY);
    expect(config.encryption.oldKeys.map((key) => key.toString("base64"))).toEqual([OLD]);
    expect(loadConfig({}).encryption).toEqual({ key: undefined, oldKeys: [] });
    expect(() => loadConfig({ PURPOSEQL_ENCRYPTION_KEY: "c2hvcnQ=" })).toThrow(
      /PURPOSEQL_ENCRYPTION_KEY: must be 32 random bytes in base64/,
    );
    expect(() => loadConfig({ PURPOSEQL_ENCRYPTION_OLD_KEYS: `${OLD},nope` })).toThrow(/PURPOSEQL_ENCRYPTION_OLD_KEYS/);
    // The message names the variable, never the value.
    try {
      loadConfig({ PURPOSEQL_ENCRYPTION_KEY: KEY.slice(0, -2) });
    } catch (error) {
      expect(String(error)).not.toContain(KEY.slice(0, -2));
    }
  });

  it("in production, a missing key refuses the start with a message saying how to make one, before the database is opened", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "purposeql-keys-"));
    try {
      const dataDir = path.join(dir, "data");
      const config = testConfig({ kind: "pglite", dataDir }, { encryption: { key: undefined, oldKeys: [] } });
      const refused = createPurposeQL(config, createLogger("silent"));
      await expect(refused).rejects.toThrow(ConfigError);
      await expect(refused).rejects.toThrow(/PURPOSEQL_ENCRYPTION_KEY is not set[\s\S]*openssl rand -base64 32/);
      await expect(stat(dataDir)).rejects.toThrow(/ENOENT/);
      await expect(stat(`${dataDir}.key`)).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("in development, a key is generated once beside the data directory (mode 0600), said so, and reused", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "purposeql-keys-"));
    try {
      const database = { kind: "pglite", dataDir: path.join(dir, "data") } as const;
      const config = { mode: "development", database, encryption: { key: undefined, oldKeys: [] } } as const;
      const first = await resolveEncryptionKeys(config);
      const file = `${database.dataDir}.key`;
      expect(first.notice).toContain(`Generated the development encryption key in ${file}`);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const stored = Buffer.from((await readFile(file, "utf8")).trim(), "base64");
      expect(first.keyring.currentKeyId).toBe(keyIdOf(stored));
      expect(first.notice).not.toContain(stored.toString("base64"));

      const second = await resolveEncryptionKeys(config);
      expect(second.notice).toBeNull();
      expect(second.keyring.currentKeyId).toBe(first.keyring.currentKeyId);

      // Production does not pick the development key up on its own: it names the file instead.
      await expect(resolveEncryptionKeys({ ...config, mode: "production" })).rejects.toThrow(file);
      // A configured key wins over the file.
      const configured = await resolveEncryptionKeys({ ...config, encryption: { key: Buffer.from(KEY, "base64"), oldKeys: [] } });
      expect(configured.keyring.currentKeyId).toBe(keyIdOf(Buffer.from(KEY, "base64")));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("in development on an in-memory database, the key lives in memory as the data does", async () => {
    const resolved = await resolveEncryptionKeys({
      mode: "development",
      database: { kind: "pglite", dataDir: IN_MEMORY_DATA_DIR },
      encryption: { key: undefined, oldKeys: [] },
    });
    expect(resolved.notice).toBeNull();
    expect(resolved.keyring.currentKeyId).toHaveLength(8);
  });
});
