import { stringify } from "csv-stringify/sync";
import { isPortableProvenance, SUBJECT_FIELD_NAMES, SUBJECT_FIELDS, type SubjectFieldName } from "../domain/field-provenance";
import { LegalBasisCode, SubjectStatus } from "../domain/policy-terms";
import type { SubjectRecord } from "../persistence/subject-record-repository";
import type { CompiledPolicy } from "../policy/engine/compiled-policy";
import { lawfulness, releaseOf, type SubjectFacts } from "../policy/engine/lawfulness";
import { storedValues, subjectFactsOf } from "./held-data";

/** The operation the portability export is audited as. */
export const PORTABILITY_EXPORT_OPERATION = "portabilityExport";

/** The version of docs/schemas/portability-v1.schema.json the JSON follows; its `schemaVersion` names it. */
export const PORTABILITY_SCHEMA_VERSION = "portability-v1";

export enum PortabilityFormat {
  JSON = "JSON",
  CSV = "CSV",
}

/**
 * The fields Art. 20 can cover, in the provenance table's order: what the person provided, and
 * what their use of the service let us observe (the registration record). The EDPB-endorsed
 * guidelines on portability (WP242 rev.01 §II.1.b) count observed data as "provided by" the person
 * and leave out only what the controller infers or derives; we include it. What our own systems
 * recorded (status, service dates, record times) is neither, and is never portable. These are the
 * JSON Schema's `data` properties and the CSV's columns.
 */
export const PORTABLE_FIELDS: readonly SubjectFieldName[] = SUBJECT_FIELD_NAMES.filter((field) =>
  isPortableProvenance(SUBJECT_FIELDS[field].provenance),
);

/** The legal bases Art. 20(1)(a) names: only data processed on consent or on a contract is portable. */
const PORTABLE_BASES: ReadonlySet<LegalBasisCode> = new Set([LegalBasisCode.CONSENT, LegalBasisCode.CONTRACT]);

export interface PortabilityInput {
  readonly record: SubjectRecord;
  readonly compiled: CompiledPolicy;
  readonly now: Date;
}

/** The portable data, as the JSON Schema describes it. */
export interface PortabilityDocument {
  readonly schemaVersion: typeof PORTABILITY_SCHEMA_VERSION;
  readonly generatedAt: string;
  readonly controller: { readonly name: string | null; readonly country: string | null };
  /** Only the portable fields that hold a value. */
  readonly data: Partial<Record<SubjectFieldName, string>>;
}

export interface PortabilityExport {
  readonly document: PortabilityDocument;
  /** The categories the document holds: what its audit event releases. */
  readonly categories: readonly string[];
}

/**
 * The data the person provided (and we observed), in so far as we process it on their consent or on
 * a contract with them (Art. 20(1)). A field is in when it holds a value and some purpose resting on
 * consent or contract grants its category and holds for this person, its consent covering that
 * category: data we keep only on legitimate interests or a legal obligation (a registration record
 * after the advertising consent was withdrawn; everything once the contract has ended and only the
 * legal retention remains) is not portable. Pure.
 */
export function buildPortabilityExport(input: PortabilityInput): PortabilityExport {
  const { record, compiled, now } = input;
  const onConsentOrContract = portableCategories(compiled, subjectFactsOf(record), now);
  const values = storedValues(record.subject).filter(
    (value) => PORTABLE_FIELDS.includes(value.field) && value.value !== null && onConsentOrContract.has(value.category),
  );
  const data: Partial<Record<SubjectFieldName, string>> = {};
  for (const value of values) if (value.value !== null) data[value.field] = value.value;
  return {
    document: {
      schemaVersion: PORTABILITY_SCHEMA_VERSION,
      generatedAt: now.toISOString(),
      controller: { name: compiled.organisation?.name ?? null, country: compiled.organisation?.country ?? null },
      data,
    },
    categories: [...new Set(values.map((value) => value.category))].sort(),
  };
}

/**
 * The categories some consent- or contract-based purpose processes for this person now. A
 * restriction (Art. 18) suspends processing, not its legal basis, and a restricted person keeps
 * their right to portability: the basis is decided as if unrestricted, by the same `lawfulness`
 * every read gets (consent given and covering the category, contract active, retention running).
 */
function portableCategories(compiled: CompiledPolicy, facts: SubjectFacts, now: Date): Set<string> {
  const unrestricted: SubjectFacts = { ...facts, status: facts.status === SubjectStatus.RESTRICTED ? SubjectStatus.ACTIVE : facts.status };
  const portable = new Set<string>();
  for (const key of compiled.purposeKeys()) {
    const purpose = compiled.purpose(key);
    if (!purpose || !PORTABLE_BASES.has(purpose.legalBasis)) continue;
    const decision = lawfulness(compiled, key, unrestricted, now);
    for (const category of compiled.readableCategories(key)) {
      if (releaseOf(decision, category) === null) portable.add(category);
    }
  }
  return portable;
}

/** The export as a file: its media type, a file name, and its content. */
export interface PortabilityFile {
  readonly format: PortabilityFormat;
  readonly mediaType: string;
  readonly fileName: string;
  readonly content: string;
}

/**
 * JSON (the schema's document, indented) or CSV (RFC 4180, UTF-8: a header row of every portable
 * field, in the schema's order, and one row of values, empty where none is held; the metadata is in
 * the JSON only). csv-stringify does the quoting, so a comma, quote or line break in a value is safe.
 */
export function portabilityFile(exported: PortabilityExport, format: PortabilityFormat, requestId: string): PortabilityFile {
  const base = `portability-${requestId}`;
  if (format === PortabilityFormat.CSV) {
    const row = Object.fromEntries(PORTABLE_FIELDS.map((field) => [field, exported.document.data[field] ?? ""]));
    return {
      format,
      mediaType: "text/csv; charset=utf-8",
      fileName: `${base}.csv`,
      content: stringify([row], { header: true, columns: [...PORTABLE_FIELDS] }),
    };
  }
  return { format, mediaType: "application/json", fileName: `${base}.json`, content: `${JSON.stringify(exported.document, null, 2)}\n` };
}
