import { DateTimeResolver, GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { FACT_CATEGORIES } from "../../domain/fact-categories";
import { AccessDecision } from "../../domain/policy-terms";
import { RecipientType } from "../../domain/recipients";
// Registers the RecipientType enum this file's types return.
import "./client.types";
import { RequestEventKind, type AuditQueryFilter } from "../../domain/request-events";
import { NotPersonal, PersonalDataType, PersonalField } from "../personal-data";
// One PageInfo for every connection (Relay), the audit's included.
import { PageInfo } from "./subject.types";

registerEnumType(AccessDecision, {
  name: "AccessDecision",
  description: "What one request was given of one subject's data.",
  valuesConfig: {
    RELEASED: { description: "Every category read was released." },
    PARTIAL: { description: "Some categories were released, some denied." },
    DENIED: { description: "Every category read was denied." },
    WRITTEN: { description: "A change event: the operation wrote the categories in `written`." },
  },
});

@ObjectType({
  description:
    "One request's reads of one subject (operation `read`), or one change a mutation made to one subject: who, for which purpose, which categories. Holds no personal values.",
})
export class AccessEvent {
  @Field(() => ID, {
    description:
      "Identifier: a number, increasing in the order events were written; for one subject of a request's reads, `<chainPosition>.<n>`, its place among them.",
  })
  id!: string;

  @Field(() => ID, { description: "The request the reads or the change belonged to." })
  requestId!: string;

  @Field({ description: "Name of the client that read or wrote." })
  clientName!: string;

  @Field(() => RecipientType, {
    nullable: true,
    description: "The recipient the client was: a THIRD_PARTY's reads are disclosures. Null for events recorded before recipients were.",
  })
  recipientType!: RecipientType | null;

  @Field(() => String, { nullable: true, description: "The processor the client acted for; null when it acted for none." })
  processorName!: string | null;

  @Field({ description: "The purpose the request declared." })
  purposeKey!: string;

  @Field(() => ID, { description: "The subject whose data was read or changed." })
  subjectId!: string;

  @Field({ description: "`read` for reads; for a change, the mutation that made it, e.g. `updateSubject` or `giveConsent`." })
  operation!: string;

  @Field(() => [String], { description: "Keys of the categories a change wrote; empty for reads." })
  written!: string[];

  @Field(() => [String], { description: "Keys of the categories released." })
  released!: string[];

  @Field(() => [String], { description: "Keys of the categories denied." })
  denied!: string[];

  @Field(() => AccessDecision, { description: "For reads: released, partial or denied; WRITTEN for a change." })
  decision!: AccessDecision;

  @Field(() => DateTimeResolver, {
    description:
      "The time of the request that read or wrote, on the server's clock; the event was written before its response was released.",
  })
  at!: Date;

  @Field({
    description:
      "Its position in the audit's hash chain, shared with request events: 1, 2, 3, … in the order events were committed (`npm run audit -- verify` names events by it). The subjects of one request's reads share its position.",
  })
  chainPosition!: string;
}

@PersonalDataType(
  "Objection",
  "A subject's objection to a purpose (GDPR Art. 21): one based on legitimate interests or a public task, or direct marketing whatever its basis. That a person objected is personal data: every field but the identifiers is guarded.",
)
export class Objection {
  @NotPersonal()
  @Field(() => ID, { description: "Identifier." })
  id!: string;

  @NotPersonal()
  @Field(() => ID, { description: "The subject who objected (the pseudonymous key)." })
  subjectId!: string;

  @PersonalField(FACT_CATEGORIES.privacyPreferences, {
    description: "Key of the purpose objected to; the objection covers its sub-purposes too.",
  })
  purposeKey!: string | null;

  @PersonalField(FACT_CATEGORIES.privacyPreferences, { description: "When the objection was recorded.", type: () => DateTimeResolver })
  objectedAt!: Date | null;

  @PersonalField(FACT_CATEGORIES.privacyPreferences, {
    description: "When the objection was lifted; null while it stands.",
    type: () => DateTimeResolver,
  })
  liftedAt!: Date | null;

  @PersonalField(FACT_CATEGORIES.privacyPreferences, {
    description: "The compelling legitimate grounds that justified lifting it (GDPR Art. 21(1)); null while it stands.",
  })
  liftAssessment!: string | null;

  @PersonalField(FACT_CATEGORIES.privacyPreferences, {
    description: "The subject's own OBJECTION request that lifted an objection to direct marketing (GDPR Art. 21(3)); null otherwise.",
    type: () => ID,
  })
  liftedByRequestId!: string | null;

  @PersonalField(FACT_CATEGORIES.privacyPreferences, { description: "Whether the objection stands.", type: () => Boolean })
  active!: boolean | null;
}

@ObjectType({ description: "One access event in a page of the audit." })
export class AccessEventEdge {
  @Field({ description: "Opaque cursor of this event; pass it as `after` to read the events after it." })
  cursor!: string;

  @Field(() => AccessEvent, { description: "The event." })
  node!: AccessEvent;
}

@ObjectType({ description: "A page of access events (Relay-style connection), in chain order, oldest first." })
export class AccessEventConnection {
  @Field(() => [AccessEventEdge], { description: "The events of this page." })
  edges!: AccessEventEdge[];

  @Field(() => PageInfo, { description: "Paging information." })
  pageInfo!: PageInfo;
}

registerEnumType(RequestEventKind, {
  name: "RequestEventKind",
  description: "What a request event records.",
  valuesConfig: {
    REFUSAL: { description: "A request refused before execution: nothing ran, nothing was read or written." },
    AUDIT_QUERY: { description: "A query of the audit (accessLog, accessEvents, breachScope, requestEvents)." },
  },
});

@ObjectType({
  description:
    "What a request did that concerns no one subject: a refusal before execution, or a query of the audit. In the same hash chain as the access events. Holds no value from the request: schema coordinates, policy keys, and the ids and times an auditor gave.",
})
export class RequestEvent {
  @Field(() => ID, { description: "Identifier, increasing in the order events were written." })
  id!: string;

  @Field(() => RequestEventKind, { description: "A refusal, or a query of the audit." })
  kind!: RequestEventKind;

  @Field(() => ID, { description: "The request (its id is in its answer's errors and in the access log)." })
  requestId!: string;

  @Field({ description: "Name of the client that was refused, or that queried the audit." })
  clientName!: string;

  @Field(() => String, { nullable: true, description: "The purpose the request declared, when it declared one the policy knows." })
  purposeKey!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "REFUSAL: why — `NOT_GRANTED` (the purpose does not grant a category), `CAPABILITY_MISSING`, `ADMIN_ONLY`, `PARTNER_READS_ONLY`, `PURPOSE_MISSING`, `PURPOSE_NOT_ALLOWED`, `PURPOSE_UNKNOWN`, `PURPOSE_CONFLICT`, `PURPOSE_MALFORMED`, or any other reason a refusal names (its error code when it names none). Null for an audit query.",
  })
  reason!: string | null;

  @Field(() => String, { nullable: true, description: "AUDIT_QUERY: the root field queried, e.g. `breachScope`. Null for a refusal." })
  query!: string | null;

  @Field(() => [String], { description: "REFUSAL: the schema coordinates refused, e.g. `DataSubject.email` or `Mutation.grantCategory`." })
  fields!: string[];

  @Field(() => [String], { description: "REFUSAL: keys of the categories the declared purpose does not grant." })
  categories!: string[];

  @Field(() => [String], { description: "REFUSAL: the capabilities the client lacked." })
  capabilities!: string[];

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: "AUDIT_QUERY: the query's arguments as validated (`after` as the chain position or subject id it continues after).",
  })
  filter!: AuditQueryFilter | null;

  @Field(() => DateTimeResolver, { description: "The time of the request, on the server's clock." })
  at!: Date;

  @Field({ description: "Its position in the audit's hash chain, shared with access events." })
  chainPosition!: string;
}

