-- Notification channels and rules: region-level ones (facility null) are visible to the region
-- scope only; facility ones to that facility. Deliveries and attempts follow the alert's facility.
GRANT SELECT, INSERT, UPDATE, DELETE ON notification_channels, notification_rules, notification_deliveries TO mamori_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON notification_attempts TO mamori_app;
--> statement-breakpoint
ALTER TABLE notification_channels ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE notification_channels FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY notification_channels_scope ON notification_channels USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE notification_rules ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE notification_rules FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY notification_rules_scope ON notification_rules USING (mamori_can_see(owner_facility_id)) WITH CHECK (mamori_can_see(owner_facility_id));
--> statement-breakpoint
ALTER TABLE notification_deliveries ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE notification_deliveries FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY notification_deliveries_scope ON notification_deliveries USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
--> statement-breakpoint
ALTER TABLE notification_attempts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE notification_attempts FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY notification_attempts_scope ON notification_attempts USING (mamori_can_see(facility_id)) WITH CHECK (mamori_can_see(facility_id));
