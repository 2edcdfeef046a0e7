import type { Recorder } from "../persistence/consent-repository";
import { forbidden } from "../errors";
import type { RequestContext } from "./context";

/**
 * For ADMIN-only resolvers: who may call them is decided once, before execution, by the
 * authority check (src/enforcement/authority.ts, from `@AdminOnly`). The plugin sets the request's
 * access only after that check passed, so its absence means enforcement did not run: fail closed.
 */
export function assertAuthorised(context: RequestContext): void {
  if (!context.access) throw forbidden("This operation was not authorised: enforcement did not run.");
}

/** Who records a change, in which request: kept with consents, withdrawals and objections. */
export function recorderOf(context: RequestContext): Recorder {
  return { clientName: context.client.name, requestId: context.requestId };
}
