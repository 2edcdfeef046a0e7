import type { EntityManager } from "typeorm";
import type { PolicyDocument } from "../policy/policy-document";
import type { RecipientRoles } from "../policy/records-of-processing";
import { PolicyVersionRow } from "./entities";

/** The roles of the clients, not revoked, that may declare each purpose: the recipients of its data (GDPR Art. 30(1)(d)). */
export async function recipientRolesByPurpose(manager: EntityManager): Promise<RecipientRoles[]> {
  const rows: { purpose_key: string; roles: string[] }[] = await manager.query(
    `SELECT cp.purpose_key, array_agg(DISTINCT c.role::text ORDER BY c.role::text) AS roles
     FROM client_purpose cp JOIN client c ON c.id = cp.client_id
     WHERE c.revoked_at IS NULL GROUP BY cp.purpose_key`,
  );
  return rows.map((row) => ({ purposeKey: row.purpose_key, roles: row.roles }));
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
