import { Mutex } from "async-mutex";
import { defaultFieldResolver, type GraphQLField, type GraphQLFieldConfig, type GraphQLSchema } from "graphql";
import type { ComplexityEstimatorArgs } from "graphql-query-complexity";
import { requestTimeout } from "../errors";
import { MAX_PAGE_SIZE, pageSizeOrDefault } from "./connections";
import type { RequestContext } from "./context";

/**
 * The cost model, in one place: what each root field makes the database do. A field costs 1, as
 * before; a database round trip costs ROUND_TRIP_COST, since that — not the fields — is what an
 * operation of many aliases multiplies: `subjects(first: 1) { totalCount }` is a page query, a
 * COUNT and the page's consents and objections, so it costs 3 round trips, not 2 fields.
 *
 * Every root field is listed here (test/request-limits.test.ts checks it); one that is not is
 * weighed as an unpaged list of one round trip, so none reaches the database unweighed. The cost plugin (src/server/cost-limit-plugin.ts) reads
 * the weights from each field's extensions through graphql-query-complexity.
 */
export const ROUND_TRIP_COST = 100;

interface DatabaseWork {
  /** Round trips the field makes whatever it returns. */
  readonly roundTrips: number;
  /** How many items its children are repeated for: a page its size; a list without pages, a full page's worth. */
  readonly items: "none" | "page" | "unpaged";
}

const NONE: DatabaseWork = { roundTrips: 0, items: "none" };
// The subject's row and the facts its decision needs: one statement now (subject-reads.ts), still priced as the two reads it makes.
const LOOKUP: DatabaseWork = { roundTrips: 2, items: "none" };
const WRITE: DatabaseWork = { roundTrips: 5, items: "none" }; // BEGIN, lock or read, write, change event, COMMIT; the answer is read from it
const EXPORT: DatabaseWork = { roundTrips: 10, items: "none" }; // the request, the subject and each table of their record

const ROOT_FIELDS: Readonly<Record<"Query" | "Mutation", Readonly<Record<string, DatabaseWork>>>> = {
  Query: {
    // The policy in force is held in memory.
    policyVersion: NONE,
    ageOfDigitalConsent: NONE,
    dataCategories: NONE,
    purposes: NONE,
    legalBases: NONE,
    processors: NONE,
    controller: NONE,
    // One stored version, read whole.
    policyAt: { roundTrips: 1, items: "none" },
    // The version's whole policy and the clients' roles.
    recordsOfProcessing: { roundTrips: 2, items: "none" },
    // The client was read when the request was authenticated; the manifest is computed once per policy version.
    viewer: NONE,
    privacyManifest: NONE,
    // Page, COUNT and the page's facts: one statement now (subject-reads.ts, COUNT only when totalCount is selected), still
    // priced as the three reads it makes — the COUNT over the whole lawful list is what an operation of many aliases multiplies.
    subjects: { roundTrips: 3, items: "page" },
    // Page, COUNT, and the page's subjects with their consents and objections (one batch each).
    subjectRequests: { roundTrips: 4, items: "page" },
    subject: LOOKUP,
    accessLog: { roundTrips: 1, items: "unpaged" },
    // The client's name checked, the page, and whether events come before it.
    accessEvents: { roundTrips: 3, items: "page" },
    requestEvents: { roundTrips: 3, items: "page" },
    // The client's name checked; in one snapshot (BEGIN, COMMIT) the figures, categories, writes, refusals and the page of
    // subjects. One answer, not a list: its page of subjects (at most 100) is one of those statements.
    breachScope: { roundTrips: 8, items: "none" },
    clients: { roundTrips: 1, items: "unpaged" },
    accessExport: EXPORT,
    portabilityExport: EXPORT,
  },
  Mutation: {
    grantCategory: WRITE,
    revokeGrant: WRITE,
    createClient: WRITE,
    revokeClient: WRITE,
    giveConsent: WRITE,
    withdrawConsent: WRITE,
    openSubjectRequest: WRITE,
    verifySubjectIdentity: WRITE,
    extendSubjectRequest: WRITE,
    completeSubjectRequest: WRITE,
    refuseSubjectRequest: WRITE,
    objectToPurpose: WRITE,
    liftObjection: WRITE,
    restrictProcessing: WRITE,
    liftRestriction: WRITE,
    createSubject: WRITE,
    updateSubject: WRITE,
    endService: WRITE,
    startService: WRITE,
    openInquiry: WRITE,
    closeInquiry: WRITE,
    openLegalHold: WRITE,
    releaseLegalHold: WRITE,
    // The request, the subject with its archive and holds, its audit trail (recipients to tell), the consents, the changes, the receipt.
    eraseSubject: EXPORT,
  },
};

