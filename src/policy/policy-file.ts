import { LineCounter, parseDocument } from "yaml";
import { policyDocumentSchema, type PolicyDocument } from "./policy-document";

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
  const lineCounter = new LineCounter();
  const yamlDocument = parseDocument(source, { lineCounter, prettyErrors: false });
  if (yamlDocument.errors.length > 0) {
    throw new PolicyFileError(
      file,
      yamlDocument.errors.map((error) => `line ${lineCounter.linePos(error.pos[0]).line}: ${error.message.split("\n")[0]}`),
    );
  }
  const parsed = policyDocumentSchema.safeParse(yamlDocument.toJS());
  if (parsed.success) return parsed.data;
  throw new PolicyFileError(
    file,
    parsed.error.issues.map((issue) => {
      const path = issue.path.map(String);
      const node = yamlDocument.getIn(path, true) as { range?: [number, number, number] } | undefined;
      const where = node?.range ? ` (line ${lineCounter.linePos(node.range[0]).line})` : "";
      return `${path.join(".") || "(document)"}${where}: ${issue.message}`;
    }),
  );
}
