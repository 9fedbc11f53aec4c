CREATE TABLE "beacon_hits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"facility_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"token" text NOT NULL,
	"path" text NOT NULL,
	"kind" text NOT NULL,
	"channel" text NOT NULL,
	"ip" text NOT NULL,
	"user_agent" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "decoy_host_state" (
	"agent_id" uuid PRIMARY KEY NOT NULL,
	"facility_id" uuid NOT NULL,
	"verified_at" timestamp with time zone,
	"problems" jsonb NOT NULL,
	"isolated" boolean DEFAULT false NOT NULL,
	"isolation_desired" text,
	"isolation_request_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "decoy_policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"facility_id" uuid NOT NULL,
	"name" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"agent_ids" jsonb NOT NULL,
	"directories" jsonb NOT NULL,
	"per_directory" integer NOT NULL,
	"kinds" jsonb NOT NULL,
	"beacons" boolean NOT NULL,
	"response" jsonb NOT NULL,
	"seed" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "decoys" (
	"agent_id" uuid NOT NULL,
	"path" text NOT NULL,
	"facility_id" uuid NOT NULL,
	"policy_id" uuid NOT NULL,
	"directory" text NOT NULL,
	"kind" text NOT NULL,
	"sha256" text NOT NULL,
	"size" integer NOT NULL,
	"beacon_token" text,
	"reported_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "decoys_agent_id_path_pk" PRIMARY KEY("agent_id","path")
);
--> statement-breakpoint
CREATE TABLE "host_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"facility_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"title" text NOT NULL,
	"details" jsonb NOT NULL,
	"alert_id" uuid
);
--> statement-breakpoint
ALTER TABLE "decoy_host_state" ADD CONSTRAINT "decoy_host_state_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decoy_policies" ADD CONSTRAINT "decoy_policies_facility_id_facilities_id_fk" FOREIGN KEY ("facility_id") REFERENCES "public"."facilities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decoys" ADD CONSTRAINT "decoys_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "beacon_hits_facility_idx" ON "beacon_hits" USING btree ("facility_id","at");--> statement-breakpoint
CREATE INDEX "decoy_policies_facility_idx" ON "decoy_policies" USING btree ("facility_id");--> statement-breakpoint
CREATE UNIQUE INDEX "decoys_beacon_token_idx" ON "decoys" USING btree ("beacon_token");--> statement-breakpoint
CREATE INDEX "decoys_facility_idx" ON "decoys" USING btree ("facility_id");--> statement-breakpoint
CREATE INDEX "host_events_agent_idx" ON "host_events" USING btree ("agent_id","at");