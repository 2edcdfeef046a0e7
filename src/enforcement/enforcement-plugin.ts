import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from "@apollo/server";
import { GraphQLError, Kind, OperationTypeNode } from "graphql";
import { allowedPurposes, allowedPurposesSentence, declaredPurpose } from "../auth/authenticate";
import { eventActorOf, type RequestContext } from "./request-context";
import { apiError, badUserInput, forbidden, requestTimeout, type FieldProblem } from "../errors";
import { writeRequestAudit } from "../persistence/request-audit-statement";
import { contractRefusal, purposeRefusal } from "../policy/engine/recipient-rules";
import { recordRefusal } from "../audit/refusal-events";
import { authorityRefusal } from "./authority";
import { combineDeclarations, purposeFromDirective } from "./declared-purpose";
import { analyseOperation, type PersonalSelection } from "./operation-analysis";
import { coercedVariables } from "./operation-variables";
import { RequestAccess } from "./request-access";
import { recipientRefusalError } from "./purpose-limitation-error";

/**
 * Purpose limitation around every operation (docs/DESIGN.md §4–5, §8):
 *  - before execution: refuse an operation the client has no authority for (a capability for each
 *    write, ADMIN for administration); settle the declared purpose; refuse a purpose the client may
 *    not declare as the recipient it is (outside its processor's contract; not consent-based, for a
 *    third party); and refuse the whole operation if it selects or writes a personal field whose
 *    category that purpose does not grant (rule 2), or its processor's contract does not cover,
 *    through literals, variables, defaults and nested inputs — no resolver, no SQL;
 *  - a refusal before execution is recorded as a request event (client, purpose, reason, the
 *    fields, categories and capabilities refused — never a value), then answered;
 *  - after execution, before the response leaves: write the request's access events in one
 *    statement, and its queries of the audit with them; if that fails, release no data at all
 *    (fail closed). A request past its deadline releases nothing either (REQUEST_TIMEOUT), and so
 *    records no release.
 */
export function purposeLimitationPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue: context, operation, document, request, schema }) {
          if (!operation) return;
          // A policy change announced before this request began is in force for it: wait for its reload.
          await context.app.policy.settled();
          const variables = coercedVariables(schema, operation, request.variables);
          const policy = context.app.policy.compiled;
          const directivePurpose = purposeFromDirective(operation, variables);
          const purposeKey = combineDeclarations(
            context.headerPurpose,
            directivePurpose === null ? null : declaredPurpose(context.client, policy, directivePurpose),
          );
          context.declaredPurpose = purposeKey;
          const fragments = Object.fromEntries(
            document.definitions.flatMap((definition) =>
              definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition]] : [],
            ),
          );
          const shape = shapeOf(schema, operation, fragments, variables);
          context.touchesPersonalData = shape.touchesPersonalData;

          const refusal = authorityRefusal(context.client, operation.operation === OperationTypeNode.MUTATION, shape);
          if (refusal) throw refusal;
          if (shape.touchesPersonalData && !context.app.policy.available) {
            throw apiError(
              "POLICY_UNAVAILABLE",
              "The policy in force could not be reloaded, so it may be out of date: no personal data is served until it is. Try again shortly.",
            );
          }
          if (shape.touchesPersonalData && purposeKey === null) {
            throw forbidden(
              `This operation touches personal data: declare its purpose with the X-Purpose header or @purpose(key: …). ${allowedPurposesSentence(context.client)}`,
              { reason: "PURPOSE_MISSING", allowedPurposes: allowedPurposes(context.client) },
            );
          }
          if (purposeKey !== null) {
            const asRecipient = purposeRefusal(policy, context.client, purposeKey);
            if (asRecipient) throw recipientRefusalError(purposeKey, asRecipient, [], "Nothing was executed");
            const notGranted = (selection: PersonalSelection): boolean => !policy.grants(purposeKey, selection.category);
            const reads = shape.personalSelections.filter(notGranted);
            const writes = shape.personalInputs.filter(notGranted);
            if (reads.length > 0 || writes.length > 0) throw refusedBeforeExecution(purposeKey, reads, writes);
            const outsideContract = contractRefusal(policy, context.client, [...shape.personalSelections, ...shape.personalInputs]);
            if (outsideContract) throw recipientRefusalError(purposeKey, outsideContract, outsideContract.fields, "Nothing was executed");
          }
          context.access = new RequestAccess(purposeKey, policy, context.app.dataSource.manager, context.app.now(), context.client);
        },

        // Apollo hands any error thrown above to this hook: with no access set, nothing was executed,
        // and an error that is a refusal is recorded (client, purpose, reason, what was refused).
        async didEncounterErrors({ contextValue: context, errors }) {
          if (context.access) return;
          const refused = {
            requestId: context.requestId,
            client: context.client,
            purposeKey: context.declaredPurpose ?? context.headerPurpose,
          };
          for (const error of errors) await recordRefusal(context.app, refused, error);
        },

        async willSendResponse({ contextValue: context, response }) {
          if (context.touchesPersonalData) markPersonal(response.http.headers);
          else if (!response.http.headers.has("cache-control")) response.http.headers.set("cache-control", NOT_CACHED);
          if (context.deadline?.passed) {
            withhold(response, 503, requestTimeout(context.deadline.limitMs), context.requestId);
            return;
          }
          const access = context.access;
          if (!access || access.recorder.isEmpty) return;
          // Nothing personal is read or exported without a purpose.
          const accesses =
            access.purposeKey === null
              ? null
              : {
                  ...eventActorOf(context),
                  purposeKey: access.purposeKey,
                  at: access.now,
                  reads: access.recorder.reads(),
                  exports: access.recorder.exportsMade(),
                };
          const auditQueries = access.recorder.auditQueries({
            requestId: context.requestId,
            clientId: context.client.id,
            clientName: context.client.name,
            purposeKey: access.purposeKey,
            at: access.now,
          });
          try {
            await writeRequestAudit(context.app.dataSource, accesses, auditQueries);
          } catch (error) {
            context.app.logger.error(
              { requestId: context.requestId, error: error instanceof Error ? error.message : String(error) },
              "access events could not be written; the response is withheld",
            );
            withhold(
              response,
              503,
              new GraphQLError("The access could not be audited, so no personal data is released. Try again later.", {
                extensions: { code: "AUDIT_UNAVAILABLE" },
              }),
              context.requestId,
            );
          }
        },
      };
    },
  };
}

