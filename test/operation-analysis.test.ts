import "reflect-metadata";
import fc from "fast-check";
import { getVariableValues, Kind, parse, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import { analyseOperation } from "../src/enforcement/operation-analysis";
import { buildPurposeQLSchema } from "../src/graphql/schema";

/**
 * The static check of writes, over arbitrary inputs: whichever fields an operation sets — by
 * literal, by variable, by a variable's default, to a value or to null — exactly those are the
 * personal inputs it reports, and omitted fields never are.
 */

const FIELDS = {
  fullName: { category: "user.name", value: '"A Name"', json: "A Name" },
  email: { category: "user.contact.email", value: '"a@example.lv"', json: "a@example.lv" },
  postalAddress: { category: "user.contact.address", value: '"Rīga"', json: "Rīga" },
  phone: { category: "user.contact.phone_number", value: '"+37120000000"', json: "+37120000000" },
  dateOfBirth: { category: "user.demographic.date_of_birth", value: '"1990-01-01"', json: "1990-01-01" },
  country: { category: "user.location.coarse", value: '"LV"', json: "LV" },
} as const;
type FieldName = keyof typeof FIELDS;

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildPurposeQLSchema();
});

function analyse(document: string, variables: Record<string, unknown>) {
  const parsed = parse(document);
  const operation = parsed.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) throw new Error(coerced.errors.map((error) => error.message).join("; "));
  return analyseOperation(schema, operation, {}, coerced.coerced);
}

const fieldNames = Object.keys(FIELDS) as FieldName[];
const setting = fc.record({
  field: fc.constantFrom(...fieldNames),
  toNull: fc.boolean(),
  how: fc.constantFrom("literal", "variable", "default"),
});

describe("the static check of writes", () => {
  it("reports exactly the personal input fields an operation sets, however it sets them", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(setting, { selector: (s) => s.field, maxLength: fieldNames.length }),
        fc.constantFrom("updateSubject", "createSubject"),
        (settings, mutation) => {
          const definitions: string[] = [];
          const literals: string[] = [];
          const variables: Record<string, unknown> = {};
          for (const { field, toNull, how } of settings) {
            const value = toNull ? "null" : FIELDS[field].value;
            if (how === "literal") literals.push(`${field}: ${value}`);
            else {
              definitions.push(how === "default" ? `$${field}: String = ${value}` : `$${field}: String`);
              literals.push(`${field}: $${field}`);
              if (how === "variable") variables[field] = toNull ? null : FIELDS[field].json;
            }
          }
          const head = ["$id: ID!", ...definitions].join(", ");
          const args = mutation === "updateSubject" ? `id: $id, input: { ${literals.join(", ")} }` : `input: { ${literals.join(", ")} }`;
          const shape = analyse(`mutation (${head}) { ${mutation}(${args}) { id } }`, {
            id: "00000000-0000-4000-8000-000000000000",
            ...variables,
          });
          const inputType = mutation === "updateSubject" ? "UpdateSubjectInput" : "CreateSubjectInput";
          const expected = settings.map(({ field }) => ({
            field: `${inputType}.${field}`,
            category: FIELDS[field].category,
            path: `${mutation}(input.${field})`,
          }));
          expect(new Set(shape.personalInputs.map((input) => JSON.stringify(input)))).toEqual(
            new Set(expected.map((input) => JSON.stringify(input))),
          );
          expect(shape.requiredCapabilities.map((required) => required.capability)).toEqual(["MANAGE_SUBJECTS"]);
        },
      ),
    );
  });

  it("a variable left unset with no default writes nothing; a registration record adds RECORD_CONSENT", () => {
    expect(analyse(`mutation ($e: String) { createSubject(input: { email: $e }) { id } }`, {}).personalInputs).toEqual([]);
    const registered = analyse(`mutation ($r: RegistrationRecordInput) { createSubject(input: { registration: $r }) { id } }`, {
      r: { consentedAt: "2026-01-01T00:00:00Z" },
    });
    expect(registered.requiredCapabilities.map((required) => `${required.field} ${required.capability}`)).toEqual([
      "Mutation.createSubject MANAGE_SUBJECTS",
      "CreateSubjectInput.registration RECORD_CONSENT",
    ]);
    expect(analyse(`mutation { createSubject(input: { registration: null }) { id } }`, {}).requiredCapabilities).toHaveLength(1);
  });
});
