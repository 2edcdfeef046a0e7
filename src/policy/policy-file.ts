import { policyDocumentSchema, type PolicyDocument } from "./policy-document";
import { describeIssues, parseYamlSource } from "./yaml-source";

export class PolicyFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid policy file ${file}:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
    this.name = "PolicyFileError";
  }
}

export function parsePolicy(file: string, source: string): PolicyDocument {
  const yaml = parseYamlSource(source);
  if (yaml.syntaxProblems.length > 0) throw new PolicyFileError(file, yaml.syntaxProblems);
  const parsed = policyDocumentSchema.safeParse(yaml.document.toJS());
  if (parsed.success) return parsed.data;
  throw new PolicyFileError(file, describeIssues(yaml, parsed.error.issues));
}
