import { parseArgs } from "node:util";
import type { DataSource } from "typeorm";
import { nameOf, verifyAuditChain } from "../audit/audit-chain";

export const AUDIT_USAGE = `Usage:
  npm run audit -- verify [--anchor <position>:<hash> …]

verify recomputes the audit's hash chain (access events and request events) and reports the first event edited, inserted or
deleted (exit 1), or the number of events and the chain's head (exit 0). Keep the head it prints
somewhere the database's owner cannot write, and pass it back with --anchor: a chain rewritten
since then no longer holds it.`;

export class UsageError extends Error {}

/** The `npm run audit` commands; returns the exit code (0 intact, 1 tampered). */
export async function runAuditCommand(argv: readonly string[], dataSource: DataSource, print: (text: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== "verify") throw new UsageError(command ? `Unknown command ${command}` : "A command is required");
  const { values } = parseArgs({ args: rest, options: { anchor: { type: "string", multiple: true } } });
  const anchors = (values.anchor ?? []).map(parseAnchor);
  const verdict = await verifyAuditChain(dataSource, { anchors });
  if (verdict.intact) {
    print(`Audit chain intact: ${verdict.events} events. Head: --anchor ${verdict.head.position}:${verdict.head.hash}\n`);
    return 0;
  }
  const { tamper } = verdict;
  const where =
    tamper.eventId === null || tamper.table === null
      ? `at position ${tamper.position}`
      : `${nameOf({ table: tamper.table, id: tamper.eventId })} (position ${tamper.position})`;
  print(`Audit chain TAMPERED after ${verdict.eventsChecked} intact events: ${where} ${tamper.kind}: ${tamper.detail}\n`);
  return 1;
}

function parseAnchor(text: string): { position: string; hash: string } {
  const match = /^(\d+):([0-9a-fA-F]{64})$/.exec(text);
  if (!match?.[1] || !match[2]) throw new UsageError(`--anchor must be <position>:<64 hex digits>, not ${text}`);
  return { position: match[1], hash: match[2].toLowerCase() };
}
