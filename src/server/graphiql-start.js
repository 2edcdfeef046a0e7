/*
 * Starts GraphiQL on PurposeQL's /graphql page (src/server/graphiql.ts serves this file, GraphiQL
 * and React). A plain browser script: React, ReactDOM and GraphiQL are the globals their bundles set.
 *
 * - The headers editor opens prefilled with `Authorization` and `X-Purpose`; the key is never
 *   stored (shouldPersistHeaders: false), only the query tabs are, in this browser.
 * - The schema (documentation, completion, validation) is read from /graphql/schema.graphql with
 *   the headers typed, whenever they change — so the IDE works where introspection is off, and
 *   shows what that key is served.
 * - Every request goes to this server, and nowhere else.
 */
(() => {
  const endpoint = new URL("/graphql", window.location.href).href;
  const sdlEndpoint = `${endpoint}/schema.graphql`;

  const EXAMPLE_HEADERS = JSON.stringify({ Authorization: "Bearer <your API key>", "X-Purpose": "essential.service" }, null, 2);

  const EXAMPLE_QUERY = `# PurposeQL: put your API key in the headers
# below, and a purpose your key may declare.
# A personal field is released only for a purpose
# that may read it, and every release is audited.
# The documentation (top left) shows what your key
# is served. Run with Ctrl-Enter.
query Example {
  viewer {
    clientName
    role
  }
  subjects(first: 5) {
    totalCount
    edges {
      node {
        id
        fullName
        email
        country
      }
    }
  }
}
`;

  /** GraphiQL's fetcher: the operation as JSON over POST, with the headers of the headers editor. */
  async function fetcher(params, options) {
    const headers = (options && options.headers) || {};
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...headers },
      body: JSON.stringify(params),
    });
    return response.json();
  }

  /** The schema this key is served, or null (no key yet, a wrong one, headers that are not JSON). */
  async function schemaFor(headersText) {
    try {
      const headers = JSON.parse(headersText || "{}");
      const response = await fetch(sdlEndpoint, { headers });
      if (!response.ok) return null;
      return GraphiQL.GraphQL.buildSchema(await response.text());
    } catch {
      return null;
    }
  }

  function PurposeQLGraphiQL() {
    const [headers, setHeaders] = React.useState(EXAMPLE_HEADERS);
    // null, not undefined: GraphiQL would otherwise try introspection, which production refuses.
    const [schema, setSchema] = React.useState(null);
    React.useEffect(() => {
      let current = true;
      // Typing a key changes the headers at every keystroke: wait until it rests.
      const timer = setTimeout(() => {
        void schemaFor(headers).then((loaded) => {
          if (current) setSchema(loaded);
        });
      }, 300);
      return () => {
        current = false;
        clearTimeout(timer);
      };
    }, [headers]);
    return React.createElement(GraphiQL, {
      fetcher,
      schema,
      defaultQuery: EXAMPLE_QUERY,
      defaultHeaders: EXAMPLE_HEADERS,
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: "headers",
      onEditHeaders: setHeaders,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(PurposeQLGraphiQL));
})();
