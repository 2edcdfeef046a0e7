import { createHash } from "node:crypto";
import path from "node:path";
import { Router, type Request, type RequestHandler } from "express";
import { notFound } from "./http-failures";

/**
 * GraphiQL, the browser IDE, at /graphql: a browser's GET of /graphql without a query gets its page,
 * and everything the page loads comes from this server — GraphiQL 3's prebuilt browser bundle and
 * its stylesheet (fonts included, as data), React's, and the script that starts it — so it works
 * offline, and nothing reports anywhere (GraphiQL has no telemetry). GraphiQL 3 is the last line that
 * ships a prebuilt browser bundle; 4 and 5 are ES modules to bundle, 5 with Monaco and its workers.
 *
 * The page's Content-Security-Policy allows scripts from this server only (no inline script, no
 * eval), its one inline style by its hash, fonts and images as data, and requests to this server.
 */

export const GRAPHIQL_ASSETS_PATH = "/graphql/ide";

/** The files the page loads, by the name it asks for: nothing else is served from this path. */
const ASSETS: ReadonlyMap<string, string> = new Map([
  ["react.production.min.js", packageFile("react", "umd/react.production.min.js")],
  ["react-dom.production.min.js", packageFile("react-dom", "umd/react-dom.production.min.js")],
  ["graphiql.min.js", packageFile("graphiql", "graphiql.min.js")],
  ["graphiql.min.css", packageFile("graphiql", "graphiql.min.css")],
  // Beside this module in src/ and, compiled as it is, in dist/.
  ["purposeql-graphiql.js", path.join(__dirname, "graphiql-start.js")],
]);

function packageFile(name: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${name}/package.json`)), file);
}

const STYLE = "body { margin: 0; } #graphiql { height: 100vh; }";

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>PurposeQL · GraphiQL</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="${GRAPHIQL_ASSETS_PATH}/graphiql.min.css">
    <style>${STYLE}</style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="${GRAPHIQL_ASSETS_PATH}/react.production.min.js"></script>
    <script src="${GRAPHIQL_ASSETS_PATH}/react-dom.production.min.js"></script>
    <script src="${GRAPHIQL_ASSETS_PATH}/graphiql.min.js"></script>
    <script src="${GRAPHIQL_ASSETS_PATH}/purposeql-graphiql.js"></script>
  </body>
</html>
`;

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'self' 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`,
  "font-src data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** What the page and every file it loads are sent with. */
const HARDENING = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** A browser opening /graphql: a GET without a query that prefers HTML to the JSON a GraphQL client asks for. */
function isBrowserPageRequest(request: Request): boolean {
  return (
    request.query.query === undefined &&
    request.accepts(["application/json", "application/graphql-response+json", "text/html"]) === "text/html"
  );
}

/** GraphiQL's page at /graphql for browsers, and its files under /graphql/ide; any other request goes on. */
export function graphiql(): Router {
  const router = Router();
  const page: RequestHandler = (request, response, next) => {
    if (!isBrowserPageRequest(request)) {
      next();
      return;
    }
    response
      .set({ ...HARDENING, "Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Frame-Options": "DENY", "Cache-Control": "no-cache" })
      .type("html")
      .send(PAGE);
  };
  router.get("/graphql", page);
  router.get(`${GRAPHIQL_ASSETS_PATH}/:file`, (request, response, next) => {
    const file = ASSETS.get(request.params.file);
    if (file === undefined) {
      notFound(request, response, next);
      return;
    }
    // Revalidated by ETag: the files change only when the package is upgraded.
    response.sendFile(file, { headers: { ...HARDENING, "Cache-Control": "no-cache" } }, (error) => {
      if (error) next(error);
    });
  });
  return router;
}
