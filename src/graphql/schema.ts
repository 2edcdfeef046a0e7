import "reflect-metadata";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { specifiedDirectives, type GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { purposeDirective } from "../enforcement/declared-purpose";
import { validateInput } from "./input-validation";
import { assertPersonalFieldsTagged, dataCategoryDirective } from "./personal-data";
import { AdminResolver } from "./resolvers/admin.resolver";
import { ConsentResolver } from "./resolvers/consent.resolver";
import { PolicyResolver } from "./resolvers/policy.resolver";
import { SubjectRightsResolver } from "./resolvers/subject-rights.resolver";
import { SubjectResolver } from "./resolvers/subject.resolver";

/** Builds the schema from the code; refuses to build when a personal field lacks its data category. */
export async function buildPurposeQLSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [PolicyResolver, SubjectResolver, ConsentResolver, SubjectRightsResolver, AdminResolver],
    directives: [...specifiedDirectives, dataCategoryDirective, purposeDirective],
    validateFn: validateInput,
    emitSchemaFile: false,
  });
  assertPersonalFieldsTagged(schema);
  describeRootTypes(schema);
  return schema;
}

/** The SDL checked in as `schema.graphql`, with the `@dataCategory` tags partners read. */
export function printPurposeQLSchema(schema: GraphQLSchema): string {
  return `${printSchemaWithDirectives(schema)}\n`;
}

/** type-graphql has no place to describe the root types; partners read these first. */
function describeRootTypes(schema: GraphQLSchema): void {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  if (query) {
    query.description =
      "Reads. Personal-data fields need a declared purpose (`X-Purpose` header); each is released only when that purpose may read its category for that subject.";
  }
  if (mutation) {
    mutation.description = "Writes. Every mutation declares its purpose like a read; the fields it returns are guarded like any read.";
  }
}
