import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { SubjectRequestChannel, SubjectRequestKind, SubjectRequestStatus } from "../domain/policy-terms";

/**
 * `npm run subject`: a person's request handled from a terminal. It is a client of the running
 * server, not of the database: every command is a GraphQL operation under the caller's key, so the
 * same capabilities, purpose limitation and audit apply as to any other client, and the one
 * implementation of each rule stays in the server.
 */

export const SUBJECT_USAGE = `Usage (the server must be running; the key is read from PURPOSEQL_API_KEY):
  npm run subject -- open <subjectId> --kind ${Object.values(SubjectRequestKind).join("|")} --channel ${Object.values(SubjectRequestChannel).join("|")} [--received-at <ISO time>]
  npm run subject -- verify <requestId> --method <how the identity was verified>
  npm run subject -- extend <requestId> --reason <reason told to the person> [--months 1|2]
  npm run subject -- complete <requestId> [--corrections <JSON of UpdateSubjectInput, for a RECTIFICATION>]
  npm run subject -- refuse <requestId> --reason <reason told to the person>
  npm run subject -- list [--status ${Object.values(SubjectRequestStatus).join(",")}] [--due-before <ISO time>] [--first <n>]
  npm run subject -- export <requestId> [--out <file>]              the access export (GDPR Art. 15), as JSON
  npm run subject -- portability <requestId> [--format JSON|CSV] [--out <file>]

Options for every command:
  --url <GraphQL endpoint>   default PURPOSEQL_URL, else http://localhost:$PORT/graphql (PORT defaults to 4000)
  --purpose <key>            the purpose declared; default essential.data_subject_rights`;

export class UsageError extends Error {}

/** The server answered with errors; `exitCode` 1. */
export class RemoteError extends Error {}

export interface SubjectCliEnvironment {
  readonly url: string;
  readonly apiKey: string;
  readonly print: (text: string) => void;
  /** Where files are written; the tests pass a temporary directory. */
  readonly writeFile?: (path: string, content: string) => Promise<void>;
}

const DEFAULT_PURPOSE = "essential.data_subject_rights";
const REQUEST_FIELDS =
  "id subjectId kind status channel receivedAt dueOn overdue identityVerifiedAt extensionReason closedAt refusalReason";

const COMMON_OPTIONS = { url: { type: "string" }, purpose: { type: "string" } } as const;

interface GraphQLAnswer {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly { readonly message: string; readonly extensions?: Record<string, unknown> }[];
}

