import { Field, ObjectType, registerEnumType } from "type-graphql";
import { PortabilityFormat } from "../../exports/portability-export";

registerEnumType(PortabilityFormat, {
  name: "PortabilityFormat",
  description: "The machine-readable format of a portability export (GDPR Art. 20(1)).",
  valuesConfig: {
    JSON: { description: "JSON that follows docs/schemas/portability-v1.schema.json (`schemaVersion: portability-v1`)." },
    CSV: { description: "CSV (RFC 4180, UTF-8): a header row of the schema's `data` fields, in its order, and one row of values." },
  },
});

@ObjectType({
  description:
    "The data a person provided, as a file to hand them or send to another controller (GDPR Art. 20). Its content is personal data: it was audited as released (operation `portabilityExport`) before it left.",
})
export class PortabilityExport {
  @Field(() => PortabilityFormat, { description: "The format of `content`." })
  format!: PortabilityFormat;

  @Field({ description: "The media type of `content`, e.g. `application/json` or `text/csv; charset=utf-8`." })
  mediaType!: string;

  @Field({ description: "A file name for `content`, e.g. `portability-<requestId>.json`." })
  fileName!: string;

  @Field({ description: "The file itself, as text." })
  content!: string;
}
