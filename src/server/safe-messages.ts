/**
 * graphql-js and Apollo quote what the request sent in some of their messages: a literal that does
 * not fit its type (`found "anna@example.lv"`), the token a syntax error stopped at, the operation
 * name asked for. A literal can be personal data, so these parts are cut; the location and the
 * names of types, fields and arguments stay, which is what a caller needs to find the fault.
 */
export function withoutRequestValues(code: string, message: string): string {
  switch (code) {
    case "GRAPHQL_VALIDATION_FAILED":
      return message
        .replace(/^(Expected value of type "[^"]+"), found [\s\S]*$/, "$1; the value given does not fit it.")
        .replace(/^(\w+(?: "[^"]+")? cannot represent [^:]*?value):[\s\S]*$/, "$1.");
    case "GRAPHQL_PARSE_FAILED":
      return message.replace(/:?\s*"(?:[^"\\]|\\.)*"/g, "");
    case "OPERATION_RESOLUTION_FAILURE":
      return message.replace(/ named "(?:[^"\\]|\\.)*"/, ": no operation in the document has the operationName given");
    default:
      return message;
  }
}
