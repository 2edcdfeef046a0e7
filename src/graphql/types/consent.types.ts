import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, Int } from "type-graphql";
import { FACT_CATEGORIES } from "../../domain/fact-categories";
import { NotPersonal, PersonalDataType, PersonalField } from "../personal-data";

const PREFERENCES = FACT_CATEGORIES.privacyPreferences;

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

  @PersonalField(PREFERENCES, {
    description:
      "For a subject below the age of digital consent (GDPR Art. 8(1)): the reference of the consent given or authorised by the holder of parental responsibility; null when none was recorded.",
  })
  parentalConsentReference!: string | null;

  @NotPersonal()
  @Field({ description: "How consent was collected, e.g. `API` or `REGISTRATION_FORM`." })
  method!: string;

  @NotPersonal()
  @Field(() => Int, { description: "Version of the policy in force when consent was given." })
  policyVersion!: number;
}

@PersonalDataType(
  "Consent",
  "A subject's consent to one purpose (GDPR Art. 6(1)(a), Art. 7) and its receipt. That a person consented or withdrew is personal data: every field but the identifiers is guarded.",
)
export class Consent {
  @NotPersonal()
  @Field(() => ID, { description: "Identifier." })
  id!: string;

  @NotPersonal()
  @Field(() => ID, { description: "The subject who consented (the pseudonymous key)." })
  subjectId!: string;

  @PersonalField(PREFERENCES, { description: "Key of the purpose consented to; the consent covers its sub-purposes too." })
  purposeKey!: string | null;

  @PersonalField(PREFERENCES, { description: "When consent was given.", type: () => DateTimeResolver })
  givenAt!: Date | null;

  @PersonalField(PREFERENCES, { description: "When the server recorded the consent.", type: () => DateTimeResolver })
  recordedAt!: Date | null;

  @PersonalField(PREFERENCES, { description: "Name of the client that recorded the consent." })
  recordedBy!: string | null;

  @PersonalField(PREFERENCES, {
    description:
      "The categories the purpose granted when consent was given: all the consent covers. A category granted later is read only after consent is given again (reason CONSENT_SCOPE).",
    type: () => [String],
  })
  scope!: string[] | null;

  @PersonalField(PREFERENCES, { description: "Version of the privacy notice the consent was given under." })
  noticeVersion!: string | null;

  @PersonalField(PREFERENCES, { description: "When consent was withdrawn; null while it is active.", type: () => DateTimeResolver })
  withdrawnAt!: Date | null;

  @PersonalField(PREFERENCES, { description: "Name of the client that recorded the withdrawal; null while the consent is active." })
  withdrawnBy!: string | null;

  @PersonalField(PREFERENCES, { description: "How the subject withdrew, e.g. `WEB_FORM`; null while the consent is active." })
  withdrawalMethod!: string | null;

  @PersonalField(PREFERENCES, { description: "Whether the consent is active (given and not withdrawn).", type: () => Boolean })
  active!: boolean | null;

  @NotPersonal()
  @Field(() => ConsentEvidence, { description: "The record that proves the consent; each of its personal fields is guarded." })
  evidence!: ConsentEvidence;
}
