import type { CompiledPolicy } from "./compiled-policy";
import { dayIn } from "./request-deadlines";

/**
 * A child's consent (GDPR Art. 8(1)): below the age of digital consent the policy names (Latvia:
 * 13, Personal Data Processing Law s. 33), a consent is lawful only when given or authorised by the
 * holder of parental responsibility. Pure: calendar arithmetic on `YYYY-MM-DD` strings, never on
 * the process's time zone.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Completed years from `dateOfBirth` to `today`, both `YYYY-MM-DD`: a year is completed on the
 * birthday itself. Someone born on 29 February completes a year on 1 March when the year has no
 * 29 February (the later of the two candidate days, so a child is never taken to be older than
 * they are), and on 29 February in a leap year.
 */
export function completedYears(dateOfBirth: string, today: string): number {
  const born = calendarParts(dateOfBirth);
  const now = calendarParts(today);
  const beforeBirthday = now.month < born.month || (now.month === born.month && now.day < born.day);
  return now.year - born.year - (beforeBirthday ? 1 : 0);
}

/**
 * Whether a consent of the subject born on `dateOfBirth` needs a parental-consent reference at
 * `now`: on the controller's calendar (the policy's `timeZone`: a Latvian subject turns 13 at
 * midnight in Riga, 21:00 or 22:00 UTC the day before, wherever the server runs), they have not
 * completed the age of digital consent. False when the date of birth is unknown: the condition
 * cannot be evaluated from what is recorded.
 */
export function needsParentalConsent(policy: CompiledPolicy, dateOfBirth: string | null | undefined, now: Date): boolean {
  if (dateOfBirth === null || dateOfBirth === undefined) return false;
  return completedYears(dateOfBirth, dayIn(now, policy.timeZone)) < policy.ageOfDigitalConsent;
}

function calendarParts(date: string): { year: number; month: number; day: number } {
  const match = ISO_DATE.exec(date);
  if (!match) throw new Error(`not a calendar date (YYYY-MM-DD): ${date}`);
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}
