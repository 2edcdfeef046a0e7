/** The vocabulary of the policy, shared by persistence, the policy engine and the schema. */

export enum LegalBasisCode {
  CONSENT = "CONSENT",
  CONTRACT = "CONTRACT",
  LEGAL_OBLIGATION = "LEGAL_OBLIGATION",
  VITAL_INTERESTS = "VITAL_INTERESTS",
  PUBLIC_TASK = "PUBLIC_TASK",
  LEGITIMATE_INTERESTS = "LEGITIMATE_INTERESTS",
}

export enum RetentionTrigger {
  /** Counted from the end of the subject's service relationship. */
  SERVICE_ENDED = "SERVICE_ENDED",
  /** Counted from the withdrawal of the subject's consent to the purpose. */
  CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN",
  /** Counted from when the subject's data was collected. */
  COLLECTED = "COLLECTED",
  /**
   * Counted from the close of the subject's latest inquiry (a question they sent); not while one is
   * open. A purpose counted so applies only to someone who sent one.
   */
  INQUIRY_CLOSED = "INQUIRY_CLOSED",
}

export enum RetentionAction {
  DELETE = "DELETE",
  ANONYMISE = "ANONYMISE",
  ARCHIVE = "ARCHIVE",
}

export enum SubjectStatus {
  ACTIVE = "ACTIVE",
  /** Processing restricted (GDPR Art. 18): only purposes allowed under restriction may read. */
  RESTRICTED = "RESTRICTED",
  /** Nothing of the person is left but the record's id and bookkeeping: every value was deleted or anonymised. */
  ERASED = "ERASED",
  /** Nothing is live; the archive still keeps values a legal duty or a legal hold requires (GDPR Art. 17(3)(b), (e)). */
  ARCHIVED = "ARCHIVED",
}

/** Why a value was moved out of live processing into the archive instead of being deleted. */
export enum ArchiveReason {
  /** A legal-obligation purpose must keep it (GDPR Art. 17(3)(b)), until its own retention runs out. */
  LEGAL_OBLIGATION = "LEGAL_OBLIGATION",
  /** An open legal hold covers it (GDPR Art. 17(3)(e)), until the hold ends or is released. */
  LEGAL_HOLD = "LEGAL_HOLD",
}

export enum ClientRole {
  INTERNAL_APP = "INTERNAL_APP",
  PARTNER = "PARTNER",
  ADMIN = "ADMIN",
}

export enum AccessDecision {
  RELEASED = "RELEASED",
  PARTIAL = "PARTIAL",
  DENIED = "DENIED",
  /** A change event: the operation wrote to the subject. */
  WRITTEN = "WRITTEN",
}

export enum SubjectRequestKind {
  ACCESS = "ACCESS",
  PORTABILITY = "PORTABILITY",
  ERASURE = "ERASURE",
  RECTIFICATION = "RECTIFICATION",
  RESTRICTION = "RESTRICTION",
  OBJECTION = "OBJECTION",
}

/** Where a request stands (GDPR Art. 12): open until it is completed or refused. */
export enum SubjectRequestStatus {
  /** Received; the person's identity is not verified yet (Art. 12(6)). */
  RECEIVED = "RECEIVED",
  /** The person's identity is verified; the request is being answered. */
  IDENTITY_VERIFIED = "IDENTITY_VERIFIED",
  COMPLETED = "COMPLETED",
  /** Not acted on, with the reason the person is told (Art. 12(4)). */
  REFUSED = "REFUSED",
}

/** How a request reached the controller. */
export enum SubjectRequestChannel {
  EMAIL = "EMAIL",
  POST = "POST",
  PHONE = "PHONE",
  WEB_FORM = "WEB_FORM",
  IN_PERSON = "IN_PERSON",
}

/** What the subject's objection (GDPR Art. 21) does to a purpose. */
export enum RightToObject {
  /** No right to object: a contract, a legal obligation, vital interests, or a consent outside direct marketing (withdrawn instead). */
  NONE = "NONE",
  /** Art. 21(1), legitimate interests or a public task: the objection stops the purpose until lifted on compelling legitimate grounds. */
  LIFTABLE = "LIFTABLE",
  /** Art. 21(2)–(3), direct marketing, whatever its basis: the objection stops it, and only the subject can lift it. */
  ABSOLUTE = "ABSOLUTE",
}
