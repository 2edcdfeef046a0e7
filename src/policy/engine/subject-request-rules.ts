import { SubjectRequestKind, SubjectRequestStatus } from "../../domain/policy-terms";

/** What the rules need to know of a request. */
export interface RequestFacts {
  readonly kind: SubjectRequestKind;
  readonly status: SubjectRequestStatus;
  /** The first deadline, one month after receipt (Art. 12(3)). */
  readonly dueAt: Date;
  /** The deadline after the one extension, if it was extended. */
  readonly extendedDueAt: Date | null;
}

/** The changes a request goes through, in GDPR Art. 12's terms. */
export type RequestTransition = "VERIFY_IDENTITY" | "EXTEND" | "COMPLETE" | "REFUSE";

/**
 * Kinds whose answer discloses or destroys the person's data: answering the wrong person would be a
 * breach, so the controller must be sure who asks (Art. 12(6), recital 64) before completing them.
 */
export const KINDS_NEEDING_VERIFIED_IDENTITY: ReadonlySet<SubjectRequestKind> = new Set([
  SubjectRequestKind.ACCESS,
  SubjectRequestKind.PORTABILITY,
  SubjectRequestKind.ERASURE,
]);

const CLOSED: ReadonlySet<SubjectRequestStatus> = new Set([SubjectRequestStatus.COMPLETED, SubjectRequestStatus.REFUSED]);

export function isOpen(request: Pick<RequestFacts, "status">): boolean {
  return !CLOSED.has(request.status);
}

/** The deadline in force: the extended one if the request was extended, else the first. */
export function deadlineOf(request: Pick<RequestFacts, "dueAt" | "extendedDueAt">): Date {
  return request.extendedDueAt ?? request.dueAt;
}

/** An open request whose deadline in force has passed. */
export function isOverdue(request: RequestFacts, now: Date): boolean {
  return isOpen(request) && now.getTime() > deadlineOf(request).getTime();
}

/**
 * Why `transition` may not happen to `request` at `now`, or undefined when it may. Rules, in order:
 *  1. a completed or refused request is closed: nothing changes it again;
 *  2. identity is verified once, while the request is still only received;
 *  3. an extension happens once, and only before the first deadline has passed (Art. 12(3): the
 *     person is told of it "within one month of receipt");
 *  4. an access, portability or erasure request is completed only for a verified identity.
 * Pure.
 */
export function transitionRefusal(request: RequestFacts, transition: RequestTransition, now: Date): string | undefined {
  if (!isOpen(request)) return `the request is ${request.status.toLowerCase()}: a closed request does not change`;
  switch (transition) {
    case "VERIFY_IDENTITY":
      return request.status === SubjectRequestStatus.RECEIVED ? undefined : "the person's identity is already verified";
    case "EXTEND":
      if (request.extendedDueAt !== null) return "the request was extended already: GDPR Art. 12(3) allows one extension";
      return now.getTime() > request.dueAt.getTime()
        ? `the first deadline (${request.dueAt.toISOString()}) has passed: an extension must be decided within the first month (GDPR Art. 12(3))`
        : undefined;
    case "COMPLETE":
      return KINDS_NEEDING_VERIFIED_IDENTITY.has(request.kind) && request.status !== SubjectRequestStatus.IDENTITY_VERIFIED
        ? `verify the person's identity first: ${request.kind} answers disclose or destroy their data (GDPR Art. 12(6))`
        : undefined;
    case "REFUSE":
      return undefined;
  }
}

/** Why something is not done on behalf of a request (an export, lifting an objection). */
export type RequestActRefusalReason = "WRONG_KIND" | "REQUEST_CLOSED" | "IDENTITY_NOT_VERIFIED";

export interface RequestActRefusal {
  readonly reason: RequestActRefusalReason;
  /** WRONG_KIND names a request that is not the caller's to use this way (their input); the others are the request's state. */
  readonly code: "BAD_USER_INPUT" | "CONFLICT";
  readonly message: string;
}

/** What is done on a request's behalf, in the words of the refusal messages. */
export interface RequestAct {
  /** E.g. "this export". */
  readonly act: string;
  /** Why the person must be known first, e.g. "the export discloses all their data". */
  readonly whyVerified: string;
}

/**
 * Why `act` may not be done on behalf of `request`, which it needs to be of `kind`, or undefined when
 * it may. Rules, in order:
 *  1. the request is of that kind: it answers that request and nothing else;
 *  2. it is open: a completed request was answered, a refused one is not to be answered;
 *  3. the person's identity is verified: acting for someone else would be a breach (Art. 12(6),
 *     recital 64).
 * Pure.
 */
export function requestActRefusal(
  request: Pick<RequestFacts, "kind" | "status">,
  kind: SubjectRequestKind,
  { act, whyVerified }: RequestAct,
): RequestActRefusal | undefined {
  if (request.kind !== kind) {
    return {
      reason: "WRONG_KIND",
      code: "BAD_USER_INPUT",
      message: `${act} answers a ${kind} request, and this request is ${request.kind}`,
    };
  }
  if (!isOpen(request)) {
    return {
      reason: "REQUEST_CLOSED",
      code: "CONFLICT",
      message: `the request is ${request.status.toLowerCase()}: a closed request is not answered again (open a new one)`,
    };
  }
  if (request.status !== SubjectRequestStatus.IDENTITY_VERIFIED) {
    return {
      reason: "IDENTITY_NOT_VERIFIED",
      code: "CONFLICT",
      message: `verify the person's identity first (verifySubjectIdentity): ${whyVerified} (GDPR Art. 12(6))`,
    };
  }
  return undefined;
}
