import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, InputType } from "type-graphql";
import { RequestEventKind } from "../../domain/request-events";

@InputType("AccessEventFilter", {
  description:
    "Which access events to page through; every condition given must hold, none given selects every event. Times are instants with their offset (`2026-05-01T00:00:00+03:00`); the window is [from, to).",
})
export class AccessEventFilterInput {
  @Field(() => String, { nullable: true, description: "Name of the client that read or wrote (revoked clients included)." })
  clientName?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The purpose the request declared, exactly (not its sub-purposes); a key of the policy in force.",
  })
  purposeKey?: string | null;

  @Field(() => ID, { nullable: true, description: "The subject read or written." })
  subjectId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "A category of the policy in force: events that released, wrote or denied it or a category beneath it.",
  })
  category?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "`read`, an export (`accessExport`, …) or the mutation that wrote (`updateSubject`, …).",
  })
  operation?: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "Events at or after this instant." })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "Events before this instant; after `from` when both are given." })
  to?: Date | null;
}

@InputType("RequestEventFilter", {
  description: "Which request events to page through; every condition given must hold. The window is [from, to).",
})
export class RequestEventFilterInput {
  @Field(() => String, { nullable: true, description: "Name of the client refused, or that queried the audit." })
  clientName?: string | null;

  @Field(() => RequestEventKind, { nullable: true, description: "Refusals only, or audit queries only." })
  kind?: RequestEventKind | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "Events at or after this instant." })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "Events before this instant; after `from` when both are given." })
  to?: Date | null;
}
