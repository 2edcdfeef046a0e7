import "reflect-metadata";
import { readFile, writeFile } from "node:fs/promises";
import { loadConfig } from "../config";
import { buildPurposeQLSchema } from "../graphql/schema";
import { personalCollectionsOf } from "../graphql/personal-dataset";
import { openDatabase } from "../persistence/data-source";
import { wholePolicyOf } from "../persistence/records-repository";
import { FideslangFileError } from "../policy/fideslang/read-manifest";
import { PolicyFileError } from "../policy/policy-file";
import { FIDES_USAGE, runFidesCommand, UsageError } from "./fides-commands";

/**
 * `npm run fides -- export|import`: the policy as a fideslang manifest for Fides, and back. Opens the
 * database only for `export --database`.
 */
async function main(): Promise<number> {
  const databases: { destroy(): Promise<void> }[] = [];
  try {
    return await runFidesCommand(process.argv.slice(2), {
      print: (text) => process.stdout.write(text),
      report: (text) => process.stderr.write(text),
      readFile: (file) => readFile(file, "utf8"),
      writeFile: (file, text) => writeFile(file, text, "utf8"),
      defaultPolicyFile: process.env.PURPOSEQL_POLICY_FILE ?? "policy/clubmium.policy.yaml",
      personalCollections: async () => personalCollectionsOf(await buildPurposeQLSchema()),
      policyInForce: async (asOf) => {
        const dataSource = await openDatabase(loadConfig().database);
        databases.push(dataSource);
        return wholePolicyOf(dataSource.manager, asOf);
      },
    });
  } finally {
    await Promise.all(databases.map((dataSource) => dataSource.destroy()));
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${FIDES_USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof FideslangFileError || error instanceof PolicyFileError ? 2 : 1);
  },
);