/** The extension that marks a field as going to the database (the number of such fields is limited). */
export const DATABASE_ROUND_TRIPS = "databaseRoundTrips";

/** The estimated cost of a field with this work, given its arguments and its children's cost. */
function costOf(work: DatabaseWork, { args, childComplexity }: ComplexityEstimatorArgs): number {
  const items = work.items === "page" ? pageSizeOrDefault(args) : work.items === "unpaged" ? MAX_PAGE_SIZE : 1;
  return 1 + work.roundTrips * ROUND_TRIP_COST + items * childComplexity;
}

/** What a root field the table does not list is assumed to do. */
const UNLISTED: DatabaseWork = { roundTrips: 1, items: "unpaged" };

/** `Type.field` of every root field the table does not list. */
export function unweighedRootFields(schema: GraphQLSchema): string[] {
  return rootFields(schema).flatMap(([typeName, field]) => (ROOT_FIELDS[typeName][field.name] ? [] : [`${typeName}.${field.name}`]));
}

type RootField = readonly ["Query" | "Mutation", GraphQLField<unknown, unknown>];

function rootFields(schema: GraphQLSchema): RootField[] {
  const of = (typeName: RootField[0], fields: Record<string, GraphQLField<unknown, unknown>> = {}): RootField[] =>
    Object.values(fields).map((field) => [typeName, field] as const);
  return [...of("Query", schema.getQueryType()?.getFields()), ...of("Mutation", schema.getMutationType()?.getFields())];
}

/**
 * Gives every root field its cost and, for those that reach the database, its round trips; and
 * makes one request's database fields take turns (below).
 */
export function installDatabaseWork(schema: GraphQLSchema): void {
  for (const [typeName, field] of rootFields(schema)) {
    const work = ROOT_FIELDS[typeName][field.name] ?? UNLISTED;
    setExtensions(field, {
      complexity: (estimate: ComplexityEstimatorArgs) => costOf(work, estimate),
      ...(work.roundTrips > 0 ? { [DATABASE_ROUND_TRIPS]: work.roundTrips } : {}),
    });
    if (work.roundTrips > 0) takeTurns(field);
  }
}

function setExtensions(field: GraphQLField<unknown, unknown>, extensions: Record<string, unknown>): void {
  (field as { extensions: GraphQLFieldConfig<unknown, unknown>["extensions"] }).extensions = { ...field.extensions, ...extensions };
}

const turns = new WeakMap<object, Mutex>();

/**
 * graphql-js resolves a query's root fields at once, so one request of ten aliased pages would
 * hold ten pool connections — the whole pool — and on PGlite queue ten transactions ahead of every
 * other request. A request's database fields run one after the other instead: it holds one
 * connection at a time, and a request arriving meanwhile is served between its fields. (Mutations
 * run one after the other already.) None starts once the request's deadline has passed.
 */
function takeTurns(field: GraphQLField<unknown, unknown>): void {
  const resolve = field.resolve ?? defaultFieldResolver;
  field.resolve = (source, args, context: unknown, info) => {
    const request = context as RequestContext;
    let turn = turns.get(request);
    if (!turn) turns.set(request, (turn = new Mutex()));
    return turn.runExclusive(() => {
      if (request.deadline?.passed) throw requestTimeout(request.deadline.limitMs);
      return resolve(source, args, context, info);
    });
  };
}
