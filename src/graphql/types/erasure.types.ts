import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { ArchiveReason, SubjectStatus } from "../../domain/policy-terms";
import { RecipientType } from "../../domain/recipients";
// Registers the RecipientType enum this file's types return.
import "./client.types";

registerEnumType(ArchiveReason, {
  name: "ArchiveReason",
  description: "Why a category was archived rather than deleted (GDPR Art. 17(3)).",
  valuesConfig: {
    LEGAL_OBLIGATION: { description: "A legal-obligation purpose must keep it (Art. 17(3)(b)), until its retention ends." },
    LEGAL_HOLD: { description: "An open legal hold covers it (Art. 17(3)(e)), until the hold ends or is released." },
  },
});

@ObjectType({ description: "A category an erasure kept, archived out of live processing, and why." })
export class KeptCategory {
  @Field({ description: "The data category." })
  category!: string;

  @Field(() => ArchiveReason, { description: "Why it was kept." })
  reason!: ArchiveReason;

  @Field({ description: "The legal-obligation purpose, or the legal hold's reference, that keeps it." })
  keptFor!: string;

  @Field(() => DateTimeResolver, {
    nullable: true,
    description: "When it goes; null while the date is not known yet.",
  })
  until!: Date | null;

  @Field({ description: "The rule, in words." })
  rule!: string;
}

@ObjectType({ description: "A client that received an erased category, to be told of the erasure (GDPR Art. 19)." })
export class ErasureRecipient {
  @Field({ description: "Name of the client." })
  clientName!: string;

  @Field(() => RecipientType, {
    nullable: true,
    description: "The recipient it was when it last received one (THIRD_PARTY: a disclosure); null when its events predate recipients.",
  })
  recipientType!: RecipientType | null;

  @Field(() => String, { nullable: true, description: "The processor it acted for then; null when none." })
  processorName!: string | null;

  @Field(() => [String], { description: "The erased categories it received." })
  categories!: string[];

  @Field(() => DateTimeResolver, { description: "When it last received one of them." })
  lastReceivedAt!: Date;
}

@ObjectType({ description: "A processor whose contract covers an erased category, to be told (GDPR Art. 19, 28(3)(g))." })
export class ProcessorToNotify {
  @Field({ description: "The processor's name, as the policy's register of processors has it." })
  name!: string;

  @Field({ description: "ISO 3166-1 alpha-2 country." })
  country!: string;

  @Field(() => [String], { description: "The erased categories its contract covers." })
  categories!: string[];
}

@ObjectType({
  description:
    "What an erasure (GDPR Art. 17) did: categories, reasons, dates and recipients — never a value. Stored with the request: erasing again answers with the same receipt. Its release is audited as one event, `erasureReceipt`.",
})
export class ErasureReceipt {
  @Field(() => ID, { description: "The erased subject." })
  subjectId!: string;

  @Field(() => ID, { description: "The ERASURE request it answers." })
  requestId!: string;

  @Field(() => DateTimeResolver, { description: "When the erasure was made." })
  erasedAt!: Date;

  @Field(() => SubjectStatus, { description: "ERASED, or ARCHIVED while the archive keeps something." })
  statusAfter!: SubjectStatus;

  @Field(() => [String], { description: "The categories deleted." })
  erased!: string[];

  @Field(() => [KeptCategory], { description: "The categories kept in the archive, with the reason and until when (Art. 17(3))." })
  kept!: KeptCategory[];

  @Field(() => [ErasureRecipient], { description: "Every client that ever received an erased category (Art. 19)." })
  recipientsToNotify!: ErasureRecipient[];

  @Field(() => [ProcessorToNotify], { description: "The processors whose contract covers an erased category." })
  processorsToNotify!: ProcessorToNotify[];
}

@ObjectType({
  description: "A legal hold (GDPR Art. 17(3)(e)): what it covers is archived rather than deleted or erased while it is open.",
})
export class LegalHold {
  @Field(() => ID, { description: "The hold's id." })
  id!: string;

  @Field(() => ID, { description: "The subject whose data it covers." })
  subjectId!: string;

  @Field(() => [String], { description: "The category keys held; a key covers its sub-categories." })
  categories!: string[];

  @Field({ description: "The case or proceedings." })
  reference!: string;

  @Field(() => DateTimeResolver, { description: "When it was opened." })
  openedAt!: Date;

  @Field({ description: "The client that opened it." })
  openedBy!: string;

  @Field(() => DateTimeResolver, { description: "When it ends of itself." })
  until!: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: "When it was released; null while it stands." })
  releasedAt!: Date | null;

  @Field(() => String, { nullable: true, description: "The client that released it." })
  releasedBy!: string | null;
}
