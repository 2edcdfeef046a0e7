import "reflect-metadata";
import { execute, isObjectType, parse, type GraphQLResolveInfo, type GraphQLSchema } from "graphql";
import { Query, Resolver } from "type-graphql";
import { extensionsOf } from "../src/enforcement/schema-extensions";
import { buildPurposeQLSchema } from "../src/graphql/schema";
import { DataSubject } from "../src/graphql/types/subject.types";

/**
 * The guard cannot be skipped: a resolver that builds a plain `DataSubject` — never passed through
 * a request's guard — gets every personal field denied (CHECK_FAILED), never released.
 */

@Resolver()
class NaiveResolver {
  @Query(() => DataSubject, { description: "A deliberately naive resolver: builds the object itself, around the guard." })
  naiveSubject(): DataSubject {
    return Object.assign(new DataSubject(), {
      id: "00000000-0000-4000-8000-000000000001",
      status: "ACTIVE",
      fullName: "Leaked Name",
      email: "leaked@example.lv",
      serviceActive: true,
    });
  }
}

let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildPurposeQLSchema([NaiveResolver]);
});

describe("the structural field guard", () => {
  it("denies every personal field of an object that did not come through a request's guard", async () => {
    const result = await execute({
      schema,
      document: parse(`{ naiveSubject { id status fullName email serviceActive } }`),
      contextValue: {},
    });
    expect(result.data).toEqual({
      naiveSubject: { id: "00000000-0000-4000-8000-000000000001", status: null, fullName: null, email: null, serviceActive: null },
    });
    expect(result.errors?.map((error) => [error.path?.join("."), error.extensions.code, error.extensions.reason])).toEqual([
      ["naiveSubject.status", "PURPOSE_LIMITATION", "CHECK_FAILED"],
      ["naiveSubject.fullName", "PURPOSE_LIMITATION", "CHECK_FAILED"],
      ["naiveSubject.email", "PURPOSE_LIMITATION", "CHECK_FAILED"],
      ["naiveSubject.serviceActive", "PURPOSE_LIMITATION", "CHECK_FAILED"],
    ]);
    expect(JSON.stringify(result)).not.toMatch(/Leaked|leaked/);
  });

  it("every category-tagged field of every type in the schema resolves through the guard", () => {
    const tagged = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .flatMap((type) => Object.values(type.getFields()).map((field) => ({ coordinate: `${type.name}.${field.name}`, field })))
      .filter(({ field }) => extensionsOf(field).dataCategory !== undefined);
    expect(tagged.length).toBeGreaterThanOrEqual(30);
    for (const { coordinate, field } of tagged) {
      const plain = { [field.name]: "a value no guard has seen" };
      // Called as graphql-js calls it: the denial comes back located at the field's path.
      const info = {
        fieldNodes: [],
        path: { prev: undefined, key: field.name, typename: coordinate.split(".")[0] },
      } as unknown as GraphQLResolveInfo;
      const resolved = field.resolve?.(plain, {}, {}, info) as { extensions?: { reason?: unknown }; path?: unknown } | undefined;
      expect({ coordinate, reason: resolved?.extensions?.reason, path: resolved?.path }).toEqual({
        coordinate,
        reason: "CHECK_FAILED",
        path: [field.name],
      });
    }
  });
});
