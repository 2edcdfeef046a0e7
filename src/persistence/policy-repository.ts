import { createHash } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { isUnder, nearestDeclaredAncestor, parentKeyOf } from "../policy/keys";
import type { Organisation, PolicyDocument } from "../policy/policy-document";
import type { LoadedPolicy } from "./policy-file-loader";
import { DataCategoryRow, PolicyVersionRow, ProcessorRow, PurposeRow } from "./entities";

export interface PolicyApplied {
  readonly version: number;
  /** False when the database already held exactly this policy. */
  readonly changed: boolean;
}

export class PolicyConflictError extends Error {}

/**
 * Makes the database hold exactly the policy document, in one transaction, and records a new
 * policy version. Applying the same document again changes nothing (idempotent seed).
 */
export async function applyPolicy(dataSource: DataSource, policy: LoadedPolicy): Promise<PolicyApplied> {
  const sourceHash = createHash("sha256").update(JSON.stringify(policy.document)).digest("hex");
  return dataSource.transaction(async (manager) => {
    // Serialise concurrent seeds (two instances starting on one empty database).
    await manager.query("SELECT pg_advisory_xact_lock(hashtext('purposeql.policy'))");
    const latest = await latestVersion(manager);
    if (latest?.sourceHash === sourceHash) return { version: latest.version, changed: false };

    await writeCategories(manager, policy.document);
    await writePurposes(manager, policy.document);
    await writeProcessors(manager, policy.document);
    await removeUndeclared(manager, policy.document);

    const inserted = await manager.insert(PolicyVersionRow, {
      sourceHash,
      source: policy.source,
      noticeVersion: policy.document.organisation.noticeVersion,
      organisation: policy.document.organisation,
      document: policy.document,
      changedBy: POLICY_FILE_ACTOR,
      justification: null,
    });
    const version = Number((inserted.identifiers[0] as { version: number | string }).version);
    return { version, changed: true };
  });
}

export async function currentPolicyVersion(manager: EntityManager): Promise<number | null> {
  return (await latestVersion(manager))?.version ?? null;
}

async function latestVersion(manager: EntityManager): Promise<PolicyVersionRow | null> {
  return manager.getRepository(PolicyVersionRow).findOne({ where: {}, order: { version: "DESC" } });
}

const byDepth = <T extends { key: string }>(a: T, b: T): number => a.key.split(".").length - b.key.split(".").length;

async function writeCategories(manager: EntityManager, document: PolicyDocument): Promise<void> {
  const rows = [...document.categories].sort(byDepth).map((category) => ({
    key: category.key,
    parentKey: parentKeyOf(category.key),
    name: category.name,
    description: category.description,
    special: category.special,
  }));
  for (const row of rows) await manager.upsert(DataCategoryRow, row, ["key"]);
}

async function writePurposes(manager: EntityManager, document: PolicyDocument): Promise<void> {
  const declared = new Set(document.purposes.map((purpose) => purpose.key));
  for (const purpose of [...document.purposes].sort(byDepth)) {
    await manager.upsert(
      PurposeRow,
      {
        key: purpose.key,
        parentKey: nearestDeclaredAncestor(purpose.key, declared),
        name: purpose.name,
        description: purpose.description,
        legalBasis: purpose.legalBasis,
        legitimateInterestAssessment: purpose.legitimateInterestAssessment ?? null,
        allowedUnderRestriction: purpose.allowedUnderRestriction,
        consentAtRegistration: purpose.consentAtRegistration,
        legalReference: purpose.legalReference ?? null,
        answersRequests: purpose.answersRequests,
        neverGrants: purpose.neverGrants,
        showsAds: purpose.showsAds,
        article9Condition: purpose.article9Condition ?? null,
        retentionTrigger: purpose.retention.trigger,
        retentionDays: purpose.retention.days,
        retentionAction: purpose.retention.action,
      },
      ["key"],
    );
  }
  await manager.query("DELETE FROM purpose_category_grant");
  const pairs = document.purposes.flatMap((purpose) => purpose.grants.map((grant) => [purpose.key, grant] as const));
  await insertPairs(manager, "purpose_category_grant", "purpose_key", "category_key", pairs);
}

