import type { GraphQLError } from "graphql";
import type { AuthenticatedClient } from "../auth/authenticate";
import { ClientRole } from "../domain/policy-terms";
import { forbidden } from "../errors";
import type { OperationShape } from "./operation-analysis";

/**
 * Whether the client has the authority the operation needs, whatever purpose it declares: the
 * capability of every write it would make, and the ADMIN role for administration. Decided before
 * execution, in this order, so the first refusal is the most fundamental one:
 *  1. a PARTNER changes nothing: every mutation is refused;
 *  2. an ADMIN-only field needs an ADMIN client;
 *  3. every capability the operation needs must be held.
 * Returns the refusal, or null when the client may go on.
 */
export function authorityRefusal(client: AuthenticatedClient, isMutation: boolean, shape: OperationShape): GraphQLError | null {
  const needed = [...new Set(shape.requiredCapabilities.map((required) => required.capability))];
  if (isMutation && client.role === ClientRole.PARTNER) {
    return forbidden(`Client \`${client.name}\` is a PARTNER: partners read, they change nothing. No mutation is open to it.`, {
      ...(needed[0] === undefined ? {} : { capability: needed[0] }),
      role: client.role,
    });
  }
  if (shape.adminOnlyFields.length > 0 && client.role !== ClientRole.ADMIN) {
    return forbidden(`${shape.adminOnlyFields.join(", ")} needs an ADMIN client; \`${client.name}\` is ${client.role}.`, {
      requiredRole: ClientRole.ADMIN,
      fields: shape.adminOnlyFields.map((field) => ({ field, message: "needs an ADMIN client" })),
    });
  }
  const missing = shape.requiredCapabilities.filter((required) => !client.capabilities.has(required.capability));
  const first = missing[0];
  if (first === undefined) return null;
  const missingCapabilities = [...new Set(missing.map((required) => required.capability))];
  return forbidden(
    `Client \`${client.name}\` lacks the capability ${missingCapabilities.join(", ")} that ${missing.map((required) => required.field).join(", ")} needs. Nothing was executed.`,
    {
      capability: first.capability,
      missingCapabilities,
      fields: missing.map(({ field, capability }) => ({ field, capability, message: `needs the capability ${capability}` })),
    },
  );
}
