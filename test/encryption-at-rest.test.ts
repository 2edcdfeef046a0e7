import { randomBytes } from "node:crypto";
import { ArchiveReason } from "../src/domain/policy-terms";
import { DataSubjectRow } from "../src/persistence/entities";
import { encryptionStatus, rotateEncryptionKey, sealUnencryptedValues } from "../src/persistence/encryption-maintenance";
import { attachKeyring, ENVELOPE_PATTERN, keyIdOf, Keyring } from "../src/persistence/field-encryption";
import { loadSubjectFacts } from "../src/persistence/subject-facts-repository";
import { applyRetentionSteps, lockForRetention } from "../src/persistence/retention-repository";
import { errorCodes, inProcessPurposeQLForThisFile, TEST_ENCRYPTION_KEY } from "./support/harness";

const DATABASE = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";
const SERVICE = "essential.service";
const ADVERTISING = "marketing.advertising";
const RECORDS = "essential.legal_obligation";
const READ = `query ($id: ID!) { subject(id: $id) { id fullName email postalAddress phone dateOfBirth } }`;

const PERSON = {
  fullName: "Marta Šifrēta",
  email: "marta.sifreta@example.lv",
  postalAddress: "Krišjāņa Valdemāra iela 7, Rīga",
  phone: "+37129998877",
  dateOfBirth: "1984-02-29",
  country: "LV",
};
const IP_ADDRESS = "203.0.113.42";
/** Every value that must never be stored in the clear. */
const SECRETS = [PERSON.email, PERSON.postalAddress, PERSON.phone, PERSON.dateOfBirth, IP_ADDRESS];
const ENCRYPTED_COLUMNS = ["email", "postal_address", "phone", "date_of_birth", "ip_address"];

const purposeql = inProcessPurposeQLForThisFile();
const sql = <T = Record<string, unknown>>(query: string, parameters: unknown[] = []): Promise<T[]> =>
  purposeql.services.dataSource.query<T[]>(query, parameters);

async function newSubject(person: typeof PERSON = PERSON): Promise<string> {
  // The registration record (with its IP address) is written under the purpose it belongs to; the service's data under the service.
  const { postalAddress, phone, ...registered } = person;
  const created = await purposeql.execute<{ createSubject: { id: string } }>(
    `mutation ($input: CreateSubjectInput!) { createSubject(input: $input) { id } }`,
    {
      purpose: ADVERTISING,
      variables: {
        input: { ...registered, registration: { consentedAt: "2026-01-02T03:04:05Z", ipAddress: IP_ADDRESS, browser: "Firefox" } },
      },
    },
  );
  expect(created.errors).toBeUndefined();
  const id = created.data!.createSubject.id;
  const updated = await purposeql.execute(
    `mutation ($id: ID!, $input: UpdateSubjectInput!) { updateSubject(id: $id, input: $input) { id } }`,
    {
      purpose: SERVICE,
      variables: { id, input: { postalAddress, phone } },
    },
  );
  expect(updated.errors).toBeUndefined();
  return id;
}

const expected = (id: string) => ({
  id,
  fullName: PERSON.fullName,
  email: PERSON.email,
  postalAddress: PERSON.postalAddress,
  phone: PERSON.phone,
  dateOfBirth: PERSON.dateOfBirth,
});

const read = (id: string) => purposeql.execute<{ subject: Record<string, unknown> | null }>(READ, { purpose: SERVICE, variables: { id } });

/** The whole stored row, every column as text: what a dump or a stolen disk would show. */
async function rawRow(id: string): Promise<Record<string, string | null>> {
  const [row] = await sql<Record<string, string | null>>(`SELECT * FROM data_subject WHERE id = $1`, [id]);
  return row!;
}