@ObjectType({ description: "One request event in a page of the audit." })
export class RequestEventEdge {
  @Field({ description: "Opaque cursor of this event; pass it as `after` to read the events after it." })
  cursor!: string;

  @Field(() => RequestEvent, { description: "The event." })
  node!: RequestEvent;
}

@ObjectType({ description: "A page of request events (Relay-style connection), in chain order, oldest first." })
export class RequestEventConnection {
  @Field(() => [RequestEventEdge], { description: "The events of this page." })
  edges!: RequestEventEdge[];

  @Field(() => PageInfo, { description: "Paging information." })
  pageInfo!: PageInfo;
}

@ObjectType({ description: "A category and how far it reached within a breach scope." })
export class CategoryReach {
  @Field({ description: "Key of the category, e.g. `user.contact.email`." })
  category!: string;

  @Field(() => Int, { description: "How many distinct subjects it was released of (or written for)." })
  subjects!: number;

  @Field(() => Int, { description: "How many events released (or wrote) it." })
  events!: number;
}

@ObjectType({ description: "The changes one operation made within a breach scope." })
export class OperationReach {
  @Field({ description: "The mutation (or the retention sweep's operation), e.g. `updateSubject`." })
  operation!: string;

  @Field(() => Int, { description: "How many change events it wrote." })
  events!: number;

