-- Tenancy in one place: row-level security keyed on the facility scope that
-- apps/server/src/db/scope.ts sets per transaction. The application runs as the
-- non-superuser role mamori_app, so these policies bind it.
-- The role is cluster-wide; several databases may be migrated at once, so a concurrent
-- creation is not an error.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mamori_app') THEN
    CREATE ROLE mamori_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;
--> statement-breakpoint
GRANT mamori_app TO CURRENT_USER;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO mamori_app;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION mamori_can_see(fid uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('mamori.scope', true), '') = 'all'
      OR (fid IS NOT NULL AND fid = ANY (
            string_to_array(nullif(coalesce(current_setting('mamori.facilities', true), ''), ''), ',')::uuid[]))
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION mamori_can_see(uuid) TO mamori_app;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION mamori_is_system() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('mamori.scope', true), '') = 'all'
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION mamori_is_system() TO mamori_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON organisations, facilities, users, user_facilities, sessions, one_time_tokens, settings, client_certificates TO mamori_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON audit_log TO mamori_app;
--> statement-breakpoint
GRANT SELECT, UPDATE ON audit_head TO mamori_app;
--> statement-breakpoint
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));
--> statement-breakpoint
ALTER TABLE facilities ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE facilities FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY facilities_scope ON facilities USING (mamori_can_see(id)) WITH CHECK (mamori_can_see(id) OR mamori_is_system());
--> statement-breakpoint
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY users_scope ON users USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE user_facilities ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE user_facilities FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY user_facilities_scope ON user_facilities USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY audit_log_read ON audit_log FOR SELECT USING (mamori_can_see(facility_id));
--> statement-breakpoint
CREATE POLICY audit_log_append ON audit_log FOR INSERT WITH CHECK (true);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION mamori_audit_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION mamori_audit_immutable();
