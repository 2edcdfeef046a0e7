import { readFileSync } from "node:fs";
import path from "node:path";
import { lintPolicySource } from "../src/policy/policy-lint";
import { errorCodes, inProcessPurposeQLForThisFile } from "./support/harness";

/**
 * `npm run policy:lint`: the policy file is checked against every rule the loader enforces, each
 * finding naming the file, the item, the line and the rule; and every purpose cites the notice.
 * grantCategory keeps the same grant rules at run time.
 */

const POLICY_FILE = path.resolve(__dirname, "../policy/clubmium.policy.yaml");
const NOTICE_FILE = path.resolve(__dirname, "../policy/clubmium-privacy-notice.lv.txt");
const source = readFileSync(POLICY_FILE, "utf8");
const notice = readFileSync(NOTICE_FILE, "utf8");
const lint = (text: string) => lintPolicySource("policy.yaml", text, notice);
const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split("\n").length;

describe("npm run policy:lint", () => {
  it("finds nothing in Clubmium's policy", () => {
    expect(lint(source)).toEqual([]);
  });

  it("names the file, the item, the line and the rule of each finding", () => {
    // analytics.reporting promises it never reads e-mail; a grant of user.contact would reach it.
    const widened = source.replace(
      "      - user.device.browser\n      - user.device.operating_system\n      - user.device.device_info\n    retention: { trigger: SERVICE_ENDED, days: 0, action: ANONYMISE }",
      "      - user.contact\n      - user.device.browser\n      - user.device.operating_system\n      - user.device.device_info\n    retention: { trigger: SERVICE_ENDED, days: 0, action: ANONYMISE }",
    );
    expect(widened).not.toBe(source);
    const findings = lint(widened);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: "policy.yaml",
          rule: "never-grants",
          item: expect.stringContaining("(analytics.reporting).grants"),
        }),
      ]),
    );
    const finding = findings.find((candidate) => candidate.rule === "never-grants")!;
    expect(finding.message).toMatch(/never reads user\.contact\.email/);
    expect(finding.line).toBe(lineOf(widened, "      - user.location.coarse\n      - user.contact"));
  });

  it("finds each rule: ads on personal content by flag, a missing legal reference, an uncited purpose, a processor beyond its purposes, a transfer without safeguard, special categories without a condition", () => {
    const broken = source
      // A purpose that shows ads under another name, granted messages.
      .replace(
        "    legalBasis: CONSENT\n    grants:\n      - user.name\n      - user.demographic.date_of_birth",
        "    legalBasis: CONSENT\n    showsAds: true\n    grants:\n      - user.content\n      - user.name\n      - user.demographic.date_of_birth",
      )
      // The legal obligation without its law.
      .replace(/ {4}legalReference: >-\n {6}Grāmatvedības likums[^\n]*\n[^\n]*\n/, "")
      // A purpose whose comment quotes words the notice does not hold.
      .replace('# Notice: "Lai nodrošinātu klientu apkalpošanu"', '# Notice: "Lai pārdotu jūsu datus"')
      // The mail processor moved to the United States, without a safeguard, and given device data no purpose of its reads.
      .replace("    country: IE\n", "    country: US\n")
      .replace(/ {6}- user\.content\.private\n$/, "      - user.content.private\n      - user.device\n")
      // A special category granted to a purpose with no Art. 9(2) condition.
      .replace("  - key: user.account\n", "  - key: user.account\n    special: true\n");
    const rules = new Set(lint(broken).map((finding) => finding.rule));
    expect(rules).toEqual(
      new Set([
        "no-ads-on-personal-content",
        "legal-reference",
        "notice-citation",
        "transfer-safeguard",
        "processor-categories",
        "special-category-condition",
      ]),
    );
    for (const finding of lint(broken)) expect(finding.line).toBeGreaterThan(0);
  });

  it("reports a file that is not YAML, or not a policy, by line", () => {
    expect(lint("purposes: [\n")[0]).toMatchObject({ rule: "yaml", line: expect.any(Number) });
    expect(lint("organisation: {}\n")[0]).toMatchObject({ rule: "schema" });
  });
});

describe("grantCategory keeps the same rules at run time", () => {
  const purposeql = inProcessPurposeQLForThisFile();
  const GRANT = `mutation ($p: String!, $c: String!) { grantCategory(purpose: $p, category: $c, justification: "Test: the purpose needs it") { key } }`;

  it("refuses a grant that reaches what a purpose promises it never reads, and personal content for a purpose that shows ads", async () => {
    const email = await purposeql.execute(GRANT, { variables: { p: "analytics.reporting", c: "user.contact" } });
    expect(errorCodes(email)).toEqual(["BAD_USER_INPUT"]);
    expect(email.errors?.[0]?.message).toMatch(/never reads user\.contact\.email/);
    const content = await purposeql.execute(GRANT, { variables: { p: "marketing.advertising", c: "user.content.private" } });
    expect(errorCodes(content)).toEqual(["BAD_USER_INPUT"]);
    const allowed = await purposeql.execute(GRANT, { variables: { p: "analytics.reporting", c: "user.demographic.date_of_birth" } });
    expect(allowed.errors).toBeUndefined();
  });
});
