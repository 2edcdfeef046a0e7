import { ClientRole } from "./policy-terms";

/**
 * Who receives personal data when a client reads it (GDPR Art. 4(9)–(10)): the controller itself,
 * a processor acting on its behalf under a contract (Art. 28), or a third party — to whom reading
 * is a disclosure. Clubmium's notice passes data to third parties only with the person's consent
 * ("Jūsu dati netiek nodoti trešajām personām, ja vien Jūs neesat devis tam piekrišanu").
 */
export enum RecipientType {
  /** The controller's own applications and administrators. */
  INTERNAL = "INTERNAL",
  /** A client that acts for a processor of the policy's register: bound to that processor's contract. */
  PROCESSOR = "PROCESSOR",
  /** A PARTNER linked to no processor: what it reads is disclosed to a third party. */
  THIRD_PARTY = "THIRD_PARTY",
}

export const RECIPIENT_TYPE_DESCRIPTIONS: Readonly<Record<RecipientType, string>> = {
  INTERNAL: "The controller itself: one of its own applications or administrators.",
  PROCESSOR:
    "A processor acting on the controller's behalf under a written contract (GDPR Art. 28): it may declare only the purposes of its contract and read only its categories.",
  THIRD_PARTY:
    "A third party (a PARTNER linked to no processor): what it reads is disclosed to it, which the notice allows only with the person's consent, so it may declare only consent-based purposes.",
};

/**
 * The recipient a client is: a processor's when it is linked to one, whatever its role; else a
 * PARTNER is a third party, and the controller's own applications and administrators are internal.
 */
export function recipientTypeOf(role: ClientRole, processorName: string | null): RecipientType {
  if (processorName !== null) return RecipientType.PROCESSOR;
  return role === ClientRole.PARTNER ? RecipientType.THIRD_PARTY : RecipientType.INTERNAL;
}

/**
 * Why a client of `role` may not act for `processorName`, or undefined when it may: an ADMIN
 * changes the policy, manages clients and reads the audit — the controller's own acts, never a
 * processor's.
 */
export function processorLinkProblem(role: ClientRole, processorName: string | null): string | undefined {
  return role === ClientRole.ADMIN && processorName !== null
    ? `an ADMIN client acts for the controller, never for a processor: linking it to ${processorName} refused`
    : undefined;
}
