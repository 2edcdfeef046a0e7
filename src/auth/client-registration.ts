import type { EntityManager } from "typeorm";
import type { Capability } from "../domain/capabilities";
import type { ClientRole } from "../domain/policy-terms";
import { insertClient, InvalidClientError } from "../persistence/client-repository";
import type { ClientRow } from "../persistence/entities";
import { generateApiKey, storedFormOf } from "./api-key";

export interface ClientRequest {
  readonly name: string;
  readonly role: ClientRole;
  readonly purposeKeys: readonly string[];
  readonly capabilities: readonly Capability[];
}

export interface RegisteredClient {
  readonly client: ClientRow;
  /** The key, to be shown once: only its hash is stored. */
  readonly apiKey: string;
}

/**
 * Registers a client with a fresh API key: the one way clients are made, by `npm run client` and by
 * the ADMIN mutation `createClient`. Refuses (InvalidClientError) an empty or taken name, an unknown
 * purpose, no purpose at all, and capabilities the role may not hold.
 */
export async function registerClient(manager: EntityManager, request: ClientRequest): Promise<RegisteredClient> {
  const name = request.name.trim();
  if (name.length === 0 || name.length > 100) throw new InvalidClientError("a client's name has 1–100 characters");
  if (request.purposeKeys.length === 0) throw new InvalidClientError("a client needs at least one purpose it may declare");
  const apiKey = generateApiKey();
  const client = await manager.transaction(async (transaction) => {
    if ((await transaction.query<unknown[]>(`SELECT 1 FROM client WHERE name = $1`, [name])).length > 0)
      throw new InvalidClientError(`a client named ${name} exists already`);
    return insertClient(transaction, { ...request, name, ...storedFormOf(apiKey), capabilities: [...new Set(request.capabilities)] });
  });
  return { client, apiKey };
}
