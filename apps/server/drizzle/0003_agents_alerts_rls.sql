-- Agents and alerts are facility-owned: the same row-level security as 0001.
GRANT SELECT, INSERT, UPDATE, DELETE ON enrolment_tokens, agents, alerts TO mamori_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON agent_events, alert_timeline TO mamori_app;
--> statement-breakpoint
GRANT UPDATE (alert_id) ON agent_events TO mamori_app;
--> statement-breakpoint
GRANT USAGE ON SEQUENCE alert_timeline_id_seq TO mamori_app;
--> statement-breakpoint
ALTER TABLE enrolment_tokens ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE enrolment_tokens FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY enrolment_tokens_scope ON enrolment_tokens USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE agents ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE agents FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY agents_scope ON agents USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE agent_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE agent_events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY agent_events_scope ON agent_events USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE alerts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE alerts FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY alerts_scope ON alerts USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE alert_timeline ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE alert_timeline FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY alert_timeline_scope ON alert_timeline USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
