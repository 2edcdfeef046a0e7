import type { DataSource } from "typeorm";
import type { AuthenticatedClient } from "../auth/authenticate";
import type { Authenticator } from "../auth/authenticator";
import type { Logger } from "../logging/logger";
import type { EventActor } from "../persistence/access-event-repository";
import type { LivePolicy } from "../persistence/live-policy";
import type { RequestAccess } from "./request-access";
import type { RequestDeadline } from "./request-deadline";

/** What the whole server shares: the database, the policy in force, the clock. */
export interface AppServices {
  readonly dataSource: DataSource;
  readonly policy: LivePolicy;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Who a key belongs to, kept in memory after its first request. */
  readonly authenticator: Authenticator;
}

/** Everything one request knows: who asks, for which purpose. Built before any resolver runs. */
export interface RequestContext {
  readonly requestId: string;
  readonly client: AuthenticatedClient;
  /** The purpose named by the X-Purpose header (checked to exist and be allowed), or null. */
  readonly headerPurpose: string | null;
  readonly app: AppServices;
  /** When the request must be answered by; none for work that is not a caller's request. */
  readonly deadline?: RequestDeadline;
  /** The purpose the operation declares (header or @purpose), once the purpose-limitation plugin has settled it. */
  declaredPurpose?: string | null;
  /** Set by the purpose-limitation plugin once the operation is known and allowed; resolvers read only through it. */
  access?: RequestAccess;
  /**
   * Set by the purpose-limitation plugin once the operation is known: whether it reads or writes
   * personal data, so its answer — data or refusal — is marked as not to be cached or shared.
   */
  touchesPersonalData?: boolean;
}

/** Who acts in this request, as every access and change event it writes records them. */
export function eventActorOf(context: Pick<RequestContext, "requestId" | "client">): EventActor & { readonly requestId: string } {
  return {
    requestId: context.requestId,
    clientId: context.client.id,
    clientName: context.client.name,
    recipientType: context.client.recipientType,
    processorName: context.client.processorName,
  };
}
