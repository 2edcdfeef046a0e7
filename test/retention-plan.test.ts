import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { ArchiveReason, SubjectStatus } from "../src/domain/policy-terms";
import { ANONYMISERS } from "../src/policy/anonymisation";
import { compileDocument } from "../src/policy/compile-document";
import { legalBasisHoldsAt, retentionEndsAt, type SubjectFacts } from "../src/policy/engine/lawfulness";
import { planErasure, planRetention } from "../src/policy/engine/retention-plan";
import { parsePolicy } from "../src/policy/policy-file";

/**
 * The retention plan as properties over arbitrary subjects: nothing personal outlives its last
 * lawful purpose, nothing is removed while one still holds it, what is archived has a duty or a
 * hold behind it, and an erasure leaves nothing live. Pure; no database.
 */

const POLICY_FILE = path.resolve(__dirname, "../policy/clubmium.policy.yaml");
const clubmium = compileDocument(parsePolicy(POLICY_FILE, readFileSync(POLICY_FILE, "utf8")));
const NOW = new Date("2027-06-01T12:00:00.000Z");
const DAY = 86_400_000;
const at = (daysAgo: number): Date => new Date(NOW.getTime() - daysAgo * DAY);

const RETAINED = [
  "user.name",
  "user.contact.email",
  "user.contact.address",
  "user.contact.phone_number",
  "user.demographic.date_of_birth",
  "user.location.coarse",
  "user.registration.consent_time",
  "user.device.ip_address",
  "user.device.browser",
  "user.device.operating_system",
  "user.device.device_info",
];
const purposeKey = fc.constantFrom(...clubmium.purposeKeys());
const instant = fc.integer({ min: -30, max: 3000 }).map(at);
const facts: fc.Arbitrary<SubjectFacts> = fc.record({
  status: fc.constantFrom(SubjectStatus.ACTIVE, SubjectStatus.RESTRICTED),
  serviceActiveSince: fc.option(fc.constant(at(4000)), { nil: null }),
  serviceActiveUntil: fc.option(instant, { nil: null }),
  collectedAt: fc.constant(at(4000)),
  consents: fc.array(
    fc.record({ purposeKey, givenAt: fc.constant(at(3500)), withdrawnAt: fc.option(instant, { nil: null }), scope: fc.constant(RETAINED) }),
    { maxLength: 3 },
  ),
  objections: fc.constant([]),
  archivedCategories: fc.subarray(RETAINED),
  legalHolds: fc.array(
    fc.record({
      reference: fc.constant("Case 7"),
      categories: fc.subarray(["user", "user.contact", "user.name", "user.device"], { minLength: 1 }),
      openedAt: instant,
      until: fc.integer({ min: -400, max: 30 }).map(at),
      releasedAt: fc.option(instant, { nil: null }),
    }),
    { maxLength: 2 },
  ),
  inquiries: fc.array(fc.record({ receivedAt: fc.integer({ min: 400, max: 3000 }).map(at), closedAt: fc.option(instant, { nil: null }) }), {
    maxLength: 2,
  }),
});
const live = fc.subarray(RETAINED);

/** Whether a purpose that serves the person still holds `category` at NOW. */
function stillHeld(subject: SubjectFacts, category: string): boolean {
  return clubmium.livePurposesGranting(category).some((purpose) => {
    const ends = retentionEndsAt(clubmium, purpose.key, subject, NOW);
    return ends === null ? legalBasisHoldsAt(clubmium, purpose.key, subject, NOW) : ends > NOW;
  });
}