async function writeProcessors(manager: EntityManager, document: PolicyDocument): Promise<void> {
  for (const processor of document.processors) {
    await manager.upsert(
      ProcessorRow,
      {
        name: processor.name,
        country: processor.country,
        transferSafeguard: processor.transferSafeguard ?? null,
        dpaReference: processor.dpaReference,
        dpaSignedOn: processor.dpaSignedOn,
        lastVettedOn: processor.lastVettedOn,
        securityMeasures: processor.securityMeasures,
      },
      ["name"],
    );
  }
  const ids = new Map(
    (await manager.getRepository(ProcessorRow).find({ select: { id: true, name: true } })).map((row) => [row.name, row.id]),
  );
  await manager.query("DELETE FROM processor_purpose");
  await manager.query("DELETE FROM processor_category");
  const idOf = (name: string): string => ids.get(name) ?? "";
  await insertPairs(
    manager,
    "processor_purpose",
    "processor_id",
    "purpose_key",
    document.processors.flatMap((p) => p.purposes.map((key) => [idOf(p.name), key] as const)),
    "uuid",
  );
  await insertPairs(
    manager,
    "processor_category",
    "processor_id",
    "category_key",
    document.processors.flatMap((p) => p.categories.map((key) => [idOf(p.name), key] as const)),
    "uuid",
  );
}

/** Policy as code: what the file no longer declares is removed, unless records still depend on it. */
async function removeUndeclared(manager: EntityManager, document: PolicyDocument): Promise<void> {
  const remove = async (table: string, column: string, keep: string[], what: string): Promise<void> => {
    try {
      await manager.query(`DELETE FROM ${table} WHERE NOT (${column} = ANY($1::text[]))`, [keep]);
    } catch (error) {
      throw new PolicyConflictError(
        `Cannot remove ${what} the policy file no longer declares: records still refer to them (${(error as Error).message})`,
      );
    }
  };
  await remove(
    "processor",
    "name",
    document.processors.map((p) => p.name),
    "processors",
  );
  await remove(
    "purpose",
    "key",
    document.purposes.map((p) => p.key),
    "purposes",
  );
  await remove(
    "data_category",
    "key",
    document.categories.map((c) => c.key),
    "categories",
  );
}

async function insertPairs(
  manager: EntityManager,
  table: string,
  leftColumn: string,
  rightColumn: string,
  pairs: ReadonlyArray<readonly [string, string]>,
  leftType: "text" | "uuid" = "text",
): Promise<void> {
  if (pairs.length === 0) return;
  await manager.query(`INSERT INTO ${table} (${leftColumn}, ${rightColumn}) SELECT * FROM unnest($1::${leftType}[], $2::text[])`, [
    pairs.map(([left]) => left),
    pairs.map(([, right]) => right),
  ]);
}

export interface PolicySnapshot {
  readonly version: number;
  /** The privacy notice's version; null for a policy stored before notices were versioned. */
  readonly noticeVersion: string | null;
  /** The controller as declared; null for a policy stored before it was kept. */
  readonly organisation: Organisation | null;
  readonly categories: DataCategoryRow[];
  readonly purposes: PurposeRow[];
  readonly processors: ProcessorRow[];
}

/** The whole policy as stored, read in one transaction so it is one consistent version. */
export async function readPolicy(dataSource: DataSource): Promise<PolicySnapshot> {
  return dataSource.transaction("REPEATABLE READ", async (manager) => {
    const latest = await latestVersion(manager);
    return {
      version: latest?.version ?? 0,
      noticeVersion: latest?.noticeVersion ?? null,
      organisation: latest?.organisation ?? null,
      categories: await manager.getRepository(DataCategoryRow).find({ order: { key: "ASC" } }),
      purposes: await manager.getRepository(PurposeRow).find({ relations: { grants: true }, order: { key: "ASC" } }),
      processors: await manager
        .getRepository(ProcessorRow)
        .find({ relations: { purposes: true, categories: true }, order: { name: "ASC" } }),
    };
  });
}

