import { ClientRole } from "../domain/policy-terms";
import type { RequestContext } from "./context";
import { forbidden } from "../errors";

export function requireAdmin(context: RequestContext): void {
  if (context.client.role !== ClientRole.ADMIN) {
    throw forbidden(`This operation needs an ADMIN client; ${context.client.name} is ${context.client.role}.`);
  }
}