export async function runSubjectCommand(argv: readonly string[], environment: SubjectCliEnvironment): Promise<void> {
  const [command, ...rest] = argv;
  const save = environment.writeFile ?? ((path: string, content: string) => writeFile(path, content, "utf8"));
  switch (command) {
    case "open": {
      const { values, positionals } = parse(rest, {
        kind: { type: "string" },
        channel: { type: "string" },
        "received-at": { type: "string" },
      });
      const kind = oneOf(values.kind, Object.values(SubjectRequestKind), "--kind");
      const channel = oneOf(values.channel, Object.values(SubjectRequestChannel), "--channel");
      const receivedAt = values["received-at"] ?? new Date().toISOString();
      const data = await call(
        environment,
        values,
        `mutation ($s: ID!, $k: SubjectRequestKind!, $r: DateTime!, $c: SubjectRequestChannel!) { openSubjectRequest(subjectId: $s, kind: $k, receivedAt: $r, channel: $c) { ${REQUEST_FIELDS} } }`,
        { s: onePositional(positionals, "<subjectId>"), k: kind, r: receivedAt, c: channel },
      );
      environment.print(`${JSON.stringify(data.openSubjectRequest, null, 2)}\n`);
      return;
    }
    case "verify": {
      const { values, positionals } = parse(rest, { method: { type: "string" } });
      const data = await call(
        environment,
        values,
        `mutation ($id: ID!, $m: String!) { verifySubjectIdentity(requestId: $id, method: $m) { ${REQUEST_FIELDS} } }`,
        { id: onePositional(positionals, "<requestId>"), m: required(values.method, "--method") },
      );
      environment.print(`${JSON.stringify(data.verifySubjectIdentity, null, 2)}\n`);
      return;
    }
    case "extend": {
      const { values, positionals } = parse(rest, { reason: { type: "string" }, months: { type: "string" } });
      const months = values.months === undefined ? undefined : Number(values.months);
      if (months !== undefined && !Number.isInteger(months)) throw new UsageError("--months must be a whole number");
      const data = await call(
        environment,
        values,
        `mutation ($id: ID!, $r: String!, $m: Int) { extendSubjectRequest(requestId: $id, reason: $r, months: $m) { ${REQUEST_FIELDS} } }`,
        { id: onePositional(positionals, "<requestId>"), r: required(values.reason, "--reason"), m: months },
      );
      environment.print(`${JSON.stringify(data.extendSubjectRequest, null, 2)}\n`);
      return;
    }
    case "complete": {
      const { values, positionals } = parse(rest, { corrections: { type: "string" } });
      const data = await call(
        environment,
        values,
        `mutation ($id: ID!, $r: RectificationInput) { completeSubjectRequest(requestId: $id, rectification: $r) { request { ${REQUEST_FIELDS} } recipientsToNotify { clientName categories lastReceivedAt } } }`,
        {
          id: onePositional(positionals, "<requestId>"),
          r: values.corrections === undefined ? null : { corrections: json(values.corrections) },
        },
      );
      environment.print(`${JSON.stringify(data.completeSubjectRequest, null, 2)}\n`);
      return;
    }
    case "refuse": {
      const { values, positionals } = parse(rest, { reason: { type: "string" } });
      const data = await call(
        environment,
        values,
        `mutation ($id: ID!, $r: String!) { refuseSubjectRequest(requestId: $id, reason: $r) { ${REQUEST_FIELDS} } }`,
        { id: onePositional(positionals, "<requestId>"), r: required(values.reason, "--reason") },
      );
      environment.print(`${JSON.stringify(data.refuseSubjectRequest, null, 2)}\n`);
      return;
    }
    case "list": {
      const { values } = parse(rest, { status: { type: "string" }, "due-before": { type: "string" }, first: { type: "string" } });
      const statuses = values.status?.split(",").map((status) => oneOf(status.trim(), Object.values(SubjectRequestStatus), "--status"));
      const data = await call(
        environment,
        values,
        `query ($s: [SubjectRequestStatus!], $d: DateTime, $f: Int) { subjectRequests(status: $s, dueBefore: $d, first: $f) { totalCount edges { node { ${REQUEST_FIELDS} } } } }`,
        { s: statuses ?? null, d: values["due-before"] ?? null, f: values.first === undefined ? null : Number(values.first) },
      );
      const connection = data.subjectRequests as { totalCount: number; edges: { node: Record<string, unknown> }[] };
      for (const { node } of connection.edges) {
        const flag = node.overdue === true ? "\tOVERDUE" : "";
        environment.print(
          `${String(node.id)}\t${String(node.kind)}\t${String(node.status)}\tdue ${String(node.dueOn)}\tsubject ${String(node.subjectId)}${flag}\n`,
        );
      }
      environment.print(`${connection.edges.length} of ${connection.totalCount} request(s)\n`);
      return;
    }
    case "export": {
      const { values, positionals } = parse(rest, { out: { type: "string" } });
      const requestId = onePositional(positionals, "<requestId>");
      const data = await call(environment, values, `query ($id: ID!) { accessExport(requestId: $id) }`, { id: requestId });
      const out = values.out ?? `access-export-${requestId}.json`;
      await save(out, `${JSON.stringify(data.accessExport, null, 2)}\n`);
      environment.print(`Wrote the access export of request ${requestId} to ${out}\n`);
      return;
    }
    case "portability": {
      const { values, positionals } = parse(rest, { out: { type: "string" }, format: { type: "string" } });
      const requestId = onePositional(positionals, "<requestId>");
      const format = oneOf(values.format ?? "JSON", ["JSON", "CSV"], "--format");
      const data = await call(
        environment,
        values,
        `query ($id: ID!, $f: PortabilityFormat!) { portabilityExport(requestId: $id, format: $f) { fileName content } }`,
        { id: requestId, f: format },
      );
      const exported = data.portabilityExport as { fileName: string; content: string };
      const out = values.out ?? exported.fileName;
      await save(out, exported.content);
      environment.print(`Wrote the portability export of request ${requestId} to ${out}\n`);
      return;
    }
    default:
      throw new UsageError(command === undefined ? "a command is required" : `unknown command ${command}`);
  }
}

type OptionSpec = Record<string, { type: "string" }>;

function parse<T extends OptionSpec>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function call(
  environment: SubjectCliEnvironment,
  options: { url?: string; purpose?: string },
  query: string,
  variables: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const response = await fetch(options.url ?? environment.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${environment.apiKey}`,
      "x-purpose": options.purpose ?? DEFAULT_PURPOSE,
    },
    body: JSON.stringify({ query, variables }),
  }).catch((error: unknown) => {
    throw new RemoteError(
      `Could not reach the server at ${options.url ?? environment.url}: ${error instanceof Error ? error.message : String(error)}. Is it running (npm start)?`,
    );
  });
  const answer = (await response
    .json()
    .catch(() => ({ errors: [{ message: `HTTP ${response.status}, not a GraphQL answer` }] }))) as GraphQLAnswer;
  const [first, ...others] = answer.errors ?? [];
  if (first) {
    const code = typeof first.extensions?.code === "string" ? `${first.extensions.code}: ` : "";
    throw new RemoteError(`${code}${first.message}${others.length > 0 ? ` (and ${others.length} more error(s))` : ""}`);
  }
  if (!answer.data) throw new RemoteError(`HTTP ${response.status} with no data`);
  return answer.data;
}

function onePositional(positionals: readonly string[], name: string): string {
  const [value, ...extra] = positionals;
  if (value === undefined) throw new UsageError(`${name} is required`);
  if (extra.length > 0) throw new UsageError(`unexpected argument(s): ${extra.join(" ")}`);
  return value;
}

function required(value: string | undefined, option: string): string {
  if (value === undefined || value.trim() === "") throw new UsageError(`${option} is required`);
  return value;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], option: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new UsageError(`${option} must be one of ${allowed.join(", ")}`);
  return found;
}

function json(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError('--corrections must be JSON, e.g. \'{"fullName":"Anna Bērziņa"}\'');
  }
}
