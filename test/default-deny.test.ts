import { buildSchema, Field, ID, Query, Resolver } from "type-graphql";
import {
  assertPersonalFieldsTagged,
  dataCategoryDirective,
  NotPersonal,
  PersonalDataType,
  PersonalField,
  UntaggedPersonalFieldError,
} from "../src/graphql/personal-data";

// Its own file: the careless type below must not leak into the real schema's tests.
describe("default deny", () => {
  @PersonalDataType("CarelessRecord", "A personal type with a field someone forgot to tag.")
  class CarelessRecord {
    @NotPersonal()
    @Field(() => ID, { description: "Identifier." })
    id!: string;

    @PersonalField("user.name", { description: "Name." })
    name!: string | null;

    @Field({ nullable: true, description: "Forgotten." })
    homeAddress!: string;
  }

  @Resolver()
  class CarelessResolver {
    @Query(() => CarelessRecord, { nullable: true, description: "A careless query." })
    careless(): CarelessRecord | null {
      return null;
    }
  }

  it("refuses to build a schema with an untagged field on a personal-data type, naming it", async () => {
    const careless = await buildSchema({ resolvers: [CarelessResolver], directives: [dataCategoryDirective] });
    expect(() => assertPersonalFieldsTagged(careless)).toThrow(UntaggedPersonalFieldError);
    expect(() => assertPersonalFieldsTagged(careless)).toThrow(/CarelessRecord\.homeAddress/);
  });
});
