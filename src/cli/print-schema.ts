import "reflect-metadata";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { buildPurposeQLSchema, printPurposeQLSchema } from "../graphql/schema";

export const SCHEMA_FILE = path.resolve(__dirname, "../../../schema.graphql");

/** `npm run schema:print`: regenerates the checked-in schema.graphql from the code. */
async function main(): Promise<void> {
  await writeFile(SCHEMA_FILE, printPurposeQLSchema(await buildPurposeQLSchema()));
  process.stdout.write(`Wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
