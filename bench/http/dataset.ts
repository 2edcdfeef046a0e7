import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { Keyring, sealSubjectFields } from "../../src/persistence/field-encryption";

/**
 * The data set, written straight into the scratch database after PurposeQL has migrated it: subjects
 * in batches through `INSERT … SELECT FROM unnest(…)` (one statement per batch, no per-row
 * statement), their encrypted fields sealed here with the key the server runs with — the server's
 * own sealing (Keyring, subjectBinding) — so that PurposeQL opens them as if it had written them.
 * Every subject has an active service relationship (contract purposes read them); every other one
 * consents to the consent purpose, each consent a copy of the receipt of one consent given through
 * the API (`giveConsent`), with its own subject and request id.
 */

const BATCH = 5_000;
const SINCE = new Date(Date.now() - 400 * 24 * 3600 * 1000);
const COLUMNS = [
  "id",
  "full_name",
  "email",
  "postal_address",
  "phone",
  "date_of_birth",
  "country",
  "ip_address",
  "browser",
  "operating_system",
  "device",
];
const COUNTRIES = ["LV", "LT", "EE", "FI", "SE", "DE"];
const BROWSERS = ["Firefox 132", "Chrome 131", "Safari 18"];

/** Subject number `n`'s values, plaintext; adults only (no consent of theirs needs a parent's). */
function subjectValues(n: number): Record<string, string> {
  const year = 1950 + (n % 50);
  const month = String(1 + (n % 12)).padStart(2, "0");
  const day = String(1 + (n % 28)).padStart(2, "0");
  return {
    fullName: `Person ${n}`,
    email: `person${n}@example.lv`,
    postalAddress: `Brīvības iela ${1 + (n % 200)}, Rīga, LV-10${String(n % 100).padStart(2, "0")}`,
    phone: `+3712${String(n).padStart(7, "0")}`,
    dateOfBirth: `${year}-${month}-${day}`,
    country: COUNTRIES[n % COUNTRIES.length]!,
    ipAddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    browser: BROWSERS[n % BROWSERS.length]!,
    operatingSystem: "Linux",
    device: "desktop",
  };
}

/**
 * Adds subjects numbered from `from` to `to` (exclusive) and returns their ids in creation order.
 * `onBatch` hears how many are written.
 */
export async function insertSubjects(
  database: Client,
  keyring: Keyring,
  from: number,
  to: number,
  onBatch: (written: number) => void = () => undefined,
): Promise<string[]> {
  const ids: string[] = [];
  const placeholders = COLUMNS.map((column, i) => `$${i + 1}::${column === "id" ? "uuid" : "text"}[]`).join(", ");
  const sql = `INSERT INTO data_subject (${COLUMNS.join(", ")}, service_active_since, created_at, updated_at)
    SELECT ${COLUMNS.map((column) => `t.${column}`).join(", ")}, $${COLUMNS.length + 1}, $${COLUMNS.length + 1}, $${COLUMNS.length + 1}
    FROM unnest(${placeholders}) WITH ORDINALITY AS t(${COLUMNS.join(", ")}, position) ORDER BY t.position`;
  // Each batch is sealed while PostgreSQL writes the one before: the two take turns on neither.
  let writing: Promise<unknown> = Promise.resolve();
  for (let start = from; start < to; start += BATCH) {
    const arrays: string[][] = COLUMNS.map(() => []);
    for (let n = start; n < Math.min(to, start + BATCH); n += 1) {
      const id = randomUUID();
      const plain = subjectValues(n);
      const sealed = sealSubjectFields(keyring, id, plain);
      const row = [
        id,
        sealed.fullName,
        sealed.email,
        sealed.postalAddress,
        sealed.phone,
        sealed.dateOfBirth,
        sealed.country,
        sealed.ipAddress,
        sealed.browser,
        sealed.operatingSystem,
        sealed.device,
      ];
      row.forEach((value, i) => arrays[i]!.push(value!));
      ids.push(id);
    }
    await writing;
    const written = Math.min(to, start + BATCH) - from;
    writing = database.query(sql, [...arrays, SINCE]).then(() => onBatch(written));
  }
  await writing;
  return ids;
}

/**
 * Gives `subjectIds` the consent of `templateId` (a consent recorded by `giveConsent`): the same
 * purpose, receipt (recorder, scope, policy and notice versions, evidence method) and time, each
 * with a fresh request id, as if each had been given in its own request.
 */
export async function copyConsent(database: Client, templateId: string, subjectIds: readonly string[]): Promise<void> {
  for (let start = 0; start < subjectIds.length; start += BATCH * 4) {
    await database.query(
      `INSERT INTO consent (subject_id, purpose_key, given_at, recorded_at, recorded_by, request_id, scope, notice_version,
         evidence_method, evidence_ip_address, evidence_browser, evidence_operating_system, evidence_device, policy_version)
       SELECT s.id, t.purpose_key, t.given_at, t.recorded_at, t.recorded_by, gen_random_uuid(), t.scope, t.notice_version,
         t.evidence_method, t.evidence_ip_address, t.evidence_browser, t.evidence_operating_system, t.evidence_device, t.policy_version
       FROM unnest($1::uuid[]) AS s(id), (SELECT * FROM consent WHERE id = $2) AS t`,
      [subjectIds.slice(start, start + BATCH * 4), templateId],
    );
  }
}
