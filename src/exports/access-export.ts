import { DATA_SUBJECT_RIGHTS } from "../domain/data-subject-rights";
import { isInEea } from "../domain/eea";
import { Provenance, PROVENANCE_DESCRIPTIONS, SUBJECT_FIELD_NAMES, SUBJECT_FIELDS } from "../domain/field-provenance";
import { LEGAL_BASES } from "../domain/legal-bases";
import { RecipientType, recipientTypeOf } from "../domain/recipients";
import { ClientRole, LegalBasisCode, RetentionAction, RetentionTrigger } from "../domain/policy-terms";
import type { ClientRow, PurposeRow, SubjectRequestRow } from "../persistence/entities";
import type { PolicySnapshot } from "../persistence/policy-repository";
import type { EventSummary, SubjectRecord } from "../persistence/subject-record-repository";
import type { CompiledPolicy, RetentionRule } from "../policy/engine/compiled-policy";
import { lawfulness, retentionEndsAt, type DenialReason, type SubjectFacts } from "../policy/engine/lawfulness";
import { dayIn } from "../policy/engine/request-deadlines";
import { deadlineOf } from "../policy/engine/subject-request-rules";
import { contractCovers, purposeRefusal } from "../policy/engine/recipient-rules";
import { isUnder } from "../policy/keys";
import { categoriesHeld, storedValues, subjectFactsOf } from "./held-data";
import { columnsOf, instant, type JsonObject, type JsonValue } from "./json";

/** The operation the access export is audited as. */
export const ACCESS_EXPORT_OPERATION = "accessExport";

/** Names this document's structure; a change to it that a reader would notice gets a new version. */
export const ACCESS_EXPORT_FORMAT = "purposeql.access-export/1";

export interface AccessExportInput {
  /** The verified ACCESS request the export answers. */
  readonly request: SubjectRequestRow;
  readonly record: SubjectRecord;
  /** The policy in force, as stored (names, descriptions, assessments, processors) … */
  readonly policy: PolicySnapshot;
  /** … and as enforced: the same version, compiled. */
  readonly compiled: CompiledPolicy;
  readonly now: Date;
}

export interface AccessExport {
  /** The document, JSON throughout: what the API returns and the CLI writes to a file. */
  readonly document: JsonObject;
  /** The categories of personal data the document holds: what its audit event releases. */
  readonly categories: readonly string[];
}

/**
 * The copy of a person's data and the information GDPR Art. 15 owes them, as one JSON document
 * (README, "Access and portability exports", describes its structure; `about.articles` maps each
 * item of Art. 15(1)(a)–(h), 15(2) and 15(3) to the section that answers it).
 *
 * The export is the person's own right, not a purpose's read: it holds every value stored about
 * them, whatever any purpose may read, and bypasses purpose grants by design. What limits it is who
 * may ask for it (the EXPORT capability, a verified ACCESS request) and that it is audited as one
 * event. Pure: everything it says comes from the record and the policy it is given.
 */
