-- Tests sent from the console are deliveries without an alert; a test of a region-level channel has no
-- facility either (row-level security then shows it to the region scope only). The history lists newest first.
ALTER TABLE "notification_attempts" ALTER COLUMN "facility_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ALTER COLUMN "alert_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "notification_deliveries" ALTER COLUMN "facility_id" DROP NOT NULL;--> statement-breakpoint
CREATE INDEX "deliveries_created_idx" ON "notification_deliveries" USING btree ("created_at");