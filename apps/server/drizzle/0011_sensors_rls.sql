-- Sensor tables are facility-owned: the same row-level security as 0001.
GRANT SELECT, INSERT, UPDATE, DELETE ON sensor_configs, sensor_sessions TO mamori_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON sensor_interactions TO mamori_app;
--> statement-breakpoint
ALTER TABLE sensor_configs ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE sensor_configs FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY sensor_configs_scope ON sensor_configs USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE sensor_sessions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE sensor_sessions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY sensor_sessions_scope ON sensor_sessions USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE sensor_interactions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE sensor_interactions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY sensor_interactions_scope ON sensor_interactions USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
