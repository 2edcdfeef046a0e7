import { DateTimeResolver } from "graphql-scalars";
import { Arg, Ctx, ID, Int, Query, Resolver } from "type-graphql";
import { Capability } from "../../domain/capabilities";
import type { AuditQueryFilter } from "../../domain/request-events";
import { accessEventsOfSubject } from "../../persistence/access-event-repository";
import {
  pageOfAccessEvents,
  pageOfRequestEvents,
  scopeOf,
  type AccessEventView,
  type EventPage,
  type EventPlace,
} from "../../persistence/audit-query-repository";
import { accessEventFilterArgument, requestEventFilterArgument, scopeWindowArgument } from "../audit-arguments";
import { subjectIdArgument } from "../arguments";
import { ListCursors, pageInfoOf, type PageInfoOf, type PositionCodec } from "../connections";
import type { RequestContext } from "../context";
import { AccessEventFilterInput, RequestEventFilterInput } from "../inputs/audit.inputs";
import { RequiresCapability } from "../personal-data";
import { assertAuthorised } from "../roles";
import { AccessEvent, AccessEventConnection, BreachScope, RequestEvent, RequestEventConnection } from "../types/audit.types";

const PAGE_SIZE = "Page size, 1–100; 20 when omitted.";

/** A position in the audit's one chain (access and request events alike), as a cursor holds it. */
const chainPositions = (list: string): PositionCodec<string> => ({
  list,
  format: (position) => position,
  parse: (text) => (/^[1-9]\d{0,17}$/.test(text) ? text : null),
});
/**
 * An access event's place: its chain position, then — for one of a request's reads, which share
 * the request's position — its ordinal among them (`<position>.<ordinal>`).
 */
const ACCESS_EVENTS: PositionCodec<EventPlace> = {
  list: "access events",
  format: ({ position, ordinal }) => (ordinal === 0 ? position : `${position}.${ordinal}`),
  parse: (text) => {
    const found = /^([1-9]\d{0,17})(?:\.([1-9]\d{0,8}))?$/.exec(text);
    return found?.[1] === undefined ? null : { position: found[1], ordinal: found[2] === undefined ? 0 : Number(found[2]) };
  },
};
const placeOf = (row: AccessEventView): EventPlace => ({ position: row.chainPosition, ordinal: row.ordinal });
const REQUEST_EVENTS = chainPositions("request events");
/** A breach scope's subjects are listed by id. */
const SCOPE_SUBJECTS: PositionCodec<string> = {
  list: "breach scope subjects",
  format: (subjectId) => subjectId,
  parse: (text) => (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text) ? text : null),
};
const AFTER = "Cursor after which the page starts (`pageInfo.endCursor`).";

/**
 * The audit, for those who hold READ_AUDIT (a DPO's key, an ADMIN's): each subject's trail, every
 * event by filter, a client's breach scope, the refusals and the audit's own queries. Each query is
 * itself recorded — who read the audit, with what filter — before its answer leaves (the
 * purpose-limitation plugin writes the record with the request's other events, and withholds the
 * answer with AUDIT_UNAVAILABLE when it cannot). None needs a purpose.
 */
@Resolver()
export class AuditResolver {
  @RequiresCapability(Capability.READ_AUDIT)
  @Query(() => [AccessEvent], {
    description:
      "Every recorded read of one subject's data and every change made to it, oldest first: who read or wrote which categories, for which purpose, by which operation. `accessEvents(filter: { subjectId })` pages the same events. Needs READ_AUDIT; recorded as an audit query.",
  })
  async accessLog(
    @Arg("subjectId", () => ID, { description: "The subject's id." }) subjectId: string,
    @Ctx() context: RequestContext,
  ): Promise<AccessEvent[]> {
    const id = subjectIdArgument(subjectId, "subjectId");
    recordAuditQuery(context, "accessLog", { subjectId: id });
    const rows = await accessEventsOfSubject(context.app.dataSource.manager, id);
    return rows.map((row) => Object.assign(new AccessEvent(), row));
  }

  @RequiresCapability(Capability.READ_AUDIT)
  @Query(() => AccessEventConnection, {
    description:
      "The access events the filter selects — reads, exports and changes — a page at a time, in the order they were committed (the audit's chain order), oldest first. Paging is stable: events written meanwhile come after those already read, never between them. Needs READ_AUDIT; recorded as an audit query with its filter.",
  })
  async accessEvents(
    @Arg("filter", () => AccessEventFilterInput, { nullable: true, description: "Which events; all when omitted." })
    filter: AccessEventFilterInput | null,
    @Arg("first", () => Int, { nullable: true, description: PAGE_SIZE }) first: number | null,
    @Arg("after", () => String, { nullable: true, description: AFTER }) after: string | null,
    @Ctx() context: RequestContext,
  ): Promise<AccessEventConnection> {
    const cursors = cursorsOf(ACCESS_EVENTS, context);
    // Forward only, the audit's order: the page size and the cursor, checked as every list's.
    const { size, after: cursor } = cursors.windowOf({ first, after });
    const checked = await accessEventFilterArgument(context, filter);
    recordAuditQuery(context, "accessEvents", pageRecord(checked.recorded, size, cursor === null ? null : ACCESS_EVENTS.format(cursor)));
    const page = await pageOfAccessEvents(context.app.dataSource.manager, checked.filter, size, cursor);
    return connectionOf(
      page,
      (row) => Object.assign(new AccessEvent(), row),
      (row) => cursors.cursorOf(placeOf(row)),
    );
  }

