import { runClientCommand, UsageError } from "../src/cli/client-commands";
import { ClientRow } from "../src/persistence/entities";
import { errorCodes, inProcessPurposeQLForThisFile } from "./support/harness";

const purposeql = inProcessPurposeQLForThisFile();

async function client(...argv: string[]): Promise<string> {
  let output = "";
  await runClientCommand(argv, purposeql.services.dataSource, (text) => {
    output += text;
  });
  return output;
}

describe("npm run client", () => {
  it("creates a client whose key is printed once, stored only as a hash, and works until revoked", async () => {
    const output = await client("create", "--name", "crm", "--role", "INTERNAL_APP", "--purposes", "essential.service,personalize");
    const apiKey = /\n {2}(pql_\S+)\n/.exec(output)?.[1];
    expect(apiKey).toBeDefined();

    const stored = await purposeql.services.dataSource.getRepository(ClientRow).findOneByOrFail({ name: "crm" });
    expect(JSON.stringify(stored)).not.toContain(apiKey!.slice(4));

    const allowed = await purposeql.execute(`{ subjects { totalCount } }`, { apiKey, purpose: "essential.service" });
    expect(allowed.errors).toBeUndefined();
    const notItsPurpose = await purposeql.execute(`{ subjects { totalCount } }`, { apiKey, purpose: "marketing.advertising" });
    expect(errorCodes(notItsPurpose)).toEqual(["FORBIDDEN"]);

    expect(await client("list")).toMatch(/^crm\tINTERNAL_APP\tinternal\tactive\tessential\.service, personalize\tno capabilities$/m);
    // The CLI is another process beside a PostgreSQL server: the server learns of the revocation by NOTIFY (on PGlite, as it commits).
    const told = new Promise<void>((resolve) => {
      const stop = purposeql.services.authenticator.onChange(() => {
        stop();
        resolve();
      });
    });
    expect(await client("revoke", "crm")).toMatch(/Revoked crm/);
    await told;
    expect(await client("list")).toMatch(/^crm\tINTERNAL_APP\tinternal\trevoked /m);
    expect(errorCodes(await purposeql.execute(`{ policyVersion }`, { apiKey }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("creates a client with capabilities, which it may then use, and lists them", async () => {
    const output = await client(
      "create",
      "--name",
      "consent-desk",
      "--role",
      "INTERNAL_APP",
      "--purposes",
      "personalize",
      "--capabilities",
      "RECORD_CONSENT,RESTRICT",
    );
    expect(output).toMatch(/capabilities RECORD_CONSENT, RESTRICT\)/);
    const apiKey = /\n {2}(pql_\S+)\n/.exec(output)?.[1];
    const stored = await purposeql.services.dataSource.getRepository(ClientRow).findOneByOrFail({ name: "consent-desk" });
    expect(stored.capabilities).toEqual(["RECORD_CONSENT", "RESTRICT"]);
    expect(await client("list")).toMatch(/^consent-desk\tINTERNAL_APP\tinternal\tactive\tpersonalize\tRECORD_CONSENT,RESTRICT$/m);

    const subject = await purposeql.execute<{ createSubject: { id: string } }>(
      `mutation { createSubject(input: { fullName: "Desk Person" }) { id } }`,
      {
        purpose: "essential.service",
      },
    );
    const id = subject.data!.createSubject.id;
    const given = await purposeql.execute(`mutation ($id: ID!) { giveConsent(subjectId: $id, purpose: "personalize") { id } }`, {
      apiKey,
      purpose: "personalize",
      variables: { id },
    });
    expect(given.errors).toBeUndefined();
    const ended = await purposeql.execute(`mutation ($id: ID!) { endService(subjectId: $id) { id } }`, {
      apiKey,
      purpose: "personalize",
      variables: { id },
    });
    expect(ended.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", capability: "MANAGE_SUBJECTS" });
    expect(await client("list")).toMatch(
      /^development\tADMIN\tinternal\tactive\t.*\tERASE,EXPORT,HANDLE_REQUESTS,LIFT_RESTRICTION,MANAGE_SUBJECTS,READ_AUDIT,RECORD_CONSENT,RECORD_OBJECTION,RESTRICT$/m,
    );
  });

  it("refuses bad arguments with a usage error and writes nothing", async () => {
    const before = await purposeql.services.dataSource.getRepository(ClientRow).count();
    await expect(client("create", "--name", "x", "--role", "BOSS", "--purposes", "essential.service")).rejects.toThrow(UsageError);
    await expect(client("create", "--name", "x", "--role", "PARTNER", "--purposes", "no.such.purpose")).rejects.toThrow(
      /Unknown purposes: no\.such\.purpose/,
    );
    await expect(client("create", "--name", "development", "--role", "PARTNER", "--purposes", "essential.service")).rejects.toThrow(
      /exists already/,
    );
    await expect(client("revoke", "nobody")).rejects.toThrow(/No active client named nobody/);
    await expect(
      client("create", "--name", "y", "--role", "PARTNER", "--purposes", "analytics.reporting", "--capabilities", "RESTRICT"),
    ).rejects.toThrow(/a PARTNER client holds no capability/);
    await expect(
      client(
        "create",
        "--name",
        "y",
        "--role",
        "INTERNAL_APP",
        "--purposes",
        "analytics.reporting",
        "--capabilities",
        "RESTRICT,ERASE_EVERYTHING",
      ),
    ).rejects.toThrow(/Unknown capabilities: ERASE_EVERYTHING/);
    await expect(client("frobnicate")).rejects.toThrow(/Unknown command/);
    expect(await purposeql.services.dataSource.getRepository(ClientRow).count()).toBe(before);
  });

  it("the database itself refuses a PARTNER row with capabilities, and an unknown capability", async () => {
    const insert = (role: string, capabilities: string) =>
      purposeql.services.dataSource.query(`INSERT INTO client (name, role, key_id, key_hash, capabilities) VALUES ($1, $2, $1, 'x', $3)`, [
        `raw-${role}-${capabilities}`,
        role,
        capabilities,
      ]);
    await expect(insert("PARTNER", "{RESTRICT}")).rejects.toThrow(/client_partner_holds_no_capability/);
    await expect(insert("INTERNAL_APP", "{ERASE_EVERYTHING}")).rejects.toThrow(/client_capabilities_known/);
  });

  it("ADMIN manages clients through the API too: createClient shows the key once, clients lists, revokeClient revokes; others may not", async () => {
    // A PARTNER acting for no processor is a third party: it may declare only purposes based on consent.
    const created = await purposeql.execute<{ createClient: { apiKey: string; client: Record<string, unknown> } }>(
      `mutation { createClient(input: { name: "api-made", role: PARTNER, purposes: ["personalize"] }) { apiKey client { name role purposes capabilities revokedAt } } }`,
    );
    expect(created.data?.createClient.client).toEqual({
      name: "api-made",
      role: "PARTNER",
      purposes: ["personalize"],
      capabilities: [],
      revokedAt: null,
    });
    const apiKey = created.data!.createClient.apiKey;
    expect((await purposeql.execute(`{ subjects { totalCount } }`, { apiKey, purpose: "personalize" })).errors).toBeUndefined();

    const asPartner = await purposeql.execute(`{ clients { name } }`, { apiKey });
    expect(errorCodes(asPartner)).toEqual(["FORBIDDEN"]);
    const partnerWithCapabilities = await purposeql.execute(
      `mutation { createClient(input: { name: "bad-partner", role: PARTNER, purposes: ["analytics.reporting"], capabilities: [RESTRICT] }) { apiKey } }`,
    );
    expect(errorCodes(partnerWithCapabilities)).toEqual(["BAD_USER_INPUT"]);
    expect(
      errorCodes(
        await purposeql.execute(
          `mutation { createClient(input: { name: "api-made", role: ADMIN, purposes: ["personalize"] }) { apiKey } }`,
        ),
      ),
    ).toEqual(["BAD_USER_INPUT"]);

    const listed = await purposeql.execute<{ clients: { name: string }[] }>(`{ clients { name } }`);
    expect(listed.data?.clients.map((client) => client.name)).toContain("api-made");
    const revoked = await purposeql.execute<{ revokeClient: { revokedAt: string | null } }>(
      `mutation { revokeClient(name: "api-made") { revokedAt } }`,
    );
    expect(revoked.data?.revokeClient.revokedAt).toEqual(expect.any(String));
    expect(errorCodes(await purposeql.execute(`{ policyVersion }`, { apiKey }))).toEqual(["UNAUTHENTICATED"]);
    expect(JSON.stringify(await purposeql.services.dataSource.query(`SELECT * FROM client WHERE name = 'api-made'`))).not.toContain(
      apiKey.slice(4),
    );
  });
});
