import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { AccessDecision } from "../../domain/policy-terms";

registerEnumType(AccessDecision, {
  name: "AccessDecision",
  description: "What one request was given of one subject's data.",
  valuesConfig: {
    RELEASED: { description: "Every category read was released." },
    PARTIAL: { description: "Some categories were released, some denied." },
    DENIED: { description: "Every category read was denied." },
  },
});

@ObjectType({ description: "One request's reads of one subject: who, for which purpose, which categories. Holds no personal values." })
export class AccessEvent {
  @Field(() => ID, { description: "Identifier, increasing in the order events were written." })
  id!: string;

  @Field(() => ID, { description: "The request the reads belonged to." })
  requestId!: string;

  @Field({ description: "Name of the client that read." })
  clientName!: string;

  @Field({ description: "The purpose the request declared." })
  purposeKey!: string;

  @Field(() => ID, { description: "The subject whose data was read." })
  subjectId!: string;

  @Field(() => [String], { description: "Keys of the categories released." })
  released!: string[];

  @Field(() => [String], { description: "Keys of the categories denied." })
  denied!: string[];

  @Field(() => AccessDecision, { description: "Released, partial or denied." })
  decision!: AccessDecision;

  @Field(() => DateTimeResolver, { description: "When the event was written (before the response was released)." })
  at!: Date;
}

@ObjectType({ description: "A subject's objection to a purpose based on legitimate interests or a public task (GDPR Art. 21)." })
export class Objection {
  @Field(() => ID, { description: "Identifier." })
  id!: string;

  @Field(() => ID, { description: "The subject who objected." })
  subjectId!: string;

  @Field({ description: "Key of the purpose objected to; the objection covers its sub-purposes too." })
  purposeKey!: string;

  @Field(() => DateTimeResolver, { description: "When the objection was recorded." })
  objectedAt!: Date;
}
