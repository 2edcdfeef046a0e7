import { readFileSync } from "node:fs";
import { loadPolicyFile } from "../src/persistence/policy-file-loader";
import { parsePolicy, PolicyFileError } from "../src/policy/policy-file";
import { POLICY_FILE } from "./support/harness";

const clubmium = readFileSync(POLICY_FILE, "utf8");

function problemsOf(source: string): string[] {
  try {
    parsePolicy("policy.yaml", source);
  } catch (error) {
    if (error instanceof PolicyFileError) return [...error.problems];
    throw error;
  }
  throw new Error("the policy was accepted");
}

describe("the Clubmium policy file", () => {
  it("loads, with the categories and purposes clients rely on", async () => {
    const { document } = await loadPolicyFile(POLICY_FILE);
    expect(document.categories.map((category) => category.key)).toEqual(
      expect.arrayContaining([
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
        "user.content.private",
      ]),
    );
    const bases = Object.fromEntries(document.purposes.map((purpose) => [purpose.key, purpose.legalBasis]));
    expect(bases).toEqual({
      "essential.service": "CONTRACT",
      "essential.data_subject_rights": "LEGAL_OBLIGATION",
      "essential.service.operations.support": "CONTRACT",
      "essential.service.inquiries": "LEGITIMATE_INTERESTS",
      "essential.service.security": "LEGITIMATE_INTERESTS",
      "analytics.reporting": "LEGITIMATE_INTERESTS",
      "functional.service.improve": "LEGITIMATE_INTERESTS",
      personalize: "CONSENT",
      "marketing.advertising": "CONSENT",
      "essential.legal_obligation": "LEGAL_OBLIGATION",
    });
    const byKey = new Map(document.purposes.map((purpose) => [purpose.key, purpose]));
    expect(byKey.get("essential.service.inquiries")?.grants).toContain("user.content.private");
    expect(byKey.get("analytics.reporting")?.grants).not.toEqual(expect.arrayContaining(["user.name"]));
    expect(byKey.get("essential.legal_obligation")?.allowedUnderRestriction).toBe(true);
    expect(document.processors.map((processor) => processor.name)).toHaveLength(2);
  });
});

describe("a bad policy file", () => {
  it("names the file, the path inside it and the line", () => {
    const broken = clubmium.replace("legalBasis: CONTRACT", "legalBasis: CONTRACTUAL");
    expect(() => parsePolicy("broken.yaml", broken)).toThrow(/Invalid policy file broken\.yaml/);
    const [problem] = problemsOf(broken);
    expect(problem).toMatch(/^purposes\.0\.legalBasis \(line \d+\): /);
  });

  it("refuses a marketing purpose granted personal content", () => {
    const problems = problemsOf(
      clubmium.replace(
        "      - user.name\n      - user.contact.email\n      - user.demographic",
        "      - user.content.private\n      - user.contact.email\n      - user.demographic",
      ),
    );
    expect(problems.join("\n")).toMatch(/marketing\.advertising may not be granted user\.content\.private/);
  });

  it("refuses a marketing grant on an ancestor that covers personal content", () => {
    const problems = problemsOf(
      clubmium.replace(
        "      - user.name\n      - user.contact.email\n      - user.demographic",
        "      - user\n      - user.contact.email\n      - user.demographic",
      ),
    );
    expect(problems.join("\n")).toMatch(/marketing\.advertising may not be granted user:/);
  });

  it("refuses personal content inherited by a marketing sub-purpose", () => {
    const source = clubmium.replace(
      "processors:",
      `  - key: marketing.advertising.newsletter
    name: Newsletter
    description: A newsletter.
    legalBasis: CONSENT
    grants: [user.content]
    retention: { trigger: CONSENT_WITHDRAWN, action: DELETE }

processors:`,
    );
    expect(problemsOf(source).join("\n")).toMatch(/marketing\.advertising\.newsletter may not be granted user\.content/);
  });

  it("refuses unknown categories, undeclared parents, duplicate keys and a missing assessment", () => {
    // Each edit must apply: an edit that silently matched nothing would leave the test checking nothing.
    const edit = (source: string, from: string, to: string): string => {
      expect(source).toContain(from);
      return source.replace(from, to);
    };
    let source = clubmium;
    source = edit(
      source,
      "      - user.device.browser\n      - user.device.operating_system\n      - user.device.device_info\n    retention: { trigger: SERVICE_ENDED, days: 0, action: ANONYMISE }\n",
      "      - user.device.telepathy\n    retention: { trigger: SERVICE_ENDED, days: 0, action: ANONYMISE }\n",
    );
    source = edit(source, "  - key: user.name\n", "  - key: person.name\n    name: Name\n    description: Name.\n  - key: user.name\n");
    source = edit(
      source,
      "  - key: user.contact\n",
      "  - key: user.name\n    name: Name again\n    description: Declared twice.\n  - key: user.contact\n",
    );
    source = edit(source, "  - key: personalize\n", "  - key: personalize\n    legitimateInterestAssessment: x\n");
    source = edit(
      source,
      "    legalBasis: LEGITIMATE_INTERESTS\n    legitimateInterestAssessment: >-\n      The person asked",
      "    legalBasis: LEGITIMATE_INTERESTS\n    description2: >-\n      The person asked",
    );
    const problems = problemsOf(source).join("\n");
    expect(problems).toMatch(/unknown category user\.device\.telepathy/);
    expect(problems).toMatch(/parent category person is not declared/);
    expect(problems).toMatch(/categories\.\d+\.key.*duplicate key user\.name/);
    expect(problems).toMatch(/description2/);
    expect(problems).toMatch(/purposes\.2\.legitimateInterestAssessment.*must carry its assessment/);
  });

  it("refuses an age of digital consent outside GDPR Art. 8(1)'s 13–16, or none at all", () => {
    const line = "  ageOfDigitalConsent: 13\n";
    expect(clubmium).toContain(line);
    expect(problemsOf(clubmium.replace(line, "  ageOfDigitalConsent: 12\n"))).toEqual([
      expect.stringMatching(/^organisation\.ageOfDigitalConsent \(line \d+\): GDPR Art\. 8\(1\) allows no age below 13$/),
    ]);
    expect(problemsOf(clubmium.replace(line, "  ageOfDigitalConsent: 17\n"))).toEqual([
      expect.stringMatching(/^organisation\.ageOfDigitalConsent \(line \d+\): GDPR Art\. 8\(1\) allows no age above 16$/),
    ]);
    expect(problemsOf(clubmium.replace(line, "")).join("\n")).toMatch(/^organisation\.ageOfDigitalConsent/);
    expect(parsePolicy("policy.yaml", clubmium.replace(line, "  ageOfDigitalConsent: 16\n")).organisation.ageOfDigitalConsent).toBe(16);
  });

  it("reports a YAML syntax error with its line", () => {
    expect(problemsOf("organisation: [\n")[0]).toMatch(/^line \d+: /);
  });

  it("reports a file that cannot be read", async () => {
    await expect(loadPolicyFile("/nonexistent/policy.yaml")).rejects.toThrow(/\/nonexistent\/policy\.yaml[\s\S]*ENOENT/);
  });
});
