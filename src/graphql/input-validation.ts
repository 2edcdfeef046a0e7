import { validate, type ValidationError } from "class-validator";
import type { ValidatorFn } from "type-graphql";
import { badUserInput, type FieldProblem } from "../errors";

/**
 * Validates every input object with its class-validator rules before a resolver runs, so bad input
 * writes nothing. The error names each offending field (`input.email`) and what is wrong with it.
 */
export const validateInput: ValidatorFn = async (argValue) => {
  if (argValue === null || typeof argValue !== "object") return;
  const errors = await validate(argValue as object, { forbidUnknownValues: false, validationError: { target: false, value: false } });
  if (errors.length === 0) return;
  const problems = flatten(errors);
  throw badUserInput(`Invalid input: ${problems.map((p) => `${p.field} ${p.message}`).join("; ")}`, { fields: problems });
};

/** One entry per broken rule: a field with two problems is named twice. */
function flatten(errors: readonly ValidationError[], prefix = ""): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = `${prefix}${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((problem) => ({ field, message: stripProperty(problem, error.property) }));
    return [...own, ...flatten(error.children ?? [], `${field}.`)];
  });
}

/** class-validator messages start with the property name; the field path already says it. */
function stripProperty(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}
