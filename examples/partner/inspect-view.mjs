// Compares, with GraphQL Inspector, the schema introspected with a key and the SDL served to the same key.
//   PURPOSEQL_URL=http://localhost:4000/graphql PURPOSEQL_API_KEY=… node examples/partner/inspect-view.mjs
// Exit status 0 when Inspector finds no difference.
import { diff } from "@graphql-inspector/core";
import { buildClientSchema, buildSchema, getIntrospectionQuery, Kind, parse, print, visit } from "graphql";

const url = process.env.PURPOSEQL_URL ?? "http://localhost:4000/graphql";
const headers = { authorization: `Bearer ${process.env.PURPOSEQL_API_KEY}`, "content-type": "application/json" };

const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true });
const introspection = await (await fetch(url, { method: "POST", headers, body: JSON.stringify({ query }) })).json();
if (!introspection.data) throw new Error(`Introspection refused: ${JSON.stringify(introspection.errors)}`);
const introspected = buildClientSchema(introspection.data);
const sdl = parse(await (await fetch(`${url}/schema.graphql`, { headers })).text());

// Introspection has no place for applied directives (the GraphQL specification, graphql-js 16), and
// Inspector reads them from the SDL's syntax tree: compare what introspection can say — every type,
// field, argument, input field, enum value, description and directive definition.
const withoutAppliedDirectives = visit(sdl, {
  Directive: (_node, _key, _parent, _path, ancestors) =>
    ancestors.some((node) => node.kind === Kind.DIRECTIVE_DEFINITION) ? undefined : null,
});
const changes = await diff(introspected, buildSchema(print(withoutAppliedDirectives)));
for (const change of changes) console.log(`${change.criticality.level} ${change.message}`);

// The applied directives themselves: each @dataCategory tag of the SDL, which privacyManifest serves as data too.
const tags = (await diff(introspected, buildSchema(print(sdl)))).filter((change) => change.path?.endsWith(".@dataCategory"));
console.log(`${changes.length} difference(s); ${tags.length} @dataCategory tag(s) that only the SDL carries.`);
process.exitCode = changes.length > 0 ? 1 : 0;
