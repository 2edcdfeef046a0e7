import "reflect-metadata";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { specifiedDirectives, type GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { purposeDirective } from "../enforcement/declared-purpose";
import { installDatabaseWork } from "./database-work";
import { validateInput } from "./input-validation";
import { installFieldGuards } from "../enforcement/field-guard";
import { applyCategoryDirectives } from "../enforcement/schema-extensions";
import { assertMutationsAuthorised, assertPersonalFieldsTagged, dataCategoryDirective } from "./personal-data";
import { AdminResolver } from "./resolvers/admin.resolver";
import { AuditResolver } from "./resolvers/audit.resolver";
import { ClientAdminResolver } from "./resolvers/client-admin.resolver";
import { ConsentResolver } from "./resolvers/consent.resolver";
import { ErasureResolver } from "./resolvers/erasure.resolver";
import { InquiryResolver } from "./resolvers/inquiry.resolver";
import { ExportResolver } from "./resolvers/export.resolver";
import { PolicyResolver } from "./resolvers/policy.resolver";
import { SubjectRequestResolver } from "./resolvers/subject-request.resolver";
import { SubjectRightsResolver } from "./resolvers/subject-rights.resolver";
import { SubjectResolver } from "./resolvers/subject.resolver";
// Last: its types reuse those of the resolvers above, which keeps the printed schema in its order.
import { PartnerResolver } from "./resolvers/partner.resolver";

const RESOLVERS = [
  PolicyResolver,
  PartnerResolver,
  SubjectResolver,
  ErasureResolver,
  InquiryResolver,
  ConsentResolver,
  SubjectRightsResolver,
  SubjectRequestResolver,
  ExportResolver,
  AdminResolver,
  AuditResolver,
  ClientAdminResolver,
] as const;

type ResolverClass = (typeof RESOLVERS)[number] | (new () => object);

/**
 * Builds the schema from the code. Refuses to build when a personal field lacks its data category
 * or a mutation names no capability or a root field has no database weight; then gives every
 * category-tagged field the one guard's resolver, so no resolver — `extraResolvers` included — can
 * release a value around it, and every root field its cost (database-work.ts).
 */
export async function buildPurposeQLSchema(extraResolvers: readonly ResolverClass[] = []): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...RESOLVERS, ...extraResolvers] as [ResolverClass, ...ResolverClass[]],
    directives: [...specifiedDirectives, dataCategoryDirective, purposeDirective],
    validateFn: validateInput,
    emitSchemaFile: false,
  });
  assertPersonalFieldsTagged(schema);
  assertMutationsAuthorised(schema);
  applyCategoryDirectives(schema);
  installFieldGuards(schema);
  installDatabaseWork(schema);
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
    mutation.description =
      "Writes. Every mutation needs the capability it names, declares its purpose like a read, may write only the categories that purpose grants, and is audited as a change event in its own transaction; the fields it returns are guarded like any read.";
  }
}
