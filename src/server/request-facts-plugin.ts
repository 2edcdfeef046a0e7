import type { ApolloServerPlugin } from "@apollo/server";
import type { RequestContext } from "../graphql/context";
import { currentRequestFacts } from "./request-facts";

/** Tells the access log the purpose the operation ran under (header or directive), once it is settled. */
export function requestFactsPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: context }) {
          const facts = currentRequestFacts();
          if (!facts) return;
          facts.client = context.client.name;
          facts.purpose = context.access?.purposeKey ?? context.headerPurpose ?? undefined;
        },
      };
    },
  };
}
