CREATE TABLE "sensor_configs" (
	"agent_id" uuid PRIMARY KEY NOT NULL,
	"facility_id" uuid NOT NULL,
	"config" jsonb NOT NULL,
	"seed" text NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"reported" jsonb,
	"reported_at" timestamp with time zone,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sensor_interactions" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"session_id" uuid NOT NULL,
	"facility_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"interaction" text NOT NULL,
	"persona" text NOT NULL,
	"src_ip" text NOT NULL,
	"username" text,
	"password" text,
	"success" boolean,
	"command" text,
	"url" text,
	"summary" text,
	"info" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sensor_sessions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"facility_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"persona" text NOT NULL,
	"src_ip" text NOT NULL,
	"src_port" integer NOT NULL,
	"dst_port" integer NOT NULL,
	"stage_rank" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"logins" integer DEFAULT 0 NOT NULL,
	"commands" integer DEFAULT 0 NOT NULL,
	"usernames" jsonb NOT NULL,
	"bytes_in" bigint DEFAULT 0 NOT NULL,
	"bytes_out" bigint DEFAULT 0 NOT NULL,
	"alert_id" uuid
);
--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "product" text DEFAULT 'agent' NOT NULL;--> statement-breakpoint
ALTER TABLE "sensor_configs" ADD CONSTRAINT "sensor_configs_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sensor_interactions_session_idx" ON "sensor_interactions" USING btree ("session_id","at");--> statement-breakpoint
CREATE INDEX "sensor_interactions_facility_idx" ON "sensor_interactions" USING btree ("facility_id","at");--> statement-breakpoint
CREATE INDEX "sensor_sessions_facility_idx" ON "sensor_sessions" USING btree ("facility_id","last_at");--> statement-breakpoint
CREATE INDEX "sensor_sessions_src_idx" ON "sensor_sessions" USING btree ("src_ip","last_at");--> statement-breakpoint
CREATE INDEX "sensor_sessions_agent_idx" ON "sensor_sessions" USING btree ("agent_id","last_at");