describe("planRetention, over arbitrary subjects", () => {
  it("removes a live value exactly when no purpose serving the person holds it any longer", () => {
    fc.assert(
      fc.property(facts, live, (subject, liveCategories) => {
        const plan = planRetention(clubmium, { facts: subject, liveCategories, holdsRecords: subject.consents.length > 0 }, NOW);
        const acted = new Set(plan.steps.filter((step) => step.action !== "PURGE").map((step) => step.category));
        return liveCategories.every((category) => acted.has(category) === !stillHeld(subject, category));
      }),
      { numRuns: 1_000 },
    );
  });

  it("archives only with a duty or an open hold behind it, with a date or 'not known yet', and anonymises only a category that has an anonymous form", () => {
    fc.assert(
      fc.property(facts, live, (subject, liveCategories) => {
        const plan = planRetention(clubmium, { facts: subject, liveCategories, holdsRecords: subject.consents.length > 0 }, NOW);
        return plan.steps.every((step) => {
          if (step.action === "ANONYMISE") return step.category in ANONYMISERS;
          if (step.action !== "ARCHIVE") return true;
          // A duty that still runs for this subject: its retention not over, and it applies to them at all.
          const byDuty = clubmium.archivePurposesGranting(step.category).some((purpose) => {
            if (purpose.key !== step.decidedBy) return false;
            const ends = retentionEndsAt(clubmium, purpose.key, subject, NOW);
            return ends === null ? legalBasisHoldsAt(clubmium, purpose.key, subject, NOW) : ends > NOW;
          });
          const byHold = step.reason === ArchiveReason.LEGAL_HOLD && step.decidedBy === "Case 7";
          return (byDuty || byHold) && (step.keptUntil === null || step.keptUntil > NOW);
        });
      }),
      { numRuns: 1_000 },
    );
  });

  it("purges the records of an erased person's choices only when nothing else of them is kept and no duty keeps the records", () => {
    fc.assert(
      fc.property(facts, live, (subject, liveCategories) => {
        const plan = planRetention(clubmium, { facts: subject, liveCategories, holdsRecords: true }, NOW);
        const purgesRecords = plan.steps.some((step) => step.category === "user.privacy_preferences" && step.action === "PURGE");
        if (!purgesRecords) return true;
        const ends = retentionEndsAt(clubmium, "essential.legal_obligation", subject, NOW);
        const dutyKeeps = ends === null ? legalBasisHoldsAt(clubmium, "essential.legal_obligation", subject, NOW) : ends > NOW;
        return plan.statusAfter === SubjectStatus.ERASED && !dutyKeeps;
      }),
      { numRuns: 1_000 },
    );
  });

  it("is idempotent: once its steps are done, planning again at the same instant finds nothing", () => {
    fc.assert(
      fc.property(facts, live, (subject, liveCategories) => {
        const plan = planRetention(clubmium, { facts: subject, liveCategories, holdsRecords: subject.consents.length > 0 }, NOW);
        const removed = new Set(plan.steps.filter((step) => step.action !== "PURGE").map((step) => step.category));
        const purged = new Set(plan.steps.filter((step) => step.action === "PURGE").map((step) => step.category));
        const archived = plan.steps.filter((step) => step.action === "ARCHIVE").map((step) => step.category);
        const recordsPurged = purged.has("user.privacy_preferences");
        const after = {
          ...subject,
          status: plan.statusAfter,
          archivedCategories: [...new Set([...subject.archivedCategories.filter((category) => !purged.has(category)), ...archived])],
          consents: recordsPurged ? [] : subject.consents,
        };
        const again = planRetention(
          clubmium,
          {
            facts: after,
            liveCategories: liveCategories.filter((category) => !removed.has(category)),
            holdsRecords: after.consents.length > 0,
          },
          NOW,
        );
        return again.steps.length === 0 && again.statusAfter === plan.statusAfter;
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("planErasure", () => {
  it("leaves nothing live, and keeps only what a duty or a hold requires", () => {
    fc.assert(
      fc.property(facts, live, (subject, liveCategories) => {
        const plan = planErasure(clubmium, { facts: subject, liveCategories, holdsRecords: subject.consents.length > 0 }, NOW);
        const handled = plan.steps.map((step) => step.category).sort();
        const keptOnlyWithReason = plan.steps.every(
          (step) =>
            step.action === "DELETE" ||
            (step.action === "ARCHIVE" &&
              (step.reason === ArchiveReason.LEGAL_HOLD || clubmium.archivePurposesGranting(step.category).length > 0)),
        );
        return JSON.stringify(handled) === JSON.stringify([...liveCategories].sort()) && keptOnlyWithReason;
      }),
      { numRuns: 500 },
    );
  });
});
