import type { Capability } from "../domain/capabilities";
import type { ClientRole } from "../domain/policy-terms";
import type { RecipientType } from "../domain/recipients";
import { forbidden } from "../errors";
import type { CompiledPolicy } from "../policy/engine/compiled-policy";

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

/**
 * The `WWW-Authenticate` challenge of a 401 (RFC 6750 §3): the scheme and realm always; and
 * `error="invalid_token"` when the caller did send a bearer key, one that is malformed, unknown or
 * revoked — not when it sent none (another scheme counts as none).
 */
export function bearerChallenge(authorization: string | undefined): string {
  const challenge = 'Bearer realm="purposeql"';
  return /^Bearer(\s|$)/i.test(authorization ?? "") ? `${challenge}, error="invalid_token"` : challenge;
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
