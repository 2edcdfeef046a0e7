import { GraphQLError, responsePathAsArray, type GraphQLResolveInfo } from "graphql";
import type { FieldProblem } from "../errors";
import type { DenialReason } from "../policy/engine/lawfulness";
import type { FieldOfCategory, RecipientRefusal } from "../policy/engine/recipient-rules";

/** Read-time reasons: the engine's, plus the guard's own defence-in-depth cases. */
export type ReadDenialReason = DenialReason | "NOT_GRANTED" | "NO_PURPOSE" | "CHECK_FAILED" | "PROCESSOR_NOT_AUTHORISED";

const EXPLANATIONS: Record<ReadDenialReason, string> = {
  ERASED: "the subject's data was erased",
  ARCHIVED: "the subject's data has left live processing and is kept only in the archive for a legal duty",
  NOT_ARCHIVED:
    "this purpose keeps records for a legal duty and reads only what the archive keeps or a legal hold covers, which this is not",
  CONSENT_MISSING: "the subject has not consented to this purpose",
  CONSENT_WITHDRAWN: "the subject withdrew consent to this purpose",
  CONSENT_SCOPE: "the subject's consent was given before this purpose was granted this category, and does not cover it",
  OBJECTED: "the subject objected to this purpose",
  RESTRICTED: "the subject's processing is restricted and this purpose may not run under restriction",
  CONTRACT_INACTIVE: "the subject's service relationship has not started or has ended",
  NO_INQUIRY: "this purpose answers a subject's inquiries, and the subject has sent none",
  RETENTION_EXPIRED: "this purpose's retention period for the subject has run out",
  NOT_GRANTED: "the purpose does not grant this category",
  PROCESSOR_NOT_AUTHORISED: "the contract of the processor this client acts for does not cover this category",
  NO_PURPOSE: "the request declared no purpose",
  CHECK_FAILED: "the check could not be completed",
};

/**
 * Returned as a field's value: graphql-js then puts null at the field and this error at its path.
 * A denial is an expected outcome, not a fault: no stack trace is captured (formatting one costs
 * more than the whole decision), and callers may share one instance per reason and category.
 */
export function purposeLimitationError(reason: ReadDenialReason, category: string, purpose: string | null): GraphQLError {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new GraphQLError(`Not released: ${EXPLANATIONS[reason]} (category ${category}, purpose ${purpose ?? "none"}).`, {
      extensions: { code: "PURPOSE_LIMITATION", reason, category, purpose },
    });
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * The denial `denial` located at the field being resolved: graphql-js takes an error that already
 * has its path as it is, where it would otherwise wrap it in a new one — capturing a stack trace
 * for every denied field, which cost more than everything else a denial does together (`npm run
 * bench`). So each denied field costs one error, built here without a stack.
 */
export function deniedAt(denial: GraphQLError, info: Pick<GraphQLResolveInfo, "fieldNodes" | "path">): GraphQLError {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new GraphQLError(denial.message, {
      nodes: info.fieldNodes,
      path: responsePathAsArray(info.path),
      extensions: denial.extensions,
    });
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * The client may not receive what it asks as the recipient it is (`recipient-rules.ts`): a
 * processor's client outside its contract, a third party under a purpose not based on consent.
 * The whole operation is refused (403), naming the fields the contract does not cover, if those
 * are what refused it; `outcome` says what did not happen ("Nothing was executed").
 */
export function recipientRefusalError(
  purposeKey: string,
  refusal: RecipientRefusal,
  fields: readonly FieldOfCategory[],
  outcome: string,
): GraphQLError {
  return new GraphQLError(`${refusal.message}. ${outcome}.`, {
    extensions: {
      code: "PURPOSE_LIMITATION",
      reason: refusal.reason,
      purpose: purposeKey,
      ...(refusal.processor === null ? {} : { processor: refusal.processor }),
      ...(fields.length === 0
        ? {}
        : {
            fields: fields.map(({ field, category }): FieldProblem => ({
              field,
              category,
              message: `${category} is not covered by ${refusal.processor ?? "the recipient"}'s contract`,
            })),
          }),
      http: { status: 403 },
    },
  });
}
