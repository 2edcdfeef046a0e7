import { ClientRole } from "./policy-terms";

/**
 * Authority over facts about a person comes from capabilities, not purposes (docs/DESIGN.md §8): a
 * purpose says why data is read, a capability says who may change what the guard relies on.
 * Every mutation that changes a subject's data or rights names the one capability it needs; reading
 * the audit needs one too (READ_AUDIT), so that a DPO's key reads the audit and changes nothing.
 */
export enum Capability {
  RECORD_CONSENT = "RECORD_CONSENT",
  RECORD_OBJECTION = "RECORD_OBJECTION",
  RESTRICT = "RESTRICT",
  LIFT_RESTRICTION = "LIFT_RESTRICTION",
  MANAGE_SUBJECTS = "MANAGE_SUBJECTS",
  HANDLE_REQUESTS = "HANDLE_REQUESTS",
  EXPORT = "EXPORT",
  ERASE = "ERASE",
  READ_AUDIT = "READ_AUDIT",
}

export const ALL_CAPABILITIES: readonly Capability[] = Object.values(Capability);

/** What each capability allows: the one description, shown in the schema and the CLI. */
export const CAPABILITY_DESCRIPTIONS: Readonly<Record<Capability, string>> = {
  RECORD_CONSENT: "Give and withdraw consent, and record the advertising consent given at registration.",
  RECORD_OBJECTION: "Record an objection (GDPR Art. 21), and lift one on the strength of a documented assessment.",
  RESTRICT: "Restrict a subject's processing (GDPR Art. 18).",
  LIFT_RESTRICTION: "Lift a restriction of processing (GDPR Art. 18(3)).",
  MANAGE_SUBJECTS: "Create subjects, rectify their data (GDPR Art. 16), and start or end their service relationship.",
  HANDLE_REQUESTS:
    "Open a data subject's request (GDPR Art. 15–22), verify the person's identity, extend, complete or refuse it (Art. 12).",
  EXPORT: "Produce the copy of a person's data owed on a verified access or portability request (GDPR Art. 15, 20).",
  ERASE: "Erase a person's data on a verified erasure request (GDPR Art. 17), and open or release a legal hold that stops deletion.",
  READ_AUDIT:
    "Read the audit: who read or changed which subject's data, for which purpose, a client's breach scope, and the requests refused and the audit's own queries. Each such query is itself recorded.",
};

export function isCapability(value: string): value is Capability {
  return (ALL_CAPABILITIES as readonly string[]).includes(value);
}

/** Why a client of `role` may not hold `capabilities`, or undefined when it may: partners read, they never write. */
export function capabilityProblem(role: ClientRole, capabilities: readonly Capability[]): string | undefined {
  return role === ClientRole.PARTNER && capabilities.length > 0
    ? `a PARTNER client holds no capability (partners read; they change nothing): ${capabilities.join(", ")} refused`
    : undefined;
}
