import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { FACT_CATEGORIES } from "../../domain/fact-categories";
import { AccessDecision } from "../../domain/policy-terms";
import { RecipientType } from "../../domain/recipients";
// Registers the RecipientType enum this file's types return.
import "./client.types";
import { NotPersonal, PersonalDataType, PersonalField } from "../personal-data";

registerEnumType(AccessDecision, {
  name: "AccessDecision",
  description: "What one request was given of one subject's data.",
  valuesConfig: {
    RELEASED: { description: "Every category read was released." },
    PARTIAL: { description: "Some categories were released, some denied." },
    DENIED: { description: "Every category read was denied." },
    WRITTEN: { description: "A change event: the operation wrote the categories in `written`." },
  },
});

@ObjectType({
  description:
    "One request's reads of one subject (operation `read`), or one change a mutation made to one subject: who, for which purpose, which categories. Holds no personal values.",
})
export class AccessEvent {
  @Field(() => ID, { description: "Identifier, increasing in the order events were written." })
  id!: string;

  @Field(() => ID, { description: "The request the reads or the change belonged to." })
  requestId!: string;

  @Field({ description: "Name of the client that read or wrote." })
  clientName!: string;

  @Field(() => RecipientType, {
    nullable: true,
    description: "The recipient the client was: a THIRD_PARTY's reads are disclosures. Null for events recorded before recipients were.",
  })
  recipientType!: RecipientType | null;

  @Field(() => String, { nullable: true, description: "The processor the client acted for; null when it acted for none." })
  processorName!: string | null;

  @Field({ description: "The purpose the request declared." })
  purposeKey!: string;

  @Field(() => ID, { description: "The subject whose data was read or changed." })
  subjectId!: string;

  @Field({ description: "`read` for reads; for a change, the mutation that made it, e.g. `updateSubject` or `giveConsent`." })
  operation!: string;

  @Field(() => [String], { description: "Keys of the categories a change wrote; empty for reads." })
  written!: string[];

  @Field(() => [String], { description: "Keys of the categories released." })
  released!: string[];

  @Field(() => [String], { description: "Keys of the categories denied." })
  denied!: string[];

  @Field(() => AccessDecision, { description: "For reads: released, partial or denied; WRITTEN for a change." })
  decision!: AccessDecision;

  @Field(() => DateTimeResolver, { description: "When the event was written (before the response was released)." })
  at!: Date;
}

@PersonalDataType(
  "Objection",
  "A subject's objection to a purpose (GDPR Art. 21): one based on legitimate interests or a public task, or direct marketing whatever its basis. That a person objected is personal data: every field but the identifiers is guarded.",
)
export class Objection {
  @NotPersonal()
  @Field(() => ID, { description: "Identifier." })
  id!: string;

  @NotPersonal()
  @Field(() => ID, { description: "The subject who objected (the pseudonymous key)." })
  subjectId!: string;

  @PersonalField(FACT_CATEGORIES.privacyPreferences, {
    description: "Key of the purpose objected to; the objection covers its sub-purposes too.",
  })
  purposeKey!: string | null;

  @PersonalField(FACT_CATEGORIES.privacyPreferences, { description: "When the objection was recorded.", type: () => DateTimeResolver })
  objectedAt!: Date | null;

  @PersonalField(FACT_CATEGORIES.privacyPreferences, {
    description: "When the objection was lifted; null while it stands.",
    type: () => DateTimeResolver,
  })
  liftedAt!: Date | null;

  @PersonalField(FACT_CATEGORIES.privacyPreferences, {
    description: "The compelling legitimate grounds that justified lifting it (GDPR Art. 21(1)); null while it stands.",
  })
  liftAssessment!: string | null;

  @PersonalField(FACT_CATEGORIES.privacyPreferences, {
    description: "The subject's own OBJECTION request that lifted an objection to direct marketing (GDPR Art. 21(3)); null otherwise.",
    type: () => ID,
  })
  liftedByRequestId!: string | null;

  @PersonalField(FACT_CATEGORIES.privacyPreferences, { description: "Whether the objection stands.", type: () => Boolean })
  active!: boolean | null;
}
