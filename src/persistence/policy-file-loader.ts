import { readFile } from "node:fs/promises";
import { parsePolicy, PolicyFileError } from "../policy/policy-file";
import type { PolicyDocument } from "../policy/policy-document";

/** A policy file as read from disk: the I/O half of `parsePolicy`, which stays pure in src/policy. */
export interface LoadedPolicy {
  readonly document: PolicyDocument;
  /** The file's text, kept with each policy version as its record. */
  readonly source: string;
}

/** Reads, parses and validates a policy file; every problem names its path inside the file and its line. */
export async function loadPolicyFile(file: string): Promise<LoadedPolicy> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (error) {
    throw new PolicyFileError(file, [`cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  return { document: parsePolicy(file, source), source };
}
