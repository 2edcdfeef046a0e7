import type { GraphQLError } from "graphql";
import type { AuthenticatedClient } from "../auth/authenticate";
import { ClientRole } from "../domain/policy-terms";
import { forbidden } from "../errors";
import type { OperationShape } from "./operation-analysis";
import type { FieldExtensions } from "./schema-extensions";

/** Partners read; they change nothing. */
export function changesNothing(client: AuthenticatedClient): boolean {
  return client.role === ClientRole.PARTNER;
}

/** Administration (the policy, clients, the audit) is for ADMIN clients only. */
export function administers(client: AuthenticatedClient): boolean {
  return client.role === ClientRole.ADMIN;
}

/**
 * Whether the client may ever use one root field, or give one input field, by the rules of
 * `authorityRefusal` below taken field by field: not a mutation when it changes nothing, not an
 * ADMIN-only field unless it administers, not a field needing a capability it does not hold. The
 * client's schema view (src/graphql/client-view.ts) shows exactly the fields this allows.
 */
export function mayUse(client: AuthenticatedClient, field: FieldExtensions, isMutationField: boolean): boolean {
  if (isMutationField && changesNothing(client)) return false;
  if (field.adminOnly && !administers(client)) return false;
  return field.requiresCapability === undefined || client.capabilities.has(field.requiresCapability);
}

/**
 * Whether the client has the authority the operation needs, whatever purpose it declares: the
 * capability of every write it would make, and the ADMIN role for administration. Decided before
 * execution, in this order, so the first refusal is the most fundamental one:
 *  1. a PARTNER changes nothing: every mutation is refused;
 *  2. an ADMIN-only field needs an ADMIN client;
 *  3. every capability the operation needs must be held.
 * Returns the refusal (FORBIDDEN, its `reason` PARTNER_READS_ONLY, ADMIN_ONLY or
 * CAPABILITY_MISSING), or null when the client may go on.
 */
export function authorityRefusal(client: AuthenticatedClient, isMutation: boolean, shape: OperationShape): GraphQLError | null {
  const needed = [...new Set(shape.requiredCapabilities.map((required) => required.capability))];
  if (isMutation && changesNothing(client)) {
    return forbidden(`Client \`${client.name}\` is a PARTNER: partners read, they change nothing. No mutation is open to it.`, {
      reason: "PARTNER_READS_ONLY",
      ...(needed[0] === undefined ? {} : { capability: needed[0] }),
      role: client.role,
    });
  }
  if (shape.adminOnlyFields.length > 0 && !administers(client)) {
    return forbidden(`${shape.adminOnlyFields.join(", ")} needs an ADMIN client; \`${client.name}\` is ${client.role}.`, {
      reason: "ADMIN_ONLY",
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
      reason: "CAPABILITY_MISSING",
      capability: first.capability,
      missingCapabilities,
      fields: missing.map(({ field, capability }) => ({ field, capability, message: `needs the capability ${capability}` })),
    },
  );
}
