import { Kind, Lexer, parse, Source, TokenKind, type DocumentNode, type SelectionSetNode } from "graphql";

/**
 * Bounds on a GraphQL document, checked before graphql-js parses and validates it. Parsing and the
 * specified validation rules recurse on nesting, and so does following a chain of fragments: a
 * document 2,000 selections deep, or a chain of 5,000 fragments, exhausts the stack — an internal
 * error instead of the caller's. A real operation is far inside both bounds (the standard
 * introspection query: about 1,200 tokens, 13 deep); the cost limit then bounds what it may ask for.
 */

/** Tokens (names, punctuation, values; comments aside) in one document. */
export const MAX_TOKENS = 10_000;

/** Nested selection sets, fragment spreads and input objects, from the root of an operation. */
export const MAX_DEPTH = 32;

export interface DocumentRefusal {
  readonly reason: "TOO_LARGE" | "TOO_DEEP";
  readonly message: string;
}

const TOO_LARGE: DocumentRefusal = {
  reason: "TOO_LARGE",
  message: `This document has more than ${MAX_TOKENS} tokens: send a smaller operation.`,
};
const TOO_DEEP: DocumentRefusal = {
  reason: "TOO_DEEP",
  message: `This document nests more than ${MAX_DEPTH} levels deep (selections, fragments or input objects): send a shallower operation.`,
};

/**
 * Null when the document is within the bounds, or is not a document at all (a syntax error is
 * GraphQL's to report, with its location).
 */
export function documentLimitRefusal(query: string): DocumentRefusal | null {
  const lexical = lexicalRefusal(query);
  if (lexical !== undefined) return lexical;
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: MAX_TOKENS, noLocation: true });
  } catch {
    return null;
  }
  return spreadDepthExceeds(document) ? TOO_DEEP : null;
}

/** One pass over the tokens, without recursion: their number and the deepest brace. Undefined: not decided here. */
function lexicalRefusal(query: string): DocumentRefusal | null | undefined {
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  let depth = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > MAX_TOKENS) return TOO_LARGE;
      if (token.kind === TokenKind.BRACE_L && ++depth > MAX_DEPTH) return TOO_DEEP;
      if (token.kind === TokenKind.BRACE_R) depth--;
    }
  } catch {
    return null;
  }
  return undefined;
}

/**
 * Whether some operation reaches deeper than MAX_DEPTH once fragment spreads are followed (each
 * spread counts as a level). Each fragment's depth is computed once, so fragments spread many times
 * cost nothing more; recursion stops as soon as the bound is passed, so it never runs deeper than it.
 */
function spreadDepthExceeds(document: DocumentNode): boolean {
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition.selectionSet);
  }
  const known = new Map<string, number>();
  const entered = new Set<string>();

  /** The depth of a selection set, or Infinity once it passes `budget`. */
  const depthOf = (selectionSet: SelectionSetNode, budget: number): number => {
    if (budget <= 0) return Infinity;
    let deepest = 0;
    for (const selection of selectionSet.selections) {
      let below: number;
      if (selection.kind === Kind.FIELD) {
        below = selection.selectionSet ? depthOf(selection.selectionSet, budget - 1) : 0;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        below = depthOf(selection.selectionSet, budget - 1);
      } else {
        below = fragmentDepth(selection.name.value, budget - 1);
      }
      deepest = Math.max(deepest, below);
      if (deepest === Infinity) return Infinity;
    }
    return deepest + 1;
  };

  const fragmentDepth = (name: string, budget: number): number => {
    const cached = known.get(name);
    if (cached !== undefined) return cached <= budget ? cached : Infinity;
    const selectionSet = fragments.get(name);
    // An unknown fragment or a cycle is for validation to report.
    if (!selectionSet || entered.has(name)) return 0;
    entered.add(name);
    const depth = depthOf(selectionSet, budget);
    entered.delete(name);
    if (depth !== Infinity) known.set(name, depth);
    return depth;
  };

  return document.definitions.some(
    (definition) => definition.kind === Kind.OPERATION_DEFINITION && depthOf(definition.selectionSet, MAX_DEPTH) === Infinity,
  );
}
