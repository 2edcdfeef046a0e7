import type { DataSource } from "typeorm";
import { generateApiKey, storedFormOf } from "../auth/api-key";
import { ALL_CAPABILITIES } from "../domain/capabilities";
import { ClientRole } from "../domain/policy-terms";
import { countClients, insertClient } from "../persistence/client-repository";
import { PurposeRow } from "../persistence/entities";
import { applyPolicy, currentPolicyVersion } from "../persistence/policy-repository";
import { loadPolicyFile } from "../persistence/policy-file-loader";

/** Seeds the policy file into a database that has never held a policy; returns the version it wrote, or null. */
export async function seedIfEmpty(dataSource: DataSource, policyFile: string): Promise<number | null> {
  if ((await currentPolicyVersion(dataSource.manager)) !== null) return null;
  const applied = await applyPolicy(dataSource, await loadPolicyFile(policyFile));
  return applied.version;
}

export const DEV_CLIENT_NAME = "development";

export interface DevClient {
  readonly name: string;
  /** The key, when it was generated here and must be shown once; undefined when the operator chose it. */
  readonly generatedKey: string | undefined;
}

/** On a database without clients, creates an ADMIN client that may declare every purpose and holds every capability. */
export async function ensureDevClient(dataSource: DataSource, configuredKey: string | undefined): Promise<DevClient | null> {
  return dataSource.transaction(async (manager) => {
    await manager.query("SELECT pg_advisory_xact_lock(hashtext('purposeql.dev-client'))");
    if ((await countClients(manager)) > 0) return null;
    const apiKey = configuredKey ?? generateApiKey();
    const purposes = await manager.getRepository(PurposeRow).find({ select: { key: true } });
    await insertClient(manager, {
      name: DEV_CLIENT_NAME,
      role: ClientRole.ADMIN,
      ...storedFormOf(apiKey),
      purposeKeys: purposes.map((purpose) => purpose.key),
      capabilities: ALL_CAPABILITIES,
    });
    return { name: DEV_CLIENT_NAME, generatedKey: configuredKey ? undefined : apiKey };
  });
}