  @Field(() => Int, { description: "How many distinct subjects it changed." })
  subjects!: number;
}

@ObjectType({ description: "The client's requests refused for one reason within a breach scope." })
export class RefusalCount {
  @Field({ description: "Why they were refused (as `RequestEvent.reason`)." })
  reason!: string;

  @Field(() => Int, { description: "How many requests." })
  requests!: number;

  @Field(() => DateTimeResolver, { description: "The first of them." })
  firstAt!: Date;

  @Field(() => DateTimeResolver, { description: "The last of them." })
  lastAt!: Date;
}

@ObjectType({ description: "One subject the client read or wrote within a breach scope: whom to tell, and what." })
export class SubjectInScope {
  @Field(() => ID, { description: "The subject (the pseudonymous key)." })
  subjectId!: string;

  @Field(() => [String], { description: "Keys of the categories released of this subject, sorted." })
  released!: string[];

  @Field(() => [String], { description: "Keys of the categories written for this subject, sorted." })
  written!: string[];

  @Field(() => DateTimeResolver, { description: "The client's first event about this subject in the window." })
  firstEventAt!: Date;

  @Field(() => DateTimeResolver, { description: "Its last event about this subject in the window." })
  lastEventAt!: Date;
}

@ObjectType({ description: "One subject in a page of a breach scope's subjects." })
export class SubjectInScopeEdge {
  @Field({ description: "Opaque cursor of this subject; pass it to `breachScope` as `after` for the next page." })
  cursor!: string;

  @Field(() => SubjectInScope, { description: "The subject and what the client read or wrote of them." })
  node!: SubjectInScope;
}

@ObjectType({ description: "A page of the subjects in a breach scope (Relay-style connection), by subject id." })
export class SubjectInScopeConnection {
  @Field(() => [SubjectInScopeEdge], { description: "The subjects of this page." })
  edges!: SubjectInScopeEdge[];

  @Field(() => PageInfo, { description: "Paging information." })
  pageInfo!: PageInfo;
}

@ObjectType({
  description:
    'What one client read and wrote in a time window [from, to), from the audit: the answer to "whose data did this key reach?" (GDPR Art. 33(3)(a), 34). Reads and writes are counted apart; a read counts a subject only when it released a category of theirs.',
})
export class BreachScope {
  @Field({ description: "The client scoped." })
  clientName!: string;

  @Field(() => DateTimeResolver, { description: "Start of the window (inclusive)." })
  from!: Date;

  @Field(() => DateTimeResolver, { description: "End of the window (exclusive)." })
  to!: Date;

  @Field(() => Int, { description: "Access events in the window: reads, exports and changes." })
  events!: number;

  @Field(() => Int, { description: "Read events (operation `read`, and exports), whatever they released." })
  readEvents!: number;

  @Field(() => Int, { description: "Change events." })
  writeEvents!: number;

  @Field(() => Int, { description: "Distinct subjects of whom at least one category was released." })
  subjectsRead!: number;

  @Field(() => Int, { description: "Distinct subjects of whom at least one category was written." })
  subjectsWritten!: number;

  @Field(() => Int, { description: "Distinct subjects read or written: `subjects` lists them." })
  subjectsTouched!: number;

  @Field(() => DateTimeResolver, { nullable: true, description: "The first access event in the window; null when there is none." })
  firstEventAt!: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "The last access event in the window; null when there is none." })
  lastEventAt!: Date | null;

  @Field(() => [CategoryReach], { description: "Each category released, with the number of subjects it was released of; by key." })
  categoriesReleased!: CategoryReach[];

  @Field(() => [CategoryReach], { description: "Each category written, with the number of subjects it was written for; by key." })
  categoriesWritten!: CategoryReach[];

  @Field(() => [OperationReach], { description: "The writes, per operation; by operation." })
  writes!: OperationReach[];

  @Field(() => [RefusalCount], { description: "The client's requests refused before execution in the window, per reason." })
  refusals!: RefusalCount[];

  @Field(() => SubjectInScopeConnection, {
    description: "The subjects read or written, by id, one page at a time (`first` and `after` of `breachScope`).",
  })
  subjects!: SubjectInScopeConnection;
}
