import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Kind, parse, print, visit } from "graphql";

/**
 * Issue 12, item 4: `npm run schema:check` compares schema.graphql with the last released schema
 * kept in the repository (schema/released.graphql) with GraphQL Inspector, and fails on a breaking
 * change unless schema/acknowledged-breaking-changes.json acknowledges it with a reason. CI runs it.
 */

const ROOT = path.resolve(__dirname, "..");
const SCRIPT = path.join(ROOT, "dist/src/cli/schema-check.js");
let scratch: string;
let current: string;

beforeAll(async () => {
  execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "ignore" });
  scratch = await mkdtemp(path.join(tmpdir(), "purposeql-schema-check-"));
  current = await readFile(path.join(ROOT, "schema.graphql"), "utf8");
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function schemaCheck(args: readonly string[] = []): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** schema.graphql changed: `Query.viewer` removed (breaking), `Query.policyVersion` made nullable (breaking), a query added (not). */
function changedSchema(): string {
  const changed = visit(parse(current), {
    ObjectTypeDefinition(node) {
      if (node.name.value !== "Query") return undefined;
      const fields = (node.fields ?? [])
        .filter((field) => field.name.value !== "viewer")
        .map((field) =>
          field.name.value === "policyVersion" && field.type.kind === Kind.NON_NULL_TYPE ? { ...field, type: field.type.type } : field,
        );
      const added = parse("type X { releaseNotes: String }").definitions[0];
      const extra = added?.kind === Kind.OBJECT_TYPE_DEFINITION ? (added.fields ?? []) : [];
      return { ...node, fields: [...fields, ...extra] };
    },
  });
  return print(changed);
}

async function write(name: string, content: string): Promise<string> {
  const file = path.join(scratch, name);
  await writeFile(file, content);
  return file;
}

const acknowledging = (entries: readonly object[]): string => JSON.stringify({ acknowledged: entries }, null, 2);

describe("npm run schema:check", () => {
  it("passes on the repository as it is: schema.graphql keeps the released schema working", async () => {
    const result = await schemaCheck();
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^schema\.graphql against schema\/released\.graphql: \d+ change\(s\), 0 breaking\.$/m);
    expect(JSON.parse(await readFile(path.join(ROOT, "schema/acknowledged-breaking-changes.json"), "utf8"))).toEqual({ acknowledged: [] });
  });

  it("fails on a breaking change, naming each, and lets an addition through", async () => {
    const changed = await write("changed.graphql", changedSchema());
    const result = await schemaCheck(["--current", changed]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/2 breaking\./);
    expect(result.stdout).toMatch(/BREAKING {6}FIELD_REMOVED Query\.viewer: Field 'viewer' .*removed/);
    expect(result.stdout).toMatch(/BREAKING {6}FIELD_TYPE_CHANGED Query\.policyVersion: /);
    expect(result.stdout).not.toMatch(/releaseNotes/);
    expect(result.stdout).toContain("2 breaking change(s) not acknowledged");

    const addition = await write("addition.graphql", current.replace("  viewer: Viewer!", "  viewer: Viewer!\n  releaseNotes: String"));
    expect(await schemaCheck(["--current", addition])).toMatchObject({ status: 0 });
  });

  it("accepts breaking changes each acknowledged with a reason, and refuses one unacknowledged, stale or without a reason", async () => {
    const changed = await write("changed.graphql", changedSchema());
    const viewer = { type: "FIELD_REMOVED", path: "Query.viewer", reason: "Replaced by `me`; partners were told on 2026-01-10." };
    const policyVersion = { type: "FIELD_TYPE_CHANGED", path: "Query.policyVersion", reason: "Null while the policy reloads." };

    const both = await write("both.json", acknowledging([viewer, policyVersion]));
    const accepted = await schemaCheck(["--current", changed, "--acknowledged", both]);
    expect(accepted.status).toBe(0);
    expect(accepted.stdout).toContain(`acknowledged  FIELD_REMOVED Query.viewer: `);
    expect(accepted.stdout).toContain(viewer.reason);

    const one = await write("one.json", acknowledging([viewer]));
    const partly = await schemaCheck(["--current", changed, "--acknowledged", one]);
    expect(partly.status).toBe(1);
    expect(partly.stdout).toContain("1 breaking change(s) not acknowledged");

    const stale = await write(
      "stale.json",
      acknowledging([viewer, policyVersion, { type: "FIELD_REMOVED", path: "Query.subjects", reason: "x" }]),
    );
    const staleResult = await schemaCheck(["--current", changed, "--acknowledged", stale]);
    expect(staleResult.status).toBe(1);
    expect(staleResult.stdout).toContain("STALE         FIELD_REMOVED Query.subjects");

    const reasonless = await write("reasonless.json", acknowledging([{ ...viewer, reason: "  " }, policyVersion]));
    const refused = await schemaCheck(["--current", changed, "--acknowledged", reasonless]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("acknowledged.0.reason: give the reason partners can live with the change");
  });

  it("is run by CI after the lint", async () => {
    const ci = await readFile(path.join(ROOT, ".ci/run"), "utf8");
    const check = /^npm run (--silent )?schema:check$/m.exec(ci);
    expect(check?.index).toBeGreaterThan(ci.indexOf("npm run lint"));
    const manifest = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(manifest.scripts["schema:check"]).toContain("dist/src/cli/schema-check.js");
  });
});
