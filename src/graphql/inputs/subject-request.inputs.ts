import { ValidateNested } from "class-validator";
import { Field, InputType } from "type-graphql";
import { Capability } from "../../domain/capabilities";
import { RequiresCapability } from "../personal-data";
import { UpdateSubjectInput } from "./subject.inputs";

@InputType({ description: "The corrections a rectification request (GDPR Art. 16) is completed with." })
export class RectificationInput {
  @RequiresCapability(Capability.MANAGE_SUBJECTS)
  @Field(() => UpdateSubjectInput, {
    description:
      "The corrected values, validated like `updateSubject`: an omitted field stays as it is, null clears it. Writing the subject's data needs MANAGE_SUBJECTS.",
  })
  @ValidateNested()
  corrections!: UpdateSubjectInput;
}
