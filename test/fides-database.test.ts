import { parse as parseYaml } from "yaml";
import { runFidesCommand } from "../src/cli/fides-commands";
import { personalCollectionsOf } from "../src/graphql/personal-dataset";
import { buildPurposeQLSchema } from "../src/graphql/schema";
import { wholePolicyOf } from "../src/persistence/records-repository";
import { inProcessPurposeQLForThisFile } from "./support/harness";

/**
 * `npm run fides -- export --database`: the policy in force, as enforcement holds it (a grant made at
 * run time included), or a past version of it, from the database.
 */

const purposeql = inProcessPurposeQLForThisFile();

const GRANT = `mutation { grantCategory(purpose: "personalize", category: "user.contact.phone_number", justification: "Personalised greetings by SMS, DPIA-2027-03") { key } }`;

interface Declaration {
  readonly data_use: string;
  readonly data_categories: readonly string[];
}

async function exportFromDatabase(argv: string[]): Promise<{ header: string; personalize: Declaration | undefined }> {
  let printed = "";
  const code = await runFidesCommand(["export", ...argv], {
    print: (text) => (printed += text),
    report: () => undefined,
    readFile: () => Promise.reject(new Error("the database export reads no file")),
    writeFile: () => Promise.reject(new Error("no --out given")),
    defaultPolicyFile: "policy/clubmium.policy.yaml",
    personalCollections: async () => personalCollectionsOf(await buildPurposeQLSchema()),
    policyInForce: (asOf) => wholePolicyOf(purposeql.services.dataSource.manager, asOf),
  });
  expect(code).toBe(0);
  const manifest = parseYaml(printed) as { system: { fides_key: string; privacy_declarations: Declaration[] }[] };
  const controller = manifest.system.find((system) => system.fides_key === "purposeql");
  return { header: printed.split("\n")[0] ?? "", personalize: controller?.privacy_declarations.find((d) => d.data_use === "personalize") };
}

describe("npm run fides -- export --database", () => {
  it("exports the policy in force, with a grant made at run time, and --as-of a version from before it", async () => {
    const before = purposeql.services.policy.version;
    expect((await purposeql.execute(GRANT)).errors).toBeUndefined();
    const after = purposeql.services.policy.version;
    expect(after).toBe(before + 1);

    const inForce = await exportFromDatabase(["--database"]);
    expect(inForce.header).toBe(
      `# fideslang manifest of Clubmium's PurposeQL policy (from the database: version ${after}, in force), written by npm run fides -- export.`,
    );
    expect(inForce.personalize?.data_categories).toEqual([
      "user.contact.phone_number",
      "user.demographic.date_of_birth",
      "user.location.coarse",
      "user.name",
      "user.privacy_preferences",
    ]);

    const past = await exportFromDatabase(["--as-of", String(before)]);
    expect(past.header).toContain(`(from the database: version ${before}), written by`);
    expect(past.personalize?.data_categories).not.toContain("user.contact.phone_number");
  });

  it("says when the database holds no such version", async () => {
    await expect(exportFromDatabase(["--as-of", "999"])).rejects.toThrow("No whole policy is stored for version 999.");
  });
});
