import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import type { SubjectStatus } from "../domain/policy-terms";
import { RecipientType } from "../domain/recipients";
import { insertChangeEvents, type ChangeEventToWrite, type EventActor } from "../persistence/access-event-repository";
import { liveCategoriesOf } from "../persistence/archived-values";
import { applyRetentionSteps, lockForRetention, subjectsForRetention, type RetentionCandidate } from "../persistence/retention-repository";
import { subjectFactsOf } from "../persistence/subject-facts-repository";
import type { CompiledPolicy } from "../policy/engine/compiled-policy";
import { planRetention, type RetentionPlan, type RetentionStep } from "../policy/engine/retention-plan";

/** Who the sweep's change events name: the server itself, not a client — the controller's own act. */
export const RETENTION_SWEEP_ACTOR: EventActor = {
  clientId: "00000000-0000-0000-0000-000000000000",
  clientName: "purposeql:retention",
  recipientType: RecipientType.INTERNAL,
  processorName: null,
};

/** The purpose key of a sweep event whose step no purpose decided (a purge, a value no purpose held): storage limitation, GDPR Art. 5(1)(e). */
export const STORAGE_LIMITATION = "storage_limitation";

/** The change-event operation of each step. */
export const RETENTION_OPERATIONS: Readonly<Record<RetentionStep["action"], string>> = {
  DELETE: "retentionDelete",
  ANONYMISE: "retentionAnonymise",
  ARCHIVE: "retentionArchive",
  PURGE: "retentionPurge",
};

/** What the sweep did, or would do, to one subject. */
export interface SubjectRetention {
  readonly subjectId: string;
  readonly statusBefore: SubjectStatus;
  readonly statusAfter: SubjectStatus;
  readonly steps: readonly RetentionStep[];
}

export interface SweepReport {
  readonly at: Date;
  readonly dryRun: boolean;
  /** The subjects looked at (every one not erased). */
  readonly examined: number;
  /** The subjects with something to do, in creation order. */
  readonly subjects: readonly SubjectRetention[];
}

export interface SweepOptions {
  readonly dryRun: boolean;
  readonly batchSize?: number;
}

/**
 * The retention sweep (docs/DESIGN.md §8): every subject's plan at `now` (`planRetention`), and
 * unless `dryRun`, its execution. A dry run and a real run at the same instant report the same
 * steps. Each subject is planned afresh and changed in a transaction of its own, its row locked,
 * with one change event per kind of step (categories, never values): no event, no change. A
 * second run at the same instant finds nothing to do.
 */
export async function sweepRetention(
  dataSource: DataSource,
  policy: CompiledPolicy,
  now: Date,
  options: SweepOptions,
): Promise<SweepReport> {
  const batchSize = options.batchSize ?? 500;
  const requestId = randomUUID();
  const subjects: SubjectRetention[] = [];
  let examined = 0;
  let afterSeq: string | null = null;
  for (;;) {
    const batch = await subjectsForRetention(dataSource.manager, afterSeq, batchSize);
    if (batch.length === 0) break;
    examined += batch.length;
    afterSeq = batch.at(-1)?.row.seq ?? null;
    for (const candidate of batch) {
      const planned = plan(policy, candidate, now);
      if (isIdle(planned, candidate)) continue;
      // A real run plans again inside the subject's transaction, its row locked.
      const done = options.dryRun ? report(candidate, planned) : await carryOut(dataSource, policy, candidate.row.id, now, requestId);
      if (done) subjects.push(done);
    }
  }
  return { at: now, dryRun: options.dryRun, examined, subjects };
}

function plan(policy: CompiledPolicy, candidate: RetentionCandidate, now: Date): RetentionPlan {
  return planRetention(
    policy,
    {
      facts: subjectFactsOf(candidate.row, candidate.facts),
      liveCategories: liveCategoriesOf(candidate.row),
      holdsRecords: candidate.holdsRecords,
    },
    now,
  );
}

function isIdle(planned: RetentionPlan, candidate: RetentionCandidate): boolean {
  return planned.steps.length === 0 && planned.statusAfter === candidate.row.status;
}

function report(candidate: RetentionCandidate, planned: RetentionPlan): SubjectRetention {
  return { subjectId: candidate.row.id, statusBefore: candidate.row.status, statusAfter: planned.statusAfter, steps: planned.steps };
}

/** One subject, locked and planned again inside its transaction: what another writer changed meanwhile counts. */
async function carryOut(
  dataSource: DataSource,
  policy: CompiledPolicy,
  subjectId: string,
  now: Date,
  requestId: string,
): Promise<SubjectRetention | null> {
  return dataSource.transaction(async (manager) => {
    const candidate = await lockForRetention(manager, subjectId);
    if (!candidate) return null;
    const planned = plan(policy, candidate, now);
    if (isIdle(planned, candidate)) return null;
    await applyRetentionSteps(manager, candidate, planned.steps, planned.statusAfter, now);
    await insertChangeEvents(manager, changeEvents(policy, subjectId, candidate.row.status, planned, requestId, now));
    return report(candidate, planned);
  });
}

function changeEvents(
  policy: CompiledPolicy,
  subjectId: string,
  statusBefore: SubjectStatus,
  planned: RetentionPlan,
  requestId: string,
  at: Date,
): ChangeEventToWrite[] {
  const byOperation = new Map<string, { purposeKey: string; written: string[] }>();
  for (const step of planned.steps) {
    const purposeKey = step.decidedBy !== null && policy.hasPurpose(step.decidedBy) ? step.decidedBy : STORAGE_LIMITATION;
    const key = `${RETENTION_OPERATIONS[step.action]} ${purposeKey}`;
    const entry = byOperation.get(key) ?? { purposeKey, written: [] };
    entry.written.push(step.category);
    byOperation.set(key, entry);
  }
  const events: ChangeEventToWrite[] = [...byOperation].map(([key, entry]) => ({
    ...RETENTION_SWEEP_ACTOR,
    requestId,
    subjectId,
    operation: key.split(" ")[0] as string,
    purposeKey: entry.purposeKey,
    written: entry.written.sort(),
    at,
  }));
  if (planned.statusAfter !== statusBefore) {
    events.push({
      ...RETENTION_SWEEP_ACTOR,
      requestId,
      subjectId,
      operation: "retentionStatus",
      purposeKey: STORAGE_LIMITATION,
      written: ["user.account.status"],
      at,
    });
  }
  return events;
}
