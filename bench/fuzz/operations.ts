import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from "graphql";
import type { Choices } from "./choices";

/**
 * GraphQL operations generated from the real schema: queries and mutations, random selections with
 * aliases, named and inline fragments, arguments as literals or variables (of the right type and of
 * wrong ones), `@skip`/`@include`, and now and then garbage — unknown fields, deep nesting, huge
 * strings, NUL and control characters, lone surrogates, numbers out of range, wrong JSON types.
 */

/** What the generator knows of the server it talks to: the values that make an argument hit something real. */
export interface OperationPools {
  readonly purposes: readonly string[];
  readonly categories: readonly string[];
  /** Subject, request and hold ids that exist, to be mixed with ids that do not. */
  readonly ids: readonly string[];
  /** The categories a purpose may read under the policy, to build requests that stay within it. */
  readonly readable: (purpose: string) => ReadonlySet<string>;
}

export interface GeneratedOperation {
  readonly query: string;
  /** The `variables` member of the body: an object mostly, sometimes a wrong JSON type. */
  readonly variables: unknown;
  /** The `operationName` member; undefined leaves it out. */
  readonly operationName: unknown;
  /** The purpose an `@purpose(key:)` directive declares, or null. */
  readonly directivePurpose: string | null;
  /**
   * Response keys (alias or name) of the root fields `accessExport` and `portabilityExport`: the
   * person's own copy of everything held, released whatever the purpose may read (README, "Access
   * and portability exports"), so exempt from the purpose check.
   */
  readonly exportKeys: readonly string[];
}

/** A value as generated, printable both as a GraphQL literal and as JSON. */
type Value =
  | { readonly kind: "null" }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly literal: string; readonly json: number }
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "enum"; readonly name: string }
  | { readonly kind: "list"; readonly items: readonly Value[] }
  | { readonly kind: "object"; readonly fields: readonly (readonly [string, Value])[] };

const EXPORT_FIELDS = new Set(["accessExport", "portabilityExport"]);

/** Marks strings the server must never repeat in an error: found in one, the value was echoed. */
export const ECHO_TOKEN = "zqecho";

const MAX_DEPTH = 5;

