/**
 * graphql-js and Apollo quote what the request sent in some of their messages: a literal that does
 * not fit its type (`found "anna@example.lv"`), the token a syntax error stopped at, the operation
 * name asked for. A literal can be personal data, so these parts are cut; the location and the
 * names of types, fields and arguments stay, which is what a caller needs to find the fault.
 */
export function withoutRequestValues(code: string, message: string): string {
  switch (code) {
    case "GRAPHQL_VALIDATION_FAILED":
      return (
        message
          .replace(/^(Expected value of type "[^"]+"), found [\s\S]*$/, "$1; the value given does not fit it.")
          .replace(/^(\w+ cannot represent [^:]*?value):[\s\S]*$/, "$1.")
          // graphql-js's enum check quotes the literal (`non-enum value: {…}`, `Value "…" does not exist`).
          .replace(/^(Enum "[^"]+" cannot represent non-enum value):[\s\S]*$/, "$1.")
          .replace(/^Value "(?:[^"\\]|\\.)*" does not exist in ("[^"]+" enum)[\s\S]*$/, "The value given does not exist in $1.")
          // A custom scalar's own message is reported as it is, and graphql-scalars' end with the value
          // (`DateTime cannot represent an invalid date-time-string <value>.`), without a colon.
          .replace(/^(DateTime|LocalDate|JSONObject) cannot [\s\S]*$/, "$1 cannot represent the value given.")
          .replace(/^Value is not (?:string|a valid LocalDate):[\s\S]*$/, "LocalDate cannot represent the value given.")
      );
    case "GRAPHQL_PARSE_FAILED":
      return message.replace(/:?\s*"(?:[^"\\]|\\.)*"/g, "");
    case "OPERATION_RESOLUTION_FAILURE":
      return message.replace(/ named "(?:[^"\\]|\\.)*"/, ": no operation in the document has the operationName given");
    default:
      return message;
  }
}