export class PolicyChangeError extends Error {}

export interface GrantChange {
  readonly purposeKey: string;
  readonly categoryKey: string;
  readonly grant: boolean;
  /** Who made the change, recorded with the new version. */
  readonly actor: string;
  /** Why: required, recorded with the new version. */
  readonly justification: string;
}

/** Who a version loaded from the policy file was changed by. */
export const POLICY_FILE_ACTOR = "policy file";

/**
 * Grants a category to a purpose, or revokes the grant, as a new policy version. `check` sees the
 * purposes that inherit the change (the purpose and its descendants) and may refuse it.
 */
export async function changeGrant(
  dataSource: DataSource,
  change: GrantChange,
  check: (affectedPurposeKeys: readonly string[]) => void,
): Promise<PolicyApplied> {
  return dataSource.transaction(async (manager) => {
    await manager.query("SELECT pg_advisory_xact_lock(hashtext('purposeql.policy'))");
    const purposeKeys = (await manager.getRepository(PurposeRow).find({ select: { key: true } })).map((row) => row.key);
    if (!purposeKeys.includes(change.purposeKey)) throw new PolicyChangeError(`Unknown purpose ${change.purposeKey}`);
    if (!(await manager.getRepository(DataCategoryRow).existsBy({ key: change.categoryKey }))) {
      throw new PolicyChangeError(`Unknown category ${change.categoryKey}`);
    }
    // A purpose's declared descendants are the purposes that inherit its grants.
    check(purposeKeys.filter((key) => isUnder(key, change.purposeKey)));

    const pair = [change.purposeKey, change.categoryKey];
    const result: unknown[] = change.grant
      ? await manager.query(
          `INSERT INTO purpose_category_grant (purpose_key, category_key) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING purpose_key`,
          pair,
        )
      : await manager.query(`DELETE FROM purpose_category_grant WHERE purpose_key = $1 AND category_key = $2 RETURNING purpose_key`, pair);
    const latest = await latestVersion(manager);
    if (rowsOf(result) === 0) return { version: latest?.version ?? 0, changed: false };

    const source = JSON.stringify({ change: change.grant ? "grant" : "revoke", ...change });
    const sourceHash = createHash("sha256")
      .update(`${latest?.sourceHash ?? ""}\n${source}`)
      .digest("hex");
    const inserted = await manager.insert(PolicyVersionRow, {
      sourceHash,
      source,
      noticeVersion: latest?.noticeVersion ?? null,
      organisation: latest?.organisation ?? null,
      // The whole policy after the change: the previous version's, with this grant changed.
      document: latest?.document ? withGrantChanged(latest.document, change) : null,
      changedBy: change.actor,
      justification: change.justification,
    });
    return { version: Number((inserted.identifiers[0] as { version: number | string }).version), changed: true };
  });
}

/** The document with one purpose's own grant of one category added or removed. */
function withGrantChanged(document: PolicyDocument, change: GrantChange): PolicyDocument {
  return {
    ...document,
    purposes: document.purposes.map((purpose) =>
      purpose.key !== change.purposeKey
        ? purpose
        : {
            ...purpose,
            grants: change.grant
              ? [...new Set([...purpose.grants, change.categoryKey])]
              : purpose.grants.filter((grant) => grant !== change.categoryKey),
          },
    ),
  };
}

/** A stored version: the whole policy as in force from it, who changed it and why; null when there is none. */
export async function policyVersionRow(manager: EntityManager, version: number): Promise<PolicyVersionRow | null> {
  return manager.getRepository(PolicyVersionRow).findOneBy({ version });
}

/** `pg` answers a RETURNING query with rows; PGlite through TypeORM with [rows, count]. */
function rowsOf(result: unknown[]): number {
  return Array.isArray(result[0]) ? (result[0] as unknown[]).length : result.length;
}
