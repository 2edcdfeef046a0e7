import { GraphQLJSONObject } from "graphql-scalars";
import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import { Capability } from "../../domain/capabilities";
import { SubjectRequestKind } from "../../domain/policy-terms";
import { apiError, notFound } from "../../errors";
import { ACCESS_EXPORT_OPERATION, buildAccessExport } from "../../exports/access-export";
import type { JsonObject } from "../../exports/json";
import { buildPortabilityExport, PORTABILITY_EXPORT_OPERATION, PortabilityFormat, portabilityFile } from "../../exports/portability-export";
import type { SubjectRequestRow } from "../../persistence/entities";
import type { PolicySnapshot } from "../../persistence/policy-repository";
import { loadRequestWithRecord, type SubjectRecord } from "../../persistence/subject-record-repository";
import type { CompiledPolicy } from "../../policy/engine/compiled-policy";
import { exportRefusal } from "../../policy/engine/export-rules";
import { contractRefusal } from "../../policy/engine/recipient-rules";
import { recipientRefusalError } from "../../enforcement/purpose-limitation-error";
import { accessOf, requestIdArgument, type DeclaredAccess } from "../arguments";
import type { RequestContext } from "../context";
import { requireRequestAnsweringPurpose } from "../request-answering";
import { RequiresCapability } from "../personal-data";
import { TouchesPersonalData } from "../touches-personal-data";
import { PortabilityExport } from "../types/export.types";

/**
 * The copies of a person's data owed on a verified request: the access export (GDPR Art. 15) and
 * the portability export (Art. 20). Each needs the EXPORT capability and a purpose resting on a
 * legal obligation (answering the request is one, Art. 12 and 6(1)(c)), and is audited as one
 * access event of its own operation, written with the request's other events before the response
 * leaves: if it cannot be written the answer is AUDIT_UNAVAILABLE and nothing is released (the
 * purpose-limitation plugin withholds the whole response).
 */
@Resolver()
export class ExportResolver {
  @TouchesPersonalData()
  @RequiresCapability(Capability.EXPORT)
  @Query(() => GraphQLJSONObject, {
    description:
      'The access export of a verified ACCESS request (GDPR Art. 15): one JSON document with a copy of every value held about the person and the information Art. 15(1)(a)–(h) and 15(2) owe them; its `about.articles` maps each item to its section (README, "Access and portability exports"). Audited as one event (operation `accessExport`). Needs EXPORT, and a purpose resting on a legal obligation such as `essential.data_subject_rights`.',
  })
  async accessExport(
    @Arg("requestId", () => ID, { description: "The ACCESS request's id; the person's identity must be verified and the request open." })
    requestId: string,
    @Ctx() context: RequestContext,
  ): Promise<JsonObject> {
    const found = await exportCase(context, requestId, SubjectRequestKind.ACCESS);
    const exported = buildAccessExport({ ...found, now: found.access.now });
    refuseOutsideContract(context, found, ACCESS_EXPORT_OPERATION, exported.categories);
    found.access.recorder.exported(found.record.subject.id, ACCESS_EXPORT_OPERATION, exported.categories);
    return exported.document;
  }

  @TouchesPersonalData()
  @RequiresCapability(Capability.EXPORT)
  @Query(() => PortabilityExport, {
    description:
      "The portability export of a verified PORTABILITY request (GDPR Art. 20): the data the person provided, and the registration record their use of the service produced, in so far as a consent- or contract-based purpose processes it for them, as JSON (docs/schemas/portability-v1.schema.json) or CSV. Audited as one event (operation `portabilityExport`). Needs EXPORT, and a purpose resting on a legal obligation such as `essential.data_subject_rights`.",
  })
  async portabilityExport(
    @Arg("requestId", () => ID, {
      description: "The PORTABILITY request's id; the person's identity must be verified and the request open.",
    })
    requestId: string,
    @Arg("format", () => PortabilityFormat, {
      nullable: true,
      defaultValue: PortabilityFormat.JSON,
      description: "JSON (the default, also for null) or CSV.",
    })
    format: PortabilityFormat | null,
    @Ctx() context: RequestContext,
  ): Promise<PortabilityExport> {
    const found = await exportCase(context, requestId, SubjectRequestKind.PORTABILITY);
    const exported = buildPortabilityExport({ ...found, now: found.access.now });
    refuseOutsideContract(context, found, PORTABILITY_EXPORT_OPERATION, exported.categories);
    found.access.recorder.exported(found.record.subject.id, PORTABILITY_EXPORT_OPERATION, exported.categories);
    return Object.assign(new PortabilityExport(), portabilityFile(exported, format ?? PortabilityFormat.JSON, found.request.id));
  }
}

interface ExportCase {
  readonly access: DeclaredAccess;
  readonly request: SubjectRequestRow;
  readonly record: SubjectRecord;
  readonly policy: PolicySnapshot;
  readonly compiled: CompiledPolicy;
}

/**
 * The request and its subject's record, once every rule allows the export: the declared purpose
 * answers data subjects' requests; the request exists, is of `kind`, open and verified
 * (`exportRefusal`); its subject exists. Any refusal comes before anything is recorded as released.
 */
async function exportCase(context: RequestContext, requestId: string, kind: SubjectRequestKind): Promise<ExportCase> {
  const access = accessOf(context);
  requireRequestAnsweringPurpose(access, "An export");
  const id = requestIdArgument(requestId);
  // The policy in force as stored and as compiled, read together so they are one version.
  const { snapshot: policy, compiled } = context.app.policy;
  const found = await loadRequestWithRecord(context.app.dataSource, id);
  if (!found) throw notFound(`No subject request with id ${requestId}`);
  const refusal = exportRefusal(found.request, kind);
  if (refusal) {
    throw apiError(refusal.code, `Request ${requestId} cannot be exported: ${refusal.message}.`, {
      reason: refusal.reason,
      ...(refusal.code === "BAD_USER_INPUT" ? { fields: [{ field: "requestId", message: refusal.message }] } : {}),
    });
  }
  if (!found.record) throw notFound(`The subject of request ${requestId} no longer exists`);
  return { access, request: found.request, record: found.record, policy, compiled };
}

/**
 * An export releases every category it holds of the person, which the check before execution
 * cannot know: a processor's client receives one only when its contract covers every category in
 * it. Refused before anything is recorded as released, so nothing is.
 */
function refuseOutsideContract(context: RequestContext, found: ExportCase, operation: string, categories: readonly string[]): void {
  const fields = categories.map((category) => ({ field: `Query.${operation}`, category }));
  const refusal = contractRefusal(found.compiled, context.client, fields);
  if (refusal) throw recipientRefusalError(found.access.purposeKey, refusal, refusal.fields, "Nothing was released");
}
