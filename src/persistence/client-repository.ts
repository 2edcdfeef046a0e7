import { In, type EntityManager } from "typeorm";
import { capabilityProblem, type Capability } from "../domain/capabilities";
import type { ClientRole } from "../domain/policy-terms";
import { processorLinkProblem } from "../domain/recipients";
import { ClientRow, PurposeRow } from "./entities";

export interface NewClient {
  readonly name: string;
  readonly role: ClientRole;
  readonly keyId: string;
  readonly keyHash: string;
  readonly purposeKeys: readonly string[];
  readonly capabilities: readonly Capability[];
  /** The processor of the policy's register it acts for; none when omitted. */
  readonly processorName?: string | null;
}

/** A client that cannot be created as asked: an unknown purpose, capabilities its role may not hold, a processor it may not act for. */
export class InvalidClientError extends Error {}

export async function insertClient(manager: EntityManager, client: NewClient): Promise<ClientRow> {
  const purposes =
    client.purposeKeys.length === 0 ? [] : await manager.getRepository(PurposeRow).findBy({ key: In([...client.purposeKeys]) });
  const missing = client.purposeKeys.filter((key) => !purposes.some((purpose) => purpose.key === key));
  if (missing.length > 0) throw new InvalidClientError(`Unknown purposes: ${missing.join(", ")}`);
  const problem = capabilityProblem(client.role, client.capabilities);
  if (problem) throw new InvalidClientError(problem);
  const processorName = client.processorName ?? null;
  const linkProblem = processorLinkProblem(client.role, processorName);
  if (linkProblem) throw new InvalidClientError(linkProblem);
  const repository = manager.getRepository(ClientRow);
  return repository.save(
    repository.create({
      name: client.name,
      role: client.role,
      keyId: client.keyId,
      keyHash: client.keyHash,
      revokedAt: null,
      processorName,
      purposes,
      capabilities: [...new Set(client.capabilities)].sort(),
    }),
  );
}

/** What authenticating a key needs of its client. */
export interface ClientCredentials {
  readonly id: string;
  readonly name: string;
  readonly role: ClientRole;
  readonly keyHash: string;
  readonly revoked: boolean;
  readonly purposeKeys: readonly string[];
  readonly capabilities: readonly Capability[];
  readonly processorName: string | null;
}

/** The client of a key id and the purposes it may declare, in one statement: it runs for every request of a key not yet cached. */
export async function findClientByKeyId(manager: EntityManager, keyId: string): Promise<ClientCredentials | null> {
  const rows = await manager.query<ClientCredentials[]>(
    `SELECT c.id, c.name, c.role::text AS role, c.key_hash AS "keyHash", c.revoked_at IS NOT NULL AS revoked,
            c.capabilities, c.processor_name AS "processorName",
            coalesce(array_agg(cp.purpose_key) FILTER (WHERE cp.purpose_key IS NOT NULL), '{}') AS "purposeKeys"
       FROM client c
       LEFT JOIN client_purpose cp ON cp.client_id = c.id
      WHERE c.key_id = $1
      GROUP BY c.id`,
    [keyId],
  );
  return rows[0] ?? null;
}

export async function countClients(manager: EntityManager): Promise<number> {
  return manager.getRepository(ClientRow).count();
}

/** Whether a client of this name was ever registered (revoked ones included: their events stay in the audit). */
export async function clientNameExists(manager: EntityManager, name: string): Promise<boolean> {
  return manager.getRepository(ClientRow).exists({ where: { name } });
}

export async function listClients(manager: EntityManager): Promise<ClientRow[]> {
  return manager.getRepository(ClientRow).find({ relations: { purposes: true }, order: { name: "ASC" } });
}

/** Revokes the client's key from now on; returns the client's id, or null when there is no such active client. */
export async function revokeClient(manager: EntityManager, name: string, now: Date): Promise<string | null> {
  const result = await manager
    .createQueryBuilder()
    .update(ClientRow)
    .set({ revokedAt: now })
    .where("name = :name AND revoked_at IS NULL", { name })
    .returning("id")
    .execute();
  return (result.raw as { id: string }[])[0]?.id ?? null;
}