export class OperationBuilder {
  private readonly definitions: string[] = [];
  private readonly values: Record<string, unknown> = {};
  private readonly fragments: string[] = [];
  private readonly exportKeys: string[] = [];
  private variableCount = 0;
  private aliasCount = 0;
  /** Characters huge strings may still take: a few of them make the point; hundreds would only eat memory. */
  private hugeBudget = 1_200_000;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly pools: OperationPools,
    private readonly choices: Choices,
    /** When set, a lawful request: it declares this purpose and selects only fields it may read. */
    private readonly lawfulPurpose: string | null = null,
  ) {}

  build(): GeneratedOperation {
    const c = this.choices;
    const mutationType = this.schema.getMutationType();
    const isMutation = mutationType !== null && mutationType !== undefined && this.lawfulPurpose === null && c.chance(30);
    const rootType = isMutation ? mutationType : this.schema.getQueryType();
    if (!rootType) throw new Error("the schema has no query type");
    const directivePurpose = this.lawfulPurpose === null && c.chance(12) ? this.purpose() : null;
    const selection = this.selectionSet(rootType, 0);
    const name = c.chance(15) ? `Op${c.below(3)}` : "";
    const definitions = this.definitions.length > 0 ? `(${this.definitions.join(", ")})` : "";
    const directive = directivePurpose === null ? "" : ` @purpose(key: ${printString(directivePurpose)})`;
    let query = `${isMutation ? "mutation" : "query"} ${name}${definitions}${directive} ${selection}`;
    if (this.fragments.length > 0) query += ` ${this.fragments.join(" ")}`;
    query = this.garble(query);

    let variables: unknown = Object.keys(this.values).length > 0 || c.chance(20) ? { ...this.values } : undefined;
    if (c.garbage(10)) variables = c.pick(["not an object", [this.values], 7, true, null, { ...this.values, extra: { deep: [1, "x"] } }]);
    let operationName: unknown = undefined;
    if (c.chance(5)) operationName = name || "Op0";
    if (c.garbage(15)) operationName = c.pick(["Missing", 42, null, ["Op0"], `${ECHO_TOKEN}-operation`]);
    return { query, variables, operationName, directivePurpose, exportKeys: this.exportKeys };
  }

  private selectionSet(type: GraphQLObjectType, depth: number): string {
    const c = this.choices;
    // A lawful request reads one root field: one refused root field would null the others with it.
    const count = depth === 0 && this.lawfulPurpose !== null ? 1 : 1 + c.below(depth === 0 ? 3 : 4);
    const items: string[] = [];
    for (let i = 0; i < count; i++) items.push(this.selection(type, depth));
    // Garbage: a field that does not exist, or a selection nested far beyond any limit.
    if (c.garbage(8))
      items.push(c.pick(["nosuchField", "__schema { types { name } }", '__type(name: "DataSubject") { name }', "id { id }"]));
    if (c.garbage(4)) items.push(deepNesting(type.name, 20 + c.below(3000)));
    return `{ ${items.join(" ")} }`;
  }

  private selection(type: GraphQLObjectType, depth: number): string {
    const c = this.choices;
    const shape = c.below(100);
    if (shape >= 95) return "__typename";
    if (shape >= 88) {
      // An inline fragment, with a type condition or only a directive.
      const condition = c.chance(70) ? ` on ${c.garbage(10) ? "NoSuchType" : type.name}` : "";
      return `...${condition}${this.directives()} ${this.selectionSet(type, depth + 1)}`;
    }
    if (shape >= 80) {
      // Reserve the slot first so that fragments nested in this one get other names.
      const slot = this.fragments.push("") - 1;
      const name = `F${slot}`;
      const body = c.garbage(5) ? `{ ...${name} }` : this.selectionSet(type, depth + 1);
      this.fragments[slot] = `fragment ${name} on ${type.name} ${body}`;
      return `...${c.garbage(5) ? "Undefined" : name}${this.directives()}`;
    }
    return this.field(type, depth);
  }

  private field(type: GraphQLObjectType, depth: number): string {
    const c = this.choices;
    const readable = this.lawfulPurpose === null ? null : this.pools.readable(this.lawfulPurpose);
    const fields = Object.values(type.getFields()).filter((candidate) => {
      const category = categoryDirectiveOf(candidate);
      return readable === null || category === undefined || readable.has(category);
    });
    // The personal data lives behind `subject` and `subjects`: reach them often.
    const personal = type === this.schema.getQueryType() ? fields.filter((candidate) => candidate.name.startsWith("subject")) : [];
    const field = c.chance(this.lawfulPurpose === null ? 50 : 85) && personal.length > 0 ? c.pick(personal) : c.pick(fields);
    if (!field) return "__typename";
    // Two fields of one response key with different arguments conflict: a well-formed request
    // aliases each field with arguments apart; a hostile one may reuse an alias.
    const alias = c.garbage(30) ? `a${c.below(4)}` : field.args.length > 0 || c.chance(20) ? `a${this.aliasCount++}` : null;
    if (type === this.schema.getQueryType() && EXPORT_FIELDS.has(field.name)) this.exportKeys.push(alias ?? field.name);
    const args = this.argumentsOf(field);
    const namedType = getNamedType(field.type);
    let subselection = "";
    if (isObjectType(namedType)) {
      if (!c.garbage(5)) subselection = depth >= MAX_DEPTH ? "{ __typename }" : ` ${this.selectionSet(namedType, depth + 1)}`;
    } else if (isLeafType(namedType) && c.garbage(5)) {
      subselection = " { id }";
    }
    return `${alias ? `${alias}: ` : ""}${field.name}${args}${this.directives()}${subselection}`;
  }

  private argumentsOf(field: GraphQLField<unknown, unknown>): string {
    const c = this.choices;
    const printed: string[] = [];
    for (const argument of field.args) {
      const required = isNonNullType(argument.type) && argument.defaultValue === undefined;
      if (required ? c.garbage(10) : !c.chance(40)) continue;
      printed.push(`${argument.name}: ${this.argumentValue(argument)}`);
    }
    if (c.garbage(8)) printed.push(`unknownArgument: ${printString(`${ECHO_TOKEN}-argument`)}`);
    return printed.length > 0 ? `(${printed.join(", ")})` : "";
  }

  /** A literal, or a variable declared (of the argument's type, or not) and given a value (or not). */
  private argumentValue(argument: GraphQLArgument): string {
    const c = this.choices;
    const value = this.value(argument.type, argument.name, 0);
    if (!c.chance(35)) return printLiteral(value);
    const name = `v${this.variableCount++}`;
    const declared = c.garbage(20)
      ? c.pick(["String", "Int", "ID!", "Boolean", "[String]", "CreateSubjectInput", "NoSuchInput", "String!"])
      : String(argument.type);
    const fallback = c.chance(5) ? ` = ${printLiteral(this.value(argument.type, argument.name, 0))}` : "";
    if (!c.garbage(8)) this.definitions.push(`$${name}: ${declared}${fallback}`);
    if (!c.garbage(10)) this.values[name] = c.garbage(15) ? toJson(this.wrongValue(argument.name)) : toJson(value);
    return `$${name}`;
  }

  private directives(): string {
    const c = this.choices;
    if (!c.chance(12)) return "";
    const which = c.chance(50) ? "skip" : "include";
    let condition: string;
    if (c.chance(40)) {
      const name = `b${this.variableCount++}`;
      this.definitions.push(`$${name}: Boolean!`);
      this.values[name] = c.garbage(10) ? "yes" : c.chance(50);
      condition = `$${name}`;
    } else {
      condition = c.garbage(10) ? "1" : String(c.chance(50));
    }
    return ` @${which}(if: ${condition})`;
  }

  private value(type: GraphQLInputType, hint: string, depth: number): Value {
    const c = this.choices;
    if (c.garbage(10)) return this.wrongValue(hint);
    if (isNonNullType(type)) return c.garbage(8) ? { kind: "null" } : this.value(type.ofType, hint, depth);
    if (c.chance(4)) return { kind: "null" };
    if (isListType(type)) {
      // A single item where a list is expected is coerced to a list of one; so it is generated too.
      if (c.garbage(10)) return this.value(type.ofType, hint, depth + 1);
      const length = c.garbage(6) ? 50 + c.below(500) : c.below(4);
      const items: Value[] = [];
      for (let i = 0; i < length; i++) items.push(this.value(type.ofType, hint, depth + 1));
      return { kind: "list", items };
    }
    if (isEnumType(type)) {
      const values = type.getValues().map((value) => value.name);
      return { kind: "enum", name: c.garbage(15) ? "NOT_A_VALUE" : (c.pick(values) ?? "NOT_A_VALUE") };
    }
    if (isInputObjectType(type)) {
      if (depth > 3) return { kind: "object", fields: [] };
      const fields: [string, Value][] = [];
      for (const field of Object.values(type.getFields())) {
        const required = isNonNullType(field.type) && field.defaultValue === undefined;
        if (required ? c.garbage(10) : !c.chance(45)) continue;
        fields.push([field.name, this.value(field.type, field.name, depth + 1)]);
      }
      if (c.garbage(8)) fields.push(["zqUnknownField", { kind: "string", value: `${ECHO_TOKEN}-field` }]);
      return { kind: "object", fields };
    }
    if (isScalarType(type)) return this.scalar(type.name, hint);
    return { kind: "null" };
  }

  private scalar(typeName: string, hint: string): Value {
    const c = this.choices;
    switch (typeName) {
      case "Int":
        return this.integer();
      case "Float":
        return number(c.garbage(50) ? c.pick(["-1e308", "1e400"]) : c.pick(["0.5", "3.14"]));
      case "Boolean":
        return { kind: "boolean", value: c.chance(50) };
      case "ID":
        return c.chance(85) ? { kind: "string", value: this.id() } : this.integer();
      case "DateTime":
        return { kind: "string", value: this.dateTime() };
      case "LocalDate":
        return { kind: "string", value: c.garbage(50) ? c.pick(["2021-02-30", "0000-01-01", "yesterday", ""]) : "2020-01-01" };
      case "JSONObject":
        return { kind: "object", fields: [["a", { kind: "string", value: this.text() }]] };
      default:
        return { kind: "string", value: this.stringFor(hint) };
    }
  }

  /** A value of some other type than the one expected. */
  private wrongValue(hint: string): Value {
    const c = this.choices;
    switch (c.below(6)) {
      case 0:
        return this.integer();
      case 1:
        return { kind: "boolean", value: c.chance(50) };
      case 2:
        return { kind: "list", items: [{ kind: "string", value: this.stringFor(hint) }] };
      case 3:
        return { kind: "object", fields: [["value", { kind: "string", value: `${ECHO_TOKEN}-wrong` }]] };
      case 4:
        return { kind: "enum", name: "SOME_ENUM" };
      default:
        return { kind: "string", value: this.stringFor(hint) };
    }
  }

  private integer(): Value {
    const c = this.choices;
    if (!c.garbage(40)) return number(String(c.below(60)));
    return number(c.pick(["2147483647", "2147483648", "-2147483649", "9007199254740993", "1e21", "99999999999999999999999", "-0", "1.5"]));
  }

  private id(): string {
    const c = this.choices;
    if (c.chance(70)) return c.pick(this.pools.ids) ?? "";
    return c.pick([
      "00000000-0000-0000-0000-000000000000",
      "not-a-uuid",
      "",
      "1",
      "' OR 1=1 --",
      `${ECHO_TOKEN}-id`,
      "a".repeat(10_000),
      "\u0000",
      "ffffffff-ffff-ffff-ffff-fffffffffffff",
    ]);
  }

  private purpose(): string {
    const c = this.choices;
    if (c.chance(80)) return c.pick(this.pools.purposes) ?? "";
    return c.pick(["", "essential", "ESSENTIAL.SERVICE", "marketing.advertising.more", "user.name", `${ECHO_TOKEN}-purpose`, this.text()]);
  }

  private dateTime(): string {
    const c = this.choices;
    if (!c.garbage(50)) return c.pick([new Date(Date.now() - 86_400_000).toISOString(), "2019-01-01T00:00:00Z", "2999-01-01T00:00:00Z"]);
    return c.pick([
      new Date(Date.now() - 86_400_000).toISOString(),
      "2019-01-01T00:00:00Z",
      "2018-05-24T00:00:00Z",
      "2999-01-01T00:00:00Z",
      "2021-02-30T00:00:00Z",
      "not a date",
      "",
      "0000-01-01T00:00:00Z",
      "2020-01-01",
      `${ECHO_TOKEN}-date`,
    ]);
  }

  /** A string shaped for the argument or input field it goes to, or arbitrary text. */
  private stringFor(hint: string): string {
    const c = this.choices;
    if (c.garbage(40)) return this.text();
    switch (hint) {
      case "purpose":
      case "purposes":
        return this.purpose();
      case "category":
      case "categories":
        return c.chance(85) ? (c.pick(this.pools.categories) ?? "") : c.pick(["user", "user.nope", "", "USER.NAME"]);
      case "email":
        return c.pick([`fz${c.below(1000)}@example.org`, "not-an-email", `${ECHO_TOKEN}@x`, "a@b"]);
      case "phone":
        return c.pick([`+3712000${String(c.below(10_000)).padStart(4, "0")}`, "12345", "+0", `+${"9".repeat(30)}`]);
      case "dateOfBirth":
        return c.pick(["1990-05-01", "2020-02-29", "0000-01-01", "2021-02-30", "2999-01-01", "1990-13-01", "1990-1-1"]);
      case "country":
        return c.pick(["EE", "LT", "XX", "lv", "Latvia", ""]);
      case "consentedAt":
      case "receivedAt":
      case "until":
        return this.dateTime();
      case "ipAddress":
        return c.pick(["192.0.2.1", "::1", "999.1.1.1", "2001:db8::1", "localhost"]);
      case "method":
        return c.pick(["API", "WEB_FORM", "EMAIL", "PHONE", "REGISTRATION_FORM", "OBJECTION", "signed-in account", ""]);
      case "name":
        return c.pick([`fuzz-client-${c.below(1000)}`, "", "a".repeat(300)]);
      default:
        return this.text();
    }
  }

  /** Arbitrary text, often hostile: huge, NUL, control characters, lone surrogates, injection. */
  private text(): string {
    const c = this.choices;
    const echo = c.chance(40) ? `${ECHO_TOKEN}-${c.below(100)} ` : "";
    const body = c.pick([
      c.drawnString(),
      c.drawnString(),
      "plain words",
      this.huge(),
      "nul\u0000inside",
      "control\u0001\u0008\u001b[31m\u007f",
      "lone \ud800 surrogate",
      "reversed \udc00\ud800 pair",
      "\u202eright-to-left",
      "emoji 🧪👩🏽‍💻",
      "' OR 1=1; DROP TABLE data_subject; --",
      "${jndi:ldap://x}",
      "<script>alert(1)</script>",
      "../../../../etc/passwd",
      "%s%s%n",
      "\\u0000",
    ]);
    return `${echo}${body}`;
  }

  private huge(): string {
    const length = Math.min(this.hugeBudget, 1 + this.choices.below(300_000));
    this.hugeBudget -= length;
    return "x".repeat(Math.max(length, 1));
  }

  /** Now and then, damage the document itself. */
  private garble(query: string): string {
    const c = this.choices;
    if (c.garbage(6)) return query.slice(0, c.below(query.length + 1));
    if (c.garbage(5)) {
      const at = c.below(query.length + 1);
      return `${query.slice(0, at)}${c.pick(["{", "}", "(", "$", "\u0000", '"', "@", "...", "#", "\ud800"])}${query.slice(at)}`;
    }
    if (c.garbage(4)) return `${query} query Second { policyVersion }`;
    if (c.garbage(2)) return `{ ${"subjects { edges { node { ".repeat(200)} }`;
    return query;
  }
}

