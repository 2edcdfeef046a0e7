import fc from "fast-check";
import { readFileSync } from "node:fs";
import { LegalBasisCode, RetentionAction, RetentionTrigger, RightToObject, SubjectStatus } from "../src/domain/policy-terms";
import { compileDocument } from "../src/policy/compile-document";
import { CompiledPolicy, type PurposeRule } from "../src/policy/engine/compiled-policy";
import { DENIAL_REASONS, EVERY_GRANTED_CATEGORY, lawfulness, releaseOf, type SubjectFacts } from "../src/policy/engine/lawfulness";
import { factsNeededBy } from "../src/policy/engine/facts-needed";
import { consentsEndedByObjection, rightToObject, stoppingObjection } from "../src/policy/engine/objections";
import { parsePolicy } from "../src/policy/policy-file";
import { POLICY_FILE } from "./support/harness";

const clubmium = compileDocument(parsePolicy(POLICY_FILE, readFileSync(POLICY_FILE, "utf8")));
const NOW = new Date("2026-11-25T12:00:00Z");
const DAY = 86_400_000;
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * DAY);

const LAWFUL = { lawful: true, scope: EVERY_GRANTED_CATEGORY };
const ADVERTISING_SCOPE = clubmium.readableCategories("marketing.advertising");

const subject = (facts: Partial<SubjectFacts> = {}): SubjectFacts => ({
  status: SubjectStatus.ACTIVE,
  serviceActiveSince: daysAgo(400),
  serviceActiveUntil: null,
  collectedAt: daysAgo(400),
  consents: [],
  objections: [],
  archivedCategories: [],
  legalHolds: [],
  inquiries: [],
  ...facts,
});

describe("grants (rule 2)", () => {
  it("a grant covers sub-categories and a sub-purpose inherits its parent's grants", () => {
    expect(clubmium.grants("essential.service", "user.contact.email")).toBe(true);
    expect(clubmium.grants("essential.service.operations.support", "user.contact.phone_number")).toBe(true);
    expect(clubmium.grants("essential.service.inquiries", "user.content.private")).toBe(true);
    expect(clubmium.grants("essential.service", "user.content.private")).toBe(false);
  });

  it("analytics reads no name, e-mail, phone or address; marketing reads no personal content", () => {
    for (const category of ["user.name", "user.contact.email", "user.contact.phone_number", "user.contact.address"]) {
      expect(clubmium.grants("analytics.reporting", category)).toBe(false);
    }
    expect(clubmium.grants("analytics.reporting", "user.location.coarse")).toBe(true);
    expect(clubmium.grants("marketing.advertising", "user.content.private")).toBe(false);
  });

  it("an unknown purpose or category is granted nothing", () => {
    expect(clubmium.grants("no.such.purpose", "user.name")).toBe(false);
    expect(clubmium.grants("essential.service", "user.no_such_category")).toBe(false);
  });
});

