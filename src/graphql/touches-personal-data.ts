import { Extensions } from "type-graphql";
import { PERSONAL_DATA_EXTENSION } from "../enforcement/schema-extensions";

/** Marks a root field that reads or writes personal data: an operation selecting it must declare a purpose. */
export function TouchesPersonalData(): MethodDecorator {
  return Extensions({ [PERSONAL_DATA_EXTENSION]: true });
}
