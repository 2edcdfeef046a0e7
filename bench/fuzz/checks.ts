import path from "node:path";
import { ECHO_TOKEN } from "./operations";
import type { FuzzRequest } from "./requests";
import type { Marker } from "./world";

/** What came back, as the client saw it. */
export interface FuzzResponse {
  readonly status: number;
  readonly contentType: string | null;
  readonly requestId: string | null;
  readonly text: string;
}

export interface Verdict {
  /** Each property the response breaks, in words. */
  readonly problems: readonly string[];
  /** The markers anywhere in the response (exports included): it must have its audit events. */
  readonly carried: readonly Marker[];
}

const REPOSITORY = path.resolve(__dirname, "../..");
/** A stack frame, or a stack's name, in an error. */
const STACK = [/"stack(trace)?"\s*:/i, /\n\s*at \S/, /\bat \S+ \([^)]*:\d+:\d+\)/, /node_modules/, /file:\/\//];
const TOP_LEVEL_KEYS = new Set(["data", "errors", "extensions"]);

/**
 * The properties every response has, whatever was sent: never a 500 nor an internal error; JSON in
 * the GraphQL shape with a code on every error; no stack, no path of the server's files, no value
 * of the request repeated in an error; and no value of a category the declared purposes do not
 * grant. `readable` answers the categories a purpose may read under the policy in force when the
 * request was sent.
 */
export function verdictOf(
  request: FuzzRequest,
  response: FuzzResponse,
  markers: readonly Marker[],
  readable: (purpose: string) => readonly string[],
): Verdict {
  const problems: string[] = [];
  if (response.status >= 500 && response.status !== 503) problems.push(`status ${response.status}`);
  if (!/^application\/(graphql-response\+)?json\b/.test(response.contentType ?? "")) problems.push(`content type ${response.contentType}`);
  if (response.text.includes(REPOSITORY)) problems.push("the server's path in the body");

  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    problems.push("a body that is not JSON");
    return { problems, carried: [] };
  }
  if (!isRecord(body)) {
    problems.push("a body that is not a JSON object");
    return { problems, carried: [] };
  }
  const unexpected = Object.keys(body).filter((key) => !TOP_LEVEL_KEYS.has(key));
  if (unexpected.length > 0) problems.push(`unexpected members ${unexpected.join(", ")}`);
  if (!("data" in body) && !("errors" in body)) problems.push("neither data nor errors");
  if ("data" in body && body.data !== null && !isRecord(body.data)) problems.push("data that is not an object");

  if ("errors" in body) {
    if (!Array.isArray(body.errors) || body.errors.length === 0) {
      problems.push("errors that are not a non-empty list");
    } else {
      for (const error of body.errors as unknown[]) {
        const code = isRecord(error) && isRecord(error.extensions) ? error.extensions.code : undefined;
        if (!isRecord(error) || typeof error.message !== "string" || typeof code !== "string") {
          problems.push(`an error without a message or a code: ${JSON.stringify(error).slice(0, 300)}`);
        } else if (code === "INTERNAL_SERVER_ERROR") {
          problems.push(`an internal error: ${error.message}`);
        } else if (isRecord(error.extensions) && "fields" in error.extensions && !isFieldList(error.extensions.fields)) {
          problems.push(
            `extensions.fields that are not a list of { field, message }: ${JSON.stringify(error.extensions.fields).slice(0, 300)}`,
          );
        }
      }
      const errors = JSON.stringify(body.errors);
      for (const pattern of STACK) if (pattern.test(errors)) problems.push(`a stack in an error (${pattern})`);
      if (errors.includes(ECHO_TOKEN)) problems.push(`a value of the request repeated in an error: ${excerptAround(errors, ECHO_TOKEN)}`);
    }
  }

  // Exports are the person's own copy and hold everything; every other member answers to the purpose.
  const carried = markers.filter((marker) => contains(strings(body), marker));
  const checked = { ...body, data: withoutKeys(body.data, request.exportKeys) };
  const allowed = allowedCategories(request, readable);
  for (const marker of markers) {
    if (marker.categories.some((category) => allowed.has(category))) continue;
    if (contains(strings(checked), marker)) {
      const declared = [request.declared.header, request.declared.directive].filter((purpose) => purpose !== null);
      problems.push(`${marker.where} (${marker.categories.join(" or ")}) released under ${declared.join(" + ") || "no purpose"}`);
    }
  }
  return { problems, carried };
}

/** What every declared purpose may read: a request that names two must not exceed either. */
function allowedCategories(request: FuzzRequest, readable: (purpose: string) => readonly string[]): Set<string> {
  const declared = [request.declared.header, request.declared.directive].filter((purpose) => purpose !== null);
  if (declared.length === 0) return new Set();
  const [first, ...rest] = declared.map((purpose) => new Set(readable(purpose)));
  return new Set([...(first ?? [])].filter((category) => rest.every((set) => set.has(category))));
}

export function markerIn(text: string, marker: Marker): boolean {
  return marker.exact ? text.includes(JSON.stringify(marker.value)) : text.includes(marker.value);
}

function contains(values: readonly string[], marker: Marker): boolean {
  return marker.exact ? values.includes(marker.value) : values.some((value) => value.includes(marker.value));
}

/** Every string in a JSON value: the values, error messages and the values of extensions. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (isRecord(value)) return Object.values(value).flatMap(strings);
  return [];
}

function withoutKeys(data: unknown, keys: readonly string[]): unknown {
  if (!isRecord(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([key]) => !keys.includes(key)));
}

/** One error shape (README, Errors): each entry of `extensions.fields` an object with its field and message. */
function isFieldList(value: unknown): boolean {
  return (
    Array.isArray(value) && value.every((entry) => isRecord(entry) && typeof entry.field === "string" && typeof entry.message === "string")
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function excerptAround(text: string, needle: string): string {
  const at = text.indexOf(needle);
  return text.slice(Math.max(0, at - 150), at + 100);
}
