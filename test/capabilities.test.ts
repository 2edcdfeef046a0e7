import { ALL_CAPABILITIES, Capability } from "../src/domain/capabilities";
import { ClientRole } from "../src/domain/policy-terms";
import { createTestClient, errorCodes, inProcessPurposeQLForThisFile, type GraphQLResponse } from "./support/harness";

/**
 * Every mutation × every kind of client: allowed exactly when the client holds the mutation's
 * capability (a PARTNER never), refused FORBIDDEN before any resolver runs otherwise, with the
 * rows and the audit's change events as they were.
 */

const purposeql = inProcessPurposeQLForThisFile();

const SERVICE = "essential.service";
const ADVERTISING = "marketing.advertising";
const ANALYTICS = "analytics.reporting";
const EVERY_PURPOSE = [
  SERVICE,
  "essential.service.operations.support",
  "essential.service.inquiries",
  "essential.service.security",
  ANALYTICS,
  "functional.service.improve",
  "personalize",
  ADVERTISING,
  "essential.legal_obligation",
];

interface MutationCase {
  readonly operation: string;
  readonly needs: readonly Capability[];
  readonly purpose: string;
  readonly document: string;
  /** Brings a fresh subject into the state the mutation acts on. */
  readonly prepare?: (subjectId: string) => Promise<void>;
}

const devRun = async (document: string, purpose: string, variables: Record<string, unknown>): Promise<void> => {
  const response = await purposeql.execute(document, { purpose, variables });
  expect(response.errors).toBeUndefined();
};

const CASES: readonly MutationCase[] = [
  {
    operation: "createSubject",
    needs: [Capability.MANAGE_SUBJECTS],
    purpose: SERVICE,
    document: `mutation { createSubject(input: { fullName: "Matrix Person", email: "matrix@example.lv" }) { id } }`,
  },
  {
    operation: "createSubject",
    needs: [Capability.MANAGE_SUBJECTS, Capability.RECORD_CONSENT],
    purpose: ADVERTISING,
    document: `mutation { createSubject(input: { fullName: "Registered Person", registration: { consentedAt: "2026-01-01T00:00:00Z", ipAddress: "192.0.2.4" } }) { id } }`,
  },
  {
    operation: "updateSubject",
    needs: [Capability.MANAGE_SUBJECTS],
    purpose: SERVICE,
    document: `mutation ($id: ID!) { updateSubject(id: $id, input: { email: "changed@example.lv", fullName: null }) { id } }`,
  },
  {
    operation: "endService",
    needs: [Capability.MANAGE_SUBJECTS],
    purpose: SERVICE,
    document: `mutation ($id: ID!) { endService(subjectId: $id) { id } }`,
  },
  {
    operation: "giveConsent",
    needs: [Capability.RECORD_CONSENT],
    purpose: ANALYTICS,
    document: `mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${ADVERTISING}") { id } }`,
  },
  {
    operation: "withdrawConsent",
    needs: [Capability.RECORD_CONSENT],
    purpose: ANALYTICS,
    document: `mutation ($id: ID!) { withdrawConsent(subjectId: $id, purpose: "${ADVERTISING}") { id } }`,
    prepare: (id) => devRun(`mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "${ADVERTISING}") { id } }`, ADVERTISING, { id }),
  },
  {
    operation: "objectToPurpose",
    needs: [Capability.RECORD_OBJECTION],
    purpose: ANALYTICS,
    document: `mutation ($id: ID!) { objectToPurpose(subjectId: $id, purpose: "${ANALYTICS}") { id } }`,
  },
  {
    operation: "liftObjection",
    needs: [Capability.RECORD_OBJECTION],
    purpose: ANALYTICS,
    document: `mutation ($id: ID!) { liftObjection(subjectId: $id, purpose: "${ANALYTICS}", assessment: "Fraud investigation: compelling legitimate grounds.") { id } }`,
    prepare: (id) => devRun(`mutation ($id: ID!) { objectToPurpose(subjectId: $id, purpose: "${ANALYTICS}") { id } }`, SERVICE, { id }),
  },
  {
    operation: "restrictProcessing",
    needs: [Capability.RESTRICT],
    purpose: ANALYTICS,
    document: `mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`,
  },
  {
    operation: "liftRestriction",
    needs: [Capability.LIFT_RESTRICTION],
    purpose: ANALYTICS,
    document: `mutation ($id: ID!) { liftRestriction(subjectId: $id) { id } }`,
    prepare: (id) => devRun(`mutation ($id: ID!) { restrictProcessing(subjectId: $id) { id } }`, SERVICE, { id }),
  },
];

interface ClientKind {
  readonly label: string;
  readonly role: ClientRole;
  readonly capabilities: readonly Capability[];
}

const CLIENTS: readonly ClientKind[] = [
  { label: "PARTNER", role: ClientRole.PARTNER, capabilities: [] },
  { label: "INTERNAL_APP without capabilities", role: ClientRole.INTERNAL_APP, capabilities: [] },
  { label: "ADMIN without capabilities", role: ClientRole.ADMIN, capabilities: [] },
  ...ALL_CAPABILITIES.map((capability) => ({
    label: `INTERNAL_APP with ${capability}`,
    role: ClientRole.INTERNAL_APP,
    capabilities: [capability],
  })),
  {
    label: "INTERNAL_APP with MANAGE_SUBJECTS and RECORD_CONSENT",
    role: ClientRole.INTERNAL_APP,
    capabilities: [Capability.MANAGE_SUBJECTS, Capability.RECORD_CONSENT],
  },
];

const keys = new Map<string, string>();

