-- Decoy tables are facility-owned: the same row-level security as 0001.
GRANT SELECT, INSERT, UPDATE, DELETE ON decoy_policies, decoy_host_state, decoys TO mamori_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON beacon_hits, host_events TO mamori_app;
--> statement-breakpoint
GRANT USAGE ON SEQUENCE host_events_id_seq TO mamori_app;
--> statement-breakpoint
ALTER TABLE decoy_policies ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE decoy_policies FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY decoy_policies_scope ON decoy_policies USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE decoy_host_state ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE decoy_host_state FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY decoy_host_state_scope ON decoy_host_state USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE decoys ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE decoys FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY decoys_scope ON decoys USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE beacon_hits ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE beacon_hits FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY beacon_hits_scope ON beacon_hits USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE host_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE host_events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY host_events_scope ON host_events USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
