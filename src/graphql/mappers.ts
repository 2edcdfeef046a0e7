import type { ConsentRow, DataSubjectRow, ObjectionRow, ProcessorRow, PurposeRow, SubjectRequestRow } from "../persistence/entities";
import { RightToObject } from "../domain/policy-terms";
import type { CompiledPolicy } from "../policy/engine/compiled-policy";
import { rightToObject } from "../policy/engine/objections";
import { dayIn } from "../policy/engine/request-deadlines";
import { deadlineOf, isOverdue } from "../policy/engine/subject-request-rules";
import type { SubjectRequest } from "./types/subject-request.types";
import type { Consent, ConsentEvidence } from "./types/consent.types";
import { Processor, Purpose } from "./types/policy.types";
import type { Objection } from "./types/audit.types";
import type { DataSubject } from "./types/subject.types";

/** Rows to GraphQL values. Personal values are copied here; whether a request sees them is the guard's decision. */

export function toPurpose(row: PurposeRow, policy: CompiledPolicy): Purpose {
  const rule = policy.purpose(row.key);
  return Object.assign(new Purpose(), {
    key: row.key,
    parentKey: row.parentKey,
    name: row.name,
    description: row.description,
    legalBasis: row.legalBasis,
    legitimateInterestAssessment: row.legitimateInterestAssessment,
    allowedUnderRestriction: row.allowedUnderRestriction,
    rightToObject: rule ? rightToObject(rule) : RightToObject.NONE,
    grants: row.grants.map((category) => category.key).sort(),
    effectiveGrants: [...policy.effectiveGrants(row.key)].sort(),
    retention: { trigger: row.retentionTrigger, days: row.retentionDays, action: row.retentionAction },
  });
}

export function toProcessor(row: ProcessorRow): Processor {
  return Object.assign(new Processor(), {
    id: row.id,
    name: row.name,
    country: row.country,
    dpaReference: row.dpaReference,
    dpaSignedOn: row.dpaSignedOn,
    lastVettedOn: row.lastVettedOn,
    securityMeasures: row.securityMeasures,
    purposes: row.purposes.map((purpose) => purpose.key).sort(),
    categories: row.categories.map((category) => category.key).sort(),
  });
}

export function subjectValues(row: DataSubjectRow, now: Date): { [K in keyof DataSubject]: DataSubject[K] } {
  return {
    id: row.id,
    status: row.status,
    serviceActiveSince: row.serviceActiveSince,
    serviceActiveUntil: row.serviceActiveUntil,
    serviceActive: row.serviceActiveUntil === null || row.serviceActiveUntil > now,
    fullName: row.fullName,
    email: row.email,
    postalAddress: row.postalAddress,
    phone: row.phone,
    dateOfBirth: row.dateOfBirth,
    country: row.country,
    consentedAt: row.consentedAt,
    ipAddress: row.ipAddress,
    browser: row.browser,
    operatingSystem: row.operatingSystem,
    device: row.device,
  };
}

export function consentValues(row: ConsentRow, now: Date): { [K in Exclude<keyof Consent, "evidence">]: Consent[K] } {
  return {
    id: row.id,
    subjectId: row.subjectId,
    purposeKey: row.purposeKey,
    givenAt: row.givenAt,
    recordedAt: row.recordedAt,
    recordedBy: row.recordedBy,
    scope: row.scope,
    noticeVersion: row.noticeVersion,
    withdrawnAt: row.withdrawnAt,
    withdrawnBy: row.withdrawnBy,
    withdrawalMethod: row.withdrawalMethod,
    active: row.givenAt <= now && (row.withdrawnAt === null || row.withdrawnAt > now),
  };
}

export function objectionValues(row: ObjectionRow, now: Date): { [K in keyof Objection]: Objection[K] } {
  return {
    id: row.id,
    subjectId: row.subjectId,
    purposeKey: row.purposeKey,
    objectedAt: row.objectedAt,
    liftedAt: row.liftedAt,
    liftAssessment: row.liftAssessment,
    liftedByRequestId: row.liftedByRequestId,
    active: row.objectedAt <= now && (row.liftedAt === null || row.liftedAt > now),
  };
}

export function evidenceValues(row: ConsentRow): { [K in keyof ConsentEvidence]: ConsentEvidence[K] } {
  return {
    ipAddress: row.evidenceIpAddress,
    browser: row.evidenceBrowser,
    operatingSystem: row.evidenceOperatingSystem,
    device: row.evidenceDevice,
    parentalConsentReference: row.evidenceParentalConsentReference,
    method: row.evidenceMethod,
    policyVersion: row.policyVersion,
  };
}

export function subjectRequestValues(
  row: SubjectRequestRow,
  now: Date,
  timeZone: string,
): { [K in keyof SubjectRequest]: SubjectRequest[K] } {
  const deadline = deadlineOf(row);
  return {
    id: row.id,
    subjectId: row.subjectId,
    kind: row.kind,
    status: row.status,
    channel: row.channel,
    receivedAt: row.receivedAt,
    dueOn: dayIn(deadline, timeZone),
    dueAt: deadline,
    firstDueOn: dayIn(row.dueAt, timeZone),
    overdue: isOverdue(row, now),
    identityVerifiedAt: row.identityVerifiedAt,
    identityVerificationMethod: row.identityVerificationMethod,
    extensionReason: row.extensionReason,
    closedAt: row.closedAt,
    refusalReason: row.refusalReason,
    openedBy: row.openedBy,
  };
}
