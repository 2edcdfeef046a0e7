import type { EntityManager } from "typeorm";
import type { Capability } from "../domain/capabilities";
import { ClientRole } from "../domain/policy-terms";
import { recipientTypeOf, type RecipientType } from "../domain/recipients";
import { forbidden, unauthenticated } from "../errors";
import { findClientByKeyId } from "../persistence/client-repository";
import type { CompiledPolicy } from "../policy/engine/compiled-policy";
import { keyIdOf, keyMatches } from "./api-key";

export interface AuthenticatedClient {
  readonly id: string;
  readonly name: string;
  readonly role: ClientRole;
  /** The purposes this client may declare. */
  readonly purposes: ReadonlySet<string>;
  /** What this client may change about subjects; always empty for a PARTNER. */
  readonly capabilities: ReadonlySet<Capability>;
  /** The processor it acts for, bound to that processor's contract; null when it acts for none. */
  readonly processorName: string | null;
  /** The recipient it is: what it reads is disclosed to a THIRD_PARTY (src/domain/recipients.ts). */
  readonly recipientType: RecipientType;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The `WWW-Authenticate` challenge of a 401 (RFC 6750 §3): the scheme and realm always; and
 * `error="invalid_token"` when the caller did send a bearer key, one that is malformed, unknown or
 * revoked — not when it sent none (another scheme counts as none).
 */
export function bearerChallenge(authorization: string | undefined): string {
  const challenge = 'Bearer realm="purposeql"';
  return /^Bearer(\s|$)/i.test(authorization ?? "") ? `${challenge}, error="invalid_token"` : challenge;
}

/** Finds the client behind `Authorization: Bearer <key>`; any failure is UNAUTHENTICATED. */
export async function authenticateClient(manager: EntityManager, authorization: string | undefined): Promise<AuthenticatedClient> {
  const refuse = (message: string) => unauthenticated(message, bearerChallenge(authorization));
  if (!authorization) throw refuse("Missing API key: send `Authorization: Bearer <api key>`.");
  const apiKey = BEARER.exec(authorization)?.[1];
  if (!apiKey) throw refuse("Malformed Authorization header: expected `Bearer <api key>`.");
  const client = await findClientByKeyId(manager, keyIdOf(apiKey));
  if (!client || !keyMatches(apiKey, client.keyHash) || client.revokedAt !== null) {
    throw refuse("Unknown or revoked API key.");
  }
  return {
    id: client.id,
    name: client.name,
    role: client.role,
    purposes: new Set(client.purposes.map((purpose) => purpose.key)),
    // Partners read; whatever a row might say, they hold no capability.
    capabilities: new Set(client.role === ClientRole.PARTNER ? [] : client.capabilities),
    processorName: client.processorName,
    recipientType: recipientTypeOf(client.role, client.processorName),
  };
}

/** The purpose named by `X-Purpose`: it must exist and the client must be allowed to declare it. Absent → null. */
export function declaredPurpose(client: AuthenticatedClient, policy: CompiledPolicy, header: string | undefined): string | null {
  const purposeKey = header?.trim();
  if (!purposeKey) return null;
  if (!policy.hasPurpose(purposeKey)) {
    // Not repeated: whatever the caller sent is not the policy's vocabulary, and may be anything.
    throw forbidden(`The declared purpose is not one the policy knows. ${allowedPurposesSentence(client)}`, {
      reason: "PURPOSE_UNKNOWN",
      allowedPurposes: allowedPurposes(client),
    });
  }
  if (!client.purposes.has(purposeKey)) {
    throw forbidden(`Client \`${client.name}\` may not declare purpose \`${purposeKey}\`. ${allowedPurposesSentence(client)}`, {
      reason: "PURPOSE_NOT_ALLOWED",
      purpose: purposeKey,
      allowedPurposes: allowedPurposes(client),
    });
  }
  return purposeKey;
}

export function allowedPurposes(client: AuthenticatedClient): string[] {
  return [...client.purposes].sort();
}

export function allowedPurposesSentence(client: AuthenticatedClient): string {
  const purposes = allowedPurposes(client);
  return purposes.length === 0 ? "This client may declare no purpose." : `This client may declare: ${purposes.join(", ")}.`;
}
