import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API keys are 256 random bits, shown once. The database keeps a short lookup id (derived from the
 * key, so any key works, including an operator-chosen development key) and the key's SHA-256; a
 * presented key is matched by id and then compared hash to hash in constant time. A fast hash is
 * enough for keys of this entropy; a slow password hash would only add latency to every request.
 */

const KEY_PREFIX = "pql_";
const KEY_ID_LENGTH = 16;

export interface StoredKey {
  readonly keyId: string;
  readonly keyHash: string;
}

export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
}

export function storedFormOf(apiKey: string): StoredKey {
  const keyHash = sha256(apiKey);
  return { keyId: keyHash.slice(0, KEY_ID_LENGTH), keyHash };
}

export function keyIdOf(apiKey: string): string {
  return storedFormOf(apiKey).keyId;
}

export function keyMatches(apiKey: string, storedHash: string): boolean {
  const presented = Buffer.from(sha256(apiKey), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

function sha256(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}
