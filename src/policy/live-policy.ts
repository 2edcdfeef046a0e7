import type { DataSource } from "typeorm";
import { readPolicy, type PolicySnapshot } from "../persistence/policy-repository";
import { CompiledPolicy } from "./engine/compiled-policy";

export function compilePolicy(snapshot: PolicySnapshot): CompiledPolicy {
  return new CompiledPolicy(
    snapshot.version,
    snapshot.categories.map((category) => ({ key: category.key, parentKey: category.parentKey })),
    snapshot.purposes.map((purpose) => ({
      key: purpose.key,
      parentKey: purpose.parentKey,
      legalBasis: purpose.legalBasis,
      allowedUnderRestriction: purpose.allowedUnderRestriction,
      consentAtRegistration: purpose.consentAtRegistration,
      retention: { trigger: purpose.retentionTrigger, days: purpose.retentionDays, action: purpose.retentionAction },
      grants: purpose.grants.map((category) => category.key),
    })),
    snapshot.noticeVersion,
  );
}

/** The policy the server enforces now: the stored snapshot and its compiled index, swapped whole on reload. */
export class LivePolicy {
  private constructor(
    private readonly dataSource: DataSource,
    private state: { readonly snapshot: PolicySnapshot; readonly compiled: CompiledPolicy },
  ) {}

  static async load(dataSource: DataSource): Promise<LivePolicy> {
    const snapshot = await readPolicy(dataSource);
    return new LivePolicy(dataSource, { snapshot, compiled: compilePolicy(snapshot) });
  }

  get snapshot(): PolicySnapshot {
    return this.state.snapshot;
  }

  get compiled(): CompiledPolicy {
    return this.state.compiled;
  }

  get version(): number {
    return this.state.snapshot.version;
  }

  /** Reads the policy again. Reloads may overlap (a change made here, a NOTIFY from elsewhere): an older read never replaces a newer one. */
  async reload(): Promise<void> {
    const snapshot = await readPolicy(this.dataSource);
    if (snapshot.version >= this.state.snapshot.version) this.state = { snapshot, compiled: compilePolicy(snapshot) };
  }
}
