import {
  IsBoolean,
  IsIn,
  IsIP,
  IsISO31661Alpha2,
  IsISO8601,
  IsOptional,
  IsPhoneNumber,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
  IsEmail,
} from "class-validator";
import { Field, InputType } from "type-graphql";
import { Capability } from "../../domain/capabilities";
import { FACT_CATEGORIES } from "../../domain/fact-categories";
import { PersonalInputField, RequiresCapability } from "../personal-data";
import { IsPastDate } from "./validators";

const E164 = /^\+[1-9]\d{6,14}$/;
const NAME_MAX = 200;
const ADDRESS_MAX = 500;
const AGENT_MAX = 200;
const REFERENCE_MAX = 200;
const NOT_BLANK = /\S/;

const PARENTAL_CONSENT_REFERENCE =
  "For a subject below the policy's age of digital consent (GDPR Art. 8(1); query `ageOfDigitalConsent`): the reference of the consent given or authorised by the holder of parental responsibility, e.g. the case number of its verification (1–" +
  `${REFERENCE_MAX} characters). Required then; a consent for such a subject without it is refused (BAD_USER_INPUT, reason PARENTAL_CONSENT_REQUIRED).`;

@InputType({
  description:
    "The registration record: given only when the person consented to advertising at registration. It is that consent's evidence: creating a subject with it records the consent too.",
})
export class RegistrationRecordInput {
  @PersonalInputField("user.registration.consent_time", {
    description: "When the advertising consent was authenticated (ISO 8601 date-time, not in the future).",
    nullable: false,
  })
  @IsISO8601({ strict: true }, { message: "must be an ISO 8601 date-time" })
  consentedAt!: string;

  @PersonalInputField("user.device.ip_address", { description: "IP address (v4 or v6) registered from." })
  @IsOptional()
  @IsIP(undefined, { message: "must be an IPv4 or IPv6 address" })
  ipAddress?: string | null;

  @PersonalInputField("user.device.browser", { description: "Browser registered with." })
  @IsOptional()
  @MaxLength(AGENT_MAX)
  browser?: string | null;

  @PersonalInputField("user.device.operating_system", { description: "Operating system registered with." })
  @IsOptional()
  @MaxLength(AGENT_MAX)
  operatingSystem?: string | null;

  @PersonalInputField("user.device.device_info", { description: "Device registered with." })
  @IsOptional()
  @MaxLength(AGENT_MAX)
  device?: string | null;

  @PersonalInputField(FACT_CATEGORIES.privacyPreferences, { description: PARENTAL_CONSENT_REFERENCE })
  @IsOptional()
  @Matches(NOT_BLANK, { message: "must not be blank" })
  @MaxLength(REFERENCE_MAX)
  parentalConsentReference?: string | null;
}

@InputType({ description: "Changes to a data subject. An omitted field is left as it is; null clears it." })
export class UpdateSubjectInput {
  @PersonalInputField("user.name", { description: `Full name, 1–${NAME_MAX} characters.` })
  @IsOptional()
  @MinLength(1)
  @MaxLength(NAME_MAX)
  fullName?: string | null;

  @PersonalInputField("user.contact.email", { description: "E-mail address." })
  @IsOptional()
  @IsEmail({}, { message: "must be an e-mail address" })
  @MaxLength(254)
  email?: string | null;

  @PersonalInputField("user.contact.address", { description: `Full postal address, 1–${ADDRESS_MAX} characters.` })
  @IsOptional()
  @MinLength(1)
  @MaxLength(ADDRESS_MAX)
  postalAddress?: string | null;

  @PersonalInputField("user.contact.phone_number", { description: "Phone number in E.164 form, e.g. `+37120000000`." })
  @IsOptional()
  @Matches(E164, { message: "must be an E.164 phone number such as +37120000000" })
  @IsPhoneNumber(undefined, { message: "must be a valid phone number" })
  phone?: string | null;

  @PersonalInputField("user.demographic.date_of_birth", { description: "Date of birth, `YYYY-MM-DD`, in the past." })
  @IsOptional()
  @IsPastDate()
  dateOfBirth?: string | null;

  @PersonalInputField("user.location.coarse", { description: "Country of residence, ISO 3166-1 alpha-2 (e.g. `LV`)." })
  @IsOptional()
  @IsISO31661Alpha2({ message: "must be an ISO 3166-1 alpha-2 country code such as LV" })
  country?: string | null;
}

@InputType({ description: "A new data subject. The service relationship starts now unless `startService` is false." })
export class CreateSubjectInput extends UpdateSubjectInput {
  @PersonalInputField(FACT_CATEGORIES.serviceRelationship, {
    description:
      "Whether the service relationship (the contract) starts now; true when omitted. False for someone who only sent a question: contract purposes read nothing of them until `startService`.",
    type: () => Boolean,
  })
  @IsOptional()
  @IsBoolean()
  startService?: boolean | null;

  @RequiresCapability(Capability.RECORD_CONSENT)
  @Field(() => RegistrationRecordInput, {
    nullable: true,
    description:
      "The registration record, when the person consented to advertising at registration: the advertising consent is recorded with it, atomically (needs RECORD_CONSENT).",
  })
  @IsOptional()
  @ValidateNested()
  registration?: RegistrationRecordInput | null;
}

export const CONSENT_METHODS = ["API", "REGISTRATION_FORM", "WEB_FORM", "EMAIL", "PHONE"] as const;

/**
 * The withdrawal method the server records when an objection to direct marketing withdraws the
 * consents it concerns (GDPR Art. 21(3)). Not one of CONSENT_METHODS: no client may claim it.
 */
export const WITHDRAWN_BY_OBJECTION = "OBJECTION";

@InputType({ description: "How a consent is being given. The server records the time and the policy version." })
export class ConsentEvidenceInput {
  @PersonalInputField("user.device.ip_address", { description: "IP address (v4 or v6) consent is given from." })
  @IsOptional()
  @IsIP(undefined, { message: "must be an IPv4 or IPv6 address" })
  ipAddress?: string | null;

  @PersonalInputField("user.device.browser", { description: "Browser consent is given with." })
  @IsOptional()
  @MaxLength(AGENT_MAX)
  browser?: string | null;

  @PersonalInputField("user.device.operating_system", { description: "Operating system consent is given with." })
  @IsOptional()
  @MaxLength(AGENT_MAX)
  operatingSystem?: string | null;

  @PersonalInputField("user.device.device_info", { description: "Device consent is given with." })
  @IsOptional()
  @MaxLength(AGENT_MAX)
  device?: string | null;

  @PersonalInputField(FACT_CATEGORIES.privacyPreferences, { description: PARENTAL_CONSENT_REFERENCE })
  @IsOptional()
  @Matches(NOT_BLANK, { message: "must not be blank" })
  @MaxLength(REFERENCE_MAX)
  parentalConsentReference?: string | null;

  @Field(() => String, { nullable: true, description: `How consent is collected: one of ${CONSENT_METHODS.join(", ")}; API when omitted.` })
  @IsOptional()
  @IsIn(CONSENT_METHODS)
  method?: (typeof CONSENT_METHODS)[number] | null;
}
