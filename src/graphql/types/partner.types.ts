import { Field, Int, ObjectType } from "type-graphql";
import { Capability } from "../../domain/capabilities";
import { ClientRole, LegalBasisCode } from "../../domain/policy-terms";
import { RecipientType } from "../../domain/recipients";
import { Retention } from "./policy.types";
// Registers the ClientRole and Capability enums this file's types return.
import "./client.types";

@ObjectType({ description: "A purpose the calling client may declare, and what it may read under it." })
export class ViewerPurpose {
  @Field({ description: "Key of the purpose, as sent in `X-Purpose` or `@purpose(key: …)`." })
  key!: string;

  @Field(() => LegalBasisCode, { description: "The lawful basis the purpose relies on." })
  legalBasis!: LegalBasisCode;

  @Field(() => [String], {
    description:
      "Every data category the purpose may read, sub-categories included, sorted — for a processor's client, only those its contract covers: a personal field of any other category is refused before execution under this purpose.",
  })
  readableCategories!: string[];
}

@ObjectType({ description: "The client calling: who the API key belongs to and what it may do. No personal data." })
export class Viewer {
  @Field({ description: "The client's unique name." })
  clientName!: string;

  @Field(() => ClientRole, { description: "The client's role." })
  role!: ClientRole;

  @Field(() => [Capability], { description: "What the client may change about subjects, sorted; always empty for a PARTNER." })
  capabilities!: Capability[];

  @Field(() => String, {
    nullable: true,
    description: "The processor of the policy's register the client acts for, bound to its contract; null when it acts for none.",
  })
  processor!: string | null;

  @Field(() => RecipientType, {
    description:
      "The recipient the client is: a THIRD_PARTY (a PARTNER acting for no processor) may declare only purposes based on consent.",
  })
  recipientType!: RecipientType;

  @Field(() => [ViewerPurpose], {
    description:
      "The purposes the client may declare, ordered by key: its own, less those it may not declare as the recipient it is (outside its processor's contract; not based on consent, for a third party).",
  })
  purposes!: ViewerPurpose[];
}

@ObjectType({ description: "What one purpose of the policy may do with one personal field." })
export class FieldPurposeRule {
  @Field({ description: "Key of the purpose." })
  purpose!: string;

  @Field({
    description:
      "Whether the purpose, or a purpose it inherits from, grants the field's category: when false, an operation selecting the field under this purpose is refused before execution (`PURPOSE_LIMITATION`, `NOT_GRANTED`).",
  })
  readable!: boolean;

  @Field(() => LegalBasisCode, {
    nullable: true,
    description:
      "The lawful basis on which the field is read under this purpose; null when it may not be read. Whether the basis holds for a given subject (consent, contract, objection, restriction) is decided per subject at read time.",
  })
  legalBasis!: LegalBasisCode | null;

  @Field(() => Retention, {
    nullable: true,
    description: "How long the purpose keeps the field's data and what happens after; null when it may not be read.",
  })
  retention!: Retention | null;
}

@ObjectType({ description: "One personal field of the schema, its data category and what each purpose may do with it." })
export class PersonalFieldRules {
  @Field({ description: "Schema coordinate of the field, e.g. `DataSubject.email`." })
  field!: string;

  @Field({ description: "Key of the field's data category, as in its `@dataCategory` tag." })
  category!: string;

  @Field(() => [FieldPurposeRule], { description: "One rule per purpose of the policy, ordered by purpose key." })
  purposes!: FieldPurposeRule[];
}

@ObjectType({
  description:
    "The classification as data: every personal field with its category and, per purpose of the policy in force, whether it may be read, on which basis and for how long. Computed from the same compiled policy enforcement uses.",
})
export class PrivacyManifest {
  @Field(() => Int, { description: "Version of the policy the manifest was computed from." })
  policyVersion!: number;

  @Field(() => [PersonalFieldRules], { description: "Every personal field, ordered by coordinate." })
  fields!: PersonalFieldRules[];
}
