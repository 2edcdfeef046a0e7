import fc from "fast-check";
import { readFileSync } from "node:fs";
import { compileDocument } from "../src/policy/compile-document";
import { AGE_OF_DIGITAL_CONSENT_UNSTATED, CompiledPolicy } from "../src/policy/engine/compiled-policy";
import { completedYears, needsParentalConsent } from "../src/policy/engine/consent-age";
import { parsePolicy } from "../src/policy/policy-file";
import { POLICY_FILE } from "./support/harness";

/**
 * The age of digital consent (GDPR Art. 8(1); Latvia 13): completed years on calendar dates, the
 * "today" of the controller's calendar (Europe/Riga for Clubmium), never the process's time zone.
 * CI runs this file in UTC and in America/Los_Angeles, where the process's own calendar is wrong
 * around Riga's midnight: the instants below are chosen so that it would fail there.
 */

const clubmium = compileDocument(parsePolicy(POLICY_FILE, readFileSync(POLICY_FILE, "utf8")));
const DAY = 86_400_000;

/** A calendar date as `YYYY-MM-DD`, from a UTC day number (independent of `completedYears`). */
const isoDay = (utcMs: number): string => new Date(utcMs).toISOString().slice(0, 10);
const dayNumber = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

/**
 * The `years`th birthday by Date.UTC's own overflow: 29 February of a common year rolls over to
 * 1 March. A second implementation, so the property compares two ways of counting.
 */
function birthday(dateOfBirth: string, years: number): string {
  const [year, month, day] = dateOfBirth.split("-").map(Number) as [number, number, number];
  return isoDay(Date.UTC(year + years, month - 1, day));
}

const dateOfBirth = fc.integer({ min: dayNumber("1900-01-01") / DAY, max: dayNumber("2030-12-31") / DAY }).map((day) => isoDay(day * DAY));
const leapDayBirth = fc.integer({ min: 0, max: 40 }).map((i) => `${1904 + 4 * i}-02-29`);
const birthDate = fc.oneof(dateOfBirth, leapDayBirth);

describe("completed years", () => {
  it("29 February: a year completes on 1 March in a common year, on 29 February in a leap year", () => {
    expect(completedYears("2012-02-29", "2025-02-28")).toBe(12);
    expect(completedYears("2012-02-29", "2025-03-01")).toBe(13);
    expect(completedYears("2012-02-29", "2024-02-28")).toBe(11);
    expect(completedYears("2012-02-29", "2024-02-29")).toBe(12);
    expect(completedYears("2013-03-29", "2026-03-28")).toBe(12);
    expect(completedYears("2013-03-29", "2026-03-29")).toBe(13);
    expect(completedYears("2013-12-31", "2026-12-31")).toBe(13);
    expect(completedYears("2014-01-01", "2026-12-31")).toBe(12);
  });

  it("equals the number of birthdays passed, counted by Date.UTC, on any day", () => {
    fc.assert(
      fc.property(birthDate, fc.integer({ min: 0, max: 100 * 366 }), (born, daysLater) => {
        const today = isoDay(dayNumber(born) + daysLater * DAY);
        let passed = 0;
        while (birthday(born, passed + 1) <= today) passed += 1;
        expect(completedYears(born, today)).toBe(passed);
      }),
      { numRuns: 2_000 },
    );
  });

  it("is the age on the day of the birthday and one less on the day before, for every age", () => {
    fc.assert(
      fc.property(birthDate, fc.integer({ min: 1, max: 100 }), (born, age) => {
        const anniversary = birthday(born, age);
        expect(completedYears(born, anniversary)).toBe(age);
        expect(completedYears(born, isoDay(dayNumber(anniversary) - DAY))).toBe(age - 1);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("whether a consent needs a parental-consent reference", () => {
  it("Clubmium's age is 13, counted on Riga's calendar; an unstated one is Art. 8(1)'s 16", () => {
    expect(clubmium.ageOfDigitalConsent).toBe(13);
    expect(clubmium.timeZone).toBe("Europe/Riga");
    expect(new CompiledPolicy(1, [], []).ageOfDigitalConsent).toBe(AGE_OF_DIGITAL_CONSENT_UNSTATED);
    expect(AGE_OF_DIGITAL_CONSENT_UNSTATED).toBe(16);
  });

  it("until the 13th birthday begins in Riga, not in UTC or the server's zone", () => {
    // 2026-03-29 begins in Riga at 22:00 UTC on 28 March (EET, UTC+2; summer time starts an hour later).
    expect(needsParentalConsent(clubmium, "2013-03-29", new Date("2026-03-28T21:59:59.999Z"))).toBe(true);
    expect(needsParentalConsent(clubmium, "2013-03-29", new Date("2026-03-28T22:00:00.000Z"))).toBe(false);
    // In summer (EEST, UTC+3) the day begins at 21:00 UTC.
    expect(needsParentalConsent(clubmium, "2013-07-01", new Date("2026-06-30T20:59:59.999Z"))).toBe(true);
    expect(needsParentalConsent(clubmium, "2013-07-01", new Date("2026-06-30T21:00:00.000Z"))).toBe(false);
    // Born on 29 February 2012: 13 from 1 March 2025, Riga time.
    expect(needsParentalConsent(clubmium, "2012-02-29", new Date("2025-02-28T21:59:59.999Z"))).toBe(true);
    expect(needsParentalConsent(clubmium, "2012-02-29", new Date("2025-02-28T22:00:00.000Z"))).toBe(false);
  });

  it("never for a subject whose date of birth is unknown", () => {
    expect(needsParentalConsent(clubmium, null, new Date("2026-03-28T12:00:00Z"))).toBe(false);
    expect(needsParentalConsent(clubmium, undefined, new Date("2026-03-28T12:00:00Z"))).toBe(false);
  });

  it("counts from the date in Riga at that instant, whatever the process's time zone (Intl as the second opinion)", () => {
    const rigaDate = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Riga", year: "numeric", month: "2-digit", day: "2-digit" });
    fc.assert(
      fc.property(birthDate, fc.integer({ min: -6 * 60, max: 6 * 60 }), (born, minutes) => {
        // Within six hours of midnight UTC starting the 13th birthday: Riga's day changes 2–3 hours before it.
        const now = new Date(dayNumber(birthday(born, 13)) + minutes * 60_000);
        expect(needsParentalConsent(clubmium, born, now)).toBe(completedYears(born, rigaDate.format(now)) < 13);
      }),
      { numRuns: 2_000 },
    );
  });
});
