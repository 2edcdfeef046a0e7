import "reflect-metadata";
import { loadConfig } from "../config";
import { openDatabase } from "../persistence/data-source";
import { applyPolicy } from "../persistence/policy-repository";
import { loadPolicyFile } from "../persistence/policy-file-loader";

/** `npm run seed [-- <policy file>]`: makes the database hold the policy file; running it again changes nothing. */
async function main(): Promise<void> {
  const config = loadConfig();
  const file = process.argv[2] ?? config.policyFile;
  const policy = await loadPolicyFile(file);
  const dataSource = await openDatabase(config.database);
  try {
    const applied = await applyPolicy(dataSource, policy);
    process.stdout.write(
      applied.changed
        ? `Loaded ${file} as policy version ${applied.version}.\n`
        : `Policy version ${applied.version} already matches ${file}; nothing changed.\n`,
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
