import type { ArchiveReason, SubjectStatus } from "./policy-terms";
import type { RecipientType } from "./recipients";

/** A category an erasure did not delete, and why (GDPR Art. 17(3)). */
export interface KeptCategory {
  readonly category: string;
  readonly reason: ArchiveReason;
  /** The legal-obligation purpose or the legal hold's reference. */
  readonly keptFor: string;
  /** When it goes; null while the date is not known yet (e.g. a hold with no end, a duty counted from a later event). */
  readonly until: string | null;
  readonly rule: string;
}

/** A processor that processes an erased category for the controller, to be told (GDPR Art. 19, 28(3)(g)). */
export interface ProcessorToTell {
  readonly name: string;
  readonly country: string;
  readonly categories: readonly string[];
}

/**
 * What an erasure did: categories, reasons and dates, never a value. Stored with the request, so a
 * repeated erasure answers with it.
 */
export interface ErasureReceipt {
  readonly subjectId: string;
  readonly requestId: string;
  readonly erasedAt: string;
  readonly statusAfter: SubjectStatus;
  readonly erased: readonly string[];
  readonly kept: readonly KeptCategory[];
  readonly recipientsToNotify: readonly {
    clientName: string;
    /** The recipient it was; null when its events predate recipients, absent from receipts stored before. */
    recipientType?: RecipientType | null;
    processorName?: string | null;
    categories: readonly string[];
    lastReceivedAt: string;
  }[];
  readonly processorsToNotify: readonly ProcessorToTell[];
}