beforeAll(async () => {
  for (const [index, client] of CLIENTS.entries()) {
    keys.set(
      client.label,
      await createTestClient(purposeql, {
        name: `matrix-${index}`,
        role: client.role,
        purposes: EVERY_PURPOSE,
        capabilities: client.capabilities,
      }),
    );
  }
});

async function newSubject(): Promise<string> {
  const response = await purposeql.execute<{ createSubject: { id: string } }>(
    `mutation { createSubject(input: { fullName: "Matrix Subject", email: "subject@example.lv", country: "LV" }) { id } }`,
    { purpose: SERVICE },
  );
  return response.data!.createSubject.id;
}

/** Everything a write could touch, as rows: the subjects, their consents and objections, and the change events. */
async function snapshot(): Promise<unknown> {
  const query = (sql: string) => purposeql.services.dataSource.query(sql);
  return {
    subjects: await query(`SELECT * FROM data_subject ORDER BY seq`),
    consents: await query(`SELECT * FROM consent ORDER BY id`),
    objections: await query(`SELECT * FROM objection ORDER BY id`),
    changes: await query(`SELECT id FROM access_event WHERE operation <> 'read' ORDER BY id`),
  };
}

describe.each(CLIENTS)("$label", (client) => {
  it.each(CASES.map((mutation) => [`${mutation.operation} needing ${mutation.needs.join(" + ")}`, mutation] as const))(
    "%s",
    async (_name, mutation) => {
      const subjectId = await newSubject();
      await mutation.prepare?.(subjectId);
      const before = await snapshot();
      const response: GraphQLResponse = await purposeql.execute(mutation.document, {
        apiKey: keys.get(client.label),
        purpose: mutation.purpose,
        variables: { id: subjectId },
      });
      const allowed = client.role !== ClientRole.PARTNER && mutation.needs.every((capability) => client.capabilities.includes(capability));
      if (allowed) {
        expect(response.errors).toBeUndefined();
        const events = await purposeql.services.dataSource.query(
          `SELECT operation, client_name FROM access_event WHERE operation = $1 ORDER BY id DESC LIMIT 1`,
          [mutation.operation],
        );
        expect(events).toEqual([{ operation: mutation.operation, client_name: expect.stringMatching(/^matrix-/) }]);
        return;
      }
      expect(errorCodes(response)).toEqual(["FORBIDDEN"]);
      expect(response.data).toBeUndefined();
      const missing = mutation.needs.find((capability) => !client.capabilities.includes(capability));
      expect(response.errors?.[0]?.extensions?.capability).toBe(client.role === ClientRole.PARTNER ? mutation.needs[0] : missing);
      if (client.role !== ClientRole.PARTNER) {
        expect(response.errors?.[0]?.extensions?.missingCapabilities).toEqual(
          mutation.needs.filter((capability) => !client.capabilities.includes(capability)),
        );
      }
      expect(await snapshot()).toEqual(before);
    },
  );
});

describe("administration stays ADMIN", () => {
  it("a client with every capability but not ADMIN may not change the policy; nothing changes", async () => {
    const key = await createTestClient(purposeql, {
      name: "all-capabilities-app",
      role: ClientRole.INTERNAL_APP,
      purposes: EVERY_PURPOSE,
      capabilities: ALL_CAPABILITIES,
    });
    const version = purposeql.services.policy.version;
    const grant = await purposeql.execute(
      `mutation { grantCategory(purpose: "${ANALYTICS}", category: "user.contact.email", justification: "Test: the purpose needs it") { key } }`,
      {
        apiKey: key,
      },
    );
    expect(errorCodes(grant)).toEqual(["FORBIDDEN"]);
    expect(grant.errors?.[0]?.extensions?.requiredRole).toBe("ADMIN");
    expect(purposeql.services.policy.version).toBe(version);
    expect(purposeql.services.policy.compiled.grants(ANALYTICS, "user.contact.email")).toBe(false);
  });

  // The audit is read with READ_AUDIT, not with the ADMIN role (a DPO's key reads it and changes nothing).
  it.each([ClientRole.INTERNAL_APP, ClientRole.ADMIN])(
    "a client of role %s holding every capability but READ_AUDIT may not read the audit",
    async (role) => {
      const key = await createTestClient(purposeql, {
        name: `no-audit-${role.toLowerCase()}`,
        role,
        purposes: EVERY_PURPOSE,
        capabilities: ALL_CAPABILITIES.filter((capability) => capability !== Capability.READ_AUDIT),
      });
      const log = await purposeql.execute(`query ($id: ID!) { accessLog(subjectId: $id) { id } }`, {
        apiKey: key,
        variables: { id: await newSubject() },
      });
      expect(errorCodes(log)).toEqual(["FORBIDDEN"]);
      expect(log.errors?.[0]?.extensions).toMatchObject({ reason: "CAPABILITY_MISSING", capability: "READ_AUDIT" });
      expect(log.data ?? null).toBeNull();
    },
  );

  it("a partner's mutation is refused even when it is batched behind an allowed read, through an alias, or in a fragment", async () => {
    const key = keys.get("PARTNER")!;
    const id = await newSubject();
    const before = await snapshot();
    const documents = [
      `mutation ($id: ID!) { ok: restrictProcessing(subjectId: $id) { id } }`,
      `mutation ($id: ID!) { ...M } fragment M on Mutation { restrictProcessing(subjectId: $id) { id } }`,
      `mutation ($id: ID!, $yes: Boolean!) { restrictProcessing(subjectId: $id) @include(if: $yes) { id } }`,
    ];
    for (const document of documents) {
      const response = await purposeql.execute(document, { apiKey: key, purpose: ANALYTICS, variables: { id, yes: true } });
      expect({ document, codes: errorCodes(response) }).toEqual({ document, codes: ["FORBIDDEN"] });
    }
    expect(await snapshot()).toEqual(before);
  });
});
