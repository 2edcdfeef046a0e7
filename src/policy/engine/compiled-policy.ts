import { LegalBasisCode, type RetentionAction, type RetentionTrigger } from "../../domain/policy-terms";
import { isUnder } from "../keys";
import type { Organisation } from "../policy-document";

/** GDPR Art. 8(1): the age of digital consent where Member State law sets none. */
export const AGE_OF_DIGITAL_CONSENT_UNSTATED = 16;

export interface CategoryRule {
  readonly key: string;
  readonly parentKey: string | null;
  /** A special category of personal data (GDPR Art. 9). */
  readonly special: boolean;
}

export interface RetentionRule {
  readonly trigger: RetentionTrigger;
  readonly days: number | null;
  readonly action: RetentionAction;
}

export interface PurposeRule {
  readonly key: string;
  /** Nearest declared ancestor, whose grants this purpose inherits. */
  readonly parentKey: string | null;
  readonly legalBasis: LegalBasisCode;
  readonly allowedUnderRestriction: boolean;
  /** Whether the registration form collects consent to this purpose (at most one purpose does). */
  readonly consentAtRegistration: boolean;
  readonly retention: RetentionRule;
  /**
   * The law a legal-obligation purpose complies with (GDPR Art. 6(1)(c), 6(3)), e.g. the Accounting
   * Law's section on keeping source documents; null for other bases.
   */
  readonly legalReference: string | null;
  /**
   * A legal-obligation purpose that answers data subjects' requests (GDPR Art. 12–22): it reads live
   * data, since a person's request is about what is processed now. Every other legal-obligation
   * purpose keeps records the law requires and reads only the archive (see `readsArchiveOnly`).
   */
  readonly answersRequests: boolean;
  /** Categories the purpose declares it never reads: no grant, in the file or at run time, may reach them. */
  readonly neverGrants: readonly string[];
  /** Whether the purpose shows ads (it, and what lies under it, never reaches personal content). */
  readonly showsAds: boolean;
  /** The GDPR Art. 9(2) condition under which it may process special categories; null when it names none. */
  readonly article9Condition: string | null;
  /** Category keys the purpose grants itself. */
  readonly grants: readonly string[];
}

/** A processor of the policy's register (GDPR Art. 28) and what its contract covers. */
export interface ProcessorRule {
  readonly name: string;
  /** The purposes its contract lets it process data for (exactly these keys: a contract names its purposes). */
  readonly purposes: readonly string[];
  /** The categories its contract covers; a category covers its sub-categories. */
  readonly categories: readonly string[];
}

/** A legal-obligation purpose that keeps records rather than answering the person's requests. */
export function isArchivePurpose(purpose: PurposeRule): boolean {
  return purpose.legalBasis === LegalBasisCode.LEGAL_OBLIGATION && !purpose.answersRequests;
}

/**
 * The policy as an in-memory index, built once per policy version, so that "may purpose P read
 * category C?" is one set lookup. Pure: no I/O.
 */
export class CompiledPolicy {
  private readonly purposes: ReadonlyMap<string, PurposeRule>;
  private readonly readable: ReadonlyMap<string, ReadonlySet<string>>;
  private readonly readableLists: ReadonlyMap<string, readonly string[]>;
  private readonly lineages: ReadonlyMap<string, readonly string[]>;
  private readonly grantLists: ReadonlyMap<string, readonly string[]>;
  private readonly processorRules: ReadonlyMap<string, ProcessorRule>;

  constructor(
    readonly version: number,
    readonly categories: readonly CategoryRule[],
    purposes: readonly PurposeRule[],
    /** The version of the privacy notice the policy encodes; null for a policy loaded before notices were versioned. */
    readonly noticeVersion: string | null = null,
    /** The controller as the policy file declares it; null for a policy stored before it was kept. */
    readonly organisation: Organisation | null = null,
    /** The register of processors, as the same policy version declares it. */
    processors: readonly ProcessorRule[] = [],
  ) {
    this.processorRules = new Map(processors.map((processor) => [processor.name, processor]));
    this.purposes = new Map(purposes.map((purpose) => [purpose.key, purpose]));
    this.lineages = new Map(purposes.map((purpose) => [purpose.key, this.walkLineage(purpose.key)]));
    this.grantLists = new Map(
      purposes.map((purpose) => [
        purpose.key,
        [...new Set(this.lineageOf(purpose.key).flatMap((key) => this.purposes.get(key)?.grants ?? []))],
      ]),
    );
    this.readable = new Map(
      purposes.map((purpose) => {
        const grants = this.grantLists.get(purpose.key) ?? [];
        const covered = categories.filter((category) => grants.some((grant) => isUnder(category.key, grant)));
        return [purpose.key, new Set(covered.map((category) => category.key))];
      }),
    );
    this.readableLists = new Map([...this.readable].map(([key, categories]) => [key, [...categories].sort()]));
  }

