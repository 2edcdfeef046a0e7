import { forbidden, invalidInput } from "../errors";
import { allowedPurposes, allowedPurposesSentence } from "../auth/authenticate";
import type { LegalBasisCode } from "../domain/policy-terms";
import type { RequestAccess } from "../enforcement/request-access";
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
