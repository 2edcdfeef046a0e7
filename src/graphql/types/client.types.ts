import { DateTimeResolver } from "graphql-scalars";
import { Field, InputType, ObjectType, registerEnumType } from "type-graphql";
import { Capability, CAPABILITY_DESCRIPTIONS } from "../../domain/capabilities";
import { ClientRole } from "../../domain/policy-terms";
import { RECIPIENT_TYPE_DESCRIPTIONS, RecipientType } from "../../domain/recipients";

registerEnumType(ClientRole, {
  name: "ClientRole",
  description: "What kind of caller a client is.",
  valuesConfig: {
    INTERNAL_APP: { description: "An application of the controller's own." },
    PARTNER: {
      description: "A third party, or a processor's client when linked to a processor: reads only, holds no capability.",
    },
    ADMIN: { description: "Administers the policy, the clients and the audit." },
  },
});

registerEnumType(Capability, {
  name: "Capability",
  description: "What a client may change about subjects, whatever purpose it declares.",
  valuesConfig: Object.fromEntries(
    Object.entries(CAPABILITY_DESCRIPTIONS).map(([capability, description]) => [capability, { description }]),
  ),
});

registerEnumType(RecipientType, {
  name: "RecipientType",
  description: "Who receives personal data when a client reads it (GDPR Art. 4(9)–(10)).",
  valuesConfig: Object.fromEntries(Object.entries(RECIPIENT_TYPE_DESCRIPTIONS).map(([type, description]) => [type, { description }])),
});

@ObjectType({
  description: "An application or partner that calls PurposeQL with its API key. The key itself is never stored or shown again.",
})
export class Client {
  @Field({ description: "Unique name." })
  name!: string;

  @Field(() => ClientRole, { description: "Its role." })
  role!: ClientRole;

  @Field(() => [String], { description: "Keys of the purposes it may declare." })
  purposes!: string[];

  @Field(() => [Capability], { description: "What it may change about subjects." })
  capabilities!: Capability[];

  @Field(() => String, {
    nullable: true,
    description: "The processor of the policy's register it acts for, bound to that processor's contract; null when it acts for none.",
  })
  processor!: string | null;

  @Field(() => RecipientType, { description: "The recipient it is: what it reads is disclosed to a THIRD_PARTY." })
  recipientType!: RecipientType;

  @Field(() => DateTimeResolver, { description: "When it was created." })
  createdAt!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: "When its key was revoked; null while it is active." })
  revokedAt!: Date | null;
}

@ObjectType({ description: "A client just created, with its API key: shown in this answer only." })
export class CreatedClient {
  @Field(() => Client, { description: "The client." })
  client!: Client;

  @Field({ description: "Its API key (`Authorization: Bearer <key>`). Only a hash is stored: keep it now." })
  apiKey!: string;
}

@InputType({ description: "A client to create." })
export class CreateClientInput {
  @Field({ description: "Unique name, 1–100 characters." })
  name!: string;

  @Field(() => ClientRole, { description: "Its role." })
  role!: ClientRole;

  @Field(() => [String], { description: "Keys of the purposes it may declare; at least one." })
  purposes!: string[];

  @Field(() => [Capability], { nullable: true, description: "What it may change about subjects; none when omitted. A PARTNER holds none." })
  capabilities?: Capability[] | null;

  @Field(() => String, {
    nullable: true,
    description:
      "The processor of the policy's register (`processors`) it acts for: it may then declare only that processor's purposes and read only its categories. None when omitted; an ADMIN acts for none. A PARTNER acting for no processor is a third party, and may declare only purposes based on consent.",
  })
  processor?: string | null;
}
