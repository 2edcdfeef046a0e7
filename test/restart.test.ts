import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DatabaseTarget } from "../src/config";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { createInProcess, testConfig } from "./support/harness";

let database: TestDatabase;
let target: DatabaseTarget;
let dataDir: string | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  if (database.kind === "pglite") {
    dataDir = await mkdtemp(path.join(tmpdir(), "purposeql-restart-"));
    target = { kind: "pglite", dataDir };
  } else {
    target = database.target;
  }
});

afterAll(async () => {
  await database.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe(`a restart (${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite on disk"})`, () => {
  it("keeps subjects, the policy version and the clients, and seeds nothing twice", async () => {
    const first = await createInProcess(testConfig(target));
    expect(first.seededVersion).toBe(1);
    expect(first.devClient?.name).toBe("development");
    const created = await first.execute<{ createSubject: { id: string } }>(
      `mutation { createSubject(input: { fullName: "Restart Test" }) { id } }`,
      {
        purpose: "essential.service",
      },
    );
    const id = created.data!.createSubject.id;
    await first.close();

    const second = await createInProcess(testConfig(target, { devApiKey: "another-key-that-is-not-used" }));
    try {
      expect(second.seededVersion).toBeNull();
      expect(second.devClient).toBeNull();
      expect(second.services.policy.version).toBe(1);
      const read = await second.execute(`query ($id: ID!) { subject(id: $id) { fullName } }`, {
        variables: { id },
        purpose: "essential.service",
      });
      expect(read).toEqual({ data: { subject: { fullName: "Restart Test" } } });
    } finally {
      await second.close();
    }
  });
});
