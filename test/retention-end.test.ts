import fc from "fast-check";
import { readFileSync } from "node:fs";
import { SubjectStatus } from "../src/domain/policy-terms";
import { compileDocument } from "../src/policy/compile-document";
import { lawfulness, retentionEndsAt, type ConsentFact, type SubjectFacts } from "../src/policy/engine/lawfulness";
import { parsePolicy } from "../src/policy/policy-file";
import { POLICY_FILE } from "./support/harness";

/**
 * `retentionEndsAt` is the date the access export gives for the end of a purpose's processing
 * (GDPR Art. 15(1)(d)). It must be the instant from which `lawfulness` answers RETENTION_EXPIRED,
 * for every purpose of the policy and any history of the subject.
 */

const clubmium = compileDocument(parsePolicy(POLICY_FILE, readFileSync(POLICY_FILE, "utf8")));
const NOW = new Date("2026-11-25T12:00:00Z");
const DAY = 86_400_000;
const at = (daysBeforeNow: number): Date => new Date(NOW.getTime() - daysBeforeNow * DAY);
const CONSENT_PURPOSES = ["marketing.advertising", "personalize"];

const consent: fc.Arbitrary<ConsentFact> = fc
  .record({
    purposeKey: fc.constantFrom(...CONSENT_PURPOSES),
    givenDaysAgo: fc.integer({ min: 0, max: 3000 }),
    withdrawnAfter: fc.option(fc.integer({ min: 0, max: 3000 })),
  })
  .map(({ purposeKey, givenDaysAgo, withdrawnAfter }) => ({
    purposeKey,
    givenAt: at(givenDaysAgo),
    withdrawnAt: withdrawnAfter === null ? null : at(givenDaysAgo - withdrawnAfter),
    scope: [...clubmium.readableCategories(purposeKey)],
  }));

const facts: fc.Arbitrary<SubjectFacts> = fc.record({
  status: fc.constant(SubjectStatus.ACTIVE),
  serviceActiveSince: fc.constant(at(6000)),
  serviceActiveUntil: fc.option(fc.integer({ min: -400, max: 4000 }).map(at)),
  collectedAt: fc.integer({ min: 0, max: 5000 }).map(at),
  consents: fc.array(consent, { maxLength: 3 }),
  objections: fc.constant([]),
  // The record-keeping purpose reads the archive: it keeps the name.
  archivedCategories: fc.constant(["user.name"]),
  legalHolds: fc.constant([]),
  inquiries: fc.array(
    fc.record({
      receivedAt: fc.integer({ min: 500, max: 5000 }).map(at),
      closedAt: fc.option(fc.integer({ min: -10, max: 400 }).map(at), { nil: null }),
    }),
    { maxLength: 2 },
  ),
});

describe("retentionEndsAt", () => {
  it("is the instant lawfulness starts answering RETENTION_EXPIRED, for every purpose", () => {
    fc.assert(
      fc.property(facts, fc.constantFrom(...clubmium.purposeKeys()), (subject, purposeKey) => {
        const decision = lawfulness(clubmium, purposeKey, subject, NOW);
        const endsAt = retentionEndsAt(clubmium, purposeKey, subject, NOW);
        const ended = endsAt !== null && endsAt.getTime() <= NOW.getTime();
        if (decision.lawful) return !ended;
        if (decision.reason === "RETENTION_EXPIRED") return ended;
        // Otherwise the basis failed first; a retention that ran out never makes a purpose lawful.
        return true;
      }),
      { numRuns: 2_000 },
    );
  });

  it("counts 24-hour days from the end of the service, and has no date while the service or the consent lasts", () => {
    const ended = at(10);
    const subject: SubjectFacts = {
      status: SubjectStatus.ACTIVE,
      serviceActiveSince: at(800),
      serviceActiveUntil: ended,
      collectedAt: at(400),
      consents: [],
      objections: [],
      archivedCategories: [],
      legalHolds: [],
      inquiries: [],
    };
    expect(retentionEndsAt(clubmium, "essential.legal_obligation", subject, NOW)).toEqual(new Date(ended.getTime() + 1826 * DAY));
    expect(retentionEndsAt(clubmium, "essential.service", subject, NOW)).toEqual(ended);
    expect(retentionEndsAt(clubmium, "essential.service", { ...subject, serviceActiveUntil: null }, NOW)).toBeNull();
    const consenting = { ...subject, consents: [{ purposeKey: "personalize", givenAt: at(5), withdrawnAt: null, scope: [] }] };
    expect(retentionEndsAt(clubmium, "personalize", consenting, NOW)).toBeNull();
    expect(() => retentionEndsAt(clubmium, "no.such.purpose", subject, NOW)).toThrow("Unknown purpose");
  });
});
