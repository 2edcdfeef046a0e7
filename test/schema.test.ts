import { readFile } from "node:fs/promises";
import path from "node:path";
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType, type GraphQLSchema } from "graphql";
import { buildPurposeQLSchema, printPurposeQLSchema } from "../src/graphql/schema";
import { personalFieldsByType } from "../src/graphql/personal-data";
import { loadPolicyFile } from "../src/persistence/policy-file-loader";
import { POLICY_FILE } from "./support/harness";

let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildPurposeQLSchema();
});

describe("the schema", () => {
  it("is checked in as schema.graphql, up to date (run `npm run schema:print` when this fails)", async () => {
    const checkedIn = await readFile(path.resolve(__dirname, "../schema.graphql"), "utf8");
    expect(checkedIn).toBe(printPurposeQLSchema(schema));
  });

  it("describes every type, field, argument and enum value, for partners reading it by introspection", () => {
    const undescribed: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__") || isSpecifiedScalarType(type)) continue;
      if (!type.description) undescribed.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) undescribed.push(`${type.name}.${field.name}`);
          for (const arg of "args" in field ? field.args : []) {
            if (!arg.description) undescribed.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) undescribed.push(`${type.name}.${value.name}`);
      }
    }
    expect(undescribed).toEqual([]);
  });

  it("tags the subject's personal fields with the categories the issue names", () => {
    expect(Object.fromEntries(personalFieldsByType().get("DataSubject") ?? [])).toEqual({
      status: "user.account.status",
      serviceActiveSince: "user.account.service_relationship",
      serviceActiveUntil: "user.account.service_relationship",
      serviceActive: "user.account.service_relationship",
      fullName: "user.name",
      email: "user.contact.email",
      postalAddress: "user.contact.address",
      phone: "user.contact.phone_number",
      dateOfBirth: "user.demographic.date_of_birth",
      country: "user.location.coarse",
      consentedAt: "user.registration.consent_time",
      ipAddress: "user.device.ip_address",
      browser: "user.device.browser",
      operatingSystem: "user.device.operating_system",
      device: "user.device.device_info",
    });
  });

  it("tags only categories the policy file declares, and every personal field is nullable", async () => {
    const { document } = await loadPolicyFile(POLICY_FILE);
    const declared = new Set(document.categories.map((category) => category.key));
    for (const [typeName, fields] of personalFieldsByType()) {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) throw new Error(`${typeName} is not in the schema`);
      for (const [fieldName, category] of fields) {
        expect({ field: `${typeName}.${fieldName}`, declared: declared.has(category) }).toEqual({
          field: `${typeName}.${fieldName}`,
          declared: true,
        });
        expect(type.getFields()[fieldName]?.type.toString().endsWith("!")).toBe(false);
      }
    }
  });
});
