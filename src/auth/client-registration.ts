import type { EntityManager } from "typeorm";
import type { Capability } from "../domain/capabilities";
import type { ClientRole } from "../domain/policy-terms";
import { insertClient, InvalidClientError } from "../persistence/client-repository";
import type { ClientRow } from "../persistence/entities";
import type { CompiledPolicy } from "../policy/engine/compiled-policy";
import { purposeRefusal, type ClientStanding } from "../policy/engine/recipient-rules";
import { generateApiKey, storedFormOf } from "./api-key";

export interface ClientRequest {
  readonly name: string;
  readonly role: ClientRole;
  readonly purposeKeys: readonly string[];
  readonly capabilities: readonly Capability[];
  /** The processor of the policy's register the client acts for; none when omitted. */
  readonly processorName?: string | null;
}

export interface RegisteredClient {
  readonly client: ClientRow;
  /** The key, to be shown once: only its hash is stored. */
  readonly apiKey: string;
}

/**
 * Registers a client with a fresh API key: the one way clients are made, by `npm run client` and by
 * the ADMIN mutation `createClient`. Refuses (InvalidClientError) an empty or taken name, an unknown
 * purpose, no purpose at all, capabilities the role may not hold, a processor the policy in force
 * does not register, and a purpose the client may not declare as the recipient it is — one outside
 * its processor's contract, or, for a third party, one not based on consent (`purposeRefusal`, the
 * rule every request is held to again, since the policy may change).
 */
export async function registerClient(manager: EntityManager, request: ClientRequest, policy: CompiledPolicy): Promise<RegisteredClient> {
  const name = request.name.trim();
  if (name.length === 0 || name.length > 100) throw new InvalidClientError("a client's name has 1–100 characters");
  if (request.purposeKeys.length === 0) throw new InvalidClientError("a client needs at least one purpose it may declare");
  const processorName = request.processorName?.trim() || null;
  const apiKey = generateApiKey();
  const client = await manager.transaction(async (transaction) => {
    if ((await transaction.query<unknown[]>(`SELECT 1 FROM client WHERE name = $1`, [name])).length > 0)
      throw new InvalidClientError(`a client named ${name} exists already`);
    const inserted = await insertClient(transaction, {
      ...request,
      name,
      processorName,
      ...storedFormOf(apiKey),
      capabilities: [...new Set(request.capabilities)],
    });
    // The rules of the policy in force come last, so the plainer mistakes are named first; refusing rolls the insert back.
    refuseAsRecipient(policy, { role: request.role, processorName }, request.purposeKeys);
    return inserted;
  });
  return { client, apiKey };
}

function refuseAsRecipient(policy: CompiledPolicy, standing: ClientStanding, purposeKeys: readonly string[]): void {
  if (standing.processorName !== null && !policy.processor(standing.processorName)) {
    throw new InvalidClientError(
      `${standing.processorName} is not in the register of processors of the policy in force (version ${policy.version}): the processors query lists it`,
    );
  }
  const refusals = purposeKeys.flatMap((key) => {
    const refusal = purposeRefusal(policy, standing, key);
    return refusal ? [refusal.message] : [];
  });
  if (refusals.length > 0) throw new InvalidClientError(refusals.join("; "));
}