/**
 * An answer about personal data is for its caller and purpose only. The purpose travels in a header
 * and the client in another, so no shared cache (a proxy, a CDN) may keep it, no browser cache may
 * store it, and whatever cache ignores that must at least key it on both headers. Apollo's cache
 * control plugin leaves a header it cannot parse, as this one, alone.
 */
export const PERSONAL_CACHE_CONTROL = "private, no-store";
export const PERSONAL_VARY = ["Authorization", "X-Purpose"] as const;
/** Every other answer: not stored by any cache, as Apollo's cache-control plugin would say of a schema without hints. */
export const NOT_CACHED = "no-store";

function markPersonal(headers: GraphQLRequestContextWillSendResponse<RequestContext>["response"]["http"]["headers"]): void {
  headers.set("cache-control", PERSONAL_CACHE_CONTROL);
  const vary = (headers.get("vary") ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const missing = PERSONAL_VARY.filter((name) => !vary.some((existing) => existing.toLowerCase() === name.toLowerCase()));
  headers.set("vary", [...vary, ...missing].join(", "));
}

/** Replaces the whole answer with one error: no data leaves. */
function withhold(
  response: GraphQLRequestContextWillSendResponse<RequestContext>["response"],
  status: number,
  error: GraphQLError,
  requestId: string,
): void {
  response.http.status = status;
  // Every withheld answer is a fault of the moment (the audit, the deadline): the caller may try again.
  if (status === 503) response.http.headers.set("retry-after", "1");
  const extensions: Record<string, unknown> = { ...error.extensions };
  delete extensions.http;
  response.body = {
    kind: "single",
    singleResult: { errors: [{ ...error.toJSON(), extensions: { ...extensions, requestId } }] },
  };
}

/**
 * The walk follows the operation as it will run; an operation nested beyond the stack (the HTTP
 * layer bounds depth first, see src/server/document-limits.ts) is the caller's error, not an internal one.
 */
function shapeOf(...args: Parameters<typeof analyseOperation>): ReturnType<typeof analyseOperation> {
  try {
    return analyseOperation(...args);
  } catch (error) {
    if (error instanceof RangeError)
      throw badUserInput("This operation is nested too deeply to check: send a shallower one.", { http: { status: 400 } });
    throw error;
  }
}

function refusedBeforeExecution(
  purposeKey: string,
  reads: readonly PersonalSelection[],
  writes: readonly PersonalSelection[],
): GraphQLError {
  const list = (selections: readonly PersonalSelection[]): string =>
    selections.map((selection) => `${selection.field} (${selection.category})`).join(", ");
  const clauses = [reads.length > 0 ? `read: ${list(reads)}` : null, writes.length > 0 ? `write: ${list(writes)}` : null].filter(Boolean);
  const offending = [...reads, ...writes];
  return new GraphQLError(`Purpose ${purposeKey} may not ${clauses.join("; nor ")}. Nothing was executed.`, {
    extensions: {
      code: "PURPOSE_LIMITATION",
      reason: "NOT_GRANTED",
      purpose: purposeKey,
      fields: offending.map(({ field, category }): FieldProblem => ({
        field,
        category,
        message: `${category} is not granted to ${purposeKey}`,
      })),
      http: { status: 403 },
    },
  });
}
