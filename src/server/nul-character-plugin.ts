import type { ApolloServerPlugin } from "@apollo/server";
import { visit, type DocumentNode } from "graphql";
import { badUserInput } from "../errors";
import type { RequestContext } from "../graphql/context";

/**
 * Text may not hold the NUL character (U+0000): PostgreSQL cannot store it, so it would reach the
 * database and come back as an internal error. Refused before any check or resolver, in variables
 * (values and keys) and in the document's string literals alike.
 */
export function nulCharacterPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          if (holdsNul(request.variables) || documentHoldsNul(document)) {
            throw badUserInput("Invalid input: text may not contain the NUL character (U+0000).", { http: { status: 400 } });
          }
        },
      };
    },
  };
}

/** Walks JSON without recursion: variables can nest as deep as the body allows. */
function holdsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === "string") {
      if (next.includes("\u0000")) return true;
    } else if (Array.isArray(next)) {
      pending.push(...(next as unknown[]));
    } else if (typeof next === "object" && next !== null) {
      for (const [key, inner] of Object.entries(next)) {
        if (key.includes("\u0000")) return true;
        pending.push(inner);
      }
    }
  }
  return false;
}

function documentHoldsNul(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes("\u0000")) found = true;
    },
  });
  return found;
}
