import { DateTime } from "luxon";

/** GDPR Art. 12(3): a request is answered within one month of receipt. */
export const MONTHS_TO_ANSWER = 1;
/** Art. 12(3): "That period may be extended by two further months where necessary". */
export const MAX_EXTENSION_MONTHS = 2;

/** When a request must be answered by: the last instant of a calendar day in the controller's time zone. */
export interface Deadline {
  /** The calendar day, `YYYY-MM-DD`, in the controller's time zone. */
  readonly day: string;
  /** The last millisecond of that day, in the controller's time zone. */
  readonly endsAt: Date;
}

/**
 * The day `months` calendar months after the day `receivedAt` fell on in `timeZone`, and the end of
 * that day. Periods in months end on the same date of the later month, or on its last day when it
 * has no such date (Regulation (EEC, Euratom) No 1182/71, Art. 3(2)(c)): received 31 January, due 28
 * February (29 in a leap year); received 15 March, due 15 April. Counting in the controller's zone,
 * not the server's, makes the date the same wherever the server runs. Pure.
 */
export function deadlineAfter(receivedAt: Date, months: number, timeZone: string): Deadline {
  if (!Number.isInteger(months) || months < 0) throw new RangeError(`months must be a whole number ≥ 0, got ${months}`);
  const received = DateTime.fromJSDate(receivedAt, { zone: timeZone });
  if (!received.isValid) throw new RangeError(`cannot read ${receivedAt.toISOString()} in time zone ${timeZone}`);
  // Luxon adds months on the calendar and clamps to the month's last day (31 Jan + 1 month = 28/29 Feb).
  const due = received.startOf("day").plus({ months }).endOf("day");
  return { day: due.toISODate(), endsAt: due.toJSDate() };
}

/** The first deadline of a request received at `receivedAt`: one month (Art. 12(3)). */
export function firstDeadline(receivedAt: Date, timeZone: string): Deadline {
  return deadlineAfter(receivedAt, MONTHS_TO_ANSWER, timeZone);
}

/** The deadline after an extension by `months` further months, counted from receipt like the first. */
export function extendedDeadline(receivedAt: Date, months: number, timeZone: string): Deadline {
  if (!Number.isInteger(months) || months < 1 || months > MAX_EXTENSION_MONTHS) {
    throw new RangeError(`an extension is 1 to ${MAX_EXTENSION_MONTHS} further months, got ${months}`);
  }
  return deadlineAfter(receivedAt, MONTHS_TO_ANSWER + months, timeZone);
}

/** The calendar day an instant falls on in `timeZone`, `YYYY-MM-DD`. */
export function dayIn(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone }).toISODate() ?? "";
}

/** Whether `timeZone` is an IANA zone name this runtime knows (the policy loader checks the file's). */
export function isKnownTimeZone(timeZone: string): boolean {
  return DateTime.now().setZone(timeZone).isValid;
}
