import { DateTimeResolver } from "graphql-scalars";
import { Field, ID } from "type-graphql";
import { SubjectRequestChannel } from "../../domain/policy-terms";
import { NotPersonal, PersonalDataType, PersonalField } from "../personal-data";

/** That a person asked a question, and when, is part of their message's record. */
const INQUIRY = "user.content.private";

@PersonalDataType(
  "Inquiry",
  "A question a person sent: that they asked, when, how, and when it was answered — never the message itself. Purposes counted from an inquiry's close (INQUIRY_CLOSED) read its sender's data while it is open and for their retention after.",
)
export class Inquiry {
  @NotPersonal()
  @Field(() => ID, { description: "The inquiry's id." })
  id!: string;

  @NotPersonal()
  @Field(() => ID, { description: "The subject who asked." })
  subjectId!: string;

  @PersonalField(INQUIRY, { description: "When the question arrived.", type: () => DateTimeResolver })
  receivedAt!: Date | null;

  @PersonalField(INQUIRY, { description: "How it arrived.", type: () => SubjectRequestChannel })
  channel!: SubjectRequestChannel | null;

  @PersonalField(INQUIRY, { description: "When it was answered and closed; null while open.", type: () => DateTimeResolver })
  closedAt!: Date | null;
}