export function buildAccessExport(input: AccessExportInput): AccessExport {
  const { record, compiled, now } = input;
  const held = categoriesHeld(record);
  const facts = subjectFactsOf(record);
  const timeZone = compiled.timeZone;
  const organisation = compiled.organisation;
  const purposes = input.policy.purposes
    .map((purpose) => purposeSection(purpose, compiled, held, facts, now, timeZone))
    .filter((section): section is JsonObject => section !== null);

  const document: JsonObject = {
    about: {
      format: ACCESS_EXPORT_FORMAT,
      title: `Your personal data held by ${organisation?.name ?? "the controller"} (GDPR Art. 15)`,
      generatedAt: now.toISOString(),
      policyVersion: compiled.version,
      noticeVersion: compiled.noticeVersion,
      timeZone,
      articles: ARTICLE_INDEX,
    },
    request: requestSection(input.request),
    subject: { id: record.subject.id },
    controller: controllerSection(input),
    personalData: {
      note: "Every value we hold about you, whatever any purpose may read: your right of access is not limited to what one purpose uses. An empty value means we hold none.",
      values: storedValues(record.subject).map((value) => ({ ...value })),
      archivedValues: {
        values: record.archived.map((archived) => ({
          category: archived.category,
          value: archived.value,
          reason: archived.reason,
          keptFor: archived.decidedBy,
          archivedAt: archived.archivedAt.toISOString(),
        })),
        note: "Values that left everyday use but that a legal duty or a legal hold requires us to keep (GDPR Art. 17(3)(b), (e)): out of everyday use, read only for that duty, and deleted when it ends. Empty when we archive nothing of yours.",
      },
    },
    categories: categoriesSection(input, held),
    purposes,
    recipients: recipientsSection(input, held),
    sources: sourcesSection(),
    automatedDecisions: automatedDecisionsSection(input),
    rights: DATA_SUBJECT_RIGHTS.map((right) => ({ ...right })),
    supervisoryAuthority: supervisoryAuthoritySection(input),
    consents: record.consents.map((consent) => ({
      ...columnsOf(consent, ["subjectId"]),
      purposeName: purposeName(input.policy, consent.purposeKey),
      active: consent.givenAt <= now && (consent.withdrawnAt === null || consent.withdrawnAt > now),
    })),
    objections: record.objections.map((objection) => ({
      ...columnsOf(objection, ["subjectId"]),
      purposeName: purposeName(input.policy, objection.purposeKey),
      active: objection.objectedAt <= now && (objection.liftedAt === null || objection.liftedAt > now),
    })),
    restrictions: {
      currentStatus: record.subject.status,
      history: record.restrictionEvents.map((event) => ({
        at: event.at.toISOString(),
        change: event.operation === "restrictProcessing" ? "RESTRICTED" : "LIFTED",
        operation: event.operation,
        clientName: event.clientName,
        purposeKey: event.purposeKey,
      })),
    },
    requests: record.requests.map((request) => columnsOf(request, ["subjectId"])),
    accessSummary: {
      note: "Who received your data, when and for which purpose, from our audit trail (it records categories, never values). Reads that released nothing are not counted. This export is recorded there too, as accessExport, when it is handed out.",
      accesses: record.accesses.map((summary) => eventSummary(summary, record.clients, "categoriesReleased")),
      changes: record.changes.map((summary) => eventSummary(summary, record.clients, "categoriesWritten")),
    },
  };
  return { document, categories: held };
}

/** Which section answers which item of the Regulation: so the document can be checked item by item. */
const ARTICLE_INDEX: JsonObject = {
  "Art. 13(1)(a), 15(1)": ["controller", "subject", "personalData"],
  "Art. 15(1)(a) purposes": ["purposes"],
  "Art. 15(1)(b) categories": ["categories"],
  "Art. 15(1)(c) recipients": ["recipients"],
  "Art. 15(1)(d) storage period": ["purposes[].retention", "purposes[].processingEnds"],
  "Art. 15(1)(e) rectification, erasure, restriction, objection": ["rights"],
  "Art. 15(1)(f) complaint to a supervisory authority": ["supervisoryAuthority", "rights"],
  "Art. 15(1)(g) source": ["personalData.values[].provenance", "sources"],
  "Art. 15(1)(h) automated decisions and profiling": ["automatedDecisions"],
  "Art. 15(2) transfers outside the EEA": ["recipients.processors[].transfer"],
  "Art. 15(3) copy of the data": ["personalData", "consents", "objections", "restrictions", "requests"],
  "Art. 7(3) withdrawing consent": ["consents", "rights"],
  "Art. 5(2) accountability: who accessed the data": ["accessSummary"],
};

function requestSection(request: SubjectRequestRow): JsonObject {
  return {
    id: request.id,
    kind: request.kind,
    status: request.status,
    receivedAt: request.receivedAt.toISOString(),
    dueAt: deadlineOf(request).toISOString(),
    identityVerifiedAt: instant(request.identityVerifiedAt),
    identityVerificationMethod: request.identityVerificationMethod,
  };
}

