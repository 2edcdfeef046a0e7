import { registerDecorator, type ValidationOptions } from "class-validator";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A calendar date `YYYY-MM-DD` that exists and lies before today (UTC). Year 0000 is refused: the
 * proleptic calendar has no year 0 for PostgreSQL's `date`, so it would fail in the database instead.
 */
export function IsPastDate(options?: ValidationOptions): PropertyDecorator {
  return (target, property) => {
    registerDecorator({
      name: "isPastDate",
      target: target.constructor,
      propertyName: String(property),
      options: { message: "must be a date (YYYY-MM-DD) in the past", ...options },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== "string" || !ISO_DATE.test(value)) return false;
          const date = new Date(`${value}T00:00:00Z`);
          const exists = !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
          return exists && value >= "0001-01-01" && value < new Date().toISOString().slice(0, 10);
        },
      },
    });
  };
}
