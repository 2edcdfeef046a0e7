import type { GraphQLResolveInfo } from "graphql";
import type { EntityManager } from "typeorm";
import { ChangeNotAuditedError, ErasedSubjectWriteError, writeWithChangeEvents, type ChangeLog } from "../audit/change-events";
import { writesOf } from "../enforcement/operation-analysis";
import { eventActorOf } from "../enforcement/request-context";
import { isErased, type SubjectWrite } from "../persistence/subject-repository";
import { accessOf } from "./arguments";
import type { RequestContext } from "./context";
import { apiError } from "../errors";

/**
 * A mutation's change and its change events, in one transaction (docs/DESIGN.md §8: no event, no
 * change). When the events cannot be written the change is rolled back and the caller gets
 * AUDIT_UNAVAILABLE (503): nothing changed, nothing released.
 */
export async function auditedWrite<T>(
  context: RequestContext,
  operation: string,
  work: (manager: EntityManager, log: ChangeLog) => Promise<T>,
): Promise<T> {
  const access = accessOf(context);
  const author = {
    ...eventActorOf(context),
    purposeKey: access.purposeKey,
    at: access.now,
  };
  try {
    return await writeWithChangeEvents(context.app.dataSource, author, operation, work);
  } catch (error) {
    if (error instanceof ErasedSubjectWriteError) {
      throw apiError("CONFLICT", `Subject ${error.subjectId} cannot be changed: ${error.refusal}. Nothing was changed.`, {
        reason: "SUBJECT_ERASED",
      });
    }
    if (!(error instanceof ChangeNotAuditedError)) throw error;
    context.app.logger.error(
      { requestId: context.requestId, operation, error: error.message },
      "change events could not be written; the change was rolled back",
    );
    throw apiError("AUDIT_UNAVAILABLE", "The change could not be audited, so it was not made. Try again later.");
  }
}

/**
 * Logs a write to one subject's row: a write that changed nothing is no change and writes no event
 * — unless the subject was erased, whose row the write helpers leave alone: then the attempt is
 * logged, so that the one rule of `writeWithChangeEvents` refuses it (SUBJECT_ERASED).
 */
export function logSubjectWrite(log: ChangeLog, subjectId: string, write: SubjectWrite, categories: readonly string[]): void {
  if (write.changed || isErased(write.row)) log.wrote(subjectId, categories);
}

/** The categories the field's arguments write, read from the schema's input tags (the static check reads the same). */
export function categoriesWrittenBy(info: GraphQLResolveInfo, args: Readonly<Record<string, unknown>>): string[] {
  const field = info.parentType.getFields()[info.fieldName];
  return field ? writesOf(field.args, args).personalInputs.map((input) => input.category) : [];
}