function controllerSection({ compiled }: AccessExportInput): JsonObject {
  const organisation = compiled.organisation;
  if (!organisation) {
    return {
      name: null,
      note: "The policy in force was stored before the controller's details were kept: ask the organisation that answered your request.",
    };
  }
  const channels = [
    organisation.email ? `by e-mail to ${organisation.email}` : null,
    organisation.phone ? `by phone on ${organisation.phone}` : null,
    organisation.address ? `by post to ${organisation.address}` : null,
  ].filter((channel): channel is string => channel !== null);
  return {
    name: organisation.name,
    country: organisation.country,
    email: organisation.email ?? null,
    phone: organisation.phone ?? null,
    address: organisation.address ?? null,
    howToContact: `Contact ${organisation.name} ${channels.join(", ") || "through the channel you used for this request"} to ask about your data or exercise your rights.`,
  };
}

function supervisoryAuthoritySection({ compiled }: AccessExportInput): JsonObject {
  const authority = compiled.organisation?.supervisoryAuthority;
  const right =
    "You have the right to lodge a complaint with a supervisory authority (GDPR Art. 77), in particular in the Member State where you live, work, or where the infringement took place.";
  if (!authority) return { name: null, rightToLodgeComplaint: right };
  return {
    name: authority.name,
    country: authority.country,
    address: authority.address ?? null,
    website: authority.website ?? null,
    email: authority.email ?? null,
    phone: authority.phone ?? null,
    rightToLodgeComplaint: `${right} Ours is ${authority.name}.`,
  };
}

function categoriesSection({ policy, compiled }: AccessExportInput, held: readonly string[]): JsonValue[] {
  return held.map((key) => {
    const category = policy.categories.find((row) => row.key === key);
    return {
      key,
      name: category?.name ?? key,
      description: category?.description ?? null,
      special: category?.special ?? false,
      fields: SUBJECT_FIELD_NAMES.filter((field) => SUBJECT_FIELDS[field].category === key),
      purposes: compiled.purposeKeys().filter((purposeKey) => compiled.grants(purposeKey, key)),
    };
  });
}

/**
 * One purpose that processes or may process the person's data: one that may read a category we
 * hold a value of. Whether it processes it now is `lawfulness` (the decision every read gets); when
 * processing ends is `retentionEndsAt` (the instant `lawfulness` starts answering RETENTION_EXPIRED).
 * Null for a purpose that reads nothing we hold of this person.
 */
function purposeSection(
  purpose: PurposeRow,
  compiled: CompiledPolicy,
  held: readonly string[],
  facts: SubjectFacts,
  now: Date,
  timeZone: string,
): JsonObject | null {
  const rule = compiled.purpose(purpose.key)?.retention;
  const categories = held.filter((category) => compiled.grants(purpose.key, category));
  if (!rule || categories.length === 0) return null;
  const decision = lawfulness(compiled, purpose.key, facts, now);
  const reason = decision.lawful ? null : decision.reason;
  const endsAt = retentionEndsAt(compiled, purpose.key, facts, now);
  const basis = LEGAL_BASES.find((info) => info.code === purpose.legalBasis);
  return {
    key: purpose.key,
    name: purpose.name,
    description: purpose.description,
    legalBasis: { code: purpose.legalBasis, article: basis?.article ?? null, name: basis?.name ?? purpose.legalBasis },
    legitimateInterestAssessment: purpose.legalBasis === LegalBasisCode.LEGITIMATE_INTERESTS ? purpose.legitimateInterestAssessment : null,
    categoriesHeld: categories,
    processingNow: {
      lawful: decision.lawful,
      reason,
      explanation: reason === null ? "It may process your data now." : PERSON_REASONS[reason],
    },
    retention: { trigger: rule.trigger, days: rule.days, action: rule.action, rule: retentionRuleText(rule) },
    processingEnds: {
      at: instant(endsAt),
      on: endsAt === null ? null : dayIn(endsAt, timeZone),
      explanation: processingEndsText(rule, endsAt, reason, now, timeZone),
    },
  };
}

