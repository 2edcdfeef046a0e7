import fc from "fast-check";
import { DateTime } from "luxon";
import { SubjectRequestKind, SubjectRequestStatus } from "../src/domain/policy-terms";
import { deadlineAfter, extendedDeadline, firstDeadline } from "../src/policy/engine/request-deadlines";
import { isOverdue, transitionRefusal, type RequestFacts } from "../src/policy/engine/subject-request-rules";

/**
 * Deadlines are counted on the controller's calendar (Europe/Riga for Clubmium), whatever the
 * server's time zone: CI runs this file in UTC and in America/Los_Angeles.
 */

const RIGA = "Europe/Riga";
const at = (iso: string): Date => new Date(iso);

describe("the deadline of a request (GDPR Art. 12(3))", () => {
  it.each([
    ["2027-01-31T10:00:00Z", "2027-02-28"],
    ["2028-01-31T10:00:00Z", "2028-02-29"],
    ["2028-01-29T10:00:00Z", "2028-02-29"],
    ["2027-03-31T10:00:00Z", "2027-04-30"],
    ["2027-03-15T10:00:00Z", "2027-04-15"],
    ["2026-12-31T10:00:00Z", "2027-01-31"],
    // 23:30 UTC on 31 January is already 1 February in Riga: the calendar day is Riga's.
    ["2027-01-31T23:30:00Z", "2027-03-01"],
  ])("received %s is due on %s, at the last instant of that day in Riga", (received, day) => {
    const deadline = firstDeadline(at(received), RIGA);
    expect(deadline.day).toBe(day);
    const end = DateTime.fromJSDate(deadline.endsAt, { zone: RIGA });
    expect(end.toISODate()).toBe(day);
    expect(end.toFormat("HH:mm:ss.SSS")).toBe("23:59:59.999");
  });

  it("an extension counts from receipt too: received 31 January, extended by two months, due 30 April", () => {
    expect(extendedDeadline(at("2027-01-31T10:00:00Z"), 2, RIGA).day).toBe("2027-04-30");
    expect(extendedDeadline(at("2027-01-31T10:00:00Z"), 1, RIGA).day).toBe("2027-03-31");
    expect(() => extendedDeadline(at("2027-01-31T10:00:00Z"), 3, RIGA)).toThrow(RangeError);
    expect(() => extendedDeadline(at("2027-01-31T10:00:00Z"), 0, RIGA)).toThrow(RangeError);
  });

  it("is the same date of the later month, or that month's last day when it has none", () => {
    fc.assert(
      fc.property(
        fc.date({ min: at("1990-01-01T00:00:00Z"), max: at("2100-01-01T00:00:00Z"), noInvalidDate: true }),
        fc.constantFrom(RIGA, "UTC", "America/Los_Angeles", "Pacific/Kiritimati"),
        fc.integer({ min: 1, max: 3 }),
        (received, zone, months) => {
          const day = DateTime.fromJSDate(received, { zone });
          const due = DateTime.fromISO(deadlineAfter(received, months, zone).day, { zone });
          const target = day.startOf("month").plus({ months });
          expect(due.year).toBe(target.year);
          expect(due.month).toBe(target.month);
          expect(due.day).toBe(Math.min(day.day, target.daysInMonth ?? 31));
        },
      ),
    );
  });
});

describe("the rules of a request's changes", () => {
  const received: RequestFacts = {
    kind: SubjectRequestKind.ACCESS,
    status: SubjectRequestStatus.RECEIVED,
    dueAt: at("2027-02-28T21:59:59.999Z"),
    extendedDueAt: null,
  };
  const before = at("2027-02-10T00:00:00Z");
  const after = at("2027-03-01T00:00:00Z");

  it("an access, portability or erasure request is completed only for a verified identity; the others need not be", () => {
    for (const kind of Object.values(SubjectRequestKind)) {
      const needs = [SubjectRequestKind.ACCESS, SubjectRequestKind.PORTABILITY, SubjectRequestKind.ERASURE].includes(kind);
      expect({ kind, refusal: transitionRefusal({ ...received, kind }, "COMPLETE", before) !== undefined }).toEqual({
        kind,
        refusal: needs,
      });
      expect(transitionRefusal({ ...received, kind, status: SubjectRequestStatus.IDENTITY_VERIFIED }, "COMPLETE", before)).toBeUndefined();
    }
  });

  it("extends once, and only before the first deadline has passed", () => {
    expect(transitionRefusal(received, "EXTEND", before)).toBeUndefined();
    expect(transitionRefusal(received, "EXTEND", received.dueAt)).toBeUndefined();
    expect(transitionRefusal(received, "EXTEND", after)).toMatch(/first deadline .* has passed/);
    expect(transitionRefusal({ ...received, extendedDueAt: at("2027-04-30T20:59:59.999Z") }, "EXTEND", before)).toMatch(/one extension/);
  });

  it("a closed request changes no more, whatever the change", () => {
    for (const status of [SubjectRequestStatus.COMPLETED, SubjectRequestStatus.REFUSED]) {
      for (const transition of ["VERIFY_IDENTITY", "EXTEND", "COMPLETE", "REFUSE"] as const) {
        expect(transitionRefusal({ ...received, status }, transition, before)).toMatch(/closed request does not change/);
      }
    }
    expect(transitionRefusal({ ...received, status: SubjectRequestStatus.IDENTITY_VERIFIED }, "VERIFY_IDENTITY", before)).toMatch(
      /already verified/,
    );
  });

  it("is overdue when open past the deadline in force", () => {
    expect(isOverdue(received, after)).toBe(true);
    expect(isOverdue(received, before)).toBe(false);
    expect(isOverdue({ ...received, extendedDueAt: at("2027-04-30T20:59:59.999Z") }, after)).toBe(false);
    expect(isOverdue({ ...received, status: SubjectRequestStatus.COMPLETED }, after)).toBe(false);
  });
});
