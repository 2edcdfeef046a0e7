import { ClientRole } from "../src/domain/policy-terms";
import { createTestClient, DEV_KEY, overHttpPurposeQLForThisFile, type GraphQLResponse } from "./support/harness";

/**
 * HTTP as clients and browsers expect it (issue 12, item 7): every 401 says how to authenticate
 * (`WWW-Authenticate: Bearer`, RFC 6750), and CORS answers the configured origins — and only them.
 */

const PARTNER_ORIGIN = "https://partner.example";
const purposeql = overHttpPurposeQLForThisFile({ corsOrigins: [PARTNER_ORIGIN, "http://localhost:5173"] });
const SERVICE = "essential.service";
const QUERY = JSON.stringify({ query: "{ policyVersion }" });

const post = (headers: Record<string, string>, body = QUERY): Promise<Response> =>
  fetch(purposeql.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

const preflight = (origin: string, requestHeaders = "authorization, content-type, x-purpose", url = purposeql.url): Promise<Response> =>
  fetch(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": requestHeaders },
  });

const corsHeadersOf = (response: Response): string[] =>
  [...response.headers.keys()].filter((name) => name.startsWith("access-control-")).sort();

describe("WWW-Authenticate on every 401", () => {
  const PLAIN = 'Bearer realm="purposeql"';
  const INVALID = 'Bearer realm="purposeql", error="invalid_token"';
  let revoked: string;

  beforeAll(async () => {
    revoked = await createTestClient(purposeql, { name: "revoked-app", role: ClientRole.INTERNAL_APP, purposes: [SERVICE] });
    const answer = await purposeql.post(`mutation { revokeClient(name: "revoked-app") { name } }`);
    expect(answer.body.errors).toBeUndefined();
  });

  const cases = (): [string, Record<string, string>, string][] => [
    ["no Authorization header", {}, PLAIN],
    ["another scheme", { authorization: "Basic dXNlcjpwYXNz" }, PLAIN],
    ["a malformed bearer key", { authorization: "Bearer two words" }, INVALID],
    ["an unknown key", { authorization: "Bearer pql_not-a-key-of-anyone" }, INVALID],
    ["a revoked key", { authorization: `Bearer ${revoked}` }, INVALID],
  ];

  it("answers /graphql (POST and GET) with the challenge: error=invalid_token only when a bearer key was sent", async () => {
    for (const [what, headers, challenge] of cases()) {
      const viaPost = await post(headers);
      const viaGet = await fetch(`${purposeql.url}?query=${encodeURIComponent("{ policyVersion }")}`, {
        headers: { "apollo-require-preflight": "true", ...headers },
      });
      for (const response of [viaPost, viaGet]) {
        expect({ what, status: response.status, challenge: response.headers.get("www-authenticate") }).toEqual({
          what,
          status: 401,
          challenge,
        });
        const body = (await response.json()) as GraphQLResponse;
        // The hint stays in the header: the error carries its code, never Apollo's `http` extension.
        expect(Object.keys(body.errors?.[0]?.extensions ?? {}).sort()).toEqual(["code", "requestId"]);
      }
    }
  });

  it("answers /graphql/schema.graphql with the same challenge", async () => {
    for (const [what, headers, challenge] of cases()) {
      const response = await fetch(`${purposeql.url}/schema.graphql`, { headers });
      expect({ what, status: response.status, challenge: response.headers.get("www-authenticate") }).toEqual({
        what,
        status: 401,
        challenge,
      });
    }
  });

  it("sends no challenge with an answer to a valid key", async () => {
    const response = await post({ authorization: `Bearer ${DEV_KEY}` });
    expect(response.status).toBe(200);
    expect(response.headers.get("www-authenticate")).toBeNull();
  });
});

