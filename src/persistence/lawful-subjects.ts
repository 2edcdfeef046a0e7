import type { SelectQueryBuilder } from "typeorm";
import { LegalBasisCode, RetentionTrigger, SubjectStatus } from "../domain/policy-terms";
import { isArchivePurpose, type CompiledPolicy, type PurposeRule } from "../policy/engine/compiled-policy";
import { retentionCutoff } from "../policy/engine/lawfulness";
import { objectionApplies } from "../policy/engine/objections";
import type { DataSubjectRow } from "./entities";

/**
 * The SQL twin of the engine's `lawfulness`: keeps only the subjects whose data `purpose` may
 * process at `now`. A test compares the two over every purpose and a matrix of subject states.
 */
export function whereLawful(
  query: SelectQueryBuilder<DataSubjectRow>,
  alias: string,
  policy: CompiledPolicy,
  purpose: PurposeRule,
  now: Date,
): SelectQueryBuilder<DataSubjectRow> {
  const condition = lawfulCondition(alias, policy, purpose, now);
  return query.andWhere(condition.sql, { ...condition.parameters });
}

/** The condition `whereLawful` adds, with its named parameters (`:lineage`, `:now`, `:cutoff`, `:granted`). */
export interface LawfulCondition {
  readonly sql: string;
  readonly parameters: LawfulParameters;
}

export interface LawfulParameters {
  readonly lineage: string[];
  readonly now: Date;
  readonly cutoff: Date | null;
  readonly granted: string[];
}

/**
 * The lawful-list condition itself, on the rows of `alias`: its text depends only on the purpose
 * and the policy, never on the time, so a statement built from it can be prepared once and run with
 * each request's parameters.
 */
export function lawfulCondition(alias: string, policy: CompiledPolicy, purpose: PurposeRule, now: Date): LawfulCondition {
  const lineage = policy.lineageOf(purpose.key);
  const s = alias;
  const activeConsent = `EXISTS (SELECT 1 FROM consent c WHERE c.subject_id = ${s}.id AND c.purpose_key = ANY(:lineage)
      AND c.given_at <= :now AND (c.withdrawn_at IS NULL OR c.withdrawn_at > :now))`;
  const withdrawnConsent = `EXISTS (SELECT 1 FROM consent c WHERE c.subject_id = ${s}.id AND c.purpose_key = ANY(:lineage)
      AND c.withdrawn_at IS NOT NULL AND c.withdrawn_at <= :now)`;
  const openObjection = `EXISTS (SELECT 1 FROM objection o WHERE o.subject_id = ${s}.id AND o.purpose_key = ANY(:lineage)
      AND o.objected_at <= :now AND (o.lifted_at IS NULL OR o.lifted_at > :now))`;
  const inquiryReceived = `EXISTS (SELECT 1 FROM inquiry i WHERE i.subject_id = ${s}.id AND i.received_at <= :now)`;
  const inquiryOpen = `EXISTS (SELECT 1 FROM inquiry i WHERE i.subject_id = ${s}.id AND i.received_at <= :now
      AND (i.closed_at IS NULL OR i.closed_at > :now))`;
  const serviceActive = `(${s}.service_active_since IS NOT NULL AND (${s}.service_active_until IS NULL OR ${s}.service_active_until > :now))`;
  const readsArchive = isArchivePurpose(purpose);

  const conditions: string[] = [`${s}.status <> '${SubjectStatus.ERASED}'`];
  if (!readsArchive) conditions.push(`${s}.status <> '${SubjectStatus.ARCHIVED}'`);
  if (!purpose.allowedUnderRestriction) conditions.push(`${s}.status <> '${SubjectStatus.RESTRICTED}'`);
  // The engine says from which instant on data is still kept; SQL only compares instants with it.
  const cutoff = retentionCutoff(purpose.retention, now);
  let retained = "TRUE";
  if (cutoff !== null) {
    switch (purpose.retention.trigger) {
      case RetentionTrigger.SERVICE_ENDED:
        // As the engine: the trigger happened once a service that is not active has an end (never started: not yet).
        retained = `(${serviceActive} OR ${s}.service_active_until IS NULL OR ${s}.service_active_until > :cutoff)`;
        break;
      case RetentionTrigger.COLLECTED:
        retained = `${s}.created_at > :cutoff`;
        break;
      case RetentionTrigger.CONSENT_WITHDRAWN:
        retained = `(${activeConsent} OR NOT ${withdrawnConsent} OR (SELECT max(c.withdrawn_at) FROM consent c
          WHERE c.subject_id = ${s}.id AND c.purpose_key = ANY(:lineage) AND c.withdrawn_at <= :now) > :cutoff)`;
        break;
      case RetentionTrigger.INQUIRY_CLOSED:
        retained = `(${inquiryOpen} OR NOT ${inquiryReceived} OR (SELECT max(i.closed_at) FROM inquiry i
          WHERE i.subject_id = ${s}.id AND i.received_at <= :now AND i.closed_at <= :now) > :cutoff)`;
        break;
    }
  }

  if (readsArchive) {
    // As the engine's archiveLawfulness: a granted category the archive keeps while the retention lasts, or one an open hold covers.
    const archived = `EXISTS (SELECT 1 FROM archived_value av WHERE av.subject_id = ${s}.id AND av.category = ANY(:granted))`;
    const held = `EXISTS (SELECT 1 FROM legal_hold h WHERE h.subject_id = ${s}.id AND h.opened_at <= :now AND h.until > :now
      AND (h.released_at IS NULL OR h.released_at > :now)
      AND EXISTS (SELECT 1 FROM unnest(h.categories) held, unnest(CAST(:granted AS text[])) granted
                  WHERE granted = held OR left(granted, length(held) + 1) = held || '.'))`;
    conditions.push(`((${archived} AND ${retained}) OR ${held})`);
  } else {
    if (objectionApplies(purpose)) conditions.push(`NOT ${openObjection}`);
    // As the engine's inapplicability: a purpose counted from the service's end serves customers, one counted from an inquiry's close those who asked.
    if (!purpose.answersRequests && purpose.retention.trigger === RetentionTrigger.SERVICE_ENDED) {
      conditions.push(`${s}.service_active_since IS NOT NULL`);
    }
    if (!purpose.answersRequests && purpose.retention.trigger === RetentionTrigger.INQUIRY_CLOSED) conditions.push(inquiryReceived);
    switch (purpose.legalBasis) {
      case LegalBasisCode.CONSENT:
        conditions.push(activeConsent);
        break;
      case LegalBasisCode.CONTRACT:
        conditions.push(serviceActive);
        break;
      case LegalBasisCode.LEGITIMATE_INTERESTS:
      case LegalBasisCode.LEGAL_OBLIGATION:
      case LegalBasisCode.PUBLIC_TASK:
      case LegalBasisCode.VITAL_INTERESTS:
        break;
    }
    conditions.push(retained);
  }

  const granted = policy.readableCategories(purpose.key);
  return { sql: conditions.join(" AND "), parameters: { lineage: [...lineage], now, cutoff, granted: [...granted] } };
}