/** Why a purpose does not process the person's data now, in their words (the engine's reasons). */
const PERSON_REASONS: Readonly<Record<DenialReason, string>> = {
  ERASED: "Your data was erased: it processes none of it.",
  ARCHIVED: "Your data is no longer processed: what the law requires us to keep is archived, out of everyday use.",
  NOT_ARCHIVED: "It only keeps records the law requires once your data leaves everyday use, and holds none of yours now.",
  NO_INQUIRY: "It answers questions you send us; it processes your data only while one is open, and for its retention period after.",
  CONSENT_MISSING: "It processes your data only with your consent, which you have not given.",
  CONSENT_WITHDRAWN: "You withdrew your consent: it no longer processes your data.",
  CONSENT_SCOPE: "Your consent does not cover everything it may now read: it reads only what you consented to.",
  OBJECTED: "You objected to it: it no longer processes your data.",
  RESTRICTED: "Processing of your data is restricted at your request (GDPR Art. 18): it may not process your data meanwhile.",
  CONTRACT_INACTIVE: "It serves customers, and your service relationship has not started or has ended: it does not process your data.",
  RETENTION_EXPIRED: "Its retention period for your data has run out.",
};

const TRIGGER_WORDS: Readonly<Record<RetentionTrigger, string>> = {
  SERVICE_ENDED: "your service ends",
  CONSENT_WITHDRAWN: "you withdraw your consent",
  COLLECTED: "the data was collected",
  INQUIRY_CLOSED: "your question is answered",
};

const ACTION_WORDS: Readonly<Record<RetentionAction, string>> = {
  DELETE: "deleted",
  ANONYMISE: "irreversibly anonymised",
  ARCHIVE: "archived",
};

/** The retention rule in words: "Deleted when your service ends", "Kept in the archive, out of everyday use, until 1826 days after your service ends; then deleted." */
function retentionRuleText(rule: RetentionRule): string {
  // A record-keeping purpose keeps what leaves everyday use in the archive, for as long as the law requires.
  if (rule.action === RetentionAction.ARCHIVE && rule.days !== null) {
    const from = rule.days === 0 ? `until ${TRIGGER_WORDS[rule.trigger]}` : `until ${rule.days} days after ${TRIGGER_WORDS[rule.trigger]}`;
    return `Kept in the archive, out of everyday use, ${from}; then deleted.`;
  }
  const action = ACTION_WORDS[rule.action];
  const capitalised = `${action.charAt(0).toUpperCase()}${action.slice(1)}`;
  if (rule.days === null) return `Kept without a time limit while ${TRIGGER_WORDS[rule.trigger]} has not happened; then ${action}.`;
  if (rule.days === 0) return `${capitalised} when ${TRIGGER_WORDS[rule.trigger]}.`;
  return `${capitalised} ${rule.days} days after ${TRIGGER_WORDS[rule.trigger]}.`;
}

/**
 * When processing ends, in words. A date once the retention period's trigger has happened; before
 * that there is none to give (null), and the rule says what it waits for: "while the service lasts".
 */
