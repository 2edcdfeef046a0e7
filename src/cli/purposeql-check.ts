#!/usr/bin/env node
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { glob } from "tinyglobby";
import { compileDocument } from "../policy/compile-document";
import { parsePolicy } from "../policy/policy-file";
import { checkOperations, schemaFromSdl, type CheckReport, type Finding } from "./purpose-check";

const USAGE = `Usage: purposeql-check --schema <url|file> [--policy <file>] [--key <api key>] --purpose <key> [--format text|json] <operation files or globs>…
  Reports every operation that selects or writes a data category the purpose does not grant, as the
  server would refuse it before execution (PURPOSE_LIMITATION), and every operation that does not fit the schema.
  Offline: --schema schema.graphql --policy policy.yaml (the grants of the policy file).
  Online:  --schema https://…/graphql/schema.graphql (or …/graphql) with the key in --key or PURPOSEQL_API_KEY:
           the key's view of the schema, and the grants of the policy in force for the key's purposes.
  Exit status: 0 nothing found, 1 findings, 2 a usage error (nothing was checked).`;

class UsageError extends Error {}

interface Grants {
  /** Where the grants come from, for the report. */
  readonly source: string;
  readonly grants: (category: string) => boolean;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      schema: { type: "string" },
      policy: { type: "string" },
      key: { type: "string" },
      purpose: { type: "string" },
      format: { type: "string", default: "text" },
      help: { type: "boolean" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { schema: schemaSource, purpose, format } = values;
  if (!schemaSource) throw new UsageError("--schema is required: a schema file or the server's URL.");
  if (!purpose) throw new UsageError("--purpose is required: the purpose the operations are sent under.");
  if (format !== "text" && format !== "json") throw new UsageError("--format must be text or json.");
  if (positionals.length === 0) throw new UsageError("Name the operation files to check, e.g. 'ops/**/*.graphql'.");

  const online = /^https?:\/\//i.test(schemaSource) ? new Server(schemaSource, values.key ?? process.env.PURPOSEQL_API_KEY) : null;
  const schema = schemaFromSdl(online ? await online.sdl() : await readText(schemaSource, "schema"));
  const grants = values.policy
    ? await grantsOfPolicyFile(values.policy, purpose)
    : online
      ? await online.grants(purpose)
      : failUsage("Give --policy with a schema file, or the server's URL and a key: the grants come from one of them.");

  const files = (await glob(positionals, { onlyFiles: true, expandDirectories: false })).sort();
  if (files.length === 0) throw new UsageError(`No file matches ${positionals.map((pattern) => `'${pattern}'`).join(", ")}.`);
  const sources = await Promise.all(files.map(async (file) => ({ file, source: await readText(file, "operation file") })));
  const report = checkOperations(schema, purpose, grants.grants, sources);
  process.stdout.write(
    format === "json" ? `${JSON.stringify({ ...report, grantsFrom: grants.source }, null, 2)}\n` : asText(report, files.length),
  );
  return report.findings.length > 0 ? 1 : 0;
}

function failUsage(message: string): never {
  throw new UsageError(message);
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`The ${what} ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
}

/** Offline: what the purpose grants in the policy file (the server's policy in force may since have changed). */
async function grantsOfPolicyFile(file: string, purpose: string): Promise<Grants> {
  const policy = compileDocument(parsePolicy(file, await readText(file, "policy file")));
  if (!policy.hasPurpose(purpose)) throw new UsageError(`The policy file ${file} has no purpose ${purpose}.`);
  return { source: file, grants: (category) => policy.grants(purpose, category) };
}

/** Online: the server a key belongs to, read as that key's client sees it. */
class Server {
  private readonly sdlUrl: string;
  private readonly endpoint: string;
  private readonly authorization: string;

  constructor(url: string, key: string | undefined) {
    if (!key) throw new UsageError("A server's schema needs an API key: --key, or PURPOSEQL_API_KEY.");
    const trimmed = url.replace(/\/+$/, "");
    this.sdlUrl = trimmed.endsWith("/schema.graphql") ? trimmed : `${trimmed}/schema.graphql`;
    this.endpoint = this.sdlUrl.slice(0, -"/schema.graphql".length);
    this.authorization = `Bearer ${key}`;
  }

  /** The key's view of the schema, with its `@dataCategory` tags. */
  async sdl(): Promise<string> {
    const response = await this.fetch(this.sdlUrl, { headers: { authorization: this.authorization } });
    const text = await response.text();
    if (!response.ok) throw new UsageError(`${this.sdlUrl} answered ${response.status}: ${errorMessageOf(text)}`);
    return text;
  }

  /** What the purpose may read under the policy in force, as `viewer` tells the key's client; its purposes only. */
  async grants(purpose: string): Promise<Grants> {
    const response = await this.fetch(this.endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: this.authorization },
      body: JSON.stringify({ query: "{ viewer { clientName purposes { key readableCategories } } }" }),
    });
    const text = await response.text();
    if (!response.ok) throw new UsageError(`${this.endpoint} answered ${response.status}: ${errorMessageOf(text)}`);
    const viewer = (JSON.parse(text) as ViewerAnswer).data?.viewer;
    if (!viewer) throw new UsageError(`${this.endpoint} did not answer viewer: ${errorMessageOf(text)}`);
    const declared = viewer.purposes.find((candidate) => candidate.key === purpose);
    if (!declared) {
      const allowed = viewer.purposes.map((candidate) => candidate.key).join(", ") || "none";
      throw new UsageError(`Client ${viewer.clientName} may not declare ${purpose}; it may declare: ${allowed}.`);
    }
    const readable = new Set(declared.readableCategories);
    return { source: `${this.endpoint} (policy in force, client ${viewer.clientName})`, grants: (category) => readable.has(category) };
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (error) {
      throw new UsageError(
        `${url} cannot be reached: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
      );
    }
  }
}

interface ViewerAnswer {
  readonly data?: { readonly viewer?: { clientName: string; purposes: { key: string; readableCategories: string[] }[] } };
}

/** The first error's message of a PurposeQL error answer, or the start of whatever else came. */
function errorMessageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { errors?: { message?: string }[] };
    const message = parsed.errors?.[0]?.message;
    if (message) return message;
  } catch {
    // Not JSON: quoted as it came, shortened.
  }
  return text.slice(0, 200);
}

function asText(report: CheckReport, files: number): string {
  const lines = report.findings.map(describe);
  const offending = new Set(report.findings.map((finding) => `${finding.file}\u0000${finding.operation}`)).size;
  lines.push(
    report.findings.length > 0
      ? `${report.findings.length} finding(s) in ${offending} of ${report.operations} operation(s) under ${report.purpose}.`
      : `${report.operations} operation(s) in ${files} file(s): nothing ${report.purpose} does not grant.`,
  );
  return `${lines.join("\n")}\n`;
}

function describe(finding: Finding): string {
  const where = `${finding.file}: ${finding.operation}`;
  return finding.reason === "NOT_GRANTED"
    ? `${where}: ${finding.path ?? ""} ${finding.message} [${finding.reason}]`
    : `${where}: ${finding.message} [${finding.reason}]`;
}

main().then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    // Whatever stopped the check — arguments, a schema or policy that cannot be read, a server that refused — nothing was checked.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    const misused = error instanceof UsageError || String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS");
    if (misused) process.stderr.write(`${USAGE}\n`);
    process.exitCode = 2;
  },
);
