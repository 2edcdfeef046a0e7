-- The rights of the role PurposeQL runs as on PostgreSQL, separate from the role that owns the
-- schema and runs the migrations. Run as the owner, after every `npm run migration:run`:
--
--   psql "$OWNER_DATABASE_URL" -v app=purposeql_app -f deploy/postgres-runtime-role.sql
--
-- The runtime role may read and write the domain's tables, but only SELECT and INSERT access
-- events: it owns nothing, so it cannot UPDATE, DELETE or TRUNCATE them, nor drop or disable the
-- append-only and chain triggers, nor alter the table or the functions that hash it, nor move the
-- chain's head (the chain trigger runs as the owner). test/runtime-role.test.ts applies this file.

GRANT USAGE ON SCHEMA public TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO :"app";

-- The audit: insert and read, nothing else.
REVOKE ALL ON access_event FROM :"app";
GRANT SELECT, INSERT ON access_event TO :"app";
-- Refusals and the audit's own queries, in the same chain: insert and read, nothing else.
REVOKE ALL ON request_event FROM :"app";
GRANT SELECT, INSERT ON request_event TO :"app";
-- A request's reads, one row per request, in the same chain: insert and read, nothing else.
REVOKE ALL ON read_event FROM :"app";
GRANT SELECT, INSERT ON read_event TO :"app";
-- The categories' bits: read; a new key is given its bit by audit_category_register, run as the owner.
REVOKE ALL ON audit_category FROM :"app";
GRANT SELECT ON audit_category TO :"app";
-- The chain's head: read (for `npm run audit -- verify`), never written but by the trigger.
REVOKE ALL ON access_event_chain_head FROM :"app";
GRANT SELECT ON access_event_chain_head TO :"app";
-- The migrations are the owner's: the server only reads that none is pending.
REVOKE ALL ON migrations FROM :"app";
GRANT SELECT ON migrations TO :"app";