function processingEndsText(rule: RetentionRule, endsAt: Date | null, reason: DenialReason | null, now: Date, timeZone: string): string {
  if (endsAt !== null) {
    const day = dayIn(endsAt, timeZone);
    return endsAt.getTime() <= now.getTime()
      ? `Ended on ${day}: the retention period has run out.`
      : `Ends on ${day} (${timeZone}), when the retention period runs out.`;
  }
  if (reason === "CONSENT_MISSING") return "No end date: it does not process your data unless you consent.";
  switch (rule.trigger) {
    case RetentionTrigger.SERVICE_ENDED:
      return rule.days === null || rule.days === 0
        ? "No end date yet: while your service lasts."
        : `No end date yet: while your service lasts, then ${rule.days} days.`;
    case RetentionTrigger.CONSENT_WITHDRAWN:
      return rule.days === null || rule.days === 0
        ? "No end date yet: until you withdraw your consent."
        : `No end date yet: until you withdraw your consent, then ${rule.days} days.`;
    case RetentionTrigger.COLLECTED:
      return "No end date: the policy keeps this data without a time limit.";
    case RetentionTrigger.INQUIRY_CLOSED:
      if (reason === "NO_INQUIRY") return "No end date: it processes your data only when you send us a question.";
      return rule.days === null || rule.days === 0
        ? "No end date yet: while your question is open."
        : `No end date yet: while your question is open, then ${rule.days} days.`;
  }
}

/** What each recipient is, in the person's words (its role tells the controller's own tools apart). */
function recipientKindOf(role: ClientRole | null, type: RecipientType | null, processor: string | null): string {
  switch (type) {
    case RecipientType.PROCESSOR:
      return `a processor acting on our behalf under a written contract (${processor ?? "unnamed"}): it may use your data for no other purpose`;
    case RecipientType.THIRD_PARTY:
      return "a third party: what it reads is disclosed to it, which we do only under a purpose you consented to";
    case RecipientType.INTERNAL:
      return role === ClientRole.ADMIN ? "our administrators' tools" : "one of our own applications";
    case null:
      return "a client no longer on record";
  }
}

/** A client as a recipient: its role, and the recipient it is (the one its events recorded, else its own today). */
function recipientOf(
  client: ClientRow | undefined,
  recorded: { readonly recipientType: RecipientType | null; readonly processorName: string | null } | undefined,
): JsonObject {
  const role = client?.role ?? null;
  const type = recorded?.recipientType ?? (client ? recipientTypeOf(client.role, client.processorName) : null);
  const processor = recorded?.recipientType ? recorded.processorName : (client?.processorName ?? null);
  return { role, recipientType: type, processor, recipientKind: recipientKindOf(role, type, processor) };
}

function recipientsSection(input: AccessExportInput, held: readonly string[]): JsonObject {
  const { record, compiled, policy } = input;
  const byClient = new Map<string, EventSummary[]>();
  for (const summary of record.accesses) byClient.set(summary.clientId, [...(byClient.get(summary.clientId) ?? []), summary]);
  const received = [...byClient].map(([clientId, summaries]) => {
    const client = record.clients.find((row) => row.id === clientId);
    const latestRecorded = [...summaries].sort((a, b) => b.lastAt.getTime() - a.lastAt.getTime()).find((summary) => summary.recipientType);
    return {
      clientName: summaries[0]?.clientName ?? clientId,
      ...recipientOf(client, latestRecorded),
      purposes: [...new Set(summaries.map((summary) => summary.purposeKey))].sort(),
      categories: [...new Set(summaries.flatMap((summary) => summary.categories))].sort(),
      firstAt: new Date(Math.min(...summaries.map((summary) => summary.firstAt.getTime()))).toISOString(),
      lastAt: new Date(Math.max(...summaries.map((summary) => summary.lastAt.getTime()))).toISOString(),
    };
  });
  const mayReceive = record.clients
    .filter((client) => client.revokedAt === null)
    .map((client) => ({
      clientName: client.name,
      ...recipientOf(client, undefined),
      // What enforcement would let it receive: a purpose it may declare as the recipient it is, a category its contract covers.
      purposes: client.purposes
        .filter((purpose) => purposeRefusal(compiled, client, purpose.key) === null)
        .map((purpose) => ({
          purposeKey: purpose.key,
          categories: held.filter((category) => compiled.grants(purpose.key, category) && contractCovers(compiled, client, category)),
        }))
        .filter((purpose) => purpose.categories.length > 0)
        .sort((a, b) => a.purposeKey.localeCompare(b.purposeKey)),
    }))
    .filter((client) => client.purposes.length > 0);
  const processors = policy.processors
    .map((processor) => ({
      name: processor.name,
      country: processor.country,
      transfer: isInEea(processor.country)
        ? { withinEea: true, safeguard: "Within the EEA: no transfer to a third country (GDPR Chapter V does not apply)." }
        : {
            withinEea: false,
            safeguard:
              processor.transferSafeguard === null
                ? "Outside the EEA: a transfer needs an adequacy decision (GDPR Art. 45) or appropriate safeguards (Art. 46), and the policy records none for this processor. Ask us for a copy of the safeguards."
                : `Outside the EEA, under: ${processor.transferSafeguard}. Ask us for a copy of the safeguards (GDPR Art. 15(2)).`,
          },
      purposes: processor.purposes.map((purpose) => purpose.key).sort(),
      categories: held.filter((category) => processor.categories.some((granted) => isUnder(category, granted.key))),
    }))
    .filter((processor) => processor.categories.length > 0);
  return {
    note: "received: the clients that were actually released some of your data, from the audit trail. mayReceive: the clients allowed to ask for it, under a purpose that may read a category we hold of yours (whether that purpose may process your data now is in purposes[].processingNow). Each names the recipient it is (recipientType): INTERNAL, our own applications; PROCESSOR, a service provider acting on our behalf (named in processor); THIRD_PARTY, a third party — what it received was disclosed to it, which we do only under a purpose you consented to. processors: the service providers that process your data on our behalf, under a written contract (GDPR Art. 28).",
    received,
    mayReceive,
    processors,
  };
}

