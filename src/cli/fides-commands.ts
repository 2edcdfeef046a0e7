import { parseArgs } from "node:util";
import { fideslangOf, fideslangYaml, type PersonalCollection } from "../policy/fideslang/export";
import { policyFromFideslang } from "../policy/fideslang/import";
import { FideslangFileError } from "../policy/fideslang/read-manifest";
import type { PolicyDocument } from "../policy/policy-document";
import { parsePolicy, PolicyFileError } from "../policy/policy-file";

export const FIDES_USAGE = `Usage:
  npm run fides -- export [--policy <policy file> | --database [--as-of <version>]] [--out <file>]
  npm run fides -- import <fideslang file> [--base <policy file>] [--out <policy file>]

export writes the policy as a fideslang manifest (YAML) that Fides accepts (fides push <file>): the
controller as the organization; the policy's own data categories and purposes as data categories and
data uses (fideslang's default keys are referenced, not redefined); the personal GraphQL types as the
dataset purposeql_personal_data; PurposeQL and each processor as systems with a privacy declaration
per purpose. From the policy file (--policy; default PURPOSEQL_POLICY_FILE or
policy/clubmium.policy.yaml), or the policy in force in the database (--database: DATABASE_URL, or the
embedded database with the server stopped), or a past version of it (--as-of).

import reads a fideslang manifest into a policy file. What fideslang does not carry (retention,
assessments, legal references, a processor's country and dates, …) comes from --base, matched by key
or name, whose comments and order the file keeps; without it each such value is left null, marked
"fides import: fill in". Exit 0 when the loader accepts the file written, 1 when it refuses it (the
file is still written, with the loader's reasons printed), 2 for a usage error or an unreadable file.`;

export class UsageError extends Error {}

/** What the commands touch outside themselves: files, the terminal, the schema and the database. */
export interface FidesIo {
  /** Standard output: the document, when no --out is given. */
  readonly print: (text: string) => void;
  /** Standard error: what the command did and what is left to do. */
  readonly report: (text: string) => void;
  readonly readFile: (path: string) => Promise<string>;
  readonly writeFile: (path: string, text: string) => Promise<void>;
  readonly defaultPolicyFile: string;
  /** The personal types of the GraphQL schema, as enforcement reads their categories. */
  readonly personalCollections: () => Promise<PersonalCollection[]>;
  /** The whole policy of a version (the one in force when null), or null when none is stored. */
  readonly policyInForce: (asOf: number | null) => Promise<{ version: number; document: PolicyDocument } | null>;
}

/** `npm run fides -- export|import …`; returns the exit code. */
export async function runFidesCommand(argv: readonly string[], io: FidesIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "export") return exportCommand(rest, io);
  if (command === "import") return importCommand(rest, io);
  throw new UsageError(command ? `Unknown command ${command}` : "A command is required: export or import");
}

async function exportCommand(argv: readonly string[], io: FidesIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { policy: { type: "string" }, database: { type: "boolean" }, "as-of": { type: "string" }, out: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`export takes no file name (${positionals.join(" ")}): use --policy or --out`);
  if (values.policy !== undefined && (values.database || values["as-of"] !== undefined))
    throw new UsageError("--policy exports a file; --database and --as-of export what the database holds: give one or the other");

  const { document, source } =
    values.database || values["as-of"] !== undefined
      ? await fromDatabase(values["as-of"], io)
      : await fromFile(values.policy ?? io.defaultPolicyFile, io);
  const yaml = fideslangYaml(
    fideslangOf(document, await io.personalCollections()),
    ` fideslang manifest of ${document.organisation.name}'s PurposeQL policy (from ${source}), written by npm run fides -- export.\n Push it to Fides with: fides push <this file>`,
  );
  if (values.out === undefined) {
    io.print(yaml);
    return 0;
  }
  await io.writeFile(values.out, yaml);
  io.report(`Wrote the fideslang manifest (from ${source}) to ${values.out}.\n`);
  return 0;
}

async function fromFile(file: string, io: FidesIo): Promise<{ document: PolicyDocument; source: string }> {
  return { document: parsePolicy(file, await readOrFail(file, io, (problem) => new PolicyFileError(file, [problem]))), source: file };
}

async function fromDatabase(asOfText: string | undefined, io: FidesIo): Promise<{ document: PolicyDocument; source: string }> {
  const asOf = asOfText === undefined ? null : Number(asOfText);
  if (asOf !== null && !(Number.isInteger(asOf) && asOf > 0))
    throw new UsageError(`--as-of must be a policy version (a whole number from 1), not ${asOfText}`);
  const whole = await io.policyInForce(asOf);
  if (!whole)
    throw new Error(
      asOf === null
        ? "No whole policy is stored yet: seed the policy first (npm run seed)."
        : `No whole policy is stored for version ${asOf}.`,
    );
  return { document: whole.document, source: `the database: version ${whole.version}${asOf === null ? ", in force" : ""}` };
}

async function importCommand(argv: readonly string[], io: FidesIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { base: { type: "string" }, out: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError("import takes one fideslang file");
  const source = await readOrFail(file, io, (problem) => new FideslangFileError(file, [problem]));
  const base =
    values.base === undefined
      ? undefined
      : { file: values.base, source: await readOrFail(values.base, io, (problem) => new PolicyFileError(values.base ?? "", [problem])) };
  const imported = policyFromFideslang(file, source, base);

  const target = values.out ?? "(standard output)";
  if (values.out === undefined) io.print(imported.yaml);
  else await io.writeFile(values.out, imported.yaml);
  const lines = [
    `Read ${file}${base ? `, with what fideslang does not carry from ${base.file}` : ""}; wrote the policy file to ${target}.`,
  ];
  for (const warning of imported.warnings) lines.push(`Note: ${warning}`);
  if (imported.placeholders.length > 0) {
    lines.push(`${imported.placeholders.length} value(s) fideslang does not carry are left null, marked "fides import: fill in":`);
    lines.push(...imported.placeholders.map((placeholder) => `  ${placeholder.item}: ${placeholder.reason}`));
  }
  // The loader's verdict on the file as written: what a seed or a start would say of it.
  try {
    parsePolicy(target, imported.yaml);
    lines.push(
      `The policy loader accepts it. Check that each purpose cites its notice: npm run policy:lint -- <file> --notice <notice text>.`,
    );
    io.report(`${lines.join("\n")}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    const placeholderPaths = new Set(imported.placeholders.map((placeholder) => placeholder.path));
    const others = error.problems.filter((problem) => !placeholderPaths.has(problem.split(" ")[0]?.replace(/:$/, "") ?? ""));
    lines.push(
      others.length === 0
        ? "The policy loader refuses it while they are null."
        : `The policy loader refuses it${imported.placeholders.length > 0 ? " while they are null, and" : ""} for these reasons:`,
      ...others.map((problem) => `  ${problem}`),
    );
    io.report(`${lines.join("\n")}\n`);
    return 1;
  }
}

async function readOrFail(file: string, io: FidesIo, failure: (problem: string) => Error): Promise<string> {
  try {
    return await io.readFile(file);
  } catch (error) {
    throw failure(`cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