describe(`encryption at rest (${DATABASE})`, () => {
  it("stores the date of birth, phone, postal address, e-mail and IP address only as envelopes under the current key, and reads return them in the clear", async () => {
    const id = await newSubject();
    const row = await rawRow(id);
    const stored = JSON.stringify(row);
    for (const secret of SECRETS) expect(stored).not.toContain(secret);
    const envelope = new RegExp(ENVELOPE_PATTERN);
    for (const column of ENCRYPTED_COLUMNS) {
      expect(row[column]).toMatch(envelope);
      expect(row[column]!.startsWith(`v1:${keyIdOf(TEST_ENCRYPTION_KEY)}:`)).toBe(true);
    }
    // The same value twice gives two ciphertexts: a random IV each time, so equal values cannot be told apart.
    const twin = await rawRow(await newSubject());
    expect(twin.phone).not.toBe(row.phone);

    const answer = await read(id);
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.subject).toEqual(expected(id));
    const reloaded = await purposeql.services.dataSource.getRepository(DataSubjectRow).findOneByOrFail({ id });
    expect(reloaded.ipAddress).toBe(IP_ADDRESS);
  });

  it("encrypts an update, and an archived value of an encrypted category, which the archive's readers get in the clear", async () => {
    const id = await newSubject();
    const update = await purposeql.execute(`mutation ($id: ID!) { updateSubject(id: $id, input: { phone: "+37120001111" }) { phone } }`, {
      purpose: SERVICE,
      variables: { id },
    });
    expect(update).toEqual({ data: { updateSubject: { phone: "+37120001111" } } });
    expect(JSON.stringify(await rawRow(id))).not.toContain("+37120001111");

    const { dataSource } = purposeql.services;
    await dataSource.transaction(async (manager) => {
      const candidate = (await lockForRetention(manager, id))!;
      const archive = (category: string) =>
        ({
          category,
          action: "ARCHIVE",
          reason: ArchiveReason.LEGAL_OBLIGATION,
          decidedBy: RECORDS,
          keptUntil: null,
          rule: "test",
        }) as const;
      await applyRetentionSteps(
        manager,
        candidate,
        [archive("user.contact.address"), archive("user.name")],
        candidate.row.status,
        new Date(),
      );
    });
    const archived = await sql<{ category: string; value: string }>(
      `SELECT category, value FROM archived_value WHERE subject_id = $1 ORDER BY category`,
      [id],
    );
    expect(archived.map((row) => row.category)).toEqual(["user.contact.address", "user.name"]);
    expect(JSON.stringify(archived)).not.toContain(PERSON.postalAddress);
    expect(archived[0]!.value).toMatch(new RegExp(ENVELOPE_PATTERN));
    expect((await rawRow(id)).postal_address).toBeNull();
    const facts = await loadSubjectFacts(dataSource.manager, [id]);
    expect(facts.get(id)?.archivedValues.get("user.contact.address")).toBe(PERSON.postalAddress);
  });

  it("fails closed on a value moved to another row or column, or altered: an error, never someone else's value", async () => {
    const [a, b] = [await newSubject(), await newSubject({ ...PERSON, phone: "+37120002222", email: "other@example.lv" })];
    const original = await rawRow(b);
    const restore = () => sql(`UPDATE data_subject SET phone = $2, email = $3 WHERE id = $1`, [b, original.phone, original.email]);

    await sql(`UPDATE data_subject SET phone = (SELECT phone FROM data_subject WHERE id = $2) WHERE id = $1`, [b, a]);
    let answer = await read(b);
    expect(errorCodes(answer)).toEqual(["INTERNAL_SERVER_ERROR"]);
    expect(answer.data?.subject ?? null).toBeNull();
    expect(JSON.stringify(answer)).not.toContain(PERSON.phone);
    await restore();

    await sql(`UPDATE data_subject SET phone = email WHERE id = $1`, [b]);
    answer = await read(b);
    expect(errorCodes(answer)).toEqual(["INTERNAL_SERVER_ERROR"]);
    expect(JSON.stringify(answer)).not.toContain("other@example.lv");
    await restore();

    const tampered = original.phone!.slice(0, -2) + (original.phone!.endsWith("AA") ? "BB" : "AA");
    await sql(`UPDATE data_subject SET phone = $2 WHERE id = $1`, [b, tampered]);
    expect(errorCodes(await read(b))).toEqual(["INTERNAL_SERVER_ERROR"]);
    await restore();
    expect((await read(b)).data?.subject?.phone).toBe("+37120002222");

    // A write path that forgot to encrypt is refused rather than storing plaintext.
    await expect(purposeql.services.dataSource.getRepository(DataSubjectRow).update({ id: b }, { phone: "+37100000000" })).rejects.toThrow(
      /unencrypted/,
    );
    expect((await rawRow(b)).phone).toBe(original.phone);
  });

  it("seals values stored in the clear (before the migration) on the next start, refusing to read them until then", async () => {
    const [inserted] = await sql<{ id: string }>(
      `INSERT INTO data_subject (id, full_name, phone, date_of_birth, service_active_since) VALUES (gen_random_uuid(), 'Old Row', '+37126660000', '1970-01-02', now()) RETURNING id`,
    );
    const id = inserted!.id;
    expect(errorCodes(await read(id))).toEqual(["INTERNAL_SERVER_ERROR"]);
    const report = await sealUnencryptedValues(purposeql.services.dataSource);
    expect(report.subjectValues).toBe(2);
    const row = await rawRow(id);
    expect(JSON.stringify(row)).not.toMatch(/\+37126660000|1970-01-02/);
    expect((await read(id)).data?.subject).toMatchObject({ phone: "+37126660000", dateOfBirth: "1970-01-02" });
    expect(await sealUnencryptedValues(purposeql.services.dataSource)).toEqual({ subjectValues: 0, archivedValues: 0 });
  });

  // Last: it leaves the database under a new key.
  it("rotates every value to a new key in batches, idempotently; reads still work with the new key alone, and not with the old", async () => {
    const id = await newSubject();
    const { dataSource } = purposeql.services;
    const newKey = randomBytes(32);
    const oldId = keyIdOf(TEST_ENCRYPTION_KEY);
    const newId = keyIdOf(newKey);

    attachKeyring(dataSource, Keyring.of(newKey));
    await expect(rotateEncryptionKey(dataSource)).rejects.toThrow(`encrypted with key ${oldId}, which is not configured`);

    attachKeyring(dataSource, Keyring.of(newKey, [TEST_ENCRYPTION_KEY]));
    const report = await rotateEncryptionKey(dataSource, 3);
    expect(report.subjectValues).toBeGreaterThan(10);
    expect(report.archivedValues).toBe(1);
    expect(await rotateEncryptionKey(dataSource)).toEqual({ subjectValues: 0, archivedValues: 0 });

    const status = await encryptionStatus(dataSource);
    expect(status.map((entry) => entry.key)).toEqual(status.map(() => newId));
    expect(status.map((entry) => entry.table)).toEqual(["archived_value", "data_subject"]);
    const everything = JSON.stringify([...(await sql(`SELECT * FROM data_subject`)), ...(await sql(`SELECT * FROM archived_value`))]);
    expect(everything).not.toContain(`v1:${oldId}:`);
    for (const secret of SECRETS) expect(everything).not.toContain(secret);

    attachKeyring(dataSource, Keyring.of(newKey));
    expect((await read(id)).data?.subject).toEqual(expected(id));

    attachKeyring(dataSource, Keyring.of(TEST_ENCRYPTION_KEY));
    expect(errorCodes(await read(id))).toEqual(["INTERNAL_SERVER_ERROR"]);
    attachKeyring(dataSource, Keyring.of(newKey));
  });
});
