import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { invalidInput } from "../errors";
import { keyringOf } from "../persistence/field-encryption";
import type { KeysetPage, KeysetWindow } from "../persistence/keyset-page";
import type { RequestContext } from "./context";

/**
 * Relay connections (https://relay.dev/graphql/connections.htm), for every paged list: the four
 * arguments, full `pageInfo`, and cursors that are opaque.
 *
 * A cursor is a position in one list (a subject's creation order, a request's deadline and id)
 * encrypted with AES-256-GCM under a key derived from the encryption key, and bound — as associated
 * data — to the list, the client and the declared purpose. So it tells the caller nothing (not a
 * subject's id, not how many subjects were created before it, which would count those the caller
 * may not list), it cannot be made or altered, and it is refused in another list, by another
 * client or under another purpose (BAD_USER_INPUT, naming the argument). Every instance with the
 * same encryption key reads the cursors of the others; a cursor issued before a key rotation is
 * refused, and the caller starts again from the first page.
 */

/** A list's positions as text inside its cursors; `parse` answers null for a text that is not one. */
export interface PositionCodec<P> {
  /** The list's name, bound into its cursors. */
  readonly list: string;
  format(position: P): string;
  parse(text: string): P | null;
}

/** The arguments of a connection field: `first`/`after` to page forward, `last`/`before` to page backward. */
export interface PageArguments {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
}

/** The four arguments' descriptions, the same for every connection. */
export const PAGE_ARGUMENTS = {
  first: "Page size, 1–100, from the start of the list (or after `after`); 20 when neither `first` nor `last` is given.",
  after: "Cursor after which the page starts (`pageInfo.endCursor` of the page before).",
  last: "Page size, 1–100, from the end of the list (or before `before`): the page backward. Not with `first`.",
  before: "Cursor before which the page ends (`pageInfo.startCursor` of the page after).",
} as const;

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** The page size an operation asks for, for cost estimates (a size out of range is refused later, by `windowOf`). */
export function pageSizeOrDefault(args: Readonly<Record<string, unknown>>): number {
  const size = args.first ?? args.last;
  return typeof size === "number" && size > 0 ? Math.min(size, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
}

export interface Edge<Node> {
  readonly cursor: string;
  readonly node: Node;
}

export interface PageInfoOf {
  readonly hasPreviousPage: boolean;
  readonly hasNextPage: boolean;
  readonly startCursor: string | null;
  readonly endCursor: string | null;
}

/** Where a page stands: its flags as the query found them, its first and last edges' cursors. */
export function pageInfoOf(edges: readonly { readonly cursor: string }[], hasPreviousPage: boolean, hasNextPage: boolean): PageInfoOf {
  return { hasPreviousPage, hasNextPage, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null };
}

export interface Connection<Node> {
  readonly edges: Edge<Node>[];
  readonly pageInfo: PageInfoOf;
  readonly totalCount: number;
}

/**
 * A connection whose `totalCount` was not counted because the operation did not select it: a COUNT
 * over the whole list is the costliest part of a page, so it runs only when asked for. Should the
 * field be resolved after all, it fails loudly rather than answer a number nobody counted.
 */
export function notCounted<Node>(connection: Connection<Node>): Connection<Node> {
  const rest: Omit<Connection<Node>, "totalCount"> = { edges: connection.edges, pageInfo: connection.pageInfo };
  return Object.defineProperty(rest, "totalCount", {
    enumerable: true,
    get(): never {
      throw new Error("totalCount was not counted: the operation did not select it");
    },
  }) as Connection<Node>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Every position is padded to this length before it is sealed: a cursor's length tells nothing either (how many digits a position has). */
const SEALED_BYTES = 64;

/** The cursors of one list, for one request: its client and its declared purpose. */
export class ListCursors<P> {
  private constructor(
    private readonly codec: PositionCodec<P>,
    private readonly key: Buffer,
    private readonly binding: Buffer,
  ) {}

  static of<P>(codec: PositionCodec<P>, context: RequestContext, purposeKey: string): ListCursors<P> {
    const key = keyringOf(context.app.dataSource).derivedKey("connection cursors");
    return new ListCursors(codec, key, Buffer.from(["purposeql cursor v1", codec.list, context.client.id, purposeKey].join("\0")));
  }

  cursorOf(position: P): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(this.binding);
    const text = Buffer.from(this.codec.format(position), "utf8");
    if (text.length >= SEALED_BYTES || text.includes(0)) throw new Error(`A position of ${this.codec.list} does not fit in a cursor`);
    const padded = Buffer.concat([text, Buffer.alloc(SEALED_BYTES - text.length)]);
    const sealed = Buffer.concat([cipher.update(padded), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
  }

  /**
   * An edge whose cursor is sealed when first read: an operation that selects no `cursor` (most
   * read only the page and `pageInfo`) spends no encryption on the page's rows.
   */
  private edgeOf<Node>(position: P, node: Node): Edge<Node> {
    const seal = (): string => this.cursorOf(position);
    let cursor: string | undefined;
    return {
      node,
      get cursor(): string {
        cursor ??= seal();
        return cursor;
      },
    };
  }

  /** The position a cursor argument holds; BAD_USER_INPUT naming the argument when it is not one of this list's cursors for this request. */
  positionOf(cursor: string, argument: "after" | "before"): P {
    const position = this.open(cursor);
    if (position === null) {
      throw invalidInput(
        argument,
        "is not a cursor of this list for this API key and purpose: pass a cursor from a page of the same list, read with the same key and purpose",
      );
    }
    return position;
  }

  private open(cursor: string): P | null {
    const bytes = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, "base64url") : Buffer.alloc(0);
    if (bytes.length !== IV_BYTES + TAG_BYTES + SEALED_BYTES) return null;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(this.binding);
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const padded = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      const end = padded.indexOf(0);
      return this.codec.parse(padded.subarray(0, end === -1 ? padded.length : end).toString("utf8"));
    } catch {
      return null;
    }
  }

  /** The window the arguments ask for: forward (`first`, `after`) unless `last` is given; `first` and `last` together are refused. */
  windowOf(args: PageArguments): KeysetWindow<P> {
    const { first, last } = args;
    if (first != null && last != null) {
      throw invalidInput("last", "cannot be given with first: page forward with first and after, or backward with last and before");
    }
    const [argument, size] = last != null ? (["last", last] as const) : (["first", first ?? DEFAULT_PAGE_SIZE] as const);
    if (size < 1 || size > MAX_PAGE_SIZE) throw invalidInput(argument, `must be between 1 and ${MAX_PAGE_SIZE}`);
    return {
      size,
      from: last != null ? "end" : "start",
      after: args.after == null ? null : this.positionOf(args.after, "after"),
      before: args.before == null ? null : this.positionOf(args.before, "before"),
    };
  }

  /** The connection of a page: each node with its row's cursor, and where the page stands. */
  connectionOf<Row, Node>(page: KeysetPage<Row>, nodes: readonly Node[], positionOfRow: (row: Row) => P): Connection<Node> {
    const edges = page.rows.map((row, index) => this.edgeOf(positionOfRow(row), nodes[index] as Node));
    return {
      edges,
      pageInfo: pageInfoOf(edges, page.hasPreviousPage, page.hasNextPage),
      totalCount: page.totalCount,
    };
  }
}
