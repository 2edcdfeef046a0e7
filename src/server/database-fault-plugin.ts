import type { ApolloServerPlugin } from "@apollo/server";
import type { RequestContext } from "../graphql/context";

/** The codes of faults of the moment: the database unreachable, or the audit not written because of it. */
const TRANSIENT = new Set(["DATABASE_UNAVAILABLE", "AUDIT_UNAVAILABLE"]);

/**
 * An answer that holds no data because the database could not be reached goes out as 503 with
 * `Retry-After: 1`, so that clients and proxies treat it as the passing fault it is; so does an
 * answer withheld because its audit could not be written. (An answer with data beside such an error
 * keeps 200: what it carries was released, and audited, as any other.)
 */
export function databaseFaultPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== "single") return;
          const { data, errors } = response.body.singleResult;
          const transient = errors?.some((error) => TRANSIENT.has(String(error.extensions?.code))) ?? false;
          const released = data !== null && data !== undefined && Object.values(data).some((value) => value !== null);
          if (!transient || released) return;
          response.http.status = 503;
          response.http.headers.set("retry-after", "1");
        },
      };
    },
  };
}
