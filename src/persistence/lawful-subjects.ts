import type { SelectQueryBuilder } from "typeorm";
import { LegalBasisCode, RetentionTrigger, SubjectStatus } from "../domain/policy-terms";
import type { PurposeRule } from "../policy/engine/compiled-policy";
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
  purpose: PurposeRule,
  lineage: readonly string[],
  now: Date,
): SelectQueryBuilder<DataSubjectRow> {
  const s = alias;
  const activeConsent = `EXISTS (SELECT 1 FROM consent c WHERE c.subject_id = ${s}.id AND c.purpose_key = ANY(:lineage)
      AND c.given_at <= :now AND (c.withdrawn_at IS NULL OR c.withdrawn_at > :now))`;
  const withdrawnConsent = `EXISTS (SELECT 1 FROM consent c WHERE c.subject_id = ${s}.id AND c.purpose_key = ANY(:lineage)
      AND c.withdrawn_at IS NOT NULL AND c.withdrawn_at <= :now)`;
  const openObjection = `EXISTS (SELECT 1 FROM objection o WHERE o.subject_id = ${s}.id AND o.purpose_key = ANY(:lineage)
      AND o.objected_at <= :now AND (o.lifted_at IS NULL OR o.lifted_at > :now))`;
  const serviceActive = `(${s}.service_active_until IS NULL OR ${s}.service_active_until > :now)`;

  const conditions: string[] = [];
  if (!purpose.allowedUnderRestriction) conditions.push(`${s}.status <> '${SubjectStatus.RESTRICTED}'`);
  // As the engine: an open objection stops the purpose whatever its basis, where an objection applies.
  if (objectionApplies(purpose)) conditions.push(`NOT ${openObjection}`);

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

  // The engine says from which instant on data is still kept; SQL only compares instants with it.
  const cutoff = retentionCutoff(purpose.retention, now);
  if (cutoff !== null) {
    switch (purpose.retention.trigger) {
      case RetentionTrigger.SERVICE_ENDED:
        conditions.push(`(${serviceActive} OR ${s}.service_active_until > :cutoff)`);
        break;
      case RetentionTrigger.COLLECTED:
        conditions.push(`${s}.created_at > :cutoff`);
        break;
      case RetentionTrigger.CONSENT_WITHDRAWN:
        conditions.push(`(${activeConsent} OR NOT ${withdrawnConsent} OR (SELECT max(c.withdrawn_at) FROM consent c
          WHERE c.subject_id = ${s}.id AND c.purpose_key = ANY(:lineage) AND c.withdrawn_at <= :now) > :cutoff)`);
        break;
    }
  }

  return query.andWhere(conditions.length === 0 ? "TRUE" : conditions.join(" AND "), { lineage: [...lineage], now, cutoff });
}
