import { isMap, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { citationProblem } from "./notice-citations";
import { policyDocumentSchema } from "./policy-document";

/** One finding of `npm run policy:lint`: where (file, item, line) and which rule. */
export interface Finding {
  readonly file: string;
  /** The item's path in the file, e.g. `purposes.4.grants` (with the purpose's key where there is one). */
  readonly item: string;
  readonly line: number | null;
  readonly rule: string;
  readonly message: string;
}

/**
 * Lints a policy file: every rule the loader enforces (each problem names its rule — the grant
 * invariants of grant-rules.ts, legal references, assessments, processors' categories and transfer
 * safeguards, the file's structure), plus `notice-citation`: every purpose cites the sentence of the
 * notice it comes from, quoted verbatim from `notice`. Pure: the caller reads the files.
 */
export function lintPolicySource(file: string, source: string, notice: string): Finding[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    return document.errors.map((error) => ({
      file,
      item: "(document)",
      line: lineCounter.linePos(error.pos[0]).line,
      rule: "yaml",
      message: error.message.split("\n")[0] ?? error.message,
    }));
  }
  // A missing field (a legal reference not given) is reported at the nearest item that is there.
  const lineOf = (path: readonly (string | number)[]): number | null => {
    for (let depth = path.length; depth > 0; depth--) {
      const node = document.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return null;
  };
  const findings: Finding[] = [];
  const parsed = policyDocumentSchema.safeParse(document.toJS());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map((segment) => (typeof segment === "symbol" ? String(segment) : segment));
      const rule = issue.code === "custom" && typeof issue.params?.rule === "string" ? issue.params.rule : "schema";
      findings.push({ file, item: describe(document, path), line: lineOf(path), rule, message: issue.message });
    }
  }
  findings.push(...citationFindings(file, document, notice, lineOf));
  return findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function citationFindings(
  file: string,
  document: Document,
  notice: string,
  lineOf: (path: readonly (string | number)[]) => number | null,
): Finding[] {
  const purposes = document.get("purposes", true);
  if (!isSeq(purposes)) return [];
  return purposes.items.flatMap((item, index) => {
    // The comment above the first item belongs to the sequence itself.
    const comment = (isMap(item) ? item.commentBefore : undefined) ?? (index === 0 ? purposes.commentBefore : undefined) ?? undefined;
    const problem = citationProblem(comment ?? undefined, notice);
    const path = ["purposes", index];
    return problem ? [{ file, item: describe(document, path), line: lineOf(path), rule: "notice-citation", message: problem.message }] : [];
  });
}

/** `purposes.4 (analytics.reporting).grants`: the path, with the key or name of the item it passes through. */
function describe(document: Document, path: readonly (string | number)[]): string {
  if (path.length === 0) return "(document)";
  const [section, index, ...rest] = path;
  if (typeof index !== "number") return path.join(".");
  const item = document.getIn([section, index]);
  const name = isMap(item) ? (item.get("key") ?? item.get("name")) : undefined;
  return [`${String(section)}.${index}${typeof name === "string" ? ` (${name})` : ""}`, ...rest].join(".");
}
