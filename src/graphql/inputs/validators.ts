import { registerDecorator, type ValidationOptions } from "class-validator";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date `YYYY-MM-DD` that exists and lies before today (UTC). */
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
          return exists && value < new Date().toISOString().slice(0, 10);
        },
      },
    });
  };
}