describe("lawfulness (rules 3–5)", () => {
  it("consent: active consent holds; none is CONSENT_MISSING; a withdrawn one is CONSENT_WITHDRAWN", () => {
    const given = { purposeKey: "marketing.advertising", givenAt: daysAgo(10), withdrawnAt: null, scope: ADVERTISING_SCOPE };
    expect(lawfulness(clubmium, "marketing.advertising", subject({ consents: [given] }), NOW)).toEqual({
      lawful: true,
      scope: new Set(ADVERTISING_SCOPE),
      outsideScope: "CONSENT_SCOPE",
    });
    expect(lawfulness(clubmium, "marketing.advertising", subject(), NOW)).toEqual({ lawful: false, reason: "CONSENT_MISSING" });
    expect(lawfulness(clubmium, "marketing.advertising", subject({ consents: [{ ...given, withdrawnAt: daysAgo(1) }] }), NOW)).toEqual({
      lawful: false,
      reason: "CONSENT_WITHDRAWN",
    });
    expect(lawfulness(clubmium, "personalize", subject({ consents: [given] }), NOW)).toEqual({ lawful: false, reason: "CONSENT_MISSING" });
  });

  it("consent to a purpose covers its sub-purposes, not its parent", () => {
    const policy = new CompiledPolicy(
      1,
      [{ key: "user", parentKey: null, special: false }],
      [rule("marketing", LegalBasisCode.CONSENT, null), rule("marketing.advertising", LegalBasisCode.CONSENT, "marketing")],
    );
    const toParent = subject({ consents: [{ purposeKey: "marketing", givenAt: daysAgo(1), withdrawnAt: null, scope: ["user"] }] });
    expect(lawfulness(policy, "marketing.advertising", toParent, NOW).lawful).toBe(true);
    const toChild = subject({
      consents: [{ purposeKey: "marketing.advertising", givenAt: daysAgo(1), withdrawnAt: null, scope: ["user"] }],
    });
    expect(lawfulness(policy, "marketing", toChild, NOW).lawful).toBe(false);
  });

  it("contract: an ended service is CONTRACT_INACTIVE; an end date still ahead is not", () => {
    expect(lawfulness(clubmium, "essential.service", subject({ serviceActiveUntil: daysAgo(1) }), NOW)).toEqual({
      lawful: false,
      reason: "CONTRACT_INACTIVE",
    });
    expect(lawfulness(clubmium, "essential.service", subject({ serviceActiveUntil: daysAgo(-5) }), NOW)).toEqual(LAWFUL);
  });

  it("legitimate interests: an open objection is OBJECTED; a lifted one is not", () => {
    const objection = { purposeKey: "analytics.reporting", objectedAt: daysAgo(3), liftedAt: null };
    expect(lawfulness(clubmium, "analytics.reporting", subject({ objections: [objection] }), NOW)).toEqual({
      lawful: false,
      reason: "OBJECTED",
    });
    expect(lawfulness(clubmium, "analytics.reporting", subject({ objections: [{ ...objection, liftedAt: daysAgo(1) }] }), NOW)).toEqual(
      LAWFUL,
    );
    expect(lawfulness(clubmium, "functional.service.improve", subject({ objections: [objection] }), NOW)).toEqual(LAWFUL);
  });

  it("direct marketing: an open objection is OBJECTED whatever its basis, even beside an active consent; a lifted one is not", () => {
    const consent = { purposeKey: "marketing.advertising", givenAt: daysAgo(10), withdrawnAt: null, scope: ADVERTISING_SCOPE };
    const objection = { purposeKey: "marketing.advertising", objectedAt: daysAgo(3), liftedAt: null };
    expect(lawfulness(clubmium, "marketing.advertising", subject({ consents: [consent] }), NOW).lawful).toBe(true);
    expect(lawfulness(clubmium, "marketing.advertising", subject({ consents: [consent], objections: [objection] }), NOW)).toEqual({
      lawful: false,
      reason: "OBJECTED",
    });
    // The objection is named rather than the withdrawal it caused.
    const withdrawn = { ...consent, withdrawnAt: daysAgo(3) };
    expect(lawfulness(clubmium, "marketing.advertising", subject({ consents: [withdrawn], objections: [objection] }), NOW)).toEqual({
      lawful: false,
      reason: "OBJECTED",
    });
    const lifted = { ...objection, liftedAt: daysAgo(1) };
    expect(lawfulness(clubmium, "marketing.advertising", subject({ consents: [consent], objections: [lifted] }), NOW).lawful).toBe(true);
    // Restriction is still decided first.
    const restricted = subject({ status: SubjectStatus.RESTRICTED, consents: [consent], objections: [objection] });
    expect(lawfulness(clubmium, "marketing.advertising", restricted, NOW)).toEqual({ lawful: false, reason: "RESTRICTED" });
  });

  it("an objection stops what it applies to: a public task and direct marketing below it, not a contract or consent beneath a purpose objected to", () => {
    const policy = new CompiledPolicy(
      1,
      [],
      [
        rule("marketing", LegalBasisCode.CONSENT, null),
        rule("marketing.newsletter", LegalBasisCode.LEGITIMATE_INTERESTS, "marketing"),
        rule("registry", LegalBasisCode.PUBLIC_TASK, null),
        rule("registry.contract", LegalBasisCode.CONTRACT, "registry"),
        rule("registry.personalised", LegalBasisCode.CONSENT, "registry"),
      ],
    );
    const objectedTo = (purposeKey: string) => subject({ objections: [{ purposeKey, objectedAt: daysAgo(1), liftedAt: null }] });
    const decide = (purposeKey: string, facts: SubjectFacts) => lawfulness(policy, purposeKey, facts, NOW);
    // A public task stops on objection (Art. 21(1)); a contract beneath it does not.
    expect(decide("registry", objectedTo("registry"))).toEqual({ lawful: false, reason: "OBJECTED" });
    expect(decide("registry.contract", objectedTo("registry"))).toEqual(LAWFUL);
    // A consent beneath it is withdrawn, not objected to.
    const consented = {
      ...objectedTo("registry"),
      consents: [{ purposeKey: "registry.personalised", givenAt: daysAgo(2), withdrawnAt: null, scope: [] }],
    };
    expect(decide("registry.personalised", consented).lawful).toBe(true);
    // An objection to direct marketing covers its sub-purposes, not the purpose above it.
    expect(decide("marketing.newsletter", objectedTo("marketing"))).toEqual({ lawful: false, reason: "OBJECTED" });
    expect(decide("marketing", objectedTo("marketing.newsletter"))).toEqual({ lawful: false, reason: "CONSENT_MISSING" });
  });

  it("the right to object, by purpose: absolute for direct marketing, liftable for legitimate interests, none otherwise", () => {
    const rights = Object.fromEntries(clubmium.purposeKeys().map((key) => [key, rightToObject(clubmium.purpose(key)!)]));
    expect(rights).toEqual({
      "essential.service": RightToObject.NONE,
      "essential.service.operations.support": RightToObject.NONE,
      "essential.service.inquiries": RightToObject.LIFTABLE,
      "essential.service.security": RightToObject.LIFTABLE,
      "analytics.reporting": RightToObject.LIFTABLE,
      "functional.service.improve": RightToObject.LIFTABLE,
      personalize: RightToObject.NONE,
      "marketing.advertising": RightToObject.ABSOLUTE,
      "essential.legal_obligation": RightToObject.NONE,
      "essential.data_subject_rights": RightToObject.NONE,
    });
    const policy = new CompiledPolicy(
      1,
      [],
      [rule("marketing", LegalBasisCode.LEGITIMATE_INTERESTS, null), rule("marketing.post", LegalBasisCode.CONSENT, "marketing")],
    );
    expect(rightToObject(policy.purpose("marketing")!)).toBe(RightToObject.ABSOLUTE);
    expect([...consentsEndedByObjection(policy, "marketing")].sort()).toEqual(["marketing", "marketing.post"]);
    expect(consentsEndedByObjection(clubmium, "analytics.reporting")).toEqual([]);
  });

  it("restriction blocks every purpose but those allowed under restriction", () => {
    const restricted = subject({ status: SubjectStatus.RESTRICTED });
    for (const purpose of clubmium.purposeKeys()) {
      // Both run under restriction; the record-keeping one reads only the archive, which holds nothing of a live customer.
      const expected =
        purpose === "essential.data_subject_rights"
          ? LAWFUL
          : purpose === "essential.legal_obligation"
            ? { lawful: false, reason: "NOT_ARCHIVED" }
            : { lawful: false, reason: "RESTRICTED" };
      expect({ purpose, decision: lawfulness(clubmium, purpose, restricted, NOW) }).toEqual({ purpose, decision: expected });
    }
  });

  it("retention: legitimate interests end with the service; the legal obligation keeps its archive five years", () => {
    const ended = (days: number) => subject({ serviceActiveUntil: daysAgo(days), archivedCategories: ["user.name"] });
    expect(lawfulness(clubmium, "analytics.reporting", ended(1), NOW)).toEqual({ lawful: false, reason: "RETENTION_EXPIRED" });
    expect(lawfulness(clubmium, "essential.legal_obligation", ended(1825), NOW)).toEqual({
      lawful: true,
      scope: new Set(["user.name"]),
      outsideScope: "NOT_ARCHIVED",
    });
    expect(lawfulness(clubmium, "essential.legal_obligation", ended(1827), NOW)).toEqual({ lawful: false, reason: "RETENTION_EXPIRED" });
  });

  it("a purpose counted from an inquiry's close reads only someone who asked: while it is open and its retention after; one counted from the service's end only a customer", () => {
    const inquiries = "essential.service.inquiries";
    const asked = (closedDaysAgo: number | null) =>
      subject({ inquiries: [{ receivedAt: daysAgo(400), closedAt: closedDaysAgo === null ? null : daysAgo(closedDaysAgo) }] });
    expect(lawfulness(clubmium, inquiries, subject(), NOW)).toEqual({ lawful: false, reason: "NO_INQUIRY" });
    expect(lawfulness(clubmium, inquiries, asked(null), NOW)).toEqual(LAWFUL);
    expect(lawfulness(clubmium, inquiries, asked(364), NOW)).toEqual(LAWFUL);
    expect(lawfulness(clubmium, inquiries, asked(366), NOW)).toEqual({ lawful: false, reason: "RETENTION_EXPIRED" });
    // Someone who never became a customer: the inquiry purpose reads them; a purpose counted from the service's end does not.
    const inquirer = { ...asked(null), serviceActiveSince: null };
    expect(lawfulness(clubmium, inquiries, inquirer, NOW)).toEqual(LAWFUL);
    expect(lawfulness(clubmium, "essential.service.security", inquirer, NOW)).toEqual({ lawful: false, reason: "CONTRACT_INACTIVE" });
    expect(lawfulness(clubmium, "essential.data_subject_rights", inquirer, NOW)).toEqual(LAWFUL);
  });

  it("the record-keeping purpose reads what the archive keeps and what an open legal hold covers, nothing else", () => {
    const hold = { reference: "Case 1", categories: ["user.contact"], openedAt: daysAgo(5), until: daysAgo(-5), releasedAt: null };
    const live = subject();
    expect(lawfulness(clubmium, "essential.legal_obligation", live, NOW)).toEqual({ lawful: false, reason: "NOT_ARCHIVED" });
    const held = lawfulness(clubmium, "essential.legal_obligation", subject({ legalHolds: [hold] }), NOW);
    expect(releaseOf(held, "user.contact.email")).toBeNull();
    expect(releaseOf(held, "user.contact.address")).toBeNull();
    expect(releaseOf(held, "user.name")).toBe("NOT_ARCHIVED");
    // A released hold, or one past its end, covers nothing.
    expect(
      lawfulness(clubmium, "essential.legal_obligation", subject({ legalHolds: [{ ...hold, releasedAt: daysAgo(1) }] }), NOW).lawful,
    ).toBe(false);
    expect(lawfulness(clubmium, "essential.legal_obligation", subject({ legalHolds: [{ ...hold, until: daysAgo(1) }] }), NOW).lawful).toBe(
      false,
    );
    // Erased releases nothing to any purpose; archived nothing live.
    for (const purpose of clubmium.purposeKeys()) {
      expect(lawfulness(clubmium, purpose, subject({ status: SubjectStatus.ERASED, legalHolds: [hold] }), NOW)).toEqual({
        lawful: false,
        reason: "ERASED",
      });
    }
    expect(lawfulness(clubmium, "essential.service", subject({ status: SubjectStatus.ARCHIVED }), NOW)).toEqual({
      lawful: false,
      reason: "ARCHIVED",
    });
  });

  it("retention counted from collection or from the last withdrawal", () => {
    const policy = new CompiledPolicy(
      1,
      [],
      [
        {
          ...rule("collected", LegalBasisCode.LEGITIMATE_INTERESTS, null),
          retention: { trigger: RetentionTrigger.COLLECTED, days: 30, action: RetentionAction.DELETE },
        },
        {
          ...rule("afterconsent", LegalBasisCode.LEGITIMATE_INTERESTS, null),
          retention: { trigger: RetentionTrigger.CONSENT_WITHDRAWN, days: 7, action: RetentionAction.DELETE },
        },
      ],
    );
    expect(lawfulness(policy, "collected", subject({ collectedAt: daysAgo(29) }), NOW).lawful).toBe(true);
    expect(lawfulness(policy, "collected", subject({ collectedAt: daysAgo(31) }), NOW).lawful).toBe(false);
    const withdrawn = (days: number) =>
      subject({ consents: [{ purposeKey: "afterconsent", givenAt: daysAgo(100), withdrawnAt: daysAgo(days), scope: [] }] });
    expect(lawfulness(policy, "afterconsent", withdrawn(6), NOW).lawful).toBe(true);
    expect(lawfulness(policy, "afterconsent", withdrawn(8), NOW)).toEqual({ lawful: false, reason: "RETENTION_EXPIRED" });
  });

  it("consent covers only its scope: a category granted after it was given is CONSENT_SCOPE, the rest is released", () => {
    const narrow = { purposeKey: "personalize", givenAt: daysAgo(10), withdrawnAt: null, scope: ["user.name"] };
    const decided = lawfulness(clubmium, "personalize", subject({ consents: [narrow] }), NOW);
    expect(releaseOf(decided, "user.name")).toBeNull();
    expect(releaseOf(decided, "user.location.coarse")).toBe("CONSENT_SCOPE");
    const renewed = { ...narrow, givenAt: daysAgo(1), scope: clubmium.readableCategories("personalize") };
    expect(
      releaseOf(lawfulness(clubmium, "personalize", subject({ consents: [narrow, renewed] }), NOW), "user.location.coarse"),
    ).toBeNull();
    expect(releaseOf(lawfulness(clubmium, "essential.service", subject(), NOW), "user.contact.email")).toBeNull();
    expect(releaseOf(lawfulness(clubmium, "personalize", subject(), NOW), "user.name")).toBe("CONSENT_MISSING");
  });

  it("refuses an unknown purpose", () => {
    expect(() => lawfulness(clubmium, "no.such.purpose", subject(), NOW)).toThrow(/Unknown purpose/);
  });
});

