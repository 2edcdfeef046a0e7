import { LegalBasisCode, type ClientRole } from "../../domain/policy-terms";
import { RecipientType, recipientTypeOf } from "../../domain/recipients";
import { isUnder } from "../keys";
import type { CompiledPolicy, ProcessorRule } from "./compiled-policy";

/**
 * What a client may receive as the recipient it is (src/domain/recipients.ts), decided from the
 * policy in force: the one implementation, used when a client is registered and before every
 * request executes (the policy may have changed in between). Pure.
 *
 *  - A client acting for a processor may declare only the purposes its processor's contract names
 *    (exactly those keys: a contract names its purposes, a sub-purpose is another purpose) and read
 *    or write only the categories it covers (a category covers its sub-categories). A processor no
 *    longer in the register covers nothing. GDPR Art. 28(3)(a); the notice: "Šie uzņēmumi nav
 *    tiesīgi Jūsu personas datus izmantot kādiem citiem mērķiem".
 *  - A third party (a PARTNER acting for no processor) may declare only a purpose based on consent:
 *    the notice passes data to third parties only with the person's consent ("Jūsu dati netiek
 *    nodoti trešajām personām, ja vien Jūs neesat devis tam piekrišanu"), and a consent purpose
 *    releases a subject's data only while that subject's consent holds (`lawfulness`).
 */

/** Who a client is as a recipient: its role, and the processor it acts for (null when none). */
export interface ClientStanding {
  readonly role: ClientRole;
  readonly processorName: string | null;
}

export type RecipientRefusalReason = "PROCESSOR_NOT_AUTHORISED" | "THIRD_PARTY_NEEDS_CONSENT";

export interface RecipientRefusal {
  readonly reason: RecipientRefusalReason;
  /** One sentence, without a full stop. */
  readonly message: string;
  readonly processor: string | null;
}

/** Why the client may not declare `purposeKey` as the recipient it is, or null when it may. */
export function purposeRefusal(policy: CompiledPolicy, standing: ClientStanding, purposeKey: string): RecipientRefusal | null {
  switch (recipientTypeOf(standing.role, standing.processorName)) {
    case RecipientType.PROCESSOR: {
      const name = standing.processorName ?? "";
      const processor = policy.processor(name);
      if (!processor)
        return notAuthorised(name, `${name} is not in the register of processors of the policy in force, so its contract covers nothing`);
      if (!processor.purposes.includes(purposeKey)) {
        return notAuthorised(
          name,
          `${name}'s contract does not cover purpose ${purposeKey}; it covers ${[...processor.purposes].sort().join(", ")}`,
        );
      }
      return null;
    }
    case RecipientType.THIRD_PARTY: {
      const purpose = policy.purpose(purposeKey);
      if (!purpose || purpose.legalBasis === LegalBasisCode.CONSENT) return null;
      return {
        reason: "THIRD_PARTY_NEEDS_CONSENT",
        message: `${purposeKey} rests on ${purpose.legalBasis}, not on consent: a third party (a PARTNER acting for no processor) receives personal data only under a purpose the person consented to`,
        processor: null,
      };
    }
    case RecipientType.INTERNAL:
      return null;
  }
}

/** A personal field an operation reads or writes, as the static check lists it. */
export interface FieldOfCategory {
  readonly field: string;
  readonly category: string;
}

/**
 * Why the client may not read or write `fields` as the recipient it is — those whose category its
 * processor's contract does not cover, listed — or null when it may. Only a processor's client is
 * limited so: what other clients read is limited by their purpose alone.
 */
export function contractRefusal(
  policy: CompiledPolicy,
  standing: ClientStanding,
  fields: readonly FieldOfCategory[],
): (RecipientRefusal & { readonly fields: readonly FieldOfCategory[] }) | null {
  if (standing.processorName === null) return null;
  const name = standing.processorName;
  const processor = policy.processor(name);
  const outside = fields.filter((field) => !covers(processor, field.category));
  if (outside.length === 0) return null;
  const listed = outside.map((field) => `${field.field} (${field.category})`).join(", ");
  return {
    ...notAuthorised(
      name,
      processor
        ? `${name}'s contract does not cover ${listed}; it covers ${[...processor.categories].sort().join(", ")}`
        : `${name} is not in the register of processors of the policy in force, so its contract covers nothing: ${listed} refused`,
    ),
    fields: outside,
  };
}

/** Whether the client may receive the category as the recipient it is: always, unless it acts for a processor whose contract does not cover it. */
export function contractCovers(policy: CompiledPolicy, standing: ClientStanding, category: string): boolean {
  return standing.processorName === null || covers(policy.processor(standing.processorName), category);
}

/** Whether the contract covers the category: a category covers its sub-categories. A missing processor covers nothing. */
function covers(processor: ProcessorRule | undefined, category: string): boolean {
  return processor !== undefined && processor.categories.some((covered) => isUnder(category, covered));
}

function notAuthorised(processor: string, message: string): RecipientRefusal {
  return { reason: "PROCESSOR_NOT_AUTHORISED", message, processor };
}