  @RequiresCapability(Capability.READ_AUDIT)
  @Query(() => BreachScope, {
    description:
      "What one client — a leaked key, say — read and wrote in [from, to): how many subjects, which categories of how many subjects each, the writes per operation, the first and last event, its refused requests, and the subjects themselves a page at a time (`first`, `after`). Figures are read in one snapshot. Needs READ_AUDIT; recorded as an audit query.",
  })
  async breachScope(
    @Arg("clientName", { description: "The client, revoked or not." }) clientName: string,
    @Arg("from", () => DateTimeResolver, { description: "Start of the window (inclusive), an instant with its offset." }) from: Date,
    @Arg("to", () => DateTimeResolver, { description: "End of the window (exclusive); after `from`." }) to: Date,
    @Arg("first", () => Int, { nullable: true, description: `Page size of \`subjects\`, 1–100; 20 when omitted.` }) first: number | null,
    @Arg("after", () => String, { nullable: true, description: "Cursor of `subjects` after which its page starts." })
    after: string | null,
    @Ctx() context: RequestContext,
  ): Promise<BreachScope> {
    const cursors = cursorsOf(SCOPE_SUBJECTS, context);
    // Forward only, the audit's order: the page size and the cursor, checked as every list's.
    const { size, after: cursor } = cursors.windowOf({ first, after });
    const checked = await scopeWindowArgument(context, clientName, from, to);
    recordAuditQuery(context, "breachScope", pageRecord(checked.recorded, size, cursor));
    const scope = await scopeOf(context.app.dataSource.manager, checked.filter, { size, after: cursor });
    const edges = scope.subjects.rows.map((row) => ({ cursor: cursors.cursorOf(row.subjectId), node: row }));
    return Object.assign(new BreachScope(), {
      ...checked.filter,
      ...scope.figures,
      categoriesReleased: scope.categoriesReleased,
      categoriesWritten: scope.categoriesWritten,
      writes: scope.writes,
      refusals: scope.refusals,
      subjects: {
        edges,
        pageInfo: pageInfoOf(edges, cursor !== null, scope.subjects.hasNextPage),
      },
    });
  }

  @RequiresCapability(Capability.READ_AUDIT)
  @Query(() => RequestEventConnection, {
    description:
      "The request events the filter selects — refusals before execution, and queries of the audit (this one included, once answered) — a page at a time, in chain order, oldest first. Needs READ_AUDIT; recorded as an audit query.",
  })
  async requestEvents(
    @Arg("filter", () => RequestEventFilterInput, { nullable: true, description: "Which events; all when omitted." })
    filter: RequestEventFilterInput | null,
    @Arg("first", () => Int, { nullable: true, description: PAGE_SIZE }) first: number | null,
    @Arg("after", () => String, { nullable: true, description: AFTER }) after: string | null,
    @Ctx() context: RequestContext,
  ): Promise<RequestEventConnection> {
    const cursors = cursorsOf(REQUEST_EVENTS, context);
    // Forward only, the audit's order: the page size and the cursor, checked as every list's.
    const { size, after: cursor } = cursors.windowOf({ first, after });
    const checked = await requestEventFilterArgument(context, filter);
    recordAuditQuery(context, "requestEvents", pageRecord(checked.recorded, size, cursor));
    const page = await pageOfRequestEvents(context.app.dataSource.manager, checked.filter, size, cursor);
    return connectionOf(
      page,
      (row) => Object.assign(new RequestEvent(), row),
      (row) => cursors.cursorOf(row.chainPosition),
    );
  }
}

/**
 * Opaque cursors, as every list's (src/graphql/connections.ts): sealed, bound to the list and the
 * client (and the purpose, when one is declared; the audit needs none).
 */
function cursorsOf<P>(codec: PositionCodec<P>, context: RequestContext): ListCursors<P> {
  return ListCursors.of(codec, context, context.access?.purposeKey ?? "");
}

/** The audit is read only with a record of the reading (written before the answer leaves). */
function recordAuditQuery(context: RequestContext, query: string, filter: AuditQueryFilter): void {
  assertAuthorised(context);
  context.access?.recorder.auditQueried(query, filter);
}

/** The filter as recorded, then the page asked for (`after` as the position or subject id it names). */
function pageRecord(recorded: AuditQueryFilter, first: number, after: string | null): AuditQueryFilter {
  return { ...recorded, first, ...(after === null ? {} : { after }) };
}

function connectionOf<Row, Node>(
  page: EventPage<Row>,
  node: (row: Row) => Node,
  cursor: (row: Row) => string,
): { edges: { cursor: string; node: Node }[]; pageInfo: PageInfoOf } {
  const edges = page.rows.map((row) => ({ cursor: cursor(row), node: node(row) }));
  return { edges, pageInfo: pageInfoOf(edges, page.hasPreviousPage, page.hasNextPage) };
}