/** Art. 15(1)(g): where each kind of value came from (each value also names its own, in personalData.values). */
function sourcesSection(): JsonObject {
  return {
    values: Object.values(Provenance).map((provenance) => ({
      provenance,
      description: PROVENANCE_DESCRIPTIONS[provenance],
      fields: SUBJECT_FIELD_NAMES.filter((field) => SUBJECT_FIELDS[field].provenance === provenance),
    })),
    records:
      "Your consents, objections and requests came from you; the application named in each record (recordedBy, openedBy) recorded them, and the one named in each restriction (clientName) recorded it. A consent's evidence (IP address, browser, operating system, device) was observed when you gave it; its parental-consent reference, where it has one, came with the consent of the holder of parental responsibility given for you (GDPR Art. 8(1)).",
  };
}

function automatedDecisionsSection({ compiled }: AccessExportInput): JsonObject {
  const organisation = compiled.organisation;
  if (!organisation) {
    return {
      exists: null,
      decisions: [],
      statement: "The policy in force was stored before automated decisions were declared: ask us.",
    };
  }
  const decisions = organisation.automatedDecisions;
  return {
    exists: decisions.length > 0,
    decisions: [...decisions],
    statement:
      decisions.length === 0
        ? "None. We make no decision about you based solely on automated processing, including profiling, that has legal or similarly significant effects on you (GDPR Art. 22)."
        : "We make the automated decisions listed here; for each you may ask for human intervention, express your point of view and contest the decision (GDPR Art. 22(3)).",
  };
}

function eventSummary(summary: EventSummary, clients: readonly ClientRow[], categoriesKey: string): JsonObject {
  return {
    clientName: summary.clientName,
    role: clients.find((client) => client.id === summary.clientId)?.role ?? null,
    // As the events recorded it; null for events recorded before recipients were.
    recipientType: summary.recipientType,
    processor: summary.processorName,
    purposeKey: summary.purposeKey,
    operations: [...summary.operations],
    firstAt: summary.firstAt.toISOString(),
    lastAt: summary.lastAt.toISOString(),
    count: summary.count,
    [categoriesKey]: [...summary.categories],
  };
}

function purposeName(policy: PolicySnapshot, key: string): string | null {
  return policy.purposes.find((purpose) => purpose.key === key)?.name ?? null;
}
