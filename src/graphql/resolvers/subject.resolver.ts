import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import {
  endServiceOf,
  findSubjectsByIds,
  insertSubject,
  pageOfSubjects,
  updateSubjectFields,
} from "../../persistence/subject-repository";
import { decodeCursor, encodeCursor, pageSizeArgument, requirePurpose, subjectIdArgument } from "../arguments";
import type { RequestContext } from "../context";
import { notFound } from "../errors";
import { CreateSubjectInput, UpdateSubjectInput } from "../inputs/subject.inputs";
import { toDataSubject } from "../mappers";
import { DataSubject, DataSubjectConnection } from "../types/subject.types";

@Resolver(() => DataSubject)
export class SubjectResolver {
  @Query(() => DataSubject, { nullable: true, description: "One data subject by id; null when there is none." })
  async subject(
    @Arg("id", () => ID, { description: "The subject's id." }) id: string,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject | null> {
    requirePurpose(context);
    const [row] = await findSubjectsByIds(context.app.dataSource.manager, [subjectIdArgument(id)]);
    return row ? toDataSubject(row, context.app.now()) : null;
  }

  @Query(() => DataSubjectConnection, { description: "Data subjects in creation order, a page at a time (Relay-style)." })
  async subjects(
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1–100; 20 when omitted." }) first: number | null,
    @Arg("after", () => String, { nullable: true, description: "Cursor after which the page starts (`pageInfo.endCursor`)." })
    after: string | null,
    @Ctx() context: RequestContext,
  ): Promise<DataSubjectConnection> {
    requirePurpose(context);
    const page = await pageOfSubjects(context.app.dataSource.manager, pageSizeArgument(first), decodeCursor(after));
    const now = context.app.now();
    const edges = page.rows.map((row) => ({ cursor: encodeCursor(row.seq), node: toDataSubject(row, now) }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: page.totalCount,
    };
  }

  @Mutation(() => DataSubject, { description: "Records a new data subject; the service relationship starts active now." })
  async createSubject(
    @Arg("input", () => CreateSubjectInput, { description: "The subject's personal data." }) input: CreateSubjectInput,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject> {
    requirePurpose(context);
    const { registration, ...fields } = input;
    const row = await insertSubject(
      context.app.dataSource.manager,
      fields,
      registration ? { ...registration, consentedAt: new Date(registration.consentedAt) } : null,
      context.app.now(),
    );
    return toDataSubject(row, context.app.now());
  }

  @Mutation(() => DataSubject, { description: "Changes a subject's personal data (rectification, GDPR Art. 16)." })
  async updateSubject(
    @Arg("id", () => ID, { description: "The subject's id." }) id: string,
    @Arg("input", () => UpdateSubjectInput, { description: "The fields to change; omitted fields stay as they are." })
    input: UpdateSubjectInput,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject> {
    requirePurpose(context);
    const row = await updateSubjectFields(context.app.dataSource.manager, subjectIdArgument(id), { ...input });
    if (!row) throw notFound(`No subject with id ${id}`);
    return toDataSubject(row, context.app.now());
  }

  @Mutation(() => DataSubject, {
    description: "Ends the subject's service relationship now; contract-based purposes stop applying. Ending it twice keeps the first date.",
  })
  async endService(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject> {
    requirePurpose(context);
    const row = await endServiceOf(context.app.dataSource.manager, subjectIdArgument(subjectId, "subjectId"), context.app.now());
    if (!row) throw notFound(`No subject with id ${subjectId}`);
    return toDataSubject(row, context.app.now());
  }
}