describe("CORS for the configured origins (PURPOSEQL_CORS_ORIGINS)", () => {
  it("answers an allowed origin's preflight: 204, its origin, GET and POST, the headers a request needs", async () => {
    const response = await preflight(PARTNER_ORIGIN, "authorization, content-type, x-purpose, apollo-require-preflight");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(PARTNER_ORIGIN);
    expect(response.headers.get("access-control-allow-methods")).toBe("GET,POST");
    const allowed = (response.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(",");
    expect(allowed).toEqual(expect.arrayContaining(["authorization", "x-purpose", "content-type", "apollo-require-preflight"]));
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(response.headers.get("access-control-max-age")).toBe("600");
    expect(response.headers.get("vary")).toMatch(/\bOrigin\b/);
  });

  it("answers the allowed origin's request, with the headers it may read, and Vary: Origin beside the purpose's Vary", async () => {
    const response = await post({ origin: PARTNER_ORIGIN, authorization: `Bearer ${DEV_KEY}` });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(PARTNER_ORIGIN);
    expect((response.headers.get("access-control-expose-headers") ?? "").split(",")).toEqual([
      "X-Request-Id",
      "Retry-After",
      "WWW-Authenticate",
    ]);
    expect(await response.json()).toEqual({ data: { policyVersion: expect.any(Number) } });

    // An answer about personal data varies by key and purpose (item 5) and, here, by origin too.
    const personal = await post(
      { origin: "http://localhost:5173", authorization: `Bearer ${DEV_KEY}`, "x-purpose": SERVICE },
      JSON.stringify({ query: "{ subjects(first: 1) { totalCount } }" }),
    );
    expect(personal.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const vary = (personal.headers.get("vary") ?? "").split(",").map((name) => name.trim().toLowerCase());
    expect(vary).toEqual(expect.arrayContaining(["authorization", "x-purpose", "origin"]));

    // A 401 is readable too, challenge included: the page can tell its user the key is wrong.
    const refused = await post({ origin: PARTNER_ORIGIN, authorization: "Bearer pql_wrong" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(PARTNER_ORIGIN);
  });

  it("gives any other origin no CORS header at all, so its page cannot read the answer, and refuses its preflight", async () => {
    for (const origin of ["https://evil.example", "https://partner.example.evil.example", "http://partner.example", "null"]) {
      const answer = await post({ origin, authorization: `Bearer ${DEV_KEY}` });
      expect({ origin, cors: corsHeadersOf(answer) }).toEqual({ origin, cors: [] });
      expect(answer.headers.get("vary")).toMatch(/\bOrigin\b/);
      const refused = await preflight(origin);
      expect({ origin, status: refused.status, cors: corsHeadersOf(refused) }).toEqual({ origin, status: 405, cors: [] });
    }
    // No Origin: not a browser's cross-origin request; no CORS header either.
    expect(corsHeadersOf(await post({ authorization: `Bearer ${DEV_KEY}` }))).toEqual([]);
  });

  it("answers the preflight of the schema's SDL too, and an OPTIONS without a preflight as before (405)", async () => {
    const sdl = await preflight(PARTNER_ORIGIN, "authorization", `${purposeql.url}/schema.graphql`);
    expect(sdl.status).toBe(204);
    expect(sdl.headers.get("access-control-allow-origin")).toBe(PARTNER_ORIGIN);
    const options = await fetch(purposeql.url, { method: "OPTIONS" });
    expect(options.status).toBe(405);
  });

  it("keeps Apollo's CSRF prevention: a GET carrying none of the preflighted headers is refused, from an allowed origin too", async () => {
    const response = await fetch(`${purposeql.url}?query=${encodeURIComponent("{ policyVersion }")}`, {
      headers: { origin: PARTNER_ORIGIN },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as GraphQLResponse;
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
  });
});

describe("without PURPOSEQL_CORS_ORIGINS", () => {
  const closed = overHttpPurposeQLForThisFile();

  it("answers no origin: no CORS header, and every preflight refused", async () => {
    const answer = await fetch(closed.url, {
      method: "POST",
      headers: { "content-type": "application/json", origin: PARTNER_ORIGIN, authorization: `Bearer ${DEV_KEY}` },
      body: QUERY,
    });
    expect(answer.status).toBe(200);
    expect(corsHeadersOf(answer)).toEqual([]);
    const refused = await preflight(PARTNER_ORIGIN, "authorization", closed.url);
    expect({ status: refused.status, cors: corsHeadersOf(refused) }).toEqual({ status: 405, cors: [] });
  });
});