/** The category `schema.graphql` tags a field with (`@dataCategory(key:)`), if any. */
function categoryDirectiveOf(field: GraphQLField<unknown, unknown>): string | undefined {
  const directive = field.astNode?.directives?.find((node) => node.name.value === "dataCategory");
  const key = directive?.arguments?.find((argument) => argument.name.value === "key")?.value;
  return key?.kind === Kind.STRING ? key.value : undefined;
}

/** A selection nested `depth` levels through inline fragments on the same type. */
function deepNesting(typeName: string, depth: number): string {
  return `${`... on ${typeName} { `.repeat(depth)}__typename${" }".repeat(depth)}`;
}

function number(literal: string): Value {
  return { kind: "number", literal, json: Number(literal) };
}

/** GraphQL string literals escape as JSON does (a lone surrogate stays an escape the parser refuses). */
function printString(value: string): string {
  return JSON.stringify(value);
}

export function printLiteral(value: Value): string {
  switch (value.kind) {
    case "null":
      return "null";
    case "string":
      return printString(value.value);
    case "number":
      return value.literal;
    case "boolean":
      return String(value.value);
    case "enum":
      return value.name;
    case "list":
      return `[${value.items.map(printLiteral).join(", ")}]`;
    case "object":
      return `{ ${value.fields.map(([name, field]) => `${name}: ${printLiteral(field)}`).join(", ")} }`;
  }
}

function toJson(value: Value): unknown {
  switch (value.kind) {
    case "null":
      return null;
    case "string":
      return value.value;
    case "number":
      return value.json;
    case "boolean":
      return value.value;
    case "enum":
      return value.name;
    case "list":
      return value.items.map(toJson);
    case "object":
      return Object.fromEntries(value.fields.map(([name, field]) => [name, toJson(field)]));
  }
}