  hasPurpose(key: string): boolean {
    return this.purposes.has(key);
  }

  purpose(key: string): PurposeRule | undefined {
    return this.purposes.get(key);
  }

  purposeKeys(): string[] {
    return [...this.purposes.keys()];
  }

  /** Rule 2: the purpose, or an ancestor, grants the category or an ancestor of it. */
  grants(purposeKey: string, categoryKey: string): boolean {
    return this.readable.get(purposeKey)?.has(categoryKey) ?? false;
  }

  /** Every category the purpose may read now, sub-categories included, sorted: what a consent given now covers. */
  readableCategories(purposeKey: string): readonly string[] {
    return this.readableLists.get(purposeKey) ?? [];
  }

  /**
   * The age of digital consent (GDPR Art. 8(1)). A policy version stored before the policy file named
   * it has none: then Art. 8(1)'s own age, 16, which applies where Member State law sets none, so a
   * stale policy errs towards protecting children.
   */
  get ageOfDigitalConsent(): number {
    const stored: Partial<Organisation> | null = this.organisation;
    return stored?.ageOfDigitalConsent ?? AGE_OF_DIGITAL_CONSENT_UNSTATED;
  }

  /** The calendar the controller counts deadlines on (UTC when the policy names none). */
  get timeZone(): string {
    return this.organisation?.timeZone ?? "UTC";
  }

  /** The purpose whose consent the registration form collects, if the policy has one. */
  registrationConsentPurpose(): PurposeRule | undefined {
    return [...this.purposes.values()].find((purpose) => purpose.consentAtRegistration);
  }

  /** The purpose's own grants and those it inherits, as declared (not expanded to sub-categories). */
  effectiveGrants(purposeKey: string): readonly string[] {
    return this.grantLists.get(purposeKey) ?? [];
  }

  /** The purpose itself and every declared purpose beneath it (those it covers, as a consent or an objection does). */
  purposeAndDescendants(purposeKey: string): readonly string[] {
    return [...this.purposes.keys()].filter((key) => isUnder(key, purposeKey));
  }

  /** The purpose itself, then each declared ancestor, nearest first. */
  lineageOf(purposeKey: string): readonly string[] {
    return this.lineages.get(purposeKey) ?? [];
  }

  /**
   * Whether the purpose keeps records the law requires rather than serving the person: a
   * legal-obligation purpose that does not answer requests. It reads only what has left live
   * processing for that duty — the archive — and what a legal hold covers (docs/DESIGN.md §8).
   */
  readsArchiveOnly(purposeKey: string): boolean {
    const purpose = this.purposes.get(purposeKey);
    return purpose !== undefined && isArchivePurpose(purpose);
  }

  /** The purposes that keep records for a legal duty and grant `categoryKey`. */
  archivePurposesGranting(categoryKey: string): readonly PurposeRule[] {
    return [...this.purposes.values()].filter((purpose) => isArchivePurpose(purpose) && this.grants(purpose.key, categoryKey));
  }

  /**
   * The purposes that serve the person and grant `categoryKey`: those that hold live data, and so
   * decide how long it lives. Not the record-keeping ones (they keep the archive), nor one that
   * answers requests (it answers about what the others hold, and keeps nothing alive itself).
   */
  livePurposesGranting(categoryKey: string): readonly PurposeRule[] {
    return this.servingPurposes().filter((purpose) => this.grants(purpose.key, categoryKey));
  }

  /** Every purpose that serves the person (see `livePurposesGranting`). */
  servingPurposes(): readonly PurposeRule[] {
    return [...this.purposes.values()].filter((purpose) => !isArchivePurpose(purpose) && !purpose.answersRequests);
  }

  /** The processor of that name in this policy's register; undefined when the register has none of that name. */
  processor(name: string): ProcessorRule | undefined {
    return this.processorRules.get(name);
  }

  hasCategory(key: string): boolean {
    return this.categories.some((category) => category.key === key);
  }

  private walkLineage(purposeKey: string): string[] {
    const lineage: string[] = [];
    let current: string | null = purposeKey;
    while (current !== null && !lineage.includes(current)) {
      lineage.push(current);
      current = this.purposes.get(current)?.parentKey ?? null;
    }
    return lineage;
  }
}
