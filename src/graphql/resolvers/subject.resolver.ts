import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { endServiceOf, insertSubject, pageOfSubjects, updateSubjectFields } from "../../persistence/subject-repository";
import { accessOf, decodeCursor, encodeCursor, pageSizeArgument, pageSizeArgumentOrDefault, subjectIdArgument } from "../arguments";
import type { RequestContext } from "../context";
import { notFound } from "../errors";
import { CreateSubjectInput, UpdateSubjectInput } from "../inputs/subject.inputs";
import { TouchesPersonalData } from "../touches-personal-data";
import { DataSubject, DataSubjectConnection } from "../types/subject.types";

@Resolver(() => DataSubject)
export class SubjectResolver {
  @TouchesPersonalData()
  @Query(() => DataSubject, {
    nullable: true,
    description: "One data subject by id; null when there is none. Fields the declared purpose may not read for this subject are null, with an error.",
  })
  async subject(@Arg("id", () => ID, { description: "The subject's id." }) id: string, @Ctx() context: RequestContext): Promise<DataSubject | null> {
    return accessOf(context).subjectById(subjectIdArgument(id));
  }

  @TouchesPersonalData()
  @Query(() => DataSubjectConnection, {
    complexity: ({ args, childComplexity }) => 1 + pageSizeArgumentOrDefault(args.first) * childComplexity,
    description:
      "The subjects whose data the declared purpose may lawfully process now, in creation order, a page at a time (Relay-style). `totalCount` counts the same subjects.",
  })
  async subjects(
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1–100; 20 when omitted." }) first: number | null,
    @Arg("after", () => String, { nullable: true, description: "Cursor after which the page starts (`pageInfo.endCursor`)." })
    after: string | null,
    @Ctx() context: RequestContext,
  ): Promise<DataSubjectConnection> {
    const access = accessOf(context);
    const page = await pageOfSubjects(context.app.dataSource.manager, pageSizeArgument(first), decodeCursor(after), access.lawfulSubjects);
    const nodes = await access.guardSubjects(page.rows);
    const edges = page.rows.map((row, index) => ({ cursor: encodeCursor(row.seq), node: nodes[index] as DataSubject }));
    return {
      edges,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: page.totalCount,
    };
  }

  @TouchesPersonalData()
  @Mutation(() => DataSubject, {
    description: "Records a new data subject; the service relationship starts active now. The fields returned are guarded like any read.",
  })
  async createSubject(
    @Arg("input", () => CreateSubjectInput, { description: "The subject's personal data." }) input: CreateSubjectInput,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject> {
    const access = accessOf(context);
    const { registration, ...fields } = input;
    const row = await insertSubject(
      context.app.dataSource.manager,
      fields,
      registration ? { ...registration, consentedAt: new Date(registration.consentedAt) } : null,
      access.now,
    );
    return access.guardSubject(row);
  }

  @TouchesPersonalData()
  @Mutation(() => DataSubject, { description: "Changes a subject's personal data (rectification, GDPR Art. 16)." })
  async updateSubject(
    @Arg("id", () => ID, { description: "The subject's id." }) id: string,
    @Arg("input", () => UpdateSubjectInput, { description: "The fields to change; omitted fields stay as they are." })
    input: UpdateSubjectInput,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject> {
    const access = accessOf(context);
    const row = await updateSubjectFields(context.app.dataSource.manager, subjectIdArgument(id), { ...input });
    if (!row) throw notFound(`No subject with id ${id}`);
    return access.guardChangedSubject(row);
  }

  @TouchesPersonalData()
  @Mutation(() => DataSubject, {
    description: "Ends the subject's service relationship now; contract-based purposes stop applying. Ending it twice keeps the first date.",
  })
  async endService(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Ctx() context: RequestContext,
  ): Promise<DataSubject> {
    const access = accessOf(context);
    const row = await endServiceOf(context.app.dataSource.manager, subjectIdArgument(subjectId, "subjectId"), access.now);
    if (!row) throw notFound(`No subject with id ${subjectId}`);
    return access.guardChangedSubject(row);
  }
}
