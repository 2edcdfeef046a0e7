import { Capability } from "../src/domain/capabilities";
import { ClientRole } from "../src/domain/policy-terms";
import { RemoteError, runSubjectCommand, UsageError } from "../src/cli/subject-commands";
import { SubjectRequestRow } from "../src/persistence/entities";
import { createTestClient, DEV_KEY, overHttpPurposeQLForThisFile } from "./support/harness";

/**
 * `npm run subject` handles a person's request from a terminal, as a client of the running server:
 * its commands are GraphQL under the caller's key, so capabilities and the audit apply to it too.
 */

const purposeql = overHttpPurposeQLForThisFile();

async function subject(argv: string[], apiKey = DEV_KEY): Promise<{ output: string; files: Map<string, string> }> {
  let output = "";
  const files = new Map<string, string>();
  await runSubjectCommand(argv, {
    url: purposeql.url,
    apiKey,
    print: (text) => (output += text),
    writeFile: (path, content) => {
      files.set(path, content);
      return Promise.resolve();
    },
  });
  return { output, files };
}

async function newSubject(): Promise<string> {
  const created = await purposeql.post<{ createSubject: { id: string } }>(
    `mutation { createSubject(input: { fullName: "Cli Person" }) { id } }`,
    {
      purpose: "essential.service",
    },
  );
  return created.body.data!.createSubject.id;
}

describe("npm run subject", () => {
  it("opens, verifies, extends, lists and completes a request, each through the server, each a change event", async () => {
    const subjectId = await newSubject();
    const opened = JSON.parse(
      (await subject(["open", subjectId, "--kind", "ACCESS", "--channel", "EMAIL", "--received-at", "2026-01-31T10:00:00Z"])).output,
    ) as { id: string; dueOn: string; status: string };
    expect(opened).toMatchObject({ dueOn: "2026-02-28", status: "RECEIVED" });

    expect(JSON.parse((await subject(["verify", opened.id, "--method", "ID card seen at the desk"])).output)).toMatchObject({
      status: "IDENTITY_VERIFIED",
    });
    const listed = (await subject(["list", "--status", "IDENTITY_VERIFIED", "--first", "100"])).output;
    expect(listed).toContain(`${opened.id}\tACCESS\tIDENTITY_VERIFIED\tdue 2026-02-28\tsubject ${subjectId}\tOVERDUE`);
    expect(JSON.parse((await subject(["complete", opened.id])).output)).toMatchObject({ request: { status: "COMPLETED" } });

    const operations = await purposeql.services.dataSource.query<{ operation: string }[]>(
      `SELECT operation FROM access_event WHERE subject_id = $1 AND decision = 'WRITTEN' ORDER BY id`,
      [subjectId],
    );
    expect(operations.map((row) => row.operation)).toEqual([
      "createSubject",
      "openSubjectRequest",
      "verifySubjectIdentity",
      "completeSubjectRequest",
    ]);
  });

  it("completes a rectification with corrections given as JSON, and refuses with a reason", async () => {
    const subjectId = await newSubject();
    const rectify = JSON.parse((await subject(["open", subjectId, "--kind", "RECTIFICATION", "--channel", "POST"])).output) as {
      id: string;
    };
    await subject(["complete", rectify.id, "--corrections", '{"fullName":"Anna Bērziņa"}']);
    const [row] = await purposeql.services.dataSource.query<{ full_name: string }[]>(`SELECT full_name FROM data_subject WHERE id = $1`, [
      subjectId,
    ]);
    expect(row?.full_name).toBe("Anna Bērziņa");

    const objection = JSON.parse((await subject(["open", subjectId, "--kind", "OBJECTION", "--channel", "PHONE"])).output) as {
      id: string;
    };
    expect(JSON.parse((await subject(["refuse", objection.id, "--reason", "Not the account holder's number"])).output)).toMatchObject({
      status: "REFUSED",
      refusalReason: "Not the account holder's number",
    });
  });

  it("writes the access export and the portability export to files, each audited as one event", async () => {
    const subjectId = await newSubject();
    const access = JSON.parse((await subject(["open", subjectId, "--kind", "ACCESS", "--channel", "WEB_FORM"])).output) as { id: string };
    await subject(["verify", access.id, "--method", "signed-in account"]);
    const exported = await subject(["export", access.id, "--out", "anna.json"]);
    expect(exported.output).toBe(`Wrote the access export of request ${access.id} to anna.json\n`);
    const document = JSON.parse(exported.files.get("anna.json") ?? "{}") as {
      request: { id: string };
      personalData: { values: unknown[] };
    };
    expect(document.request.id).toBe(access.id);
    expect(JSON.stringify(document.personalData.values)).toContain("Cli Person");

    const portability = JSON.parse((await subject(["open", subjectId, "--kind", "PORTABILITY", "--channel", "EMAIL"])).output) as {
      id: string;
    };
    await subject(["verify", portability.id, "--method", "signed-in account"]);
    const csv = await subject(["portability", portability.id, "--format", "CSV"]);
    const [file] = [...csv.files];
    expect(file?.[0]).toMatch(/\.csv$/);
    expect(file?.[1]).toContain("Cli Person");

    const events = await purposeql.services.dataSource.query<{ operation: string; decision: string }[]>(
      `SELECT operation, decision FROM access_event WHERE subject_id = $1 AND operation IN ('accessExport', 'portabilityExport') ORDER BY id`,
      [subjectId],
    );
    expect(events).toEqual([
      { operation: "accessExport", decision: "RELEASED" },
      { operation: "portabilityExport", decision: "RELEASED" },
    ]);
  });

  it("reports bad usage before calling the server, and the server's refusal with its code", async () => {
    await expect(subject(["open", "x", "--kind", "EVERYTHING", "--channel", "EMAIL"])).rejects.toThrow(UsageError);
    await expect(subject(["refuse", "x"])).rejects.toThrow(/--reason is required/);
    await expect(subject(["frobnicate"])).rejects.toThrow(/unknown command frobnicate/);
    await expect(subject(["complete", "x", "--corrections", "{oops"])).rejects.toThrow(/--corrections must be JSON/);

    const subjectId = await newSubject();
    const reader = await createTestClient(purposeql, {
      name: "cli-reader",
      role: ClientRole.INTERNAL_APP,
      purposes: ["essential.data_subject_rights"],
      capabilities: [Capability.RECORD_CONSENT],
    });
    await expect(subject(["open", subjectId, "--kind", "ACCESS", "--channel", "EMAIL"], reader)).rejects.toThrow(
      new RemoteError(
        "FORBIDDEN: Client `cli-reader` lacks the capability HANDLE_REQUESTS that Mutation.openSubjectRequest needs. Nothing was executed.",
      ),
    );
    expect(await purposeql.services.dataSource.getRepository(SubjectRequestRow).countBy({ subjectId })).toBe(0);
  });
});
