import { Field, ObjectType } from "type-graphql";

@ObjectType({ description: "The data protection officer (GDPR Art. 37–39) and how to reach them (Art. 13(1)(b))." })
export class DataProtectionOfficer {
  @Field({ description: "Name of the officer or the office." })
  name!: string;

  @Field(() => String, { nullable: true, description: "E-mail address." })
  email!: string | null;

  @Field(() => String, { nullable: true, description: "Telephone number." })
  phone!: string | null;

  @Field(() => String, { nullable: true, description: "Postal address." })
  address!: string | null;
}

@ObjectType({ description: "Where a person may lodge a complaint (GDPR Art. 13(2)(d), 77)." })
export class SupervisoryAuthority {
  @Field({ description: "The authority's name." })
  name!: string;

  @Field({ description: "ISO 3166-1 alpha-2 country." })
  country!: string;

  @Field(() => String, { nullable: true, description: "Postal address." })
  address!: string | null;

  @Field(() => String, { nullable: true, description: "Website." })
  website!: string | null;

  @Field(() => String, { nullable: true, description: "E-mail address." })
  email!: string | null;

  @Field(() => String, { nullable: true, description: "Telephone number." })
  phone!: string | null;
}

@ObjectType({
  description:
    "The controller (GDPR Art. 4(7)) as the policy in force declares it: who decides why and how personal data is processed, and how to reach them (Art. 13(1)(a)–(b), 30(1)(a)).",
})
export class Controller {
  @Field({ description: "The controller's name." })
  name!: string;

  @Field({ description: "ISO 3166-1 alpha-2 country of establishment." })
  country!: string;

  @Field(() => String, { nullable: true, description: "Entry in the register of companies; null when the policy states none." })
  registrationNumber!: string | null;

  @Field(() => String, { nullable: true, description: "Postal address; null when the policy states none." })
  address!: string | null;

  @Field(() => String, { nullable: true, description: "E-mail address; null when the policy states none." })
  email!: string | null;

  @Field(() => String, { nullable: true, description: "Telephone number." })
  phone!: string | null;

  @Field({ description: "Whether a data protection officer is appointed; the policy must say which." })
  dataProtectionOfficerAppointed!: boolean;

  @Field(() => DataProtectionOfficer, { nullable: true, description: "The data protection officer; null when none is appointed." })
  dataProtectionOfficer!: DataProtectionOfficer | null;

  @Field(() => SupervisoryAuthority, { nullable: true, description: "The supervisory authority; null when the policy names none." })
  supervisoryAuthority!: SupervisoryAuthority | null;

  @Field({ description: "The version of the privacy notice the policy encodes." })
  noticeVersion!: string;

  @Field({ description: "The calendar (IANA time zone) request deadlines and ages are counted on." })
  timeZone!: string;
}
