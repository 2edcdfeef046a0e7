import { LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";

/** A YAML file parsed with its lines counted, so that each problem can name the line it is on. */
export interface YamlSource {
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
  /** Syntax errors, each as `line N: message`; none when the file parsed. */
  readonly syntaxProblems: readonly string[];
}

export function parseYamlSource(source: string): YamlSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false });
  return {
    document,
    lineCounter,
    syntaxProblems: document.errors.map((error) => `line ${lineCounter.linePos(error.pos[0]).line}: ${error.message.split("\n")[0]}`),
  };
}

/** Each schema issue as `path (line N): message`, the line of the node the path leads to. */
export function describeIssues(yaml: YamlSource, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String);
    return `${path.join(".") || "(document)"}${lineOf(yaml, path)}: ${issue.message}`;
  });
}

/** ` (line N)`, the line of the node `path` leads to, or nothing when the file has no such node. */
export function lineOf(yaml: YamlSource, path: readonly (string | number)[]): string {
  const node = yaml.document.getIn(path, true) as { range?: [number, number, number] } | undefined;
  return node?.range ? ` (line ${yaml.lineCounter.linePos(node.range[0]).line})` : "";
}
