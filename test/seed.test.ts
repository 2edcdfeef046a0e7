import type { DataSource } from "typeorm";
import { openDatabase } from "../src/persistence/data-source";
import { ConsentRow, DataSubjectRow } from "../src/persistence/entities";
import { applyPolicy, PolicyConflictError, readPolicy } from "../src/persistence/policy-repository";
import { loadPolicyFile, type LoadedPolicy } from "../src/persistence/policy-file-loader";
import { parsePolicy } from "../src/policy/policy-file";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { POLICY_FILE } from "./support/harness";

let database: TestDatabase;
let dataSource: DataSource;
let clubmium: LoadedPolicy;

beforeAll(async () => {
  database = await createTestDatabase();
  dataSource = await openDatabase(database.target);
  clubmium = await loadPolicyFile(POLICY_FILE);
});

afterAll(async () => {
  await dataSource.destroy();
  await database.drop();
});

function edited(edit: (source: string) => string): LoadedPolicy {
  const source = edit(clubmium.source);
  return { source, document: parsePolicy("edited.yaml", source) };
}

const count = async (table: string): Promise<number> => Number((await dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);

describe("seeding the policy", () => {
  it("loads the file, and loading it again changes nothing", async () => {
    expect(await applyPolicy(dataSource, clubmium)).toEqual({ version: 1, changed: true });
    const counts = {
      categories: await count("data_category"),
      purposes: await count("purpose"),
      grants: await count("purpose_category_grant"),
    };
    expect(counts).toEqual({ categories: clubmium.document.categories.length, purposes: 10, grants: expect.any(Number) });

    expect(await applyPolicy(dataSource, clubmium)).toEqual({ version: 1, changed: false });
    expect({
      categories: await count("data_category"),
      purposes: await count("purpose"),
      grants: await count("purpose_category_grant"),
    }).toEqual(counts);
    expect(await count("policy_version")).toBe(1);
  });

  it("stores hierarchy, grants, retention and processors as the file says", async () => {
    const policy = await readPolicy(dataSource);
    const support = policy.purposes.find((purpose) => purpose.key === "essential.service.operations.support");
    expect(support).toMatchObject({
      parentKey: "essential.service",
      legalBasis: "CONTRACT",
      retentionTrigger: "SERVICE_ENDED",
      retentionDays: 0,
    });
    const legal = policy.purposes.find((purpose) => purpose.key === "essential.legal_obligation");
    expect(legal).toMatchObject({ parentKey: null, allowedUnderRestriction: true, retentionDays: 1826, retentionAction: "ARCHIVE" });
    expect(policy.categories.find((category) => category.key === "user.contact.email")?.parentKey).toBe("user.contact");
    const mail = policy.processors.find((processor) => processor.name === "Example Mail Delivery Ltd");
    expect(mail?.purposes.map((purpose) => purpose.key).sort()).toEqual([
      "essential.service.inquiries",
      "essential.service.operations.support",
    ]);
    expect(mail).toMatchObject({ country: "IE", dpaReference: "DPA-2022-014", dpaSignedOn: "2022-02-01" });
  });

  it("applies a changed file as a new version: a revoked grant is gone", async () => {
    const withoutDob = edited((source) =>
      source.replace(
        "    legalBasis: CONSENT\n    grants:\n      - user.name\n      - user.demographic.date_of_birth\n",
        "    legalBasis: CONSENT\n    grants:\n      - user.name\n",
      ),
    );
    expect(await applyPolicy(dataSource, withoutDob)).toEqual({ version: 2, changed: true });
    const grants = await dataSource.query(`SELECT category_key FROM purpose_category_grant WHERE purpose_key = 'personalize' ORDER BY 1`);
    expect(grants).toEqual([
      { category_key: "user.location.coarse" },
      { category_key: "user.name" },
      { category_key: "user.privacy_preferences" },
    ]);
    expect(await applyPolicy(dataSource, clubmium)).toEqual({ version: 3, changed: true });
  });

  it("refuses to drop a purpose that consents still refer to, and keeps the policy as it was", async () => {
    const subject = await dataSource.getRepository(DataSubjectRow).save({ fullName: "Test", serviceActiveSince: new Date() });
    await dataSource.getRepository(ConsentRow).save({
      subjectId: subject.id,
      purposeKey: "personalize",
      givenAt: new Date(),
      recordedAt: new Date(),
      recordedBy: "test",
      scope: ["user.name"],
      noticeVersion: "2021-10",
      evidenceMethod: "API",
      policyVersion: 3,
    });
    // The purpose goes from the file, and from the hosting processor's list of purposes.
    const withoutPersonalize = edited((source) =>
      source.replace(/ {2}- key: personalize\n[\s\S]*?\n\n/, "").replace("      - personalize\n", ""),
    );
    await expect(applyPolicy(dataSource, withoutPersonalize)).rejects.toThrow(PolicyConflictError);
    expect(await count("policy_version")).toBe(3);
    expect(await count("purpose")).toBe(10);
  });
});
