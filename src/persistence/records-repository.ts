import { IsNull, type EntityManager } from "typeorm";
import type { PolicyDocument } from "../policy/policy-document";
import type { ClientRecipient } from "../policy/records-of-processing";
import { ClientRow, PolicyVersionRow } from "./entities";

/** The clients, not revoked, with the purposes each may declare: the recipients of the data (GDPR Art. 30(1)(d)). */
export async function clientRecipients(manager: EntityManager): Promise<ClientRecipient[]> {
  const clients = await manager
    .getRepository(ClientRow)
    .find({ where: { revokedAt: IsNull() }, relations: { purposes: true }, order: { name: "ASC" } });
  return clients.map((client) => ({
    name: client.name,
    role: client.role,
    processorName: client.processorName,
    purposeKeys: client.purposes.map((purpose) => purpose.key),
  }));
}

/** The whole policy of `version`, or of the latest version when none is given; null when it was not kept. */
export async function wholePolicyOf(
  manager: EntityManager,
  version: number | null,
): Promise<{ version: number; document: PolicyDocument } | null> {
  const row =
    version === null
      ? await manager.getRepository(PolicyVersionRow).findOne({ where: {}, order: { version: "DESC" } })
      : await manager.getRepository(PolicyVersionRow).findOneBy({ version });
  return row?.document ? { version: row.version, document: row.document } : null;
}
