import { DateTimeResolver, LocalDateResolver } from "graphql-scalars";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { FACT_CATEGORIES } from "../../domain/fact-categories";
import { SubjectStatus } from "../../domain/policy-terms";
import { NotPersonal, PersonalDataType, PersonalField } from "../personal-data";

registerEnumType(SubjectStatus, {
  name: "SubjectStatus",
  description: "Where a data subject's processing stands.",
  valuesConfig: {
    ACTIVE: { description: "Processing as the policy allows." },
    RESTRICTED: { description: "Processing restricted (GDPR Art. 18): only purposes allowed under restriction may read." },
    ERASED: { description: "Personal data erased; only the record that it existed remains, and the minimal proof of its consents." },
    ARCHIVED: {
      description:
        "Nothing is processed any more; the archive keeps what a legal duty or a legal hold requires (GDPR Art. 17(3)(b), (e)), for the record-keeping purpose alone.",
    },
  },
});

@PersonalDataType(
  "DataSubject",
  "A person whose personal data PurposeQL holds. Each personal field is released only under a purpose that may read it.",
)
export class DataSubject {
  @NotPersonal()
  @Field(() => ID, { description: "Identifier (not personal data: it identifies the record, not the person)." })
  id!: string;

  @PersonalField(FACT_CATEGORIES.accountStatus, {
    description: "Whether processing is active, restricted (GDPR Art. 18) or the data erased.",
    type: () => SubjectStatus,
  })
  status!: SubjectStatus | null;

  @PersonalField(FACT_CATEGORIES.serviceRelationship, {
    description: "When the service relationship (the contract) began.",
    type: () => DateTimeResolver,
  })
  serviceActiveSince!: Date | null;

  @PersonalField(FACT_CATEGORIES.serviceRelationship, {
    description: "When the service relationship ended; null while it is active.",
    type: () => DateTimeResolver,
  })
  serviceActiveUntil!: Date | null;

  @PersonalField(FACT_CATEGORIES.serviceRelationship, {
    description: "Whether the service relationship is active now (contract-based purposes need it).",
    type: () => Boolean,
  })
  serviceActive!: boolean | null;

  @PersonalField("user.name", { description: "Full and correct first name and surname." })
  fullName!: string | null;

  @PersonalField("user.contact.email", { description: "E-mail address." })
  email!: string | null;

  @PersonalField("user.contact.address", { description: "Full and correct postal address." })
  postalAddress!: string | null;

  @PersonalField("user.contact.phone_number", { description: "Phone number in E.164 form, e.g. `+37120000000`." })
  phone!: string | null;

  @PersonalField("user.demographic.date_of_birth", { description: "Date of birth.", type: () => LocalDateResolver })
  dateOfBirth!: string | null;

  @PersonalField("user.location.coarse", { description: "Country of residence, ISO 3166-1 alpha-2 (e.g. `LV`)." })
  country!: string | null;

  @PersonalField("user.registration.consent_time", {
    description: "Registration record: when the advertising consent given at registration was authenticated.",
    type: () => DateTimeResolver,
  })
  consentedAt!: Date | null;

  @PersonalField("user.device.ip_address", { description: "Registration record: the IP address registered from." })
  ipAddress!: string | null;

  @PersonalField("user.device.browser", { description: "Registration record: the browser registered with." })
  browser!: string | null;

  @PersonalField("user.device.operating_system", { description: "Registration record: the operating system registered with." })
  operatingSystem!: string | null;

  @PersonalField("user.device.device_info", { description: "Registration record: the device registered with." })
  device!: string | null;
}

@ObjectType({ description: "One subject in a page of subjects." })
export class DataSubjectEdge {
  @Field({
    description:
      "Opaque cursor of this subject's place in the list; pass it as `after` (or `before`) to read on from there, with the same API key and purpose.",
  })
  cursor!: string;

  @Field(() => DataSubject, { description: "The subject." })
  node!: DataSubject;
}

@ObjectType({
  description:
    "Where a page stands in the whole list (Relay connection spec): both flags are exact, whichever way the page was read, and count only what the list holds for this key and purpose.",
})
export class PageInfo {
  @Field({ description: "Whether items of the list come before this page." })
  hasPreviousPage!: boolean;

  @Field({ description: "Whether items of the list follow this page." })
  hasNextPage!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "Cursor of the first item of this page (pass it as `before`); null for an empty page.",
  })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Cursor of the last item of this page (pass it as `after`); null for an empty page.",
  })
  endCursor!: string | null;
}

@ObjectType({ description: "A page of data subjects (Relay-style connection)." })
export class DataSubjectConnection {
  @Field(() => [DataSubjectEdge], { description: "The subjects of this page, in creation order." })
  edges!: DataSubjectEdge[];

  @Field(() => PageInfo, { description: "Paging information." })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: "How many subjects the whole list holds." })
  totalCount!: number;
}