function rule(key: string, legalBasis: LegalBasisCode, parentKey: string | null): PurposeRule {
  return {
    key,
    parentKey,
    legalBasis,
    allowedUnderRestriction: false,
    consentAtRegistration: false,
    legalReference: legalBasis === LegalBasisCode.LEGAL_OBLIGATION ? "a statute" : null,
    answersRequests: false,
    neverGrants: [],
    showsAds: false,
    article9Condition: null,
    retention: { trigger: RetentionTrigger.SERVICE_ENDED, days: null, action: RetentionAction.DELETE },
    grants: [],
  };
}

describe("properties over arbitrary subjects and every Clubmium purpose", () => {
  const purposeKeys = clubmium.purposeKeys();
  const instant = fc.integer({ min: -2000, max: 30 }).map((days) => daysAgo(days));
  const purposeKey = fc.constantFrom(...purposeKeys);
  const categoryKeys = clubmium.categories.map((category) => category.key);
  const scope = fc.subarray(categoryKeys);
  const category = fc.constantFrom(...categoryKeys);
  const consent = fc.record({ purposeKey, givenAt: instant, withdrawnAt: fc.option(instant, { nil: null }), scope });
  const objection = fc.record({ purposeKey, objectedAt: instant, liftedAt: fc.option(instant, { nil: null }) });
  const facts: fc.Arbitrary<SubjectFacts> = fc.record({
    status: fc.constantFrom(SubjectStatus.ACTIVE, SubjectStatus.RESTRICTED),
    serviceActiveSince: fc.option(instant, { nil: null }),
    serviceActiveUntil: fc.option(instant, { nil: null }),
    collectedAt: instant,
    consents: fc.array(consent, { maxLength: 4 }),
    objections: fc.array(objection, { maxLength: 3 }),
    archivedCategories: fc.subarray(categoryKeys),
    legalHolds: fc.array(
      fc.record({
        reference: fc.constant("case"),
        categories: fc.subarray(categoryKeys, { minLength: 1 }),
        openedAt: instant,
        until: instant,
        releasedAt: fc.option(instant, { nil: null }),
      }),
      { maxLength: 2 },
    ),
    inquiries: fc.array(fc.record({ receivedAt: instant, closedAt: fc.option(instant, { nil: null }) }), { maxLength: 2 }),
  });
  const lawful = (purpose: string, state: SubjectFacts): boolean => lawfulness(clubmium, purpose, state, NOW).lawful;

  it("leaving out the facts a purpose does not need changes no decision (factsNeededBy: what a request loads)", () => {
    let leftOut = 0;
    fc.assert(
      fc.property(facts, purposeKey, fc.constantFrom(...Object.values(SubjectStatus)), (state, purpose, status) => {
        const whole = { ...state, status };
        const needed = factsNeededBy(clubmium, purpose);
        const loaded: SubjectFacts = {
          ...whole,
          consents: needed.consents ? whole.consents : [],
          objections: needed.objections ? whole.objections : [],
          inquiries: needed.inquiries ? whole.inquiries : [],
          archivedCategories: needed.archive ? whole.archivedCategories : [],
          legalHolds: needed.archive ? whole.legalHolds : [],
        };
        if (JSON.stringify(loaded) !== JSON.stringify(whole)) leftOut += 1;
        expect(lawfulness(clubmium, purpose, loaded, NOW)).toEqual(lawfulness(clubmium, purpose, whole, NOW));
      }),
      { numRuns: 3000 },
    );
    // The property is about something: most runs did leave facts out.
    expect(leftOut).toBeGreaterThan(1500);
  });

  it("withdrawing a consent never widens access, and under consent it often narrows it", () => {
    let narrowed = 0;
    fc.assert(
      fc.property(facts, purposeKey, (state, purpose) => {
        // Every run withdraws a consent that is active and concerns the purpose read.
        const consent = { purposeKey: purpose, givenAt: daysAgo(5), withdrawnAt: null, scope: clubmium.readableCategories(purpose) };
        const given = { ...state, consents: [...state.consents, consent] };
        const withdrawn = { ...state, consents: [...state.consents, { ...consent, withdrawnAt: NOW }] };
        expect(!lawful(purpose, withdrawn) || lawful(purpose, given)).toBe(true);
        if (lawful(purpose, given) && !lawful(purpose, withdrawn)) narrowed += 1;
      }),
      { numRuns: 300 },
    );
    expect(narrowed).toBeGreaterThan(10);
  });

  it("objecting never widens access", () => {
    fc.assert(
      fc.property(facts, purposeKey, purposeKey, (state, purpose, objectedTo) => {
        const objected = { ...state, objections: [...state.objections, { purposeKey: objectedTo, objectedAt: NOW, liftedAt: null }] };
        expect(!lawful(purpose, objected) || lawful(purpose, state)).toBe(true);
      }),
    );
  });

  it("an open objection covering a purpose it applies to always denies it, with reason OBJECTED unless restricted", () => {
    let denied = 0;
    fc.assert(
      fc.property(facts, purposeKey, fc.nat(), (state, purpose, pick) => {
        const lineage = clubmium.lineageOf(purpose);
        const objectedTo = lineage[pick % lineage.length]!;
        const objected = { ...state, objections: [...state.objections, { purposeKey: objectedTo, objectedAt: NOW, liftedAt: null }] };
        const stopping = stoppingObjection(clubmium, purpose, objected.objections, NOW);
        if (rightToObject(clubmium.purpose(purpose)!) === RightToObject.NONE) {
          expect(stopping === undefined).toBe(true);
          return;
        }
        expect(stopping).toBeDefined();
        const decided = lawfulness(clubmium, purpose, objected, NOW);
        expect(decided).toEqual({ lawful: false, reason: objected.status === SubjectStatus.RESTRICTED ? "RESTRICTED" : "OBJECTED" });
        denied += 1;
      }),
      { numRuns: 300 },
    );
    expect(denied).toBeGreaterThan(50);
  });

  it("restricting never widens access", () => {
    fc.assert(
      fc.property(facts, purposeKey, (state, purpose) => {
        const restricted = { ...state, status: SubjectStatus.RESTRICTED };
        expect(!lawful(purpose, restricted) || lawful(purpose, state)).toBe(true);
      }),
    );
  });

  it("giving consent never narrows access, category by category", () => {
    fc.assert(
      fc.property(facts, purposeKey, purposeKey, scope, category, (state, purpose, consentedTo, consentScope, read) => {
        const consented = {
          ...state,
          consents: [...state.consents, { purposeKey: consentedTo, givenAt: NOW, withdrawnAt: null, scope: consentScope }],
        };
        expect(!lawful(purpose, state) || lawful(purpose, consented)).toBe(true);
        const releasedBefore = releaseOf(lawfulness(clubmium, purpose, state, NOW), read) === null;
        expect(!releasedBefore || releaseOf(lawfulness(clubmium, purpose, consented, NOW), read) === null).toBe(true);
      }),
    );
  });

  it("under consent, a category is released only when an active consent's scope names it", () => {
    fc.assert(
      fc.property(facts, purposeKey, category, (state, purpose, read) => {
        if (clubmium.purpose(purpose)?.legalBasis !== LegalBasisCode.CONSENT) return;
        if (releaseOf(lawfulness(clubmium, purpose, state, NOW), read) !== null) return;
        const lineage = new Set(clubmium.lineageOf(purpose));
        const covering = state.consents.filter(
          (c) => lineage.has(c.purposeKey) && c.givenAt <= NOW && (c.withdrawnAt === null || c.withdrawnAt > NOW) && c.scope.includes(read),
        );
        expect(covering.length).toBeGreaterThan(0);
      }),
    );
  });

  it("never throws for a known purpose, and every denial names a listed reason", () => {
    fc.assert(
      fc.property(facts, purposeKey, fc.nat(), (state, purpose, pick) => {
        // A category the purpose grants, as the guard asks only after rule 2 has passed.
        const readable = clubmium.readableCategories(purpose);
        const reason = releaseOf(lawfulness(clubmium, purpose, state, NOW), readable[pick % readable.length]!);
        if (reason !== null) expect(DENIAL_REASONS).toContain(reason);
      }),
      { numRuns: 1_000 },
    );
  });

  it("every listed reason is one the engine gives, for the state that calls for it", () => {
    const consent = (scope: readonly string[], withdrawnAt: Date | null = null) => ({
      purposeKey: "personalize",
      givenAt: daysAgo(10),
      withdrawnAt,
      scope,
    });
    const cases: Record<string, [purpose: string, state: SubjectFacts, category: string]> = {
      CONSENT_MISSING: ["personalize", subject(), "user.name"],
      CONSENT_WITHDRAWN: ["personalize", subject({ consents: [consent(["user.name"], daysAgo(1))] }), "user.name"],
      CONSENT_SCOPE: ["personalize", subject({ consents: [consent(["user.name"])] }), "user.location.coarse"],
      OBJECTED: [
        "analytics.reporting",
        subject({ objections: [{ purposeKey: "analytics.reporting", objectedAt: daysAgo(1), liftedAt: null }] }),
        "user.location.coarse",
      ],
      RESTRICTED: ["essential.service", subject({ status: SubjectStatus.RESTRICTED }), "user.name"],
      CONTRACT_INACTIVE: ["essential.service", subject({ serviceActiveUntil: daysAgo(1) }), "user.name"],
      RETENTION_EXPIRED: [
        "essential.legal_obligation",
        subject({ serviceActiveUntil: daysAgo(1827), archivedCategories: ["user.name"] }),
        "user.name",
      ],
      ERASED: ["essential.service", subject({ status: SubjectStatus.ERASED }), "user.name"],
      ARCHIVED: ["essential.service", subject({ status: SubjectStatus.ARCHIVED }), "user.name"],
      NOT_ARCHIVED: ["essential.legal_obligation", subject({ archivedCategories: ["user.name"] }), "user.contact.email"],
      NO_INQUIRY: ["essential.service.inquiries", subject(), "user.content.private"],
    };
    expect(Object.keys(cases).sort()).toEqual([...DENIAL_REASONS].sort());
    for (const [reason, [purpose, state, category]] of Object.entries(cases)) {
      expect({ reason, given: releaseOf(lawfulness(clubmium, purpose, state, NOW), category) }).toEqual({ reason, given: reason });
    }
  });
});
