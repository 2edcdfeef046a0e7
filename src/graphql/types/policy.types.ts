import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { LocalDateResolver } from "graphql-scalars";
import { LegalBasisCode, RetentionAction, RetentionTrigger, RightToObject } from "../../domain/policy-terms";

registerEnumType(LegalBasisCode, {
  name: "LegalBasisCode",
  description: "A lawful basis for processing, GDPR Art. 6(1).",
  valuesConfig: {
    CONSENT: { description: "Art. 6(1)(a): the subject consented to the purpose." },
    CONTRACT: { description: "Art. 6(1)(b): needed to perform a contract with the subject." },
    LEGAL_OBLIGATION: { description: "Art. 6(1)(c): needed to comply with a legal obligation." },
    VITAL_INTERESTS: { description: "Art. 6(1)(d): needed to protect someone's vital interests." },
    PUBLIC_TASK: { description: "Art. 6(1)(e): needed for a task in the public interest or official authority." },
    LEGITIMATE_INTERESTS: { description: "Art. 6(1)(f): needed for legitimate interests the subject may object to (Art. 21)." },
  },
});

registerEnumType(RightToObject, {
  name: "RightToObject",
  description: "What the subject's objection (GDPR Art. 21, `objectToPurpose`) does to a purpose.",
  valuesConfig: {
    NONE: {
      description:
        "No right to object: a contract, a legal obligation, vital interests, or a consent outside direct marketing (withdraw the consent instead).",
    },
    LIFTABLE: {
      description:
        "Art. 21(1), legitimate interests or a public task: the objection stops the purpose until lifted on compelling legitimate grounds (`liftObjection` with an assessment).",
    },
    ABSOLUTE: {
      description:
        "Art. 21(2)–(3), direct marketing (a purpose under `marketing`), whatever its basis: the objection stops it, withdraws the consents to it, and only the subject can lift it, by their own OBJECTION request.",
    },
  },
});

registerEnumType(RetentionTrigger, {
  name: "RetentionTrigger",
  description: "The event from which a retention period is counted.",
  valuesConfig: {
    SERVICE_ENDED: { description: "The subject's service relationship ended." },
    INQUIRY_CLOSED: { description: "The subject's latest inquiry was closed (answered); not while one is open." },
    CONSENT_WITHDRAWN: { description: "The subject withdrew consent to the purpose." },
    COLLECTED: { description: "The data was collected." },
  },
});

registerEnumType(RetentionAction, {
  name: "RetentionAction",
  description: "What happens to the data when its retention period runs out.",
  valuesConfig: {
    DELETE: { description: "Securely deleted." },
    ANONYMISE: { description: "Irreversibly anonymised." },
    ARCHIVE: { description: "Archived, where deletion would break records that must be kept." },
  },
});

@ObjectType({ description: "A kind of personal data. Keys are hierarchical (`user.contact.email` lies under `user.contact`)." })
export class DataCategory {
  @Field({ description: "Hierarchical key, fideslang-style, e.g. `user.contact.email`." })
  key!: string;

  @Field(() => String, { nullable: true, description: "Key of the parent category; null for a root." })
  parentKey!: string | null;

  @Field({ description: "Human-readable name." })
  name!: string;

  @Field({ description: "What the category holds." })
  description!: string;

  @Field({ description: "Whether this is a special category of personal data (GDPR Art. 9)." })
  special!: boolean;
}

@ObjectType({ description: "A lawful basis for processing (GDPR Art. 6(1))." })
export class LegalBasis {
  @Field(() => LegalBasisCode, { description: "The basis." })
  code!: LegalBasisCode;

  @Field({ description: "The article that defines it, e.g. `Art. 6(1)(a)`." })
  article!: string;

  @Field({ description: "Human-readable name." })
  name!: string;

  @Field({ description: "What the article says." })
  description!: string;
}

@ObjectType("RetentionRule", { description: "How long a purpose keeps data and what happens after." })
export class Retention {
  @Field(() => RetentionTrigger, { description: "The event from which the period is counted." })
  trigger!: RetentionTrigger;

  @Field(() => Int, {
    nullable: true,
    description: "Days the data is kept after the trigger; null keeps it for as long as the trigger has not happened.",
  })
  days!: number | null;

  @Field(() => RetentionAction, { description: "What happens when the period runs out." })
  action!: RetentionAction;
}

@ObjectType({ description: "Why data is processed. A request declares one purpose; it may read only what that purpose grants." })
export class Purpose {
  @Field({ description: "Hierarchical key, fideslang-style, e.g. `marketing.advertising`." })
  key!: string;

  @Field(() => String, {
    nullable: true,
    description: "Key of the nearest declared ancestor purpose, whose grants this purpose inherits; null for a root.",
  })
  parentKey!: string | null;

  @Field({ description: "Human-readable name." })
  name!: string;

  @Field({ description: "What the purpose is, in the words of the privacy notice." })
  description!: string;

  @Field(() => LegalBasisCode, { description: "The lawful basis the purpose relies on." })
  legalBasis!: LegalBasisCode;

  @Field(() => String, {
    nullable: true,
    description: "For a legitimate-interests purpose, the balancing test that supports it; null otherwise.",
  })
  legitimateInterestAssessment!: string | null;

  @Field({ description: "Whether the purpose may read data of a subject whose processing is restricted (GDPR Art. 18)." })
  allowedUnderRestriction!: boolean;

  @Field(() => RightToObject, { description: "What the subject's objection to this purpose does (GDPR Art. 21)." })
  rightToObject!: RightToObject;

  @Field(() => [String], {
    description: "Keys of the categories this purpose grants itself. A grant covers the category's sub-categories.",
  })
  grants!: string[];

  @Field(() => [String], {
    description: "Keys of every category this purpose may read: its own grants and those of its ancestors.",
  })
  effectiveGrants!: string[];

  @Field(() => Retention, { description: "How long data read for this purpose is kept." })
  retention!: Retention;
}

@ObjectType({ description: "A service provider processing personal data on the organisation's behalf (GDPR Art. 28)." })
export class Processor {
  @Field(() => ID, { description: "Identifier." })
  id!: string;

  @Field({ description: "Legal name." })
  name!: string;

  @Field({ description: "ISO 3166-1 alpha-2 code of the country where it processes the data." })
  country!: string;

  @Field({ description: "Reference of the data processing agreement (the written contract)." })
  dpaReference!: string;

  @Field(() => LocalDateResolver, { description: "Date the data processing agreement was signed." })
  dpaSignedOn!: string;

  @Field(() => LocalDateResolver, { description: "Date the processor's security measures were last vetted." })
  lastVettedOn!: string;

  @Field(() => [String], { description: "The security measures it was vetted for." })
  securityMeasures!: string[];

  @Field(() => [String], { description: "Keys of the purposes it may process data for, and no other." })
  purposes!: string[];

  @Field(() => [String], { description: "Keys of the data categories it may process." })
  categories!: string[];
}
