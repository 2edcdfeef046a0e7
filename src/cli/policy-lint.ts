import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { lintPolicySource } from "../policy/policy-lint";

const USAGE = `Usage: npm run policy:lint [-- <policy file>] [--notice <notice text file>]
  Checks the policy file against every rule the loader enforces and that each purpose cites the notice.
  Defaults: policy/clubmium.policy.yaml, and the notice beside it (policy/clubmium-privacy-notice.lv.txt).`;

/** `npm run policy:lint`: prints each finding as `file:line: [rule] item: message`; exit 1 when there is any. */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { notice: { type: "string" }, help: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const file = positionals[0] ?? process.env.PURPOSEQL_POLICY_FILE ?? "policy/clubmium.policy.yaml";
  const noticeFile = values.notice ?? path.join(path.dirname(file), "clubmium-privacy-notice.lv.txt");
  const findings = lintPolicySource(file, await readFile(file, "utf8"), await readFile(noticeFile, "utf8"));
  for (const finding of findings) {
    process.stdout.write(`${finding.file}:${finding.line ?? "?"}: [${finding.rule}] ${finding.item}: ${finding.message}\n`);
  }
  if (findings.length > 0) {
    process.stdout.write(`${findings.length} finding(s).\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${file}: no findings (checked against ${noticeFile}).\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exitCode = 2;
});
