import { ClientRole } from "../src/domain/policy-terms";
import { createTestClient, inProcessPurposeQLForThisFile, type GraphQLResponse } from "./support/harness";

/**
 * One error shape (issue 12, item 7): wherever an error names the fields at fault, in
 * `extensions.fields`, each entry is an object — `field` (where), `message` (what is wrong there),
 * and `category` or `capability` where the code knows one — never a bare string. One failure of
 * each kind that names fields, each raised by a different part of the server.
 */

const purposeql = inProcessPurposeQLForThisFile();
const SERVICE = "essential.service";
const ANALYTICS = "analytics.reporting";
let internalKey: string;
let subjectId: string;

beforeAll(async () => {
  internalKey = await createTestClient(purposeql, { name: "shape-internal", role: ClientRole.INTERNAL_APP, purposes: [SERVICE] });
  const created = await purposeql.execute<{ createSubject: { id: string } }>(
    `mutation { createSubject(input: { fullName: "Shape Person", dateOfBirth: "2020-01-01" }) { id } }`,
    { purpose: SERVICE },
  );
  subjectId = created.data!.createSubject.id;
});

interface Failure {
  readonly document: string;
  readonly purpose?: string;
  readonly variables?: () => Record<string, unknown>;
  readonly apiKey?: () => string;
  readonly code: string;
  /** The entries expected, in order. */
  readonly fields: () => readonly Record<string, string>[];
}

const FAILURES: Readonly<Record<string, Failure>> = {
  "an argument that is not an id (arguments)": {
    document: `{ subject(id: "not-an-id") { id } }`,
    purpose: SERVICE,
    code: "BAD_USER_INPUT",
    fields: () => [{ field: "id", message: "is not a subject id" }],
  },
  "a page size out of range (arguments)": {
    document: `{ subjects(first: 1000) { totalCount } }`,
    purpose: SERVICE,
    code: "BAD_USER_INPUT",
    fields: () => [{ field: "first", message: "must be between 1 and 100" }],
  },
  "input that breaks its validation rules (class-validator)": {
    document: `mutation { createSubject(input: { fullName: "Shape Two", email: "not-an-email" }) { id } }`,
    purpose: SERVICE,
    code: "BAD_USER_INPUT",
    fields: () => [{ field: "email", message: "must be an e-mail address" }],
  },
  "a variable that does not fit its type (variable coercion)": {
    document: `query ($first: Int!) { subjects(first: $first) { totalCount } }`,
    purpose: SERVICE,
    variables: () => ({ first: "ten" }),
    code: "BAD_USER_INPUT",
    fields: () => [{ field: "$first", message: "does not fit its type Int!" }],
  },
  "a read the purpose does not grant (the check before execution)": {
    document: `query ($id: ID!) { subject(id: $id) { email } }`,
    purpose: ANALYTICS,
    variables: () => ({ id: subjectId }),
    code: "PURPOSE_LIMITATION",
    fields: () => [
      { field: "DataSubject.email", category: "user.contact.email", message: `user.contact.email is not granted to ${ANALYTICS}` },
    ],
  },
  "an ADMIN field asked for by another role (authority)": {
    document: `{ clients { name } }`,
    purpose: SERVICE,
    variables: () => ({}),
    apiKey: () => internalKey,
    code: "FORBIDDEN",
    fields: () => [{ field: "Query.clients", message: "needs an ADMIN client" }],
  },
  "a capability the client lacks (authority)": {
    document: `mutation { createSubject(input: { fullName: "Shape Three" }) { id } }`,
    purpose: SERVICE,
    apiKey: () => internalKey,
    code: "FORBIDDEN",
    fields: () => [{ field: "Mutation.createSubject", capability: "MANAGE_SUBJECTS", message: "needs the capability MANAGE_SUBJECTS" }],
  },
  "a child's consent without the parent's (a rule of the law)": {
    document: `mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "personalize") { id } }`,
    purpose: SERVICE,
    variables: () => ({ id: subjectId }),
    code: "BAD_USER_INPUT",
    fields: () => [
      {
        field: "evidence.parentalConsentReference",
        message: "must give the reference of the consent given or authorised by the holder of parental responsibility",
      },
    ],
  },
};

describe("extensions.fields", () => {
  it.each(Object.entries(FAILURES))("%s: a list of objects, each with its field and message", async (_name, failure) => {
    const response: GraphQLResponse<unknown> = await purposeql.execute(failure.document, {
      purpose: failure.purpose,
      variables: failure.variables?.(),
      apiKey: failure.apiKey?.(),
    });
    const [error] = response.errors ?? [];
    expect(error?.extensions?.code).toBe(failure.code);
    expect(error?.extensions?.fields).toEqual(failure.fields());
    for (const entry of error?.extensions?.fields as unknown[]) {
      expect(entry).toEqual(expect.objectContaining({ field: expect.any(String), message: expect.any(String) }));
    }
  });
});
