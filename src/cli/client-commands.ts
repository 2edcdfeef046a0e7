import { parseArgs } from "node:util";
import type { DataSource } from "typeorm";
import { registerClient } from "../auth/client-registration";
import { ALL_CAPABILITIES, isCapability, type Capability } from "../domain/capabilities";
import { ClientRole } from "../domain/policy-terms";
import { InvalidClientError, listClients, revokeClient } from "../persistence/client-repository";

export const CLIENT_USAGE = `Usage:
  npm run client -- create --name <name> --role INTERNAL_APP|PARTNER|ADMIN --purposes <key,key,…> [--capabilities <capability,…>]
  npm run client -- list
  npm run client -- revoke <name>

Capabilities (what a client may change about subjects; a PARTNER holds none):
  ${ALL_CAPABILITIES.join(", ")}`;

export class UsageError extends Error {}

/** The `npm run client` commands; output goes to `print`. A new key is printed once and stored only as a hash. */
export async function runClientCommand(argv: readonly string[], dataSource: DataSource, print: (text: string) => void): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "create": {
      const { values } = parseArgs({
        args: rest,
        options: { name: { type: "string" }, role: { type: "string" }, purposes: { type: "string" }, capabilities: { type: "string" } },
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
      let apiKey: string;
      try {
        ({ apiKey } = await registerClient(dataSource.manager, { name, role, purposeKeys, capabilities }));
      } catch (error) {
        if (error instanceof InvalidClientError) throw new UsageError(error.message);
        throw error;
      }
      print(
        `Created client ${name} (${role}; purposes ${purposeKeys.join(", ")}; capabilities ${capabilities.join(", ") || "none"}).\nIts API key, shown only this once:\n\n  ${apiKey}\n\n`,
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
        print(`${client.name}\t${client.role}\t${state}\t${purposes}\t${capabilities}\n`);
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
