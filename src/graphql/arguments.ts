import { forbidden, invalidInput } from "../errors";
import { allowedPurposes, allowedPurposesSentence } from "../auth/authenticate";
import type { LegalBasisCode } from "../domain/policy-terms";
import type { RequestAccess } from "../enforcement/request-access";
import type { RequestCursor } from "../persistence/subject-request-repository";
import type { PurposeRule } from "../policy/engine/compiled-policy";
import type { RequestContext } from "./context";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks an ID argument before it reaches SQL, so a malformed id is the caller's error, not the server's. */
export function subjectIdArgument(value: string, argument = "id"): string {
  return idArgument(value, argument, "a subject id");
}

/** As `subjectIdArgument`, for a subject request's id. */
export function requestIdArgument(value: string, argument = "requestId"): string {
  return idArgument(value, argument, "a subject request id");
}

/** As `subjectIdArgument`, for a legal hold's id. */
export function legalHoldIdArgument(value: string, argument = "id"): string {
  return idArgument(value, argument, "a legal hold id");
}

/** As `subjectIdArgument`, for an inquiry's id. */
export function inquiryIdArgument(value: string, argument = "id"): string {
  return idArgument(value, argument, "an inquiry id");
}

function idArgument(value: string, argument: string, what: string): string {
  if (!UUID.test(value)) throw invalidInput(argument, `is not ${what}`);
  return value.toLowerCase();
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function pageSizeArgument(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (size < 1 || size > MAX_PAGE_SIZE) {
    throw invalidInput("first", `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
}

/** The page size an operation asks for, for cost estimates (a size out of range is refused later, by `pageSizeArgument`). */
export function pageSizeArgumentOrDefault(first: unknown): number {
  return typeof first === "number" && first > 0 ? Math.min(first, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
}

/**
 * Cursors are opaque: a list's name and a position in it, base64url. A cursor of another list, or
 * one the API never issued, is the caller's error, never a query.
 */
function encodeOpaqueCursor(list: string, position: string): string {
  return Buffer.from(`${list}:${position}`).toString("base64url");
}

/** The position's parts, as `position` captures them; BAD_USER_INPUT when the cursor is not `list`'s. */
function decodeOpaqueCursor(list: string, cursor: string, position: RegExp): string[] {
  const decoded = Buffer.from(cursor, "base64url").toString("utf8");
  const match = decoded.startsWith(`${list}:`) ? position.exec(decoded.slice(list.length + 1)) : null;
  if (!match) throw invalidInput("after", "is not a cursor this API issued");
  return match.slice(1);
}

export function encodeCursor(seq: string): string {
  return encodeOpaqueCursor("subject", seq);
}

export function decodeCursor(cursor: string | null | undefined): string | null {
  if (cursor === null || cursor === undefined) return null;
  const [seq = ""] = decodeOpaqueCursor("subject", cursor, /^(\d{1,18})$/);
  return seq;
}

export function encodeRequestCursor(position: RequestCursor): string {
  return encodeOpaqueCursor("request", `${position.deadline.toISOString()}|${position.id}`);
}

export function decodeRequestCursor(cursor: string | null | undefined): RequestCursor | null {
  if (cursor === null || cursor === undefined) return null;
  const [instant = "", id = ""] = decodeOpaqueCursor("request", cursor, /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f-]{36})$/);
  const deadline = new Date(instant);
  if (Number.isNaN(deadline.getTime())) throw invalidInput("after", "is not a cursor this API issued");
  return { deadline, id };
}

/**
 * A purpose named as an argument (consent to it, object to it): it must exist and rely on one of
 * `bases`, else the call would record something with no effect.
 */
export function purposeArgument(access: RequestAccess, purposeKey: string, bases: readonly LegalBasisCode[], why: string): PurposeRule {
  const purpose = knownPurposeArgument(access, purposeKey);
  if (!bases.includes(purpose.legalBasis)) {
    throw invalidInput("purpose", `${purposeKey} relies on ${purpose.legalBasis}; ${why}`);
  }
  return purpose;
}

/** A purpose named as an argument: it must exist in the policy in force. */
export function knownPurposeArgument(access: RequestAccess, purposeKey: string): PurposeRule {
  const purpose = access.policy.purpose(purposeKey);
  if (!purpose) throw invalidInput("purpose", `${purposeKey} does not exist`);
  return purpose;
}

/** A request's access once its purpose is declared. */
export type DeclaredAccess = RequestAccess & { readonly purposeKey: string };

/**
 * The request's access to personal data. The purpose-limitation plugin sets it before any resolver
 * runs, once the client's authority and the purpose are settled; its absence means enforcement did
 * not run, so nothing is read or written (fail closed).
 */
export function accessOf(context: RequestContext): DeclaredAccess {
  const access = context.access;
  if (!access || !hasDeclaredPurpose(access)) {
    throw forbidden(`This operation touches personal data: declare its purpose. ${allowedPurposesSentence(context.client)}`, {
      allowedPurposes: allowedPurposes(context.client),
    });
  }
  return access;
}

function hasDeclaredPurpose(access: RequestAccess): access is DeclaredAccess {
  return access.purposeKey !== null;
}

/**
 * Free text a person is told or an auditor reads (a reason, a method, an assessment): trimmed, 1 to
 * `max` characters, and no control characters — PostgreSQL text cannot hold NUL, and no such text
 * needs one.
 */
export function statedText(value: string | null | undefined, field: string, max: number): string {
  const text = (value ?? "").trim();
  if (text.length === 0 || text.length > max) {
    throw invalidInput(field, `must be 1–${max} characters`);
  }
  // eslint-disable-next-line no-control-regex -- matching control characters is this check's purpose
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) {
    throw invalidInput(field, "must not contain control characters");
  }
  return text;
}
