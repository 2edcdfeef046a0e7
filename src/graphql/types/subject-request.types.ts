import { DateTimeResolver, LocalDateResolver } from "graphql-scalars";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { FACT_CATEGORIES } from "../../domain/fact-categories";
import { SubjectRequestChannel, SubjectRequestKind, SubjectRequestStatus } from "../../domain/policy-terms";
import { NotPersonal, PersonalDataType, PersonalField } from "../personal-data";
import { PageInfo } from "./subject.types";

registerEnumType(SubjectRequestKind, {
  name: "SubjectRequestKind",
  description: "The right a person exercises.",
  valuesConfig: {
    ACCESS: { description: "A copy of their data and how it is processed (GDPR Art. 15)." },
    PORTABILITY: { description: "The data they provided, in a machine-readable format (Art. 20)." },
    ERASURE: { description: "Erasure of their data (Art. 17)." },
    RECTIFICATION: { description: "Correction of inaccurate data (Art. 16); completing it applies the corrections." },
    RESTRICTION: { description: "Restriction of processing (Art. 18)." },
    OBJECTION: { description: "Objection to processing (Art. 21), or lifting their own objection to direct marketing." },
  },
});

registerEnumType(SubjectRequestStatus, {
  name: "SubjectRequestStatus",
  description: "Where a request stands (GDPR Art. 12).",
  valuesConfig: {
    RECEIVED: { description: "Received; the person's identity is not verified yet." },
    IDENTITY_VERIFIED: { description: "The person's identity is verified; the request is being answered." },
    COMPLETED: { description: "Answered." },
    REFUSED: { description: "Not acted on, with the reason the person is told (Art. 12(4))." },
  },
});

registerEnumType(SubjectRequestChannel, {
  name: "SubjectRequestChannel",
  description: "How the request reached the controller.",
  valuesConfig: {
    EMAIL: { description: "By e-mail." },
    POST: { description: "By letter." },
    PHONE: { description: "By telephone." },
    WEB_FORM: { description: "Through a form on the controller's website." },
    IN_PERSON: { description: "In person." },
  },
});

const CASE = FACT_CATEGORIES.privacyPreferences;

@PersonalDataType(
  "SubjectRequest",
  "A person's request to exercise a right (GDPR Art. 15–22), due one month after receipt, extendable once by up to two months (Art. 12(3)). That a person asked is personal data: every field but the identifiers is guarded.",
)
export class SubjectRequest {
  @NotPersonal()
  @Field(() => ID, { description: "Identifier." })
  id!: string;

  @NotPersonal()
  @Field(() => ID, { description: "The subject who asked (the pseudonymous key)." })
  subjectId!: string;

  @PersonalField(CASE, { description: "The right exercised.", type: () => SubjectRequestKind })
  kind!: SubjectRequestKind | null;

  @PersonalField(CASE, { description: "Where the request stands.", type: () => SubjectRequestStatus })
  status!: SubjectRequestStatus | null;

  @PersonalField(CASE, { description: "How the request reached the controller.", type: () => SubjectRequestChannel })
  channel!: SubjectRequestChannel | null;

  @PersonalField(CASE, { description: "When the controller received it; the deadlines count from here.", type: () => DateTimeResolver })
  receivedAt!: Date | null;

  @PersonalField(CASE, {
    description: "The day it must be answered by, on the controller's calendar: the extended deadline if extended, else the first.",
    type: () => LocalDateResolver,
  })
  dueOn!: string | null;

  @PersonalField(CASE, { description: "The last instant of `dueOn` in the controller's time zone.", type: () => DateTimeResolver })
  dueAt!: Date | null;

  @PersonalField(CASE, { description: "The first deadline: one month after receipt (Art. 12(3)).", type: () => LocalDateResolver })
  firstDueOn!: string | null;

  @PersonalField(CASE, { description: "Whether it is open and its deadline has passed.", type: () => Boolean })
  overdue!: boolean | null;

  @PersonalField(CASE, { description: "When the person's identity was verified; null until it is.", type: () => DateTimeResolver })
  identityVerifiedAt!: Date | null;

  @PersonalField(CASE, { description: "How the identity was verified (never the document itself).", type: () => String })
  identityVerificationMethod!: string | null;

  @PersonalField(CASE, { description: "Why the deadline was extended, as the person is told; null if it was not.", type: () => String })
  extensionReason!: string | null;

  @PersonalField(CASE, { description: "When it was completed or refused; null while open.", type: () => DateTimeResolver })
  closedAt!: Date | null;

  @PersonalField(CASE, { description: "Why the controller does not act on it (Art. 12(4)); null unless refused.", type: () => String })
  refusalReason!: string | null;

  @PersonalField(CASE, { description: "Name of the client that opened it.", type: () => String })
  openedBy!: string | null;
}

@ObjectType({ description: "One request in a page of requests." })
export class SubjectRequestEdge {
  @Field({
    description:
      "Opaque cursor of this request's place in the queue; pass it as `after` (or `before`) to read on from there, with the same API key and purpose.",
  })
  cursor!: string;

  @Field(() => SubjectRequest, { description: "The request." })
  node!: SubjectRequest;
}

@ObjectType({ description: "A page of subject requests, most urgent first (Relay-style connection)." })
export class SubjectRequestConnection {
  @Field(() => [SubjectRequestEdge], { description: "The requests of this page, by deadline in force, earliest first." })
  edges!: SubjectRequestEdge[];

  @Field(() => PageInfo, { description: "Paging information." })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: "How many requests the whole list holds." })
  totalCount!: number;
}

@PersonalDataType(
  "RecipientToNotify",
  "A client that received rectified categories of the subject before the correction, to be told of it (GDPR Art. 19). Who received a person's data is personal data: guarded like the request.",
)
export class RecipientToNotify {
  @PersonalField(CASE, { description: "Name of the client that received the data.", type: () => String })
  clientName!: string | null;

  @PersonalField(CASE, { description: "The rectified categories it received.", type: () => [String] })
  categories!: string[] | null;

  @PersonalField(CASE, { description: "When it last received them.", type: () => DateTimeResolver })
  lastReceivedAt!: Date | null;
}

@ObjectType({ description: "A completed or refused request, and for a rectification the recipients to tell (Art. 19)." })
export class SubjectRequestOutcome {
  @Field(() => SubjectRequest, { description: "The request as it stands now." })
  request!: SubjectRequest;

  @Field(() => [RecipientToNotify], {
    description:
      "For a completed rectification: every client that received a corrected category of the subject before the correction; empty otherwise.",
  })
  recipientsToNotify!: RecipientToNotify[];
}
