import {
  buildSchema,
  getNullableType,
  GraphQLError,
  isInputObjectType,
  isInputType,
  isListType,
  Kind,
  parse,
  typeFromAST,
  validate,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { analyseOperation, type PersonalSelection } from "../enforcement/operation-analysis";
import { applyCategoryDirectives } from "../enforcement/schema-extensions";

/**
 * The purpose check partners run before deploying (`purposeql-check`): which of their operations
 * select or write a category the purpose does not grant. It walks each operation with the walk the
 * server runs before execution (src/enforcement/operation-analysis.ts) — aliases, fragments, inline
 * fragments, nested inputs — on a schema read from SDL, whose `@dataCategory` tags become the same
 * schema extensions the server's walk reads.
 */

export type FindingReason = "NOT_GRANTED" | "INVALID";

export interface Finding {
  readonly file: string;
  /** The operation's name, `(anonymous)`, or `(document)` for a file that does not parse. */
  readonly operation: string;
  readonly reason: FindingReason;
  readonly purpose: string;
  readonly message: string;
  /** For NOT_GRANTED: a read or a write, where in the operation, which field and category. */
  readonly access?: "read" | "write";
  readonly path?: string;
  readonly field?: string;
  readonly category?: string;
}

export interface CheckReport {
  readonly purpose: string;
  readonly operations: number;
  readonly findings: readonly Finding[];
}

export interface OperationFile {
  readonly file: string;
  readonly source: string;
}

/** A schema from SDL, with each `@dataCategory` tag where the server's walk reads it. */
export function schemaFromSdl(sdl: string): GraphQLSchema {
  const schema = buildSchema(sdl);
  applyCategoryDirectives(schema);
  return schema;
}

/**
 * Checks every operation of the files under `purpose`, given whether it may read (or write) a
 * category. Fragments may be defined in any of the files, as code generators allow. An operation
 * that does not validate against the schema — say, one selecting a field the client's view does not
 * show — is reported as INVALID, for the server would refuse it too.
 */
export function checkOperations(
  schema: GraphQLSchema,
  purpose: string,
  grants: (category: string) => boolean,
  files: readonly OperationFile[],
): CheckReport {
  const findings: Finding[] = [];
  const invalid = (file: string, operation: string, message: string): void =>
    void findings.push({ file, operation, reason: "INVALID", purpose, message });
  const operations: { readonly file: string; readonly operation: OperationDefinitionNode }[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();

  for (const { file, source } of files) {
    let document: DocumentNode;
    try {
      document = parse(source);
    } catch (error) {
      invalid(file, "(document)", error instanceof GraphQLError ? error.message : String(error));
      continue;
    }
    for (const definition of document.definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION) operations.push({ file, operation: definition });
      else if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        const name = definition.name.value;
        if (fragments.has(name)) invalid(file, `fragment ${name}`, `Fragment ${name} is defined more than once.`);
        else fragments.set(name, definition);
      }
    }
  }

  for (const { file, operation } of operations) {
    const name = operation.name?.value ?? "(anonymous)";
    const used = fragmentsUsedBy(operation, fragments);
    const errors = validate(schema, { kind: Kind.DOCUMENT, definitions: [operation, ...used] });
    if (errors.length > 0) {
      for (const error of errors) invalid(file, name, error.message);
      continue;
    }
    let shape;
    try {
      shape = analyseOperation(
        schema,
        operation,
        Object.fromEntries(used.map((fragment) => [fragment.name.value, fragment])),
        anyValues(schema, operation),
      );
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      invalid(file, name, "The operation is nested too deeply to check.");
      continue;
    }
    const notGranted = (access: "read" | "write") => (selection: PersonalSelection) =>
      grants(selection.category)
        ? []
        : [
            {
              file,
              operation: name,
              reason: "NOT_GRANTED" as const,
              purpose,
              access,
              path: selection.path,
              field: selection.field,
              category: selection.category,
              message: `${access === "read" ? "reads" : "writes"} ${selection.field} (${selection.category}), which ${purpose} does not grant.`,
            },
          ];
    findings.push(...shape.personalSelections.flatMap(notGranted("read")), ...shape.personalInputs.flatMap(notGranted("write")));
  }
  return { purpose, operations: operations.length, findings };
}

/** The fragments an operation spreads, directly or through other fragments. */
function fragmentsUsedBy(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): FragmentDefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const pending: (OperationDefinitionNode | FragmentDefinitionNode)[] = [operation];
  for (let node = pending.pop(); node; node = pending.pop()) {
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (fragment && !used.has(spread.name.value)) {
          used.set(spread.name.value, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return [...used.values()];
}

/** Stands for a scalar or enum variable's value, whatever it will be: present and not null. */
const SOME_VALUE = "(any value)";

/**
 * Variables as the operation could be sent with any values: each input object with every field
 * present, each list with one element, each scalar with a value. The server's walk judges one
 * request's variables; before deployment they are unknown, so the check judges every value they
 * could take — whatever an input variable could write is reported — and a `@skip`/`@include` on a
 * variable counts the selection, as the server's walk does when it cannot tell.
 */
function anyValues(schema: GraphQLSchema, operation: OperationDefinitionNode): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type);
    if (type && isInputType(type)) values[definition.variable.name.value] = fullest(type, new Set());
  }
  return values;
}

function fullest(type: GraphQLInputType, enclosing: ReadonlySet<string>): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [fullest(nullable.ofType, enclosing)];
  if (!isInputObjectType(nullable)) return SOME_VALUE;
  // A recursive input type's fields are all counted at its first level already.
  if (enclosing.has(nullable.name)) return {};
  const inner = new Set([...enclosing, nullable.name]);
  return Object.fromEntries(Object.values(nullable.getFields()).map((field) => [field.name, fullest(field.type, inner)]));
}
