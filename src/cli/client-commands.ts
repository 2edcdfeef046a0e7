import { parseArgs } from "node:util";
import type { DataSource } from "typeorm";
import { registerClient } from "../auth/client-registration";
import { ALL_CAPABILITIES, isCapability, type Capability } from "../domain/capabilities";
import { ClientRole } from "../domain/policy-terms";
import { RecipientType, recipientTypeOf } from "../domain/recipients";
import { InvalidClientError, listClients, revokeClient } from "../persistence/client-repository";
import { compilePolicy } from "../persistence/live-policy";
import { readPolicy } from "../persistence/policy-repository";

export const CLIENT_USAGE = `Usage:
  npm run client -- create --name <name> --role INTERNAL_APP|PARTNER|ADMIN --purposes <key,key,…> [--capabilities <capability,…>] [--processor <name>]
  npm run client -- list
  npm run client -- revoke <name>

Capabilities (what a client may change about subjects; a PARTNER holds none):
  ${ALL_CAPABILITIES.join(", ")}

--processor links the client to a processor of the policy's register (npm run seed loads it; the
processors query lists it): it may declare only that processor's purposes and read only its
categories. A PARTNER linked to no processor is a third party: it may declare only purposes based
on consent, and what it reads is recorded as a disclosure.`;

export class UsageError extends Error {}

/** The `npm run client` commands; output goes to `print`. A new key is printed once and stored only as a hash. */
export async function runClientCommand(argv: readonly string[], dataSource: DataSource, print: (text: string) => void): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "create": {
      const { values } = parseArgs({
        args: rest,
        options: {
          name: { type: "string" },
          role: { type: "string" },
          purposes: { type: "string" },
          capabilities: { type: "string" },
          processor: { type: "string" },
        },
      });
      const name = values.name?.trim();
      if (!name) throw new UsageError("--name is required");
      const role = Object.values(ClientRole).find((candidate) => candidate === values.role);
      if (!role) throw new UsageError(`--role must be one of ${Object.values(ClientRole).join(", ")}`);
      const purposeKeys = (values.purposes ?? "")
        .split(",")
        .map((key) => key.trim())
        .filter(Boolean);
      if (purposeKeys.length === 0) throw new UsageError("--purposes needs at least one purpose key");
      const capabilities = capabilitiesOption(values.capabilities);
      const processorName = values.processor === undefined ? null : values.processor.trim();
      if (processorName === "") throw new UsageError("--processor needs the name of a processor of the policy's register");
      // The rules the client must meet are the policy in force's, as the server enforces them.
      const policy = compilePolicy(await readPolicy(dataSource));
      let apiKey: string;
      try {
        ({ apiKey } = await registerClient(dataSource.manager, { name, role, purposeKeys, capabilities, processorName }, policy));
      } catch (error) {
        if (error instanceof InvalidClientError) throw new UsageError(error.message);
        throw error;
      }
      print(
        `Created client ${name} (${role}; ${recipientWords(recipientTypeOf(role, processorName), processorName)}; purposes ${purposeKeys.join(", ")}; capabilities ${capabilities.join(", ") || "none"}).\nIts API key, shown only this once:\n\n  ${apiKey}\n\n`,
      );
      return;
    }
    case "list": {
      const clients = await listClients(dataSource.manager);
      for (const client of clients) {
        const state = client.revokedAt ? `revoked ${client.revokedAt.toISOString()}` : "active";
        const purposes = client.purposes
          .map((purpose) => purpose.key)
          .sort()
          .join(", ");
        const capabilities = client.capabilities.join(",") || "no capabilities";
        const recipient = recipientWords(recipientTypeOf(client.role, client.processorName), client.processorName);
        print(`${client.name}\t${client.role}\t${recipient}\t${state}\t${purposes}\t${capabilities}\n`);
      }
      if (clients.length === 0) print("No clients.\n");
      return;
    }
    case "revoke": {
      const name = rest[0];
      if (!name) throw new UsageError("revoke needs the client's name");
      if (!(await revokeClient(dataSource.manager, name, new Date()))) throw new UsageError(`No active client named ${name}`);
      print(`Revoked ${name}: its key is refused from now on.\n`);
      return;
    }
    default:
      throw new UsageError(command ? `Unknown command ${command}` : "A command is required");
  }
}

/** `--capabilities A,B`: each must be a known capability; absent means none. */
function capabilitiesOption(option: string | undefined): Capability[] {
  const names = (option ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !isCapability(name));
  if (unknown.length > 0) throw new UsageError(`Unknown capabilities: ${unknown.join(", ")}. Known: ${ALL_CAPABILITIES.join(", ")}`);
  return [...new Set(names.filter(isCapability))];
}

/** The recipient a client is, in the CLI's words: "internal", "processor Example Mail Delivery Ltd", "third party". */
function recipientWords(type: RecipientType, processorName: string | null): string {
  switch (type) {
    case RecipientType.INTERNAL:
      return "internal";
    case RecipientType.PROCESSOR:
      return `processor ${processorName ?? ""}`;
    case RecipientType.THIRD_PARTY:
      return "third party";
  }
}
