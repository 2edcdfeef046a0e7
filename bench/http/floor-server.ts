import http from "node:http";
import { Pool } from "pg";
import { CONSENT_FIELDS, CONSENT_PURPOSE, CONTRACT_FIELDS, PAGE_SIZE, selectList } from "./fields";

/**
 * The floor: what the same reads cost with nothing but `pg` and `JSON.stringify` behind a bare
 * `node:http` handler — no GraphQL, no authentication, no enforcement, no audit, no decryption.
 * Prepared statements (named), a pool of 10 as PurposeQL's, keyset pages over `seq`.
 *
 *   GET /subject?id=<uuid>               one subject, six contract fields
 *   GET /subjects?after=<seq>            a page of 100 in seq order, six contract fields
 *   GET /subjects?after=<seq>&consent=1  a page of 100 of those with an active consent to the consent purpose, its six fields
 *   GET /refused                         403, as an operation refused before execution
 *
 * Env: PORT, DATABASE_URL.
 */
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

const BY_ID = { name: "floor_by_id", text: `SELECT id, ${selectList(CONTRACT_FIELDS)} FROM data_subject WHERE id = $1` };
const PAGE = {
  name: "floor_page",
  text: `SELECT seq, id, ${selectList(CONTRACT_FIELDS)} FROM data_subject WHERE seq > $1 ORDER BY seq LIMIT ${PAGE_SIZE}`,
};
// A hand-written app's consent filter: the subject has an active (not withdrawn) consent to the purpose.
const CONSENT_PAGE = {
  name: "floor_consent_page",
  text: `SELECT s.seq, s.id, ${selectList(CONSENT_FIELDS)} FROM data_subject s
    WHERE s.seq > $1 AND EXISTS (SELECT 1 FROM consent c WHERE c.subject_id = s.id AND c.purpose_key = '${CONSENT_PURPOSE}'
      AND c.given_at <= now() AND c.withdrawn_at IS NULL)
    ORDER BY s.seq LIMIT ${PAGE_SIZE}`,
};

function answer(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = new URL(request.url ?? "/", "http://floor");
  if (url.pathname === "/subject") {
    const { rows } = await pool.query({ ...BY_ID, values: [url.searchParams.get("id")] });
    answer(response, 200, { data: { subject: rows[0] ?? null } });
  } else if (url.pathname === "/subjects") {
    const statement = url.searchParams.get("consent") === "1" ? CONSENT_PAGE : PAGE;
    const { rows } = await pool.query({ ...statement, values: [url.searchParams.get("after") ?? "0"] });
    answer(response, 200, { data: { subjects: { nodes: rows } } });
  } else if (url.pathname === "/refused") {
    answer(response, 403, { errors: [{ message: "refused before execution", extensions: { code: "PURPOSE_LIMITATION" } }] });
  } else if (url.pathname === "/readyz") {
    await pool.query("SELECT 1");
    answer(response, 200, { status: "ready" });
  } else answer(response, 404, { errors: [{ message: "not found" }] });
}

const server = http.createServer((request, response) => {
  handle(request, response).catch((error: unknown) => answer(response, 500, { errors: [{ message: String(error) }] }));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 4102), "127.0.0.1");
process.on("SIGTERM", () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
