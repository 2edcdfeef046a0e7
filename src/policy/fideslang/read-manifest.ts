import { describeIssues, lineOf, parseYamlSource, type YamlSource } from "../yaml-source";
import { fideslangInputSchema, type FidesLegalBasis, type FideslangInput, type FideslangSystemInput } from "./manifest";

/** A fideslang file the import cannot read: each problem names its path in the file and its line. */
export class FideslangFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid fideslang file ${file}:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
    this.name = "FideslangFileError";
  }
}

/** A fideslang manifest as read, with its YAML for the lines of later problems. */
export interface Manifest {
  readonly input: FideslangInput;
  readonly yaml: YamlSource;
}

/**
 * Reads a fideslang manifest as fideslang would (unknown keys ignored), and refuses what PurposeQL
 * cannot take from it: two legal bases for one data use, more than one controller.
 */
export function readManifest(file: string, source: string): Manifest {
  const yaml = parseYamlSource(source);
  if (yaml.syntaxProblems.length > 0) throw new FideslangFileError(file, yaml.syntaxProblems);
  const content: unknown = yaml.document.toJS();
  if (content === null || typeof content !== "object" || Array.isArray(content)) {
    throw new FideslangFileError(file, ["(document): a fideslang manifest is a mapping of resource types (data_category, system, …)"]);
  }
  const parsed = fideslangInputSchema.safeParse(content);
  if (!parsed.success) throw new FideslangFileError(file, describeIssues(yaml, parsed.error.issues));
  const problems = conflictingBases(parsed.data, yaml);
  if ((parsed.data.organization ?? []).length > 1) {
    problems.push(
      `organization${lineOf(yaml, ["organization", 1])}: PurposeQL's policy has one controller; the file has ${parsed.data.organization?.length}`,
    );
  }
  if (problems.length > 0) throw new FideslangFileError(file, problems);
  return { input: parsed.data, yaml };
}

/** A data use declared on two systems of the controller with two legal bases: the policy has one per purpose. */
function conflictingBases(input: FideslangInput, yaml: YamlSource): string[] {
  const seen = new Map<string, { basis: FidesLegalBasis; system: string }>();
  const problems: string[] = [];
  (input.system ?? []).forEach((system, systemIndex) => {
    if (isProcessorSystem(system)) return;
    system.privacy_declarations.forEach((declaration, index) => {
      const basis = declaration.legal_basis_for_processing;
      if (!basis) return;
      const earlier = seen.get(declaration.data_use);
      if (earlier && earlier.basis !== basis) {
        const path = ["system", systemIndex, "privacy_declarations", index, "legal_basis_for_processing"];
        problems.push(
          `${path.join(".")}${lineOf(yaml, path)}: data use ${declaration.data_use} is declared "${basis}" here and "${earlier.basis}" on system ${earlier.system}; a purpose has one legal basis`,
        );
      }
      if (!earlier) seen.set(declaration.data_use, { basis, system: system.fides_key });
    });
  });
  return problems;
}

/** A system a processor or sub-processor runs (fideslang's responsibility); any other is the controller's. */
export function isProcessorSystem(system: FideslangSystemInput): boolean {
  return (system.responsibility ?? []).some((title) => title === "Processor" || title === "Sub-Processor");
}
