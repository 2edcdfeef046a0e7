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

    expect(await client("list")).toMatch(/^crm\tINTERNAL_APP\tactive\tessential\.service, personalize\tno capabilities$/m);
    expect(await client("revoke", "crm")).toMatch(/Revoked crm/);
    expect(await client("list")).toMatch(/^crm\tINTERNAL_APP\trevoked /m);
    expect(errorCodes(await purposeql.execute(`{ policyVersion }`, { apiKey }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuses bad arguments with a usage error and writes nothing", async () => {
    const before = await purposeql.services.dataSource.getRepository(ClientRow).count();
    await expect(client("create", "--name", "x", "--role", "BOSS", "--purposes", "essential.service")).rejects.toThrow(UsageError);
    await expect(client("create", "--name", "x", "--role", "PARTNER", "--purposes", "no.such.purpose")).rejects.toThrow(/Unknown purposes: no\.such\.purpose/);
    await expect(client("create", "--name", "development", "--role", "PARTNER", "--purposes", "essential.service")).rejects.toThrow(/exists already/);
    await expect(client("revoke", "nobody")).rejects.toThrow(/No active client named nobody/);
    await expect(client("frobnicate")).rejects.toThrow(/Unknown command/);
    expect(await purposeql.services.dataSource.getRepository(ClientRow).count()).toBe(before);
  });
});
