import type { DataSource } from "typeorm";
import { readPolicy, type PolicySnapshot } from "./policy-repository";
import { CompiledPolicy } from "../policy/engine/compiled-policy";

export function compilePolicy(snapshot: PolicySnapshot): CompiledPolicy {
  return new CompiledPolicy(
    snapshot.version,
    snapshot.categories.map((category) => ({ key: category.key, parentKey: category.parentKey, special: category.special })),
    snapshot.purposes.map((purpose) => ({
      key: purpose.key,
      parentKey: purpose.parentKey,
      legalBasis: purpose.legalBasis,
      allowedUnderRestriction: purpose.allowedUnderRestriction,
      consentAtRegistration: purpose.consentAtRegistration,
      legalReference: purpose.legalReference,
      answersRequests: purpose.answersRequests,
      neverGrants: purpose.neverGrants,
      showsAds: purpose.showsAds,
      article9Condition: purpose.article9Condition,
      retention: { trigger: purpose.retentionTrigger, days: purpose.retentionDays, action: purpose.retentionAction },
      grants: purpose.grants.map((category) => category.key),
    })),
    snapshot.noticeVersion,
    snapshot.organisation,
    snapshot.processors.map((processor) => ({
      name: processor.name,
      purposes: processor.purposes.map((purpose) => purpose.key),
      categories: processor.categories.map((category) => category.key),
    })),
  );
}

const RETRY_MS = 1_000;

/**
 * The policy the server enforces now: the stored snapshot and its compiled index, swapped whole on
 * reload. Fails closed: after a failed reload the policy in force may be stale (a grant revoked
 * elsewhere still in it), so `available` is false — the server then serves no personal data —
 * and the reload is retried every second until one succeeds.
 */
export class LivePolicy {
  private reloads = 0;
  /** The start number of the latest failed reload, or null when the policy in force is current. */
  private failedReload: number | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();

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

  /** False after a failed reload, until a reload that started later succeeds. */
  get available(): boolean {
    return this.failedReload === null;
  }

  /**
   * Reads the policy again. Reloads may overlap (a change made here, a NOTIFY from elsewhere): an
   * older read never replaces a newer one, and only a reload that started after a failed one can
   * vouch that the policy is current again.
   */
  reload(): Promise<void> {
    const reload = this.read(++this.reloads);
    this.inFlight.add(reload);
    const forget = (): void => {
      this.inFlight.delete(reload);
    };
    reload.then(forget, forget);
    return reload;
  }

  /**
   * Resolves once every reload started so far has finished: a request that waits for it is decided
   * under a policy at least as new as every change announced before it began.
   */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async read(started: number): Promise<void> {
    try {
      const snapshot = await readPolicy(this.dataSource);
      if (snapshot.version >= this.state.snapshot.version) this.state = { snapshot, compiled: compilePolicy(snapshot) };
      if (this.failedReload !== null && started > this.failedReload) {
        this.failedReload = null;
        clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
      }
    } catch (error) {
      this.failedReload = Math.max(this.failedReload ?? 0, started);
      this.scheduleRetry();
      throw error;
    }
  }

  /** Stops retrying; the instance is shutting down. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.reload().catch(() => undefined);
    }, RETRY_MS);
    this.retryTimer.unref();
  }
}
