import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { NotPersonal, PersonalDataType, PersonalField } from "../personal-data";

@PersonalDataType("ConsentEvidence", "How a consent was given: the record that proves it (GDPR Art. 7(1)).")
export class ConsentEvidence {
  @PersonalField("user.device.ip_address", { description: "IP address the consent was given from." })
  ipAddress!: string | null;

  @PersonalField("user.device.browser", { description: "Browser the consent was given with." })
  browser!: string | null;

  @PersonalField("user.device.operating_system", { description: "Operating system the consent was given with." })
  operatingSystem!: string | null;

  @PersonalField("user.device.device_info", { description: "Device the consent was given with." })
  device!: string | null;

  @NotPersonal()
  @Field({ description: "How consent was collected, e.g. `API`." })
  method!: string;

  @NotPersonal()
  @Field(() => Int, { description: "Version of the policy in force when consent was given." })
  policyVersion!: number;
}

@ObjectType({ description: "A subject's consent to one purpose (GDPR Art. 6(1)(a), Art. 7)." })
export class Consent {
  @Field(() => ID, { description: "Identifier." })
  id!: string;

  @Field(() => ID, { description: "The subject who consented." })
  subjectId!: string;

  @Field({ description: "Key of the purpose consented to; the consent covers its sub-purposes too." })
  purposeKey!: string;

  @Field(() => DateTimeResolver, { description: "When consent was given (recorded by the server)." })
  givenAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: "When consent was withdrawn; null while it is active." })
  withdrawnAt!: Date | null;

  @Field({ description: "Whether the consent is active (given and not withdrawn)." })
  active!: boolean;

  @Field(() => ConsentEvidence, { description: "The record that proves the consent." })
  evidence!: ConsentEvidence;
}